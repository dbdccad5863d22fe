"""Calls, traps, host exceptions and resource limits against real components."""

from __future__ import annotations

import gc
import re
import time
import weakref
from pathlib import Path

import pytest

from tests.runtime.components import BEHAVIOUR
from witkit.errors import (
    BindingError,
    FuelExhausted,
    LimitError,
    MemoryLimitExceeded,
    PluginError,
    Timeout,
    TrapError,
)
from witkit.runtime import S32, STRING, U32, ImportFunc, Instance, Limits, Runtime, _memory


def behaviour(rt: Runtime, host_fail: object = None) -> Instance:
    impl = host_fail if host_fail is not None else (lambda n: n * 2)
    return rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, impl)])


def test_root_and_interface_exports(rt: Runtime) -> None:
    inst = behaviour(rt)
    assert inst.func("add", [U32, U32], U32)(2, 3) == 5
    assert inst.func("test:rt/math@1.0.0#add", [U32, U32], U32)(40, 2) == 42
    assert "test:rt/math@1.0.0#add" in inst.exports()


def test_prepared_funcs_are_cached_by_name(rt: Runtime) -> None:
    inst = behaviour(rt)
    assert inst.func("add", [U32, U32], U32) is inst.func("add", [U32, U32], U32)


def test_host_import_called_by_guest(rt: Runtime) -> None:
    calls: list[int] = []

    def host(n: int) -> int:
        calls.append(n)
        return n + 100

    inst = behaviour(rt, host)
    assert inst.func("call-host", [U32], U32)(5) == 105
    assert calls == [5]


def test_binding_mismatches_fail_at_load_time(rt: Runtime) -> None:
    inst = behaviour(rt)
    with pytest.raises(BindingError, match="no function"):
        inst.func("nope", [], None)
    with pytest.raises(BindingError, match="binding has 1 parameter, the component 2"):
        inst.func("add", [U32], U32)
    with pytest.raises(BindingError, match="STRING"):
        inst.func("add", [U32, STRING], U32)
    with pytest.raises(BindingError):
        rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [STRING], U32, lambda s: 1)])


def test_out_of_range_argument_is_a_binding_error(rt: Runtime) -> None:
    add = behaviour(rt).func("add", [U32, U32], U32)
    with pytest.raises(BindingError):
        add(-1, 2)
    with pytest.raises(BindingError):
        add(2**32, 2)
    assert add(1, 1) == 2  # a rejected argument does not poison anything


def test_a_bad_argument_is_named_by_the_prepared_call(rt: Runtime) -> None:
    from witkit.errors import ArgumentError

    inst = behaviour(rt)
    add = inst.func("add", [U32, U32], U32)
    # The component's own parameter names by default ...
    with pytest.raises(ArgumentError, match=r"^add\(\): parameter `b`: expected int \(u32\), got str '1'$"):
        add(2, "1")
    with pytest.raises(ArgumentError, match=r"^add\(\): parameter `a`: -1 does not fit u32 \(0\.\.4294967295\)$"):
        add(-1, "also bad")  # the first argument at fault, in parameter order
    # ... or the caller's, as generated bindings pass them.
    named = inst.func("add", [U32, U32], U32, where="Calc.add", names=["left", "right"])
    with pytest.raises(ArgumentError, match=r"^Calc\.add\(\): parameter `right`: 4294967296 does not fit u32"):
        named(1, 2**32)
    with pytest.raises(BindingError, match=r"^add: 2 parameters, 1 names given$"):
        inst.func("add", [U32, U32], U32, where="Calc.add", names=["left"])
    assert add(1, 1) == named(1, 1) == 2  # a rejected argument does not poison anything


def test_a_checked_signature_serves_only_the_same_descriptors(rt: Runtime) -> None:
    # A signature checked for one instance is kept for every instance of the component, and
    # a prepared call is kept per instance: neither may serve other descriptors unchecked.
    first, second = behaviour(rt), behaviour(rt)
    assert first.func("add", [U32, U32], U32)(1, 2) == 3
    with pytest.raises(BindingError, match="STRING"):
        second.func("add", [U32, STRING], U32)
    with pytest.raises(BindingError, match="STRING"):
        first.func("add", [U32, STRING], U32)
    assert second.func("add", [U32, U32], U32)(2, 2) == 4
    # A signature a caller vouched for (trusted=True, unchecked) serves only callers that
    # vouch too: the same wrong descriptors are checked, and refused, for anyone else.
    component = rt.compile(BEHAVIOUR)
    host = [ImportFunc("host-fail", [U32], U32, lambda n: n)]
    wrong = [U32, STRING]
    rt.instantiate(component, host).func("add", wrong, U32, trusted=True)
    with pytest.raises(BindingError, match="STRING"):
        rt.instantiate(component, host).func("add", wrong, U32)


def test_host_functions_are_checked_against_each_instance_of_a_component(rt: Runtime) -> None:
    # Import checks are kept per compiled component too, for the same descriptor objects only.
    component = rt.compile(BEHAVIOUR)
    host = [ImportFunc("host-fail", [U32], U32, lambda n: n * 2)]
    assert rt.instantiate(component, host).func("add", [U32, U32], U32)(1, 2) == 3
    with pytest.raises(BindingError, match="import host-fail"):
        rt.instantiate(component, [ImportFunc("host-fail", [STRING], U32, lambda s: 1)])
    assert rt.instantiate(component, host).func("add", [U32, U32], U32)(2, 2) == 4


def test_the_runtime_says_which_limits_it_can_meter() -> None:
    assert (Runtime(cache=False).fuel_metering, Runtime(cache=False).epoch_interruption) == (False, False)
    metered = Runtime(cache=False, limits=Limits(fuel=1000, timeout=1.0))
    assert (metered.fuel_metering, metered.epoch_interruption) == (True, True)
    assert Runtime(cache=False, cancellable=True).epoch_interruption


def test_extend_deadline_gives_a_running_call_more_time() -> None:
    # A host function that takes 0.3 s inside a call limited to 0.2 s: the call times out,
    # unless the host gives the time back (as a composition does for its providers).
    rt = Runtime(cache=False, limits=Limits(timeout=0.2))
    holder: list[Instance] = []

    def slow(n: int, give_back: bool) -> int:
        time.sleep(0.3)
        if give_back:
            holder[0].extend_deadline(0.3)
        return n

    for give_back in (False, True):
        holder[:] = [rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, lambda n, g=give_back: slow(n, g))])]
        call = holder[0].func("call-host", [U32], U32)
        if give_back:
            assert call(7) == 7
        else:
            with pytest.raises(Timeout):
                call(7)
    holder[0].extend_deadline(5.0)  # no call running: nothing changes
    assert holder[0].func("add", [U32, U32], U32)(1, 2) == 3


def test_a_missing_import_reads_as_one_sentence_with_its_cause(rt: Runtime) -> None:
    with pytest.raises(PluginError) as info:
        rt.instantiate(BEHAVIOUR, [])
    message = str(info.value)
    assert message.startswith("cannot instantiate the component: component imports function `host-fail`")
    assert message.endswith("not found in the linker: function implementation is missing")
    assert "Caused by" not in message and "\n" not in message


def test_a_late_host_function_is_told_apart_from_a_late_guest() -> None:
    # After a host function returns past the deadline, the timeout names whose time ran out:
    # the host function's, or the guest's when it called the host function already late
    # (between two epoch ticks, before the guest's own epoch check could fire).
    rt = Runtime(cache=False, limits=Limits(timeout=1.0))
    inst = behaviour(rt)
    now = time.monotonic()
    inst._deadline[0] = now - 1.0  # the running call's deadline, as `before()` arms it
    with pytest.raises(Timeout, match=r"^the host function host-fail returned after the deadline$"):
        inst._check_deadline("host-fail", entered=now - 2.0)
    with pytest.raises(Timeout, match=r"^the guest ran past the deadline before it called the host function host-fail$"):
        inst._check_deadline("host-fail", entered=now - 0.5)
    inst._deadline[0] = now + 60.0
    inst._check_deadline("host-fail", entered=now)  # in time: nothing raised


def test_host_exception_traps_the_call_with_cause(rt: Runtime) -> None:
    def host(n: int) -> int:
        raise ValueError(f"host says no to {n}")

    inst = behaviour(rt, host)
    with pytest.raises(TrapError) as info:
        inst.func("call-host", [U32], U32)(7)
    assert isinstance(info.value.__cause__, ValueError)
    assert "host says no to 7" in str(info.value)
    assert inst.poisoned
    with pytest.raises(PluginError, match="reload the plugin"):
        inst.func("add", [U32, U32], U32)(1, 2)


def test_trap_carries_guest_backtrace_and_poisons(rt: Runtime) -> None:
    inst = behaviour(rt)
    add = inst.func("add", [U32, U32], U32)
    with pytest.raises(TrapError) as info:
        inst.func("boom", [], None)()
    assert "unreachable" in str(info.value)
    assert "boom" in info.value.guest_backtrace
    assert not isinstance(info.value, LimitError)
    with pytest.raises(PluginError, match="instance trapped earlier; reload the plugin"):
        add(1, 2)
    # A fresh instance from the same runtime works.
    assert behaviour(rt).func("add", [U32, U32], U32)(1, 2) == 3


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_fuel_exhaustion(fast: bool) -> None:
    rt = Runtime(cache=False, fast_calls=fast, limits=Limits(fuel=100_000))
    inst = behaviour(rt)
    assert inst.fuel_used == 0  # instantiation is not charged to the per-call limit
    add = inst.func("add", [U32, U32], U32)
    for _ in range(3):  # refuelled before every call
        assert add(1, 2) == 3
    assert inst.fuel_used is not None and 0 < inst.fuel_used < 100_000
    with pytest.raises(FuelExhausted):
        inst.func("spin", [], None)()
    assert inst.poisoned


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_timeout(fast: bool) -> None:
    rt = Runtime(cache=False, fast_calls=fast, limits=Limits(timeout=0.1))
    inst = behaviour(rt)
    assert inst.func("add", [U32, U32], U32)(1, 2) == 3
    start = time.monotonic()
    with pytest.raises(Timeout):
        inst.func("spin", [], None)()
    elapsed = time.monotonic() - start
    assert 0.09 <= elapsed < 5
    rt.close()


def test_fuel_and_timeout_together() -> None:
    rt = Runtime(cache=False, limits=Limits(fuel=10**12, timeout=0.1))
    with pytest.raises(Timeout):
        behaviour(rt).func("spin", [], None)()
    rt2 = Runtime(cache=False, limits=Limits(fuel=10_000, timeout=30))
    with pytest.raises(FuelExhausted):
        behaviour(rt2).func("spin", [], None)()
    rt.close()
    rt2.close()


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_memory_ceiling(fast: bool) -> None:
    rt = Runtime(cache=False, fast_calls=fast, limits=Limits(memory=4 * 1024 * 1024))
    inst = behaviour(rt)
    assert inst.func("hog", [U32], U32)(1) == 1  # 1 MiB fits under the 4 MiB ceiling
    with pytest.raises(MemoryLimitExceeded) as info:
        inst.func("hog", [U32], U32)(16)
    assert "handle_alloc_error" in info.value.guest_backtrace  # type: ignore[attr-defined]
    assert inst.poisoned


def test_refused_grow_that_the_guest_handles_is_not_an_error() -> None:
    # The component has two one-page memories; the ceiling covers both together.
    rt = Runtime(cache=False, limits=Limits(memory=3 * 65536))
    inst = behaviour(rt)
    grow = inst.func("grow-quietly", [U32], S32)
    assert grow(100) == -1  # memory.grow reports failure; the guest decides what to do
    assert grow(1) == 1  # the third page fits: the previous size (one page) comes back
    assert grow(1) == -1  # a fourth would not
    assert inst.func("add", [U32, U32], U32)(2, 3) == 5  # the refusals were not errors


def test_memory_ceiling_covers_all_memories_together() -> None:
    # Two one-page memories: a two-page ceiling admits the instance and no growth at all,
    # although each memory alone is far under it.
    inst = behaviour(Runtime(cache=False, limits=Limits(memory=2 * 65536)))
    assert inst.func("grow-quietly", [U32], S32)(1) == -1
    with pytest.raises(MemoryLimitExceeded, match="memory limit"):
        behaviour(Runtime(cache=False, limits=Limits(memory=65536)))


def test_limits_need_a_runtime_configured_for_them() -> None:
    rt = Runtime(cache=False)
    with pytest.raises(PluginError, match="fuel"):
        rt.instantiate(BEHAVIOUR, [], limits=Limits(fuel=10))
    with pytest.raises(PluginError, match="timeout"):
        rt.instantiate(BEHAVIOUR, [], limits=Limits(timeout=1))
    with pytest.raises(ValueError):
        Limits(fuel=0)


def test_instantiation_failure_is_a_plugin_error(rt: Runtime) -> None:
    with pytest.raises(PluginError, match="cannot instantiate") as info:
        rt.instantiate(BEHAVIOUR, [])  # the host import is missing
    assert not isinstance(info.value, TrapError)


def test_initial_memory_over_the_ceiling() -> None:
    rt = Runtime(cache=False, limits=Limits(memory=1024))
    with pytest.raises(MemoryLimitExceeded):
        behaviour(rt)


def test_debugging_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITKIT_FAST_CALLS", "0")
    monkeypatch.setenv("WITKIT_CACHE", "0")
    monkeypatch.setenv("WITKIT_DEBUG", "1")
    monkeypatch.setenv("WITKIT_WASI_OUTPUT", "1")
    rt = Runtime()
    assert not rt.fast_calls and rt.cache_dir is None
    assert rt.wasi.stdout == "inherit" and rt.wasi.stderr == "inherit"
    assert behaviour(rt).func("add", [U32, U32], U32)(1, 2) == 3
    monkeypatch.setenv("WITKIT_PROFILE", "no-such-profiler")
    with pytest.raises(PluginError, match="WITKIT_PROFILE"):
        Runtime()


def test_instances_are_garbage_collected(rt: Runtime) -> None:
    inst = behaviour(rt)
    assert inst.func("call-host", [U32], U32)(1) == 2
    ref = weakref.ref(inst)
    del inst
    gc.collect()
    assert ref() is None


def test_str_source_may_be_a_path(rt: Runtime, tmp_path: Path) -> None:
    wat_file = tmp_path / "behaviour.wat"
    wat_file.write_text(BEHAVIOUR)
    assert behaviour(rt).func("add", [U32, U32], U32)(1, 2) == 3
    assert rt.instantiate(str(wat_file), [ImportFunc("host-fail", [U32], U32, int)]).func("add", [U32, U32], U32)(1, 2) == 3


def test_wrongly_typed_arguments_are_binding_errors(rt: Runtime) -> None:
    from tests.runtime.wat import echo_component
    from witkit.runtime import List

    desc = List(STRING)
    echo = rt.instantiate(echo_component(desc), [ImportFunc("echo", [desc], desc, lambda x: x)]).func("echo", [desc], desc)
    for bad, problem in (
        (["a", 5], "item 1: expected str, got int 5"),
        ([None], "item 0: expected str, got NoneType None"),
        (5, "expected a list, got int 5"),
    ):
        with pytest.raises(BindingError, match=rf"^echo\(\): parameter `x`: {re.escape(problem)}$"):
            echo(bad)
    assert echo(["fine"]) == ["fine"]
    add = behaviour(rt).func("add", [U32, U32], U32)
    with pytest.raises(BindingError):
        add("1", 2)


@pytest.mark.skipif(not _memory.AVAILABLE, reason="witkit backs memories itself only on Linux")
def test_witkit_backed_memories_are_released_with_their_instances() -> None:
    # Each memory maps its whole reservation (4 GiB of address space): a leak would run the
    # process out of address space after a few tens of thousands of instances.
    rt = Runtime(cache=False, limits=Limits(memory=4 * 1024 * 1024))
    gc.collect()
    before = _memory.live_memories()
    instances = [behaviour(rt) for _ in range(5)]
    assert _memory.live_memories() == before + 10  # two memories each
    del instances
    gc.collect()
    assert _memory.live_memories() == before
