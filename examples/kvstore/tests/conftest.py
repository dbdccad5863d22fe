"""Put the guest's modules and componentize-py's bindings for its world on `sys.path`."""

from __future__ import annotations

import sys
from pathlib import Path

from witkit.guest import guest_bindings

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(guest_bindings(ROOT))]
