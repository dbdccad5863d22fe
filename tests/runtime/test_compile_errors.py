"""What a user sees when the file given as a component is not one."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from witkit import PluginError, Runtime


def test_not_webassembly_names_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "plugin.wasm"
    junk.write_text("<html>not found</html>")
    with pytest.raises(
        PluginError, match=r"plugin\.wasm: it is neither a WebAssembly binary nor WAT"
    ):
        Runtime(cache=False).compile(junk)


def test_core_module_is_told_apart_from_a_component(tmp_path: Path) -> None:
    core = tmp_path / "core.wasm"
    core.write_bytes(wasmtime.wat2wasm("(module)"))
    with pytest.raises(
        PluginError, match=r"core\.wasm: it is a core WebAssembly module, not a component"
    ):
        Runtime(cache=False).compile(core)


def test_bad_wat_keeps_the_parser_position() -> None:
    with pytest.raises(PluginError, match=r"cannot compile component: .*\n.*<anon>:1:13"):
        Runtime(cache=False).compile("(component (garbage")
