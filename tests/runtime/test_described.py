"""Dynamic calls: descriptors read from the component's own types, no bindings needed."""

from __future__ import annotations

import pytest

from tests.runtime.components import BEHAVIOUR, COUNTER
from tests.runtime.test_values import NESTED, SHAPE, Nested, Point, Shape_Rect
from tests.runtime.wat import echo_component
from witkit.errors import PluginError
from witkit.runtime import U32, ImportFunc, Runtime
from witkit.runtime.described import DynamicResource, py_name


def test_dynamic_primitives_and_interfaces(rt: Runtime) -> None:
    inst = rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, lambda n: n)])
    assert inst.dynamic("test:rt/math@1.0.0#add")(2, 40) == 42
    assert inst.dynamic("add") is inst.dynamic("add")


def test_dynamic_records_and_variants(rt: Runtime) -> None:
    inst = rt.instantiate(echo_component(NESTED), [ImportFunc("echo", [NESTED], NESTED, lambda x: x)])
    echo = inst.dynamic("echo")
    record_cls = echo.params[0].py_class  # type: ignore[attr-defined]
    point_cls = echo.params[0].fields[0][2].elem.py_class  # type: ignore[attr-defined]
    value = record_cls(points=[point_cls(x=1, y=2, label="a")], maybe=None, max_len=3)
    out = echo(value)
    assert out == value and out.max_len == 3
    # The typed binding of the same export still works and agrees.
    typed = inst.func("echo", [NESTED], NESTED)
    assert typed(Nested([Point(1, 2, "a")], None, 3)) == Nested([Point(1, 2, "a")], None, 3)

    inst2 = rt.instantiate(echo_component(SHAPE), [ImportFunc("echo", [SHAPE], SHAPE, lambda x: x)])
    echo2 = inst2.dynamic("echo")
    cases = {name: cls for name, cls, _d in echo2.params[0].cases}  # type: ignore[attr-defined]
    assert echo2(cases["circle"](2.5)) == cases["circle"](2.5)
    assert type(inst2.func("echo", [SHAPE], SHAPE)(Shape_Rect(Point(0, 0, "z")))) is Shape_Rect


def test_dynamic_resources(rt: Runtime) -> None:
    inst = rt.instantiate(COUNTER)
    c = inst.dynamic("[constructor]counter")(5)
    assert isinstance(c, DynamicResource)
    inst.dynamic("[method]counter.inc")(c)
    assert inst.dynamic("[method]counter.get")(c) == 6
    c.drop()
    assert inst.dynamic("drops")() == 1
    with pytest.raises(PluginError):
        inst.dynamic("[method]counter.get")(c)


def test_py_name() -> None:
    assert py_name("max-len") == "max_len"
    assert py_name("from") == "from_"
