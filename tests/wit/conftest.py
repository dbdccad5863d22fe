"""Fixtures shared by the WIT tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def witkit_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user cache folder, enabled: witkit's own folder inside it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("WITKIT_CACHE", raising=False)
    return tmp_path / "witkit"
