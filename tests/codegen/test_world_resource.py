"""A resource declared in the world itself: an abstract class the host subclasses, named on
the imports object, served to a real WAT component that constructs, reads, lends and drops it."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.conftest import Generated
from tests.codegen.world_resource_wat import WORLD_RESOURCE_WAT
from witkit.errors import BindingError


@pytest.fixture(scope="module")
def wr(generated: Generated, mypy_errors: dict[str, list[str]]) -> ModuleType:
    assert mypy_errors["world_resource"] == []
    return importlib.import_module("world_resource")


def _host(wr: ModuleType, events: list[tuple[str, int]]) -> tuple[type[Any], Any]:
    class Cell(wr.Cell):  # type: ignore[misc]
        def __init__(self, start: int) -> None:
            self.start = start
            events.append(("new", start))

        def get(self) -> int:
            return int(self.start)

        @staticmethod
        def zero() -> Cell:
            return Cell(0)

        def dropped(self) -> None:
            events.append(("drop", self.start))

    class Imports(wr.WorldResourceImports):  # type: ignore[misc]
        def twice(self, c: Any) -> int:
            events.append(("twice", c.start))
            return 2 * int(c.get())

    Imports.Cell = Cell
    return Cell, Imports()


def test_the_world_resource_is_an_abstract_class_named_on_the_imports_object(
    wr: ModuleType,
) -> None:
    assert wr.Cell.__abstractmethods__ == {"__init__", "get", "zero"}
    assert "Cell" in wr.WorldResourceImports.__annotations__
    assert "Cell" in wr.__all__
    assert wr.Cell.zero.__doc__ == 'Ends in a quote: "cell"'
    with pytest.raises(TypeError):
        wr.Cell(1)


def test_the_plugin_constructs_reads_lends_and_drops_the_hosts_cell(wr: ModuleType) -> None:
    events: list[tuple[str, int]] = []
    cell_class, imports = _host(wr, events)
    plugin = wr.WorldResource.load(WORLD_RESOURCE_WAT.encode(), imports=imports)
    assert plugin.make_and_read(5) == 15
    assert events == [("new", 5), ("twice", 5), ("drop", 5)]
    events.clear()
    mine = cell_class(7)
    assert plugin.read(mine) == 7  # lent, so not dropped
    assert events == [("new", 7)]
    events.clear()
    assert plugin.read_zero() == 0  # the static made it; the plugin dropped it
    assert events == [("new", 0), ("drop", 0)]


def test_a_missing_resource_class_is_named(wr: ModuleType) -> None:
    class Imports(wr.WorldResourceImports):  # type: ignore[misc]
        def twice(self, c: Any) -> int:
            return 0

    with pytest.raises(BindingError, match=r"imports\.Cell must name your subclass of") as info:
        wr.WorldResource.load(WORLD_RESOURCE_WAT.encode(), imports=Imports())
    assert "\n" not in str(info.value)
