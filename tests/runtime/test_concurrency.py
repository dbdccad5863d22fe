"""One instance, many callers: threads are serialised, re-entry from a host function is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.runtime.components import BEHAVIOUR
from tests.runtime.wat import echo_component
from witkit.errors import FuelExhausted, PluginError, TrapError
from witkit.runtime import STRING, U32, ImportFunc, Instance, Limits, Pool, Runtime

THREADS = 4
ROUNDS = 2_000


def hammer(work: Callable[[int, int], None]) -> None:
    """Run `work(thread, round)` from THREADS threads at once; re-raise the first failure."""
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(t: int) -> None:
        start.wait()
        try:
            for i in range(ROUNDS):
                work(t, i)
        except BaseException as e:  # reported below, with the thread's own traceback
            failures.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        raise failures[0]


def test_threads_sharing_one_instance_get_their_own_results(rt: Runtime) -> None:
    inst = rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, lambda n: n * 2)])
    add = inst.func("add", [U32, U32], U32)
    via_host = inst.func("call-host", [U32], U32)

    def work(t: int, i: int) -> None:
        a, b = t * 1_000_003, i
        assert add(a, b) == a + b
        assert via_host(a + i) == 2 * (a + i)  # the guest calls the host, which runs Python

    hammer(work)
    assert not inst.poisoned


def test_threads_sharing_strings_through_memory(rt: Runtime) -> None:
    # Strings go through the guest's allocator and memory both ways: mixed calls would corrupt them.
    inst = rt.instantiate(echo_component(STRING), [ImportFunc("echo", [STRING], STRING, lambda s: s)])
    echo = inst.func("echo", [STRING], STRING)

    def work(t: int, i: int) -> None:
        text = f"thread {t} round {i} " * (1 + i % 7)
        assert echo(text) == text

    hammer(work)


def test_a_second_thread_waits_for_the_running_call(rt: Runtime) -> None:
    inside, release = threading.Event(), threading.Event()

    def slow_host(n: int) -> int:
        inside.set()
        release.wait()
        return n + 1

    inst = rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, slow_host)])
    add = inst.func("add", [U32, U32], U32)
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(inst.func("call-host", [U32], U32)(41)))
    first.start()
    inside.wait()
    second = threading.Thread(target=lambda: results.append(add(2, 3)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first call, not running beside it
    release.set()
    first.join()
    second.join()
    assert results == [42, 5]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_reentry_from_a_host_function_is_refused(fast: bool) -> None:
    # The host function calls back into the plugin that called it; unchecked, every inner call
    # re-armed the fuel, so the outer call ran without limit.
    rt = Runtime(cache=False, fast_calls=fast, limits=Limits(fuel=2_000_000))
    inst: Instance | None = None
    rounds = [0]

    def host(n: int) -> int:
        assert inst is not None
        rounds[0] += 1
        if n == 0:
            return 0
        out: int = inst.func("call-host", [U32], U32)(n - 1)
        return out

    inst = rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, host)])
    with pytest.raises(TrapError, match="host function raised PluginError") as info:
        inst.func("call-host", [U32], U32)(100_000)
    assert isinstance(info.value.__cause__, PluginError)
    assert "entered again from inside one of its own calls" in str(info.value.__cause__)
    assert rounds[0] == 1


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_reentry_refused_even_when_the_host_swallows_it(fast: bool) -> None:
    # A host function catching the refusal cannot turn it into fresh fuel for the outer call.
    rt = Runtime(cache=False, fast_calls=fast, limits=Limits(fuel=50_000))
    inst: Instance | None = None
    refused = [0]

    def host(n: int) -> int:
        assert inst is not None
        try:
            inst.func("spin", [], None)()
        except PluginError:
            refused[0] += 1
        return n

    inst = rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, host)])
    assert inst.func("call-host", [U32], U32)(7) == 7
    assert refused[0] == 1
    assert not inst.poisoned
    with pytest.raises(FuelExhausted):  # the limit still holds for a call of its own
        inst.func("spin", [], None)()



def test_pool_serves_threads_and_replaces_trapped_instances(rt: Runtime) -> None:
    loads = [0]
    component = rt.compile(BEHAVIOUR)

    def load() -> Instance:
        loads[0] += 1
        return rt.instantiate(component, [ImportFunc("host-fail", [U32], U32, lambda n: n * 2)])

    pool = Pool(load, size=2)
    assert loads[0] == 2 and pool.idle == 2
    traps = [0]
    lock = threading.Lock()

    def work(t: int, i: int) -> None:
        with pool.get() as inst:
            if i % 500 == 499:  # now and then a call traps: that instance must not come back
                with pytest.raises(TrapError):
                    inst.func("boom", [], None)()
                with lock:
                    traps[0] += 1
                return
            a = t * 1_000_003
            assert inst.func("add", [U32, U32], U32)(a, i) == a + i
            assert inst.func("call-host", [U32], U32)(i) == 2 * i

    hammer(work)
    assert traps[0] == THREADS * ROUNDS // 500
    assert pool.replaced == traps[0]
    assert loads[0] == 2 + pool.replaced - (2 - pool.idle)  # empty slots load on demand
    with pool.get() as inst:
        assert not inst.poisoned and inst.func("add", [U32, U32], U32)(1, 2) == 3
    pool.close()
    with pytest.raises(PluginError, match="closed"):
        pool.acquire()


def test_pool_waits_then_gives_up(rt: Runtime) -> None:
    pool = Pool(lambda: rt.instantiate(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, abs)]), size=1, eager=False)
    assert pool.idle == 0
    first = pool.acquire()
    with pytest.raises(PluginError, match=r"no plugin of the pool became free within 0\.01 s"):
        pool.acquire(timeout=0.01)
    pool.release(first)
    assert pool.acquire(timeout=0.01) is first
    with pytest.raises(PluginError, match="has no witkit Instance"):
        Pool(lambda: object(), size=1)
