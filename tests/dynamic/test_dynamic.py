"""Dynamic calls: plain Python values through real components, agreeing with typed bindings."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.runtime.components import BEHAVIOUR, COUNTER
from tests.runtime.test_values import (
    COLOR,
    NESTED,
    PERMS,
    POINT,
    SHAPE,
    Color,
    Nested,
    Perms,
    Point,
    Shape_Circle,
    Shape_Empty,
    Shape_Rect,
)
from tests.runtime.wat import echo_component
from witkit.errors import ArgumentError, BindingError, PluginError
from witkit.plugins.dynamic import DynamicPlugin, load
from witkit.runtime import (
    BOOL,
    BYTES,
    CHAR,
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    STRING,
    U8,
    U16,
    U32,
    U64,
    DynamicResource,
    Err,
    ImportFunc,
    List,
    Ok,
    Option,
    Result,
    Runtime,
    Some,
    Tuple,
    TypeDesc,
)
from witkit.runtime import types as t

# label, descriptor, values as typed bindings see them (plain values are derived independently)
CASES: list[tuple[str, TypeDesc, list[Any]]] = [
    ("bool", BOOL, [True, False]),
    ("u8", U8, [0, 255]),
    ("u16", U16, [0, 65535]),
    ("u32", U32, [0, 4_000_000_000]),
    ("u64", U64, [0, 2**64 - 1]),
    ("s8", S8, [-128, 127]),
    ("s16", S16, [-32768, 32767]),
    ("s32", S32, [-(2**31), 2**31 - 1]),
    ("s64", S64, [-(2**63), 2**63 - 1]),
    ("f32", F32, [0.0, 1.5, -2.25]),
    ("f64", F64, [3.141592653589793, -1e300]),
    ("char", CHAR, ["a", "é", "🦀"]),
    ("string", STRING, ["", "hello", "naïve ☃ 🦀"]),
    ("bytes", BYTES, [b"", b"\x00\x01\xff"]),
    ("list", List(U32), [[], [1, 2, 3]]),
    ("list-string", List(STRING), [["a", "", "ccc"]]),
    ("tuple", Tuple(U32, STRING, F64), [(1, "x", 2.5)]),
    ("record", POINT, [Point(1, -2, "p")]),
    (
        "nested-record",
        NESTED,
        [Nested([Point(1, 2, "a"), Point(3, 4, "b")], 7, 9), Nested([], None, 0)],
    ),
    ("enum", COLOR, list(Color)),
    (
        "flags",
        PERMS,
        [Perms(0), Perms.READ, Perms.READ | Perms.EXEC, Perms.READ | Perms.WRITE | Perms.EXEC],
    ),
    ("variant", SHAPE, [Shape_Circle(1.5), Shape_Rect(Point(0, 0, "o")), Shape_Empty()]),
    ("option", Option(U32), [None, 0, 5]),
    ("option-record", Option(POINT), [None, Point(1, 1, "one")]),
    ("option-option", Option(Option(STRING)), [None, Some(None), Some("x")]),
    ("list-result", List(Result(U32, STRING)), [[Ok(1), Err("bad"), Ok(2)]]),
    ("list-result-units", List(Result(None, None)), [[Ok(), Err()]]),
    ("tuple-of-options", Tuple(Option(BOOL), Option(F32)), [(None, 1.0), (True, None)]),
    ("list-variant", List(SHAPE), [[Shape_Empty(), Shape_Circle(2.0)]]),
]


def as_plain(desc: TypeDesc | None, v: Any) -> Any:
    """The plain value the module doc of witkit.plugins.dynamic promises for a typed value."""
    if desc is None:
        return None
    if isinstance(desc, t.Record):
        return {w: as_plain(d, getattr(v, a)) for w, a, d in desc.fields}
    if isinstance(desc, t.Enum):
        return desc.names[list(desc.py_class).index(v)]
    if isinstance(desc, t.Flags):
        return {n for n, m in zip(desc.names, desc.py_class, strict=True) if m in v}
    if isinstance(desc, t.Variant):
        for n, c, d in desc.cases:
            if type(v) is c:
                return {n: as_plain(d, v.value) if d is not None else None}
        raise AssertionError(v)
    if isinstance(desc, t.Option):
        if v is None:
            return None
        return {"some": as_plain(desc.elem, v.value)} if desc.nested else as_plain(desc.elem, v)
    if isinstance(desc, t.Result):
        return (
            {"err": as_plain(desc.err, v.value)}
            if isinstance(v, Err)
            else {"ok": as_plain(desc.ok, v.value)}
        )
    if isinstance(desc, t.List):
        return [as_plain(desc.elem, x) for x in v]
    if isinstance(desc, t.Tuple):
        return tuple(as_plain(d, x) for d, x in zip(desc.elems, v, strict=True))
    return v


def echo_plugin(
    rt: Runtime, desc: TypeDesc, seen: list[Any] | None = None, **kwargs: Any
) -> DynamicPlugin:
    def host(x: Any) -> Any:
        if seen is not None:
            seen.append(x)
        return x

    return load(
        echo_component(desc), runtime=rt, imports=[ImportFunc("echo", [desc], desc, host)], **kwargs
    )


@pytest.mark.parametrize(("label", "desc", "values"), CASES, ids=[c[0] for c in CASES])
def test_round_trip_and_agreement_with_typed_bindings(
    rt: Runtime, label: str, desc: TypeDesc, values: list[Any]
) -> None:
    plugin = echo_plugin(rt, desc)
    typed = plugin.instance.func("echo", [desc], desc)  # what generated bindings call
    for value in values:
        plain = as_plain(desc, value)
        got = plugin.call("echo", plain)
        assert got == plain
        assert type(got) is type(plain)
        assert got == as_plain(desc, typed(value))


RESULT_CASES: list[tuple[str, Result, list[Any]]] = [
    ("ok-err", Result(U32, STRING), [{"ok": 7}, {"err": "nope"}]),
    ("unit-err", Result(None, STRING), [{"ok": None}, {"err": "nope"}]),
    ("ok-unit", Result(STRING, None), [{"ok": "yes"}, {"err": None}]),
    (
        "record-enum",
        Result(POINT, COLOR),
        [{"ok": {"x": 1, "y": 2, "label": "r"}}, {"err": "blue"}],
    ),
]


@pytest.mark.parametrize(
    ("label", "desc", "outcomes"), RESULT_CASES, ids=[c[0] for c in RESULT_CASES]
)
def test_function_results_come_back_tagged(
    rt: Runtime, label: str, desc: Result, outcomes: list[Any]
) -> None:
    def host(x: Any) -> Any:
        if isinstance(x, Err):
            raise Err(x.value)
        return x.value

    plugin = load(
        echo_component(desc), runtime=rt, imports=[ImportFunc("echo", [desc], desc, host)]
    )
    for outcome in outcomes:
        assert plugin.call("echo", outcome) == outcome
        assert json.loads(plugin.call_json("echo", json.dumps([outcome]))) == outcome


def test_plain_inputs_are_forgiving_where_unambiguous(rt1: Runtime) -> None:
    assert echo_plugin(rt1, F64).call("echo", 3) == 3.0
    assert echo_plugin(rt1, BYTES).call("echo", [1, 2, 255]) == b"\x01\x02\xff"
    assert echo_plugin(rt1, BYTES).call("echo", bytearray(b"ab")) == b"ab"
    assert echo_plugin(rt1, PERMS).call("echo", ["write", "read"]) == {"read", "write"}
    assert echo_plugin(rt1, SHAPE).call("echo", "empty") == {"empty": None}
    assert echo_plugin(rt1, NESTED).call("echo", {"points": [], "maybe": None, "max_len": 1}) == {
        "points": [],
        "maybe": None,
        "max-len": 1,
    }


BAD_VALUES: list[tuple[str, TypeDesc, Any, str]] = [
    ("u8-range", U8, 256, "out of range 0..255"),
    ("u32-negative", U32, -1, "out of range"),
    ("u32-str", U32, "7", "expected u32, got str"),
    ("bool-int", BOOL, 1, "expected bool"),
    ("int-bool", U32, True, "expected u32, got bool"),
    ("char-long", CHAR, "ab", "one Unicode scalar value"),
    ("string-bytes", STRING, b"x", "expected string"),
    ("record-missing", POINT, {"x": 1, "y": 2}, "missing field 'label'"),
    ("record-extra", POINT, {"x": 1, "y": 2, "label": "", "z": 3}, "unknown field 'z'"),
    ("record-field-type", POINT, {"x": "1", "y": 2, "label": ""}, "parameter `x`.x: expected s32"),
    ("enum-unknown", COLOR, "purple", "expected enum { red, green, blue }"),
    ("flags-unknown", PERMS, {"fly"}, "unknown flag 'fly'"),
    ("flags-str", PERMS, "read", "give a set of flag names"),
    ("variant-unknown", SHAPE, {"square": 1}, "unknown case 'square'"),
    ("variant-payload", SHAPE, {"empty": 1}, "this case has no payload"),
    ("option-option", Option(Option(STRING)), "x", '{"some": value}'),
    ("list-item", List(U32), [1, "two"], "parameter `x`[1]: expected u32"),
    ("tuple-length", Tuple(U32, STRING), (1,), "needs 2 items"),
]


@pytest.mark.parametrize(
    ("label", "desc", "value", "message"), BAD_VALUES, ids=[c[0] for c in BAD_VALUES]
)
def test_wrong_values_fail_before_the_call_naming_the_parameter(
    rt1: Runtime, label: str, desc: TypeDesc, value: Any, message: str
) -> None:
    seen: list[Any] = []
    plugin = echo_plugin(rt1, desc, seen)
    with pytest.raises(ArgumentError) as info:
        plugin.call("echo", value)
    assert "echo() parameter `x`" in str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, (BindingError, TypeError))
    assert seen == []  # the guest never ran


def test_argument_count_keywords_and_names(rt1: Runtime) -> None:
    plugin = load(
        BEHAVIOUR, runtime=rt1, imports=[ImportFunc("host-fail", [U32], U32, lambda n: n)]
    )
    assert plugin.exports()[0] == "test:rt/math@1.0.0#add"
    for name in (
        "test:rt/math@1.0.0#add",
        "test:rt/math#add",
        "math/add",
        "math#add",
        "test:rt/math/add",
    ):
        assert plugin.call(name, 20, 22) == 42
    assert plugin.call("add", b=2, a=1) == 3  # the root `add`, not the interface's
    assert plugin.signature("math/add") == "func(a: u32, b: u32) -> u32"
    assert plugin.call("grow-quietly", pages=0) == 1
    with pytest.raises(ArgumentError, match="takes 2 arguments"):
        plugin.call("add", 1, 2, 3)
    with pytest.raises(ArgumentError, match="missing parameter `b`"):
        plugin.call("add", 1)
    with pytest.raises(ArgumentError, match="no parameter 'c'"):
        plugin.call("add", 1, c=2)
    with pytest.raises(PluginError, match="exports no function 'nope'"):
        plugin.call("nope")


def test_resources_pass_through(rt: Runtime) -> None:
    plugin = load(COUNTER, runtime=rt)
    c = plugin.call("[constructor]counter", 5)
    assert isinstance(c, DynamicResource)
    plugin.call("[method]counter.inc", c)
    assert plugin.call("[method]counter.get", c) == 6
    with pytest.raises(ArgumentError, match="give a resource the plugin returned"):
        plugin.call("[method]counter.get", 3)
    with pytest.raises(ArgumentError, match="cannot be given as JSON"):
        plugin.call_json("[method]counter.get", "[1]")
    c.drop()
    assert plugin.call("drops") == 1


# ---------------------------------------------------------------------------------------------
# JSON


JSON_CASES: list[tuple[str, TypeDesc, str, str]] = [
    ("u64-max", U64, "[18446744073709551615]", "18446744073709551615"),
    ("u64-as-string", U64, '["18446744073709551615"]', "18446744073709551615"),
    ("s64-min", S64, "[-9223372036854775808]", "-9223372036854775808"),
    ("f64-nan", F64, '["nan"]', '"nan"'),
    ("f64-inf", F64, '["inf"]', '"inf"'),
    ("f64--inf", F64, '["-inf"]', '"-inf"'),
    ("f32", F32, "[1.5]", "1.5"),
    ("bytes-base64", BYTES, '["AAH/"]', '"AAH/"'),
    ("bytes-array", BYTES, "[[0, 1, 255]]", '"AAH/"'),
    ("char", CHAR, '["🦀"]', '"🦀"'),
    ("flags-in-wit-order", PERMS, '[["exec", "read"]]', '["read", "exec"]'),
    ("tuple", Tuple(U32, STRING), '[[1, "a"]]', '[1, "a"]'),
    ("record", POINT, '[{"x": 1, "y": 2, "label": "p"}]', '{"x": 1, "y": 2, "label": "p"}'),
    ("variant", SHAPE, '[{"circle": 2.5}]', '{"circle": 2.5}'),
    ("variant-nan", SHAPE, '[{"circle": "nan"}]', '{"circle": "nan"}'),
    ("option-none", Option(U32), "[null]", "null"),
    ("option-option", Option(Option(STRING)), '[{"some": null}]', '{"some": null}'),
    (
        "list-result",
        List(Result(U64, BYTES)),
        '[[{"ok": "5"}, {"err": "AA=="}]]',
        '[{"ok": 5}, {"err": "AA=="}]',
    ),
    ("by-name", U32, '{"x": 3}', "3"),
]


@pytest.mark.parametrize(
    ("label", "desc", "args", "expected"), JSON_CASES, ids=[c[0] for c in JSON_CASES]
)
def test_call_json(rt1: Runtime, label: str, desc: TypeDesc, args: str, expected: str) -> None:
    assert echo_plugin(rt1, desc).call_json("echo", args) == expected


def test_call_json_float_special_values_round_trip_through_python(rt1: Runtime) -> None:
    plugin = echo_plugin(rt1, F64)
    assert math.isnan(plugin.call("echo", math.nan))
    assert plugin.call("echo", -math.inf) == -math.inf


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("[1", "not valid JSON"),
        ("3", "JSON array or an object"),
        ("[1, 2]", "takes 1 argument,"),
        ('["x"]', "expected u32"),
    ],
)
def test_call_json_bad_input(rt1: Runtime, args: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        echo_plugin(rt1, U32).call_json("echo", args)


# ---------------------------------------------------------------------------------------------
# cached_call


def test_cached_call_memoizes_by_function_and_arguments(rt1: Runtime) -> None:
    seen: list[Any] = []
    plugin = echo_plugin(rt1, NESTED, seen, cache_size=2)
    a = {"points": [{"x": 1, "y": 2, "label": "a"}], "maybe": None, "max-len": 3}
    b = {"points": [], "maybe": 1, "max-len": 0}
    first = plugin.cached_call("echo", a)
    assert first == a and len(seen) == 1
    first["points"].clear()  # changing a returned value does not change the memo
    assert plugin.cached_call("echo", dict(reversed(list(a.items())))) == a and len(seen) == 1
    assert plugin.cached_call("echo", b) == b and len(seen) == 2
    assert plugin.cache_info().hits == 1 and plugin.cache_info().currsize == 2
    c = {"points": [], "maybe": 2, "max-len": 0}
    plugin.cached_call("echo", c)  # evicts `a`, the least recently used
    plugin.cached_call("echo", a)
    assert len(seen) == 4
    plugin.cache_clear()
    assert plugin.cache_info() == (0, 0, 2, 0)


def test_cached_call_validates_first_and_handles_sets_and_nan(rt1: Runtime) -> None:
    seen: list[Any] = []
    plugin = echo_plugin(rt1, Tuple(F64, PERMS), seen)
    assert plugin.cached_call("echo", (math.nan, {"read", "exec"}))[1] == {"read", "exec"}
    plugin.cached_call("echo", [math.nan, ["exec", "read"]])
    assert len(seen) == 1
    with pytest.raises(ArgumentError):
        plugin.cached_call("echo", (1.0, {"fly"}))
    assert plugin.cache_info().misses == 1


def test_cached_call_with_cache_size_zero_never_stores(rt1: Runtime) -> None:
    seen: list[Any] = []
    plugin = echo_plugin(rt1, U32, seen, cache_size=0)
    plugin.cached_call("echo", 1)
    plugin.cached_call("echo", 1)
    assert len(seen) == 2
