"""`Instance.cancel()`: another thread stops a running call with `Cancelled`."""

from __future__ import annotations

import threading
import time

import pytest

import witkit
from tests.runtime.components import BEHAVIOUR
from witkit.errors import Cancelled, PluginError, Timeout
from witkit.runtime import U32, ImportFunc, Instance, Limits, Runtime


def behaviour(rt: Runtime, host: object = None) -> Instance:
    impl = host if host is not None else (lambda n: n * 2)
    return rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, impl)])


def run_in_thread(call: object) -> tuple[threading.Thread, list[BaseException | object]]:
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(call())  # type: ignore[operator]
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def cancel_when_running(inst: Instance) -> None:
    """Cancel as soon as the call has started (cancelling an idle instance does nothing)."""
    while not inst.cancel():
        time.sleep(0.001)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_cancel_stops_a_looping_guest(fast: bool) -> None:
    rt = Runtime(cache=False, fast_calls=fast, cancellable=True)
    inst = behaviour(rt)
    assert inst.func("add", [U32, U32], U32)(1, 2) == 3
    while True:
        thread, outcome = run_in_thread(inst.func("spin", [], None))  # loops forever
        cancel_when_running(inst)
        thread.join()
        [error] = outcome
        # A cancel landing between taking the instance and entering the guest stops the call
        # before it starts (the instance stays usable): try again until the guest was running.
        if "before it entered the guest" not in str(error):
            break
        assert isinstance(error, Cancelled) and not inst.poisoned
    assert isinstance(error, Cancelled) and isinstance(error, witkit.WitkitError)
    assert "spin: the call was cancelled" in str(error)
    assert inst.poisoned  # the guest stopped mid-loop: reload it
    with pytest.raises(PluginError, match="trapped earlier"):
        inst.func("add", [U32, U32], U32)(1, 2)


def test_cancel_of_an_idle_instance_does_nothing() -> None:
    rt = Runtime(cache=False, cancellable=True)
    inst, other = behaviour(rt), behaviour(rt)
    add = inst.func("add", [U32, U32], U32)
    assert add(1, 2) == 3
    assert inst.cancel() is False
    assert add(2, 3) == 5  # the next call is not the cancelled one
    # Cancelling one instance leaves a call running on another of the same engine alone.
    thread, outcome = run_in_thread(lambda: other.func("call-host", [U32], U32)(20))
    thread.join()
    assert outcome == [40]
    assert not inst.poisoned and not other.poisoned


def test_cancel_while_a_host_function_runs() -> None:
    rt = Runtime(cache=False, cancellable=True)
    inside, release = threading.Event(), threading.Event()

    def host(n: int) -> int:
        inside.set()
        release.wait()
        return n

    inst = behaviour(rt, host)
    thread, outcome = run_in_thread(lambda: inst.func("call-host", [U32], U32)(5))
    inside.wait()
    assert inst.cancel() is True
    release.set()
    thread.join()
    # The guest would return straight after the host function: the call still ends cancelled.
    [error] = outcome
    assert isinstance(error, Cancelled)


def test_timed_runtimes_are_cancellable_and_still_time_out() -> None:
    rt = Runtime(cache=False, limits=Limits(timeout=30))
    inst = behaviour(rt)
    thread, outcome = run_in_thread(inst.func("spin", [], None))
    cancel_when_running(inst)
    thread.join()
    assert isinstance(outcome[0], Cancelled)
    short = Runtime(cache=False, limits=Limits(timeout=0.05))
    with pytest.raises(Timeout, match=r"ran past its timeout of 0\.05 s"):
        behaviour(short).func("spin", [], None)()
    rt.close()
    short.close()


def test_cancel_needs_a_cancellable_runtime() -> None:
    inst = behaviour(Runtime(cache=False))
    with pytest.raises(PluginError, match=r"Runtime\(cancellable=True\)"):
        inst.cancel()


def test_generated_bindings_cancel_through_the_world_class() -> None:
    from benchmarks import _world

    with _world.generated_bindings() as bindings, Runtime(cache=False, cancellable=True) as rt:
        plugin = bindings.Bench.load(_world.WAT, imports=_world.bench_host(bindings), runtime=rt)
        assert plugin.cancel() is False  # idle: nothing to stop
        assert plugin.add(1, 2) == 3
        while True:
            thread, outcome = run_in_thread(lambda: plugin.spin(0xFFFF_FFFF))
            while not plugin.cancel():
                time.sleep(0.001)
            thread.join()
            [error] = outcome
            if "before it entered the guest" not in str(error):
                break
        assert isinstance(error, Cancelled) and "spin: the call was cancelled" in str(error)
        with pytest.raises(PluginError, match="trapped earlier"):
            plugin.add(1, 2)
