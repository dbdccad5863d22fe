"""Guests that run away with CPU, memory, tables or the stack, trap, abuse host imports or flood
stdout: each is stopped with the right witkit exception, and the runtime goes on working.

Every case runs through generated bindings and through the dynamic API (the `via` fixture),
and ends by loading and calling a healthy plugin on the same runtime.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.hostile.guests import TRAPS, HostError, healthy_after
from tests.hostile.support import Loaded, Loaders
from witkit.errors import (
    FuelExhausted,
    LimitError,
    MemoryLimitExceeded,
    PluginError,
    Timeout,
    TrapError,
    WitkitError,
)
from witkit.runtime import Limits, Runtime, Wasi

pytestmark = pytest.mark.timeout(120)

MiB = 1 << 20


def load(loaders: Loaders, via: str, limits: Limits, wasi: Wasi | None = None) -> tuple[Runtime, Loaded]:
    rt = Runtime(cache=False, limits=limits, wasi=wasi)
    return rt, loaders.load(via, TRAPS, rt)


def fails(plugin: Loaded, name: str, *args: Any, error: type[WitkitError]) -> WitkitError:
    """Call `name`, expecting exactly `error` (not a subclass of it standing in for another)."""
    with pytest.raises(WitkitError) as info:
        plugin.call(name, *args)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    assert str(info.value).startswith(f"{name}:")  # the message names the export
    assert plugin.instance.poisoned
    with pytest.raises(PluginError, match="reload the plugin"):
        plugin.call(name, *args)  # a trapped instance is never entered again
    return info.value


def test_infinite_loop_is_stopped_by_the_timeout(loaders: Loaders, via: str) -> None:
    rt, plugin = load(loaders, via, Limits(timeout=0.2))
    error = fails(plugin, "spin", error=Timeout)
    assert "timeout of 0.2 s" in str(error)
    assert isinstance(error, LimitError) and error.guest_backtrace  # where the guest was
    healthy_after(loaders, via, rt)


def test_infinite_loop_is_stopped_by_fuel(loaders: Loaders, via: str) -> None:
    rt, plugin = load(loaders, via, Limits(fuel=1_000_000))
    error = fails(plugin, "spin", error=FuelExhausted)
    assert "ran out of fuel (limit 1000000 per call)" in str(error)
    healthy_after(loaders, via, rt)


def test_memory_grow_loop_is_refused_at_the_ceiling(loaders: Loaders, via: str) -> None:
    # The guest grows a page at a time; past the ceiling memory.grow fails inside the guest
    # (it sees -1) and the guest gives up with `unreachable`: the error says why.
    rt, plugin = load(loaders, via, Limits(memory=4 * MiB))
    error = fails(plugin, "grow-forever", error=MemoryLimitExceeded)
    assert "reached its memory limit of 4194304 bytes" in str(error)
    assert "unreachable" in str(error)  # and what the guest then did
    healthy_after(loaders, via, rt)


def test_table_grow_loop_is_refused(loaders: Loaders, via: str) -> None:
    # A funcref table growing a thousand slots at a time would eat host memory without end
    # (it took a 24 GiB machine down before tables were bounded); the memory ceiling bounds it.
    rt, plugin = load(loaders, via, Limits(memory=4 * MiB))
    error = fails(plugin, "grow-table-forever", error=TrapError)
    assert "unreachable" in str(error)  # growth was refused (-1) and the guest gave up
    healthy_after(loaders, via, rt)


def test_unbounded_recursion_overflows_the_guest_stack(loaders: Loaders, via: str) -> None:
    rt, plugin = load(loaders, via, Limits())
    error = fails(plugin, "recurse", 0, error=TrapError)
    assert "call stack exhausted" in str(error)
    assert "recurse" in error.guest_backtrace  # type: ignore[attr-defined]
    healthy_after(loaders, via, rt)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("crash", (), "wasm `unreachable` instruction executed"),
        ("divide", (7, 0), "integer divide by zero"),
        ("peek", (0xFFFF_FFF0,), "out of bounds memory access"),
    ],
)
def test_traps_carry_the_guest_backtrace(
    loaders: Loaders, via: str, name: str, args: tuple[int, ...], message: str
) -> None:
    rt, plugin = load(loaders, via, Limits())
    error = fails(plugin, name, *args, error=TrapError)
    assert message in str(error)
    backtrace = error.guest_backtrace  # type: ignore[attr-defined]
    assert "main!" in backtrace  # the core module the trap happened in
    healthy_after(loaders, via, rt)


def test_out_of_bounds_message_names_the_address(loaders: Loaders, via: str) -> None:
    _rt, plugin = load(loaders, via, Limits())
    error = fails(plugin, "peek", 0xFFFF_FFF0, error=TrapError)
    assert "0xfffffff0" in str(error)


def test_host_import_that_raises(loaders: Loaders, via: str) -> None:
    rt, plugin = load(loaders, via, Limits())
    error = fails(plugin, "call-fail", error=TrapError)
    assert "host function raised HostError: the host refuses" in str(error)
    assert isinstance(error.__cause__, HostError)  # the host's own exception, kept
    healthy_after(loaders, via, rt)


def test_slow_host_import_still_times_out(loaders: Loaders, via: str) -> None:
    # The guest returns as soon as the import does, so the epoch check never runs in the guest:
    # the runtime checks the deadline when the host function returns.
    rt, plugin = load(loaders, via, Limits(timeout=0.1))
    error = fails(plugin, "call-slow", 400, error=Timeout)
    assert "the host function slow returned after the deadline" in str(error)
    healthy_after(loaders, via, rt)


def test_sleep_in_wasi_returns_as_a_timeout(loaders: Loaders, via: str) -> None:
    # wasmtime's WASI blocks in host code that no epoch can interrupt: the guest sleeps its
    # 0.6 s out, but the call then fails as a Timeout instead of returning late.
    rt, plugin = load(loaders, via, Limits(timeout=0.1))
    with pytest.raises(Timeout, match="returned late"):
        plugin.call("nap", 600_000_000)
    assert not plugin.instance.poisoned  # the guest finished its call: it may be called again
    assert plugin.call("nap", 1_000) == 1
    healthy_after(loaders, via, rt)


def test_a_quick_host_import_under_a_timeout_is_fine(loaders: Loaders, via: str) -> None:
    _rt, plugin = load(loaders, via, Limits(timeout=5))
    assert plugin.call("call-slow", 1) == 1
    assert plugin.call("call-slow", 2) == 2  # the deadline is re-armed for every call


def test_stdout_flood_is_bounded(
    loaders: Loaders, via: str, caplog: pytest.LogCaptureFixture
) -> None:
    # 64 MiB written in 4 KiB blocks; the capture keeps its limit and counts the rest.
    limit = 256 * 1024
    rt, plugin = load(loaders, via, Limits(), Wasi(stdout="capture", capture_limit=limit))
    chunks = 16_384
    with caplog.at_level(logging.WARNING, logger="witkit.runtime"):
        assert plugin.call("flood", chunks) == chunks
        assert plugin.call("flood", 8) == 8
    inst = plugin.instance
    assert len(inst.stdout) == limit
    assert inst.stdout_dropped == (chunks + 8) * 4096 - limit
    warnings = [r for r in caplog.records if "captured stdout reached its limit" in r.getMessage()]
    assert len(warnings) == 1  # reported once, not once per write
    inst.clear_output()
    assert (inst.stdout, inst.stdout_dropped) == ("", 0)
    assert plugin.call("flood", 1) == 1
    assert len(inst.stdout) == 4096  # capturing again after a clear
    healthy_after(loaders, via, rt)


def test_endless_stdout_flood_is_stopped_by_the_timeout(loaders: Loaders, via: str) -> None:
    # A guest writing without end (here 16 TiB) costs CPU, not memory: the timeout ends it.
    limit = 64 * 1024
    rt, plugin = load(loaders, via, Limits(timeout=0.3), Wasi(stdout="capture", capture_limit=limit))
    fails(plugin, "flood", 0xFFFF_FFFF, error=Timeout)
    assert len(plugin.instance.stdout) == limit
    assert plugin.instance.stdout_dropped > 0
    healthy_after(loaders, via, rt)
