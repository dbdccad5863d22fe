"""Plugin config: string settings served to the guest through witkit:plugin/config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dynamic.components import CONFIG_READER
from witkit.errors import PluginError
from witkit.plugins.check import check_component
from witkit.plugins.config import config_wit, config_wit_path
from witkit.plugins.dynamic import load
from witkit.runtime import Runtime
from witkit.wit import resolve_source


def test_the_guest_reads_its_config(rt: Runtime) -> None:
    plugin = load(CONFIG_READER, runtime=rt, config={"greeting": "héllo", "vowels": "aeiouy"})
    assert plugin.call("setting", "greeting") == "héllo"
    assert plugin.call("setting", "vowels") == "aeiouy"
    assert plugin.call("setting", "missing") is None
    assert plugin.call("count") == 2
    assert plugin.config == {"greeting": "héllo", "vowels": "aeiouy"}


def test_without_config_the_guest_sees_an_empty_one(rt1: Runtime) -> None:
    plugin = load(CONFIG_READER, runtime=rt1)
    assert plugin.call("count") == 0
    assert plugin.call("setting", "greeting") is None


def test_config_must_be_strings(rt1: Runtime) -> None:
    with pytest.raises(PluginError, match="map strings to strings"):
        load(CONFIG_READER, runtime=rt1, config={"n": 3})  # type: ignore[dict-item]


def test_the_shipped_wit_describes_what_the_runtime_provides(rt1: Runtime) -> None:
    assert config_wit_path().name == "plugin-config.wit"
    resolved = resolve_source(config_wit())
    resolve = resolved.resolve
    world = resolve.world_by_name("witkit:plugin/configured")
    assert world is not None
    iface = resolve.interfaces[resolve.interface_by_id("witkit:plugin/config@0.1.0") or 0]
    assert list(iface.functions) == ["get", "keys"]
    # The test guest's import of the interface matches the shipped WIT exactly.
    assert check_component(rt1.compile(CONFIG_READER).type, resolve, world, host_provided=()) == []


def test_load_a_manifest_entry_with_its_config_and_limits(tmp_path: Path) -> None:
    import wasmtime

    import witkit
    from witkit.plugins import PluginLoader, parse_manifest

    (tmp_path / "reader.wasm").write_bytes(wasmtime.wat2wasm(CONFIG_READER))
    manifest = parse_manifest(
        {
            "reader": {
                "locator": "file:reader.wasm",
                "config": {"who": "me"},
                "limits": {"fuel": 1_000_000},
            }
        },
        root=tmp_path,
    )
    spec = manifest.plugins["reader"]
    with PluginLoader(tmp_path / "cache", tmp_path / "tmp") as loader:
        plugin = witkit.load(spec, loader=loader, base=manifest.root)
        assert plugin.call("setting", "who") == "me"
        assert plugin.instance.fuel_used is not None  # the manifest's fuel limit is in force
        # Config given at load time wins over the manifest's.
        assert (
            witkit.load(spec, loader=loader, base=manifest.root, config={"who": "you"}).call(
                "setting", "who"
            )
            == "you"
        )


def test_a_guest_world_can_import_the_config_interface(tmp_path: Path, rt1: Runtime) -> None:
    from witkit.plugins.config import install_config_wit
    from witkit.wit import resolve_path, select_world

    wit = tmp_path / "wit"
    wit.mkdir()
    (wit / "world.wit").write_text(
        "package my:plugin;\n\nworld plugin {\n  import witkit:plugin/config@0.1.0;\n"
        "  export setting: func(key: string) -> option<string>;\n  export count: func() -> u32;\n}\n"
    )
    assert install_config_wit(wit) == wit / "deps" / "witkit-plugin" / "plugin-config.wit"
    resolved = resolve_path(wit)
    world = select_world(resolved.resolve, resolved.main, None)
    assert (
        check_component(rt1.compile(CONFIG_READER), resolved.resolve, world, host_provided=()) == []
    )
