"""Every descriptor kind round-trips through a real component: Python -> guest -> host import -> guest -> Python."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest

from tests.runtime.wat import echo_component
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
    Enum,
    Err,
    Flags,
    ImportFunc,
    List,
    Ok,
    Option,
    Record,
    Result,
    Runtime,
    Some,
    Tuple,
    TypeDesc,
    Variant,
)


@dataclass
class Point:
    x: int
    y: int
    label: str


@dataclass
class Nested:
    points: list[Point]
    maybe: int | None
    max_len: int


class Color(enum.Enum):
    RED = 0
    GREEN = 1
    BLUE = 2


class Perms(enum.Flag):
    READ = enum.auto()
    WRITE = enum.auto()
    EXEC = enum.auto()


@dataclass
class Shape_Circle:
    value: float


@dataclass
class Shape_Rect:
    value: Point


@dataclass
class Shape_Empty:
    pass


POINT = Record(Point, [("x", "x", S32), ("y", "y", S32), ("label", "label", STRING)])
NESTED = Record(Nested, [("points", "points", List(POINT)), ("maybe", "maybe", Option(U64)), ("max-len", "max_len", U16)])
COLOR = Enum(Color, ["red", "green", "blue"])
PERMS = Flags(Perms, ["read", "write", "exec"])
SHAPE = Variant([("circle", Shape_Circle, F64), ("rect", Shape_Rect, POINT), ("empty", Shape_Empty, None)])

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
    ("string", STRING, ["", "hello", "naïve ☃ 🦀" * 50]),
    ("bytes", BYTES, [b"", b"\x00\x01\xff", bytes(range(256)) * 40]),
    ("list-u32", List(U32), [[], [1, 2, 3]]),
    ("list-string", List(STRING), [[], ["a", "", "ccc"]]),
    ("list-u8-as-list", List(U8), [[1, 2, 255]]),
    ("tuple", Tuple(U32, STRING, F64), [(1, "x", 2.5)]),
    ("record", POINT, [Point(1, -2, "p")]),
    ("nested-record", NESTED, [Nested([Point(1, 2, "a"), Point(3, 4, "b")], 7, 9), Nested([], None, 0)]),
    ("enum", COLOR, list(Color)),
    ("flags", PERMS, [Perms(0), Perms.READ, Perms.READ | Perms.EXEC, Perms.READ | Perms.WRITE | Perms.EXEC]),
    ("variant", SHAPE, [Shape_Circle(1.5), Shape_Rect(Point(0, 0, "o")), Shape_Empty()]),
    ("option", Option(U32), [None, 0, 5]),
    ("option-string", Option(STRING), [None, "", "s"]),
    ("option-option", Option(Option(STRING)), [None, Some(None), Some("x")]),
    ("option-record", Option(POINT), [None, Point(1, 1, "one")]),
    ("list-result", List(Result(U32, STRING)), [[Ok(1), Err("bad"), Ok(2)]]),
    ("list-result-units", List(Result(None, None)), [[Ok(), Err()]]),
    ("list-result-same-types", List(Result(STRING, STRING)), [[Ok("a"), Err("b")]]),
    ("tuple-of-options", Tuple(Option(BOOL), Option(F32)), [(None, 1.0), (True, None)]),
    ("list-variant", List(SHAPE), [[Shape_Empty(), Shape_Circle(2.0)]]),
]


@pytest.mark.parametrize(("label", "desc", "values"), CASES, ids=[c[0] for c in CASES])
def test_round_trip(rt: Runtime, label: str, desc: TypeDesc, values: list[Any]) -> None:
    seen: list[Any] = []

    def host_echo(x: Any) -> Any:
        seen.append(x)
        return x

    inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, host_echo)])
    echo = inst.func("echo", [desc], desc)
    for value in values:
        got = echo(value)
        assert got == value
        assert type(got) is type(value)
        assert seen[-1] == value


RESULT_CASES: list[tuple[str, Result, list[Any]]] = [
    ("ok-err", Result(U32, STRING), [Ok(7), Err("nope")]),
    ("unit-err", Result(None, STRING), [Ok(None), Err("nope")]),
    ("ok-unit", Result(STRING, None), [Ok("yes"), Err(None)]),
    ("units", Result(None, None), [Ok(None), Err(None)]),
    ("same", Result(U32, U32), [Ok(1), Err(2)]),
    ("record-err", Result(POINT, COLOR), [Ok(Point(1, 2, "r")), Err(Color.BLUE)]),
]


@pytest.mark.parametrize(("label", "desc", "outcomes"), RESULT_CASES, ids=[c[0] for c in RESULT_CASES])
def test_function_results_return_ok_and_raise_err(rt: Runtime, label: str, desc: Result, outcomes: list[Any]) -> None:
    """A returned result is unwrapped: ok is the return value, err is raised as `Err`, on both sides."""

    def host_echo(x: Any) -> Any:
        if isinstance(x, Err):
            raise Err(x.value)
        return x.value

    # The export takes the result as a value (Ok/Err) and returns it as a function result.
    inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, host_echo)])
    echo = inst.func("echo", [desc], desc)
    for outcome in outcomes:
        if isinstance(outcome, Ok):
            assert echo(outcome) == outcome.value
        else:
            with pytest.raises(Err) as info:
                echo(outcome)
            assert info.value.value == outcome.value


def test_surrogates_are_not_chars(rt: Runtime) -> None:
    """wasmtime's C API aborts the process on a surrogate char: it must never reach it."""
    from witkit.errors import BindingError

    inst = rt.instantiate(echo_component(CHAR), [ImportFunc("echo", [CHAR], CHAR, lambda x: "\udfff")])
    echo = inst.func("echo", [CHAR], CHAR)
    with pytest.raises(BindingError):
        echo("\ud800")
    with pytest.raises(Exception, match="surrogate"):
        echo("a")  # the host import returns a surrogate: that call traps, with the cause kept


def test_fast_and_public_paths_agree() -> None:
    """The same calls through both paths give equal answers."""
    answers = []
    for fast in (True, False):
        rt = Runtime(cache=False, fast_calls=fast)
        per_path = []
        for _label, desc, values in CASES:
            inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, lambda x: x)])
            echo = inst.func("echo", [desc], desc)
            per_path.append([echo(v) for v in values])
        answers.append(per_path)
    assert answers[0] == answers[1]


# Lists of integers and floats are lowered and lifted in bulk (`_abi._lower_numbers`): every
# kind, at its bounds and at random, through guest and host import on both call paths.
NUMBER_LISTS = {
    "s8": S8, "u16": U16, "s16": S16, "u32": U32, "s32": S32,
    "u64": U64, "s64": S64, "f32": F32, "f64": F64,
}  # fmt: skip


def _numbers(name: str) -> Any:
    from hypothesis import strategies as st

    from witkit.runtime.values import INT_RANGES

    if name == "f64":
        return st.floats(allow_nan=False)
    if name == "f32":
        return st.floats(width=32, allow_nan=False)
    lo, hi = INT_RANGES[name]
    return st.one_of(st.sampled_from([lo, hi, 0]), st.integers(lo, hi))


@pytest.mark.parametrize("name", list(NUMBER_LISTS))
def test_number_lists_round_trip_in_bulk(rt: Runtime, name: str) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    desc = List(NUMBER_LISTS[name])
    inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, lambda x: x)])
    echo = inst.func("echo", [desc], desc)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(_numbers(name), max_size=300))
    def check(values: list[Any]) -> None:
        got = echo(values)
        assert got == values and all(type(g) is type(v) or name.startswith("f") for g, v in zip(got, values, strict=True))

    check()
    assert echo(range(5)) == [0, 1, 2, 3, 4] if name[0] in "su" else True


@pytest.mark.parametrize(
    ("name", "bad", "problem"),
    [
        ("u32", [1, -1], "item 1: -1 does not fit u32 (0..4294967295)"),
        ("s8", [0, 128], "item 1: 128 does not fit s8 (-128..127)"),
        ("u64", [2**64], "item 0: 18446744073709551616 does not fit u64"),
        ("s32", [1, 2.5], "item 1: expected int (s32), got float 2.5"),
        ("f64", [1.0, "2"], "item 1: expected float (f64), got str '2'"),
        ("u16", "abc", "expected a list, got str 'abc'"),
    ],
)
def test_bad_items_of_number_lists_are_named(rt: Runtime, name: str, bad: Any, problem: str) -> None:
    import re

    from witkit.errors import ArgumentError

    desc = List(NUMBER_LISTS[name])
    inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, lambda x: x)])
    with pytest.raises(ArgumentError, match=rf"^echo\(\): parameter `x`: {re.escape(problem)}"):
        inst.func("echo", [desc], desc)(bad)
    assert inst.func("echo", [desc], desc)([1]) == [1]


class _Loose:
    """A record class whose attribute is no identifier one could write as `v.attr`."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Loose) and vars(self) == vars(other)


def test_records_with_any_attribute_names_round_trip(rt: Runtime) -> None:
    # Records are lowered and lifted by straight-line code generated per record type; an
    # attribute that cannot appear in that code (a keyword) takes the general path.
    desc = Record(_Loose, [("from", "from", U32), ("to", "to", STRING)])
    inst = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, lambda x: x)])
    value = _Loose(**{"from": 7, "to": "seven"})
    assert inst.func("echo", [desc], desc)(value) == value
