"""`check`: a table of deliberately wrong components, each difference named the WIT way."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dynamic.components import CHECK_TABLE, GREETER_WIT
from witkit.errors import BindingError, PluginError
from witkit.plugins.check import WorldMismatch, check_component, check_plugin, require_world
from witkit.runtime import Runtime
from witkit.wit import resolve_source, select_world


@pytest.fixture(scope="module")
def world() -> tuple[object, int]:
    resolved = resolve_source(GREETER_WIT)
    return resolved.resolve, select_world(resolved.resolve, resolved.main, None)


@pytest.mark.parametrize("case", list(CHECK_TABLE))
def test_check_table(rt1: Runtime, world: tuple[object, int], case: str) -> None:
    source, expected = CHECK_TABLE[case]
    resolve, world_id = world
    found = check_component(rt1.compile(source).type, resolve, world_id)  # type: ignore[arg-type]
    assert [(m.kind, m.direction, m.name) for m in found] == expected
    for m in found:
        assert m.name in str(m)
        assert m.to_json()["message"] == str(m)


def test_messages_show_both_types(rt1: Runtime, world: tuple[object, int]) -> None:
    resolve, world_id = world
    (m,) = check_component(rt1.compile(CHECK_TABLE["wrong-param-type"][0]), resolve, world_id)  # type: ignore[arg-type]
    assert str(m) == (
        "export `example:greet/greeter#greet`: the world has `func(name: string) -> string`, "
        "the component `func(name: u32) -> string`"
    )


def test_require_world_raises_with_the_list(rt1: Runtime, world: tuple[object, int]) -> None:
    resolve, world_id = world
    require_world(rt1.compile(CHECK_TABLE["fits"][0]).type, resolve, world_id)  # type: ignore[arg-type]
    with pytest.raises(WorldMismatch) as info:
        require_world(rt1.compile(CHECK_TABLE["everything-wrong"][0]).type, resolve, world_id)  # type: ignore[arg-type]
    assert isinstance(info.value, PluginError) and isinstance(info.value, BindingError)
    assert len(info.value.mismatches) == 4
    assert str(info.value).startswith(
        "the component does not match world `example:greet/greeter-plugin`:\n  export"
    )


def test_check_plugin_from_files(tmp_path: Path) -> None:
    (tmp_path / "world.wit").write_text(GREETER_WIT)
    good = tmp_path / "good.wat"
    good.write_text(CHECK_TABLE["fits"][0])
    bad = tmp_path / "bad.wat"
    bad.write_text(CHECK_TABLE["missing-export-function"][0])
    assert check_plugin(good, tmp_path / "world.wit") == ("example:greet/greeter-plugin", [])
    _label, found = check_plugin(bad, tmp_path / "world.wit", "greeter-plugin")
    assert [m.name for m in found] == ["version"]


def test_check_against_wit_text(rt1: Runtime) -> None:
    from witkit.plugins.check import check_against_wit, require_world_wit

    good = rt1.compile(CHECK_TABLE["fits"][0])
    bad = rt1.compile(CHECK_TABLE["missing-export-function"][0])
    assert (
        check_against_wit(good.type, GREETER_WIT, "example:greet/greeter-plugin", engine=rt1.engine)
        == []
    )
    assert [m.name for m in check_against_wit(bad, GREETER_WIT)] == ["version"]
    with pytest.raises(WorldMismatch, match="export `version`: missing"):
        require_world_wit(bad.type, GREETER_WIT, what="plugin `x`")
