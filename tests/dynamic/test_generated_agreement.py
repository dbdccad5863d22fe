"""Dynamic calls and generated host bindings on the same kitchen component instance agree."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.kitchen_wat import KITCHEN_WAT
from tests.codegen.test_host_roundtrip import everything, host
from witkit.codegen.host import write_host
from witkit.plugins.check import check_component
from witkit.plugins.dynamic import DynamicPlugin
from witkit.runtime import Runtime
from witkit.wit import resolve_path, select_world

REPO = Path(__file__).resolve().parents[2]
KITCHEN_WIT = REPO / "tests" / "worlds" / "kitchen" / "kitchen.wit"
PACKAGE = "kitchen_dynamic_agreement"


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The kitchen bindings, generated under a package name of this module's own."""
    root = tmp_path_factory.mktemp("agreement")
    resolved = resolve_path(KITCHEN_WIT)
    write_host(resolved.resolve, select_world(resolved.resolve, resolved.packages), root, PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in list(sys.modules):
            if name.split(".")[0] == PACKAGE:
                del sys.modules[name]


def wit_name(py: str) -> str:
    return py.rstrip("_").replace("_", "-")


def plain(v: Any, kitchen: ModuleType) -> Any:
    """A generated binding value spelled as a plain dynamic value (independently of witkit's converters)."""
    if isinstance(v, kitchen.Some):
        return {"some": plain(v.value, kitchen)}
    if isinstance(v, enum.Flag):
        return {m.name.lower() for m in type(v) if m in v}
    if isinstance(v, enum.Enum):
        return v.name.lower()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        cls = type(v).__name__
        if "_" in cls:  # a variant case, `Shape_Rect(value)`
            case = wit_name(cls.split("_", 1)[1].lower())
            return {case: plain(v.value, kitchen) if hasattr(v, "value") else None}
        return {wit_name(f.name): plain(getattr(v, f.name), kitchen) for f in dataclasses.fields(v)}
    if isinstance(v, list):
        return [plain(x, kitchen) for x in v]
    if isinstance(v, tuple):
        return tuple(plain(x, kitchen) for x in v)
    return v


@pytest.fixture(params=[True, False], ids=["fast", "public"])
def both(request: pytest.FixtureRequest, kitchen: ModuleType) -> tuple[Any, DynamicPlugin]:
    rt = Runtime(cache=False, fast_calls=request.param)
    component = rt.compile(KITCHEN_WAT)
    generated = kitchen.Kitchen.load(component, imports=host(kitchen), runtime=rt)
    return generated, DynamicPlugin(generated.instance, component, rt.engine)


def test_every_value_kind_agrees(both: tuple[Any, DynamicPlugin], kitchen: ModuleType) -> None:
    gen, dyn = both
    t = kitchen.types
    values = [
        everything(kitchen),
        everything(kitchen, flag=False, a_u64=0, text="", raw=b"", numbers=[], points=[], maybe=None,
                   nested=None, perms=t.Perms(0), shape=t.Shape_Nothing()),
        everything(kitchen, nested=kitchen.Some(7), shape=t.Shape_Circle(0.5)),
    ]  # fmt: skip
    for value in values:
        expected = plain(gen.api.echo_everything(value), kitchen)
        assert dyn.call("api/echo-everything", plain(value, kitchen)) == expected
    for shape in (t.Shape_Circle(-1.25), t.Shape_Rect(t.Point(x=-5, y=6)), t.Shape_Nothing()):
        assert dyn.call("api/echo-shape", plain(shape, kitchen)) == plain(
            gen.api.echo_shape(shape), kitchen
        )
    for nested in (None, kitchen.Some(None), kitchen.Some(3)):
        assert dyn.call("api/echo-nested", plain(nested, kitchen)) == plain(
            gen.api.echo_nested(nested), kitchen
        )
    items = [(t.Color.RED, t.Perms(0)), (t.Color.GREEN, t.Perms.WRITE | t.Perms.EXEC)]
    assert dyn.call("api/echo-list", plain(items, kitchen)) == plain(
        gen.api.echo_list(items), kitchen
    )
    assert dyn.call("add", 2, 3) == gen.add(2, 3)
    assert dyn.call("greet", "bob") == plain(gen.greet("bob"), kitchen)
    assert dyn.call("api/import", **{"from": 7, "in": "x", "class": True}) == gen.api.import_(
        from_=7, in_="x", class_=True
    )


def test_results_agree(both: tuple[Any, DynamicPlugin], kitchen: ModuleType) -> None:
    gen, dyn = both
    assert dyn.call("api/both", False) == {"ok": plain(gen.api.both(False), kitchen)}
    with pytest.raises(kitchen.Err) as info:
        gen.api.both(True)
    assert dyn.call("api/both", True) == {"err": plain(info.value.value, kitchen)}
    assert dyn.call("api/unit-result", False) == {"ok": None}
    assert dyn.call("api/err-only", True) == {"err": "failed"}


def test_the_kitchen_component_fits_its_world(kitchen: ModuleType) -> None:
    rt = Runtime(cache=False)
    component = rt.compile(KITCHEN_WAT)
    resolved = resolve_path(KITCHEN_WIT)
    world = select_world(resolved.resolve, resolved.packages)
    assert check_component(component.type, resolved.resolve, world, engine=rt.engine) == []
