"""Everything under tests/hostile/ carries the `hostile` marker, so `pytest -m hostile` runs it alone.

Tests elsewhere that prove a hostile-input case (a tampered cache entry, an archive escape) carry
`@pytest.mark.hostile` themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.support import VIAS, Loaders

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.hostile)


@pytest.fixture(scope="session")
def loaders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaders]:
    """Generated bindings for the hostile worlds, importable for the whole session."""
    root = tmp_path_factory.mktemp("hostile-bindings")
    sys.path.insert(0, str(root))
    made = Loaders(root)
    try:
        yield made
    finally:
        sys.path.remove(str(root))
        made.unload()


@pytest.fixture(params=VIAS)
def via(request: pytest.FixtureRequest) -> str:
    """Each hostile guest is loaded through generated bindings and through the dynamic API."""
    value: str = request.param
    return value
