"""`inspect`: a component's imports and exports, read from its compiled types, as WIT and JSON."""

from __future__ import annotations

import json

import pytest

from tests.dynamic.components import CHECK_TABLE, CONFIG_READER, stub_component
from tests.runtime.components import BEHAVIOUR, COUNTER, WASI
from tests.runtime.test_values import NESTED, SHAPE
from tests.runtime.wat import echo_component
from witkit.plugins.inspect import component_type_text, summarize, summary_json, summary_wit
from witkit.runtime import Runtime
from witkit.wit import resolve_source

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


@pytest.mark.parametrize("name", list(SOURCES))
def test_wit_text_reads_back(rt1: Runtime, name: str) -> None:
    text = summary_wit(summarize(rt1.compile(SOURCES[name]), rt1.engine))
    resolve_source(text)  # raises a WitError if the text is not WIT


def test_wit_text_of_a_plugin(rt1: Runtime) -> None:
    text = summary_wit(summarize(rt1.compile(CHECK_TABLE["fits"][0]), rt1.engine))
    assert "package example:greet {" in text
    assert "greet: func(name: string) -> string;" in text
    assert "import example:greet/host;" in text
    assert "export example:greet/greeter;" in text
    assert "export version: func() -> u32;" in text


def test_named_types_take_exported_names_and_resources_their_own(rt1: Runtime) -> None:
    text = summary_wit(summarize(rt1.compile(echo_component(NESTED)), rt1.engine))
    assert "record t0 {" in text and "points: list<t0>," in text
    assert "export echo: func(x: t1) -> t1;" in text
    wasi = summary_wit(summarize(rt1.compile(WASI), rt1.engine))
    assert "blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>;" in wasi
    assert "get-directories: func() -> list<tuple<descriptor, string>>;" in wasi


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


def test_an_interface_imported_and_exported(rt1: Runtime) -> None:
    same = summary_wit(summarize(rt1.compile(SOURCES["middleware"]), rt1.engine))
    assert same.count("interface greeter {") == 1
    assert "import example:greet/greeter;" in same and "export example:greet/greeter;" in same
    changed = summary_wit(summarize(rt1.compile(SOURCES["middleware-changing-types"]), rt1.engine))
    assert "export example:greet/exported-greeter;" in changed
    assert "what the component exports as `example:greet/greeter`" in changed
