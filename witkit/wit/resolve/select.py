"""`select_world`, which lives in `witkit.wit.select` so that choosing a world out of a kept
resolution imports nothing of the resolver."""

from __future__ import annotations

from witkit.wit.select import select_world

__all__ = ["select_world"]
