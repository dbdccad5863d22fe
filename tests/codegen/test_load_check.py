"""`Plugin.load` checks the component against the world before instantiating it."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.conftest import CORPUS_WORLDS, EDGE_WIT, KITCHEN_WIT, REPO, Generated
from tests.codegen.kitchen_wat import KITCHEN_WAT
from tests.codegen.test_host_roundtrip import host
from tests.support.corpus import wasi_package
from witkit.errors import BindingError, PluginError
from witkit.plugins.check import check_component, expected_world
from witkit.runtime import U32, Runtime
from witkit.runtime import bindings as hostlib
from witkit.runtime.worldcheck import WASI, WorldMismatch, check_world
from witkit.wit.resolve import resolve_path, select_world

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
        "export `add`: the world has `func(a: u32, b: u32) -> u32`, "
        "the component `func(a: u32, b: s32) -> u32`"
    ) in message
    assert isinstance(info.value, WorldMismatch) and isinstance(info.value, PluginError)
    (m,) = info.value.mismatches
    assert (m.kind, m.name, m.expected, m.found) == (
        "wrong-type",
        "add",
        "func(a: u32, b: u32) -> u32",
        "func(a: u32, b: s32) -> u32",
    )


def test_missing_exports_are_named(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace('(export "witkit:kitchen/api@0.1.0" (instance $api))', "")
    wat = wat.replace(ADD, '(func $unused (param "a" u32) (param "b" u32) (result u32)')
    with pytest.raises(BindingError) as info:
        kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)
    message = str(info.value)
    assert "world `witkit:kitchen/kitchen@0.1.0`" in message
    assert "export `add`: missing; the world expects `func(a: u32, b: u32) -> u32`" in message
    assert "export `witkit:kitchen/api@0.1.0`: missing; the world expects an interface" in message


def test_import_the_world_does_not_offer(kitchen: ModuleType, rt: Runtime) -> None:
    wat = KITCHEN_WAT.replace(
        '(import "log" (func $log (param "level" u8) (param "message" string)))',
        '(import "log" (func $log (param "level" u8) (param "message" string)))\n'
        '  (import "shout" (func (param "message" string)))',
    )
    with pytest.raises(
        BindingError,
        match=r"world `witkit:kitchen/kitchen@0\.1\.0`:\n  import `shout`: not provided by the "
        r"world or by WASI \(the component imports `func\(message: string\)`\)",
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
        "import `log`: the world has `func(level: u8, message: string)`, the component "
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
    with pytest.raises(BindingError, match=r"the world has `func\(a: u32\) -> u32`"):
        hostlib.check_component(component, rt.engine, spec)


WRONG_COMPONENTS = {
    "fits": KITCHEN_WAT,
    "wrong-type": KITCHEN_WAT.replace(
        ADD, '(func (export "add") (param "a" u32) (param "b" s32) (result u32)'
    ),
    "missing": KITCHEN_WAT.replace(
        '(export "witkit:kitchen/api@0.1.0" (instance $api))', ""
    ).replace(ADD, '(func $unused (param "a" u32) (param "b" u32) (result u32)'),
    "unexpected-import": KITCHEN_WAT.replace(
        '(import "log" (func $log (param "level" u8) (param "message" string)))',
        '(import "log" (func $log (param "level" u8) (param "message" string)))\n'
        '  (import "shout" (func (param "message" string)))',
    ),
    "import-type": KITCHEN_WAT.replace(
        '(import "log" (func $log (param "level" u8) (param "message" string)))',
        '(import "log" (func $log (param "level" u16) (param "message" string)))',
    ),
}


@pytest.mark.parametrize("case", list(WRONG_COMPONENTS))
def test_generated_spec_and_wit_model_agree(kitchen: ModuleType, rt: Runtime, case: str) -> None:
    """`Plugin.load` (the embedded WorldSpec) and `witkit check` (the resolved WIT) find the
    same differences, worded the same way: they are one check on two descriptions of the world."""
    resolved = resolve_path(REPO / KITCHEN_WIT)
    world = select_world(resolved.resolve, resolved.packages)
    assert expected_world(resolved.resolve, world) == kitchen.WORLD.expected
    component = rt.compile(WRONG_COMPONENTS[case])
    from_model = check_component(
        component, resolved.resolve, world, engine=rt.engine, host_provided=WASI
    )
    from_spec = check_world(component, kitchen.WORLD.expected, rt.engine)
    assert from_spec == from_model
    assert bool(from_spec) == (case != "fits")


@pytest.mark.parametrize("name", ["kitchen", "edge", "proxy", "command"])
def test_every_generated_spec_is_the_wit_world(generated: Generated, name: str) -> None:
    """The WorldSpec a package embeds is the world `witkit check` reads from the WIT, for the
    edge cases (inline interface, same-named interfaces, keywords) and WASI worlds too."""
    if name not in generated.packages:
        pytest.skip(generated.corpus_error or "the shared WIT corpus is not present")
    source = {"kitchen": REPO / KITCHEN_WIT, "edge": REPO / EDGE_WIT}.get(name)
    if source is None:
        source = wasi_package(
            "0.2.9", {w: p for p, w in CORPUS_WORLDS}[name], generated.root / "wit"
        )
    resolved = resolve_path(source)
    world = select_world(
        resolved.resolve, resolved.packages, None if name in ("kitchen", "edge") else name
    )
    module = importlib.import_module(name)
    assert module.WORLD.expected == expected_world(resolved.resolve, world)


def test_a_component_is_checked_against_a_world_once(
    kitchen: ModuleType, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = hostlib.require_world

    def counted(component: Any, world: Any, *args: Any, **kwargs: Any) -> None:
        checks.append(world.name)
        real(component, world, *args, **kwargs)

    monkeypatch.setattr(hostlib, "require_world", counted)
    component = rt.compile(KITCHEN_WAT)
    first = kitchen.Kitchen.load(component, imports=host(kitchen), runtime=rt)
    second = kitchen.Kitchen.load(component, imports=host(kitchen), runtime=rt)
    assert checks == ["witkit:kitchen/kitchen@0.1.0"]  # the second load trusts the first check
    assert first.add(2, 3) == second.add(2, 3) == 5
    # A component that fails is checked (and refused) on every load.
    bad = rt.compile(
        KITCHEN_WAT.replace(ADD, '(func (export "add") (param "a" u32) (param "b" s32) (result u32)')
    )
    for _ in range(2):
        with pytest.raises(WorldMismatch, match="export `add`"):
            kitchen.Kitchen.load(bad, imports=host(kitchen), runtime=rt)
    assert len(checks) == 3


def test_wasi_proposals_are_not_taken_for_the_runtime_s_wasi(kitchen: ModuleType, rt: Runtime) -> None:
    # The runtime serves WASI 0.2 (cli, clocks, filesystem, io, random, sockets, http), not
    # the proposals: a component importing wasi:keyvalue against a world without it must be
    # refused at the check, not fail later in wasmtime's linker.
    log = '(import "log" (func $log (param "level" u8) (param "message" string)))'
    for name, refused in (
        ("wasi:keyvalue/store@0.2.0-draft", True),
        ("wasi:config/store@0.2.0-rc.1", True),
        ("wasi:clocks/monotonic-clock@0.2.0", False),
    ):
        wat = KITCHEN_WAT.replace(log, f'{log}\n  (import "{name}" (instance))')
        if refused:
            with pytest.raises(WorldMismatch, match=rf"import `{name}`: not provided by the world"):
                kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt)
        else:
            assert kitchen.Kitchen.load(wat, imports=host(kitchen), runtime=rt).add(1, 1) == 2
