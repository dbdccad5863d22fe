"""Everything under tests/hostile/ carries the `hostile` marker, so `pytest -m hostile` runs it alone.

Tests elsewhere that prove a hostile-input case (a tampered cache entry, an archive escape) carry
`@pytest.mark.hostile` themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.hostile)
