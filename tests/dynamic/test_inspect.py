"""`inspect`: a component's own WIT (wasm-tools' decoder) and its types as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dynamic.components import CHECK_TABLE, CONFIG_READER, stub_component
from tests.runtime.components import BEHAVIOUR, COUNTER, WASI
from tests.runtime.test_values import NESTED, SHAPE
from tests.runtime.wat import echo_component
from witkit.errors import PluginError
from witkit.plugins.check import check_plugin
from witkit.plugins.inspect import component_type_text, component_wit, summarize, summary_json
from witkit.runtime import Runtime

SOURCES = {
    "behaviour": BEHAVIOUR,
    "counter": COUNTER,
    "wasi": WASI,
    "config": CONFIG_READER,
    "nested": echo_component(NESTED),
    "shape": echo_component(SHAPE),
    "greeter": CHECK_TABLE["fits"][0],
    "unqualified-interface": stub_component([("greeter", "greet", "greet")]),
    "middleware": stub_component(
        [("example:greet/greeter", "greet", "greet")], [("example:greet/greeter", "greet", "greet")]
    ),
    "middleware-changing-types": stub_component(
        [("example:greet/greeter", "greet", "greet")],
        [("example:greet/greeter", "greet", "greet-u32-param")],
    ),
}

NOT_WIT = ("counter", "nested", "shape")
"""Components exporting a resource or a type at their root, which no WIT world can say."""

TWO_SHAPES = ("middleware-changing-types",)
"""Imports and exports one interface name with two different types: one WIT interface
cannot be both, so its own WIT (the imported shape) does not describe the export."""


def _bytes(source: str | bytes) -> bytes:
    return source.encode() if isinstance(source, str) else source


@pytest.fixture(scope="module")
def built_sources() -> dict[str, bytes]:
    """The WAT components above and componentize-py guests built by the cached helpers."""
    from tests.support.guests import kitchen_component, kitchen_stub_component

    out = {name: _bytes(src) for name, src in SOURCES.items()}
    out["kitchen-guest"] = kitchen_component().read_bytes()
    out["kitchen-stubs"] = kitchen_stub_component().read_bytes()
    return out


@pytest.mark.parametrize(
    "name",
    [*(n for n in SOURCES if n not in NOT_WIT + TWO_SHAPES), "kitchen-guest", "kitchen-stubs"],
)
def test_every_component_passes_check_against_its_own_inspect_output(
    built_sources: dict[str, bytes], name: str, tmp_path: Path
) -> None:
    data = built_sources[name]
    (tmp_path / "own.wit").write_text(component_wit(data), encoding="utf-8")
    (tmp_path / "c.wasm").write_bytes(data)
    label, mismatches = check_plugin(tmp_path / "c.wasm", tmp_path / "own.wit")
    assert label == "root:component/root"
    assert [str(m) for m in mismatches] == []


def test_wit_text_of_a_plugin() -> None:
    text = component_wit(_bytes(CHECK_TABLE["fits"][0]))
    assert "package example:greet {" in text
    assert "greet: func(name: string) -> string;" in text
    assert "import example:greet/host;" in text
    assert "export example:greet/greeter;" in text
    assert "export version: func() -> u32;" in text


def test_names_come_from_the_component_and_resources_stay_where_declared() -> None:
    wasi = component_wit(_bytes(WASI))
    # `stream-error` is the name the component exports the variant under.
    assert "blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>;" in wasi
    # stdout uses wasi:io's output-stream; it does not get a resource of its own.
    assert wasi.count("resource output-stream") == 1
    assert "use wasi:io/streams@0.2.0.{output-stream};" in wasi
    assert "get-directories: func() -> list<tuple<descriptor, string>>;" in wasi


def test_a_file_that_is_not_a_component_is_one_line(tmp_path: Path) -> None:
    core = tmp_path / "core.wasm"
    core.write_bytes(b"\0asm\x01\0\0\0")
    with pytest.raises(PluginError) as info:
        component_wit(core)
    assert str(info.value).startswith(f"{core}: cannot be printed as WIT: input is a core wasm")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", NOT_WIT)
def test_a_component_wit_cannot_express_is_refused_by_name(name: str) -> None:
    with pytest.raises(PluginError) as info:
        component_wit(_bytes(SOURCES[name]))
    assert "was not a function or instance" in str(info.value)
    assert "\n" not in str(info.value)


def test_json(rt1: Runtime) -> None:
    data = summary_json(summarize(rt1.compile(CHECK_TABLE["fits"][0]), rt1.engine))
    json.dumps(data)
    assert data["imports"] == [
        {
            "name": "example:greet/host",
            "kind": "interface",
            "functions": [
                {"name": "log", "params": [{"name": "message", "type": "string"}], "result": None}
            ],
        }
    ]
    assert [e["name"] for e in data["exports"]] == ["example:greet/greeter", "version"]
    counter = summary_json(summarize(rt1.compile(COUNTER), rt1.engine))
    ctor = next(e for e in counter["exports"] if e["name"] == "[constructor]counter")
    assert ctor["functions"][0]["result"]["kind"] == "own"
    nested = summary_json(summarize(rt1.compile(echo_component(SHAPE)), rt1.engine))
    param = nested["exports"][-1]["functions"][0]["params"][0]["type"]
    assert param["kind"] == "variant" and param["cases"][2] == {"name": "empty", "type": None}


def test_component_type_text_is_structural(rt1: Runtime) -> None:
    summary = summarize(rt1.compile(echo_component(NESTED)), rt1.engine)
    fty = summary.exports[-1].functions[0].type
    assert component_type_text(fty.result) == (
        "record { points: list<record { x: s32, y: s32, label: string }>, maybe: option<u64>, max-len: u16 }"
    )


def test_an_interface_imported_and_exported() -> None:
    same = component_wit(_bytes(SOURCES["middleware"]))
    assert same.count("interface greeter {") == 1
    assert "import example:greet/greeter;" in same and "export example:greet/greeter;" in same


def test_a_missing_or_failing_wasm_tools_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    component = _bytes(CHECK_TABLE["fits"][0])
    monkeypatch.setenv("WITKIT_WASM_TOOLS", str(tmp_path / "no-such-wasm-tools"))
    with pytest.raises(PluginError) as info:
        component_wit(component)
    assert "WITKIT_WASM_TOOLS=" in str(info.value) and "is not a file" in str(info.value)
    failing = tmp_path / "wasm-tools"
    failing.write_text("#!/bin/sh\necho 'error: it broke' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setenv("WITKIT_WASM_TOOLS", str(failing))
    with pytest.raises(PluginError) as info:
        component_wit(component)
    assert str(info.value) == (
        "the component: cannot be printed as WIT: it broke (`witkit inspect --json` lists its types)"
    )
