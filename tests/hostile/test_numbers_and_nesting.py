"""Numbers and nesting no parser of witkit's input may turn into a traceback.

Python refuses `int()` of more than 4,300 digits (ValueError), `float()` of a huge int
(OverflowError), and its recursive parsers and `repr` stop at the recursion limit
(RecursionError). Every place input carries a number or a nested value -- WIT versions, JSON
arguments of dynamic calls and `witkit call`, manifests, `pyproject.toml`, GitHub API answers --
must answer with a one-line WitkitError instead. `Limits` is checked at construction.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dynamic.test_dynamic import CASES
from tests.runtime.wat import echo_component
from witkit.cli import main
from witkit.errors import ArgumentError, BuildError, LimitsError, WitError, WitkitError
from witkit.guest.config import load_config
from witkit.plugins.dynamic import DynamicPlugin, load
from witkit.plugins.manifest import ManifestError, load_manifest
from witkit.runtime import F32, F64, S64, U8, U32, ImportFunc, Limits, List, Runtime, TypeDesc
from witkit.wit import resolve_source

pytestmark = pytest.mark.timeout(120)

HUGE = "9" * 5000  # past the 4,300-digit int-string limit
DEEP = 100_000  # past the recursion limit


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime(cache=False)


_plugins: dict[str, DynamicPlugin] = {}


def echo(runtime: Runtime, label: str, desc: TypeDesc) -> DynamicPlugin:
    if label not in _plugins:
        _plugins[label] = load(
            echo_component(desc),
            runtime=runtime,
            imports=[ImportFunc("echo", [desc], desc, lambda x: x)],
        )
    return _plugins[label]


# -- WIT versions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        f"package a:b@{HUGE}.0.0;\ninterface i {{}}",
        f"package a:b@1.{HUGE}.0;\ninterface i {{}}",
        f"package a:b@1.0.0;\ninterface i {{\n  @since(version = 1.0.{HUGE})\n  f: func();\n}}",
    ],
    ids=["package-major", "package-minor", "since-patch"],
)
def test_version_numbers_past_u64_are_a_wit_error(source: str) -> None:
    with pytest.raises(WitError, match="version number exceeds u64::MAX") as info:
        resolve_source(source)
    assert len(str(info.value).splitlines()[0]) < 200


def test_huge_pre_release_numbers_compare_without_int() -> None:
    # Valid semver (pre-release numbers are unbounded); @since later than the package fails.
    source = (
        f"package a:b@1.0.0-{HUGE};\ninterface i {{\n"
        f"  @since(version = 1.0.0-{HUGE}1)\n  f: func();\n}}"
    )
    with pytest.raises(WitError, match="unreleased version"):
        resolve_source(source)
    resolve_source(source.replace(f"{HUGE}1)", f"{HUGE})"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(0, 2**70).map(str), st.integers(4200, 4400).map(lambda n: "7" * n)),
        min_size=3,
        max_size=3,
    ),
    st.booleans(),
)
def test_any_version_digits_resolve_or_fail_cleanly(parts: list[str], since: bool) -> None:
    version = ".".join(parts)
    body = f"  @since(version = {version})\n  f: func();\n" if since else ""
    source = f"package a:b@{'1.0.0' if since else version};\ninterface i {{\n{body}}}"
    try:
        resolve_source(source)
    except WitError as e:
        assert "\n" not in str(e).split("-->")[0].strip()


# -- dynamic-call values -----------------------------------------------------------------------


def test_json_number_past_the_int_limit_is_an_argument_error(runtime: Runtime) -> None:
    with pytest.raises(ArgumentError, match=r"not valid JSON.*4300 digits"):
        echo(runtime, "u64", S64).call_json("echo", f"[{HUGE}]")


@pytest.mark.parametrize(
    "text",
    ["²", "٣", "1²", HUGE, f"-{HUGE}", "99999999999999999999999"],
    ids=["superscript", "arabic-indic", "mixed", "huge", "minus-huge", "past-u64"],
)
def test_digit_strings_for_integers(runtime: Runtime, text: str) -> None:
    plugin = echo(runtime, "u32", U32)
    with pytest.raises(ArgumentError, match=r"parameter `x`: expected u32") as info:
        plugin.call_json("echo", json.dumps([text]))
    assert len(str(info.value)) < 200
    assert plugin.call_json("echo", '[" 42 "]') == "42"


@pytest.mark.parametrize("desc", [F32, F64], ids=["f32", "f64"])
def test_huge_int_for_a_float_is_an_argument_error(runtime: Runtime, desc: TypeDesc) -> None:
    plugin = echo(runtime, str(desc), desc)
    with pytest.raises(ArgumentError, match="too large for a float"):
        plugin.call("echo", 10**400)
    with pytest.raises(ArgumentError, match="too large for a float"):
        plugin.call_json("echo", f"[{'9' * 400}]")


def test_deep_json_is_an_argument_error(runtime: Runtime) -> None:
    plugin = echo(runtime, "list-u8", List(U8))
    with pytest.raises(ArgumentError, match="nested too deeply"):
        plugin.call_json("echo", "[" * DEEP + "]" * DEEP)


def _deep(n: int) -> list[Any]:
    v: list[Any] = []
    for _ in range(n):
        v = [v]
    return v


@pytest.mark.parametrize(
    "value",
    [_deep(DEEP), {"a": _deep(DEEP)}, 10**5000, [10**5000]],
    ids=["deep-list", "deep-dict", "huge-int", "list-of-huge-int"],
)
def test_message_shows_a_short_part_of_any_wrong_value(runtime: Runtime, value: Any) -> None:
    plugin = echo(runtime, "u32", U32)
    with pytest.raises(ArgumentError, match="expected u32") as info:
        plugin.call("echo", value)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("flags", ["7" * 4400]),
        ("record", {"x" * 4400: 1}),
        ("variant", {"c" * 4400: 1}),
        ("list-variant", [{"\n" * 4400: None}]),
    ],
    ids=["flag-name", "field-name", "case-name", "nested-case-name"],
)
def test_a_long_unknown_name_is_shown_short(runtime: Runtime, label: str, value: Any) -> None:
    """The reason after the value (`unknown flag ...`) is bounded like the value itself."""
    desc = next(d for n, d, _ in CASES if n == label)
    plugin = echo(runtime, label, desc)
    with pytest.raises(ArgumentError, match="unknown") as info:
        plugin.call_json("echo", json.dumps([value]))
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from(["²", "7" * 4400, "nan", "inf", "-0"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["x", "y", "name", "ok", "err", "some", "circle", "rect", "empty"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(CASES), JSON)
def test_any_json_value_for_any_type_round_trips_or_is_an_argument_error(
    runtime: Runtime, case: tuple[str, TypeDesc, list[Any]], value: Any
) -> None:
    label, desc, _ = case
    plugin = echo(runtime, label, desc)
    try:
        out = plugin.call_json("echo", json.dumps([value]))
    except ArgumentError as e:
        assert "\n" not in str(e) and len(str(e)) < 400
    else:
        json.loads(out)


# -- witkit call -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arg", [HUGE, "[" * DEEP + "]" * DEEP], ids=["huge-number", "deep-nesting"]
)
def test_cli_call_arguments(tmp_path: Path, arg: str) -> None:
    import wasmtime

    wasm = tmp_path / "echo.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(echo_component(S64)))
    result = CliRunner().invoke(main, ["call", str(wasm), "echo", arg])
    assert result.exit_code == 2, result.output
    assert "argument 1 is not valid JSON" in result.output
    assert "Traceback" not in result.output and len(result.output) < 1000


# -- manifests and pyproject.toml --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            b'[plugins.p]\nlocator = "file:p.wasm"\n[plugins.p.limits]\nfuel = ' + HUGE.encode(),
            "4300",
        ),
        (
            b'[plugins.p]\nlocator = "file:p.wasm"\n[plugins.p.limits]\nfuel = 18446744073709551616',
            "at most 18446744073709551615",
        ),
        (
            b'[plugins.p]\nlocator = "file:p.wasm"\n[plugins.p.limits]\ntimeout = ' + b"9" * 4000,
            "timeout",
        ),
        (b'[plugins.p]\nlocator = "file:p.wasm"\n[plugins.p.limits]\ntimeout = 1e300', "at most"),
        (
            b'[plugins.p]\nlocator = "file:p.wasm"\n[plugins.p.limits]\nmemory = "1'
            + b"0" * 400
            + b'GiB"',
            "memory",
        ),
        (b"x = " + b"[" * DEEP + b"]" * DEEP, "nested too deeply"),
        (b"x = " + b"{a=" * 3000 + b"1" + b"}" * 3000, "nested too deeply"),
        (b'[plugins.p]\nlocator = "caf\xe9.wasm"\n', "not UTF-8"),
    ],
    ids=[
        "huge-fuel",
        "fuel-past-u64",
        "huge-timeout",
        "timeout-1e300",
        "huge-memory",
        "deep-array",
        "deep-table",
        "latin-1",
    ],
)
def test_manifest_values(tmp_path: Path, text: bytes, match: str) -> None:
    path = tmp_path / "witkit.toml"
    path.write_bytes(text)
    with pytest.raises(ManifestError, match=match) as info:
        load_manifest(path)
    assert str(path) in str(info.value)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    "text",
    [b"x = " + b"[" * DEEP + b"]" * DEEP, b"x = " + HUGE.encode(), b'x = "\xff"'],
    ids=["deep", "huge", "not-utf8"],
)
def test_pyproject_of_a_guest(tmp_path: Path, text: bytes) -> None:
    (tmp_path / "pyproject.toml").write_bytes(text)
    with pytest.raises(BuildError, match="not valid TOML") as info:
        load_config(tmp_path)
    assert len(str(info.value)) < 300


# -- Limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": 1e300}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"fuel": 2**64}, "fuel"),
        ({"fuel": 0}, "fuel"),
        ({"fuel": 1.5}, "fuel"),
        ({"fuel": True}, "fuel"),
        ({"memory": -5}, "memory"),
        ({"memory": math.nan}, "memory"),
        ({"memory": 2**63}, "memory"),
        ({"fuel": 10**5000}, "fuel"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_limits_are_checked_at_construction(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(LimitsError, match=rf"^Limits\.{name} must be") as info:
        Limits(**kwargs)
    assert isinstance(info.value, WitkitError) and isinstance(info.value, ValueError)
    assert len(str(info.value)) < 120


def test_largest_limits_still_mean_what_they_say(runtime: Runtime) -> None:
    # The ceilings themselves are accepted and a call under them finishes normally.
    big = Limits(fuel=2**64 - 1, timeout=1e9)
    plugin = load(
        echo_component(U32),
        runtime=Runtime(cache=False, limits=big),
        imports=[ImportFunc("echo", [U32], U32, lambda x: x)],
    )
    assert plugin.call("echo", 7) == 7
