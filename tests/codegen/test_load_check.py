"""`Plugin.load` checks the component against the world before instantiating it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.kitchen_wat import KITCHEN_WAT
from tests.codegen.test_host_roundtrip import host
from witkit.codegen import hostlib
from witkit.errors import BindingError
from witkit.runtime import U32, Runtime

ADD = '(func (export "add") (param "a" u32) (param "b" u32) (result u32)'


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return Runtime(cache=False)


def test_wrong_type_names_export_and_both_types(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace(
        ADD, '(func (export "add") (param "a" u32) (param "b" s32) (result u32)'
    )
    with pytest.raises(BindingError) as info:
        kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)
    message = str(info.value)
    assert "world `witkit:kitchen/kitchen@0.1.0`" in message
    assert (
        "export `add`: expected `func(a: u32, b: u32) -> u32`, found `func(a: u32, b: s32) -> u32`"
        in message
    )


def test_missing_exports_are_named(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace('(export "witkit:kitchen/api@0.1.0" (instance $api))', "")
    wat = wat.replace(ADD, '(func $unused (param "a" u32) (param "b" u32) (result u32)')
    with pytest.raises(BindingError) as info:
        kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)
    message = str(info.value)
    assert (
        "export `add`: missing; world `witkit:kitchen/kitchen@0.1.0` expects `func(a: u32, b: u32) -> u32`"
        in message
    )
    assert "the component does not export interface `witkit:kitchen/api@0.1.0`" in message


def test_import_the_world_does_not_offer(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace(
        '(import "log" (func $log (param "level" u8) (param "message" string)))',
        '(import "log" (func $log (param "level" u8) (param "message" string)))\n'
        '  (import "shout" (func (param "message" string)))',
    )
    with pytest.raises(
        BindingError,
        match=r"import `shout`: world `witkit:kitchen/kitchen@0\.1\.0` does not offer it",
    ):
        kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)


def test_import_with_another_type(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace(
        '(import "log" (func $log (param "level" u8) (param "message" string)))',
        '(import "log" (func $log (param "level" u16) (param "message" string)))',
    )
    with pytest.raises(BindingError) as info:
        kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)
    assert (
        "import `log`: world offers `func(level: u8, message: string)`, the component expects "
        "`func(level: u16, message: string)`"
    ) in str(info.value)


def test_load_accepts_path_bytes_and_component(
    kitchen: ModuleType, rt: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "kitchen.wat"
    path.write_text(KITCHEN_WAT)
    sources: list[Any] = [path, str(path), KITCHEN_WAT.encode(), rt.compile(KITCHEN_WAT)]
    for source in sources:
        assert kitchen.Kitchen.load(source, imports=host(kitchen), runtime=rt).add(1, 1) == 2


def test_check_component_is_reusable(kitchen: ModuleType, rt: Runtime) -> None:
    """The world check works on any `WorldSpec`, not only generated ones (`witkit check` reuses it)."""
    component = rt.compile(KITCHEN_WAT)
    hostlib.check_component(component, rt.engine, kitchen.WORLD)
    one_param = hostlib.FuncSpec("add", (("a", "a", U32),), U32)
    spec = hostlib.WorldSpec("test:x/w", ((None, (one_param,)),), kitchen.WORLD.imports)
    with pytest.raises(BindingError, match=r"expected `func\(a: u32\) -> u32`"):
        hostlib.check_component(component, rt.engine, spec)
