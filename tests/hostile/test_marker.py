"""The `hostile` marker reaches every test in this folder (what `pytest -m hostile` relies on)."""

from __future__ import annotations

import pytest


def test_this_folder_is_marked_hostile(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("hostile") is not None
