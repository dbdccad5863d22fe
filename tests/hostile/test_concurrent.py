"""Several threads load and call plugins on one runtime while hostile plugins run among them.

For a bounded time, healthy threads load the healthy plugin (through generated bindings and the
dynamic API, alternately) and check every result; hostile threads load the hostile guest and
make it spin, exhaust its memory, trap, overflow its stack and flood its output. Every healthy
call must return the right result, and every hostile call must fail with the right exception.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from tests.hostile.guests import HEALTHY, TRAPS
from tests.hostile.support import VIAS, Loaders
from witkit.errors import FuelExhausted, MemoryLimitExceeded, Timeout, TrapError, WitkitError
from witkit.runtime import Limits, Runtime, Wasi

DURATION = 2.0
"""Seconds the threads keep going (a bound on the test's length, not an assertion)."""

HEALTHY_THREADS = 4
HOSTILE_THREADS = 2

HOSTILE_CALLS: list[tuple[str, tuple[int, ...], type[WitkitError]]] = [
    ("spin", (), Timeout),
    ("grow-forever", (), MemoryLimitExceeded),
    ("crash", (), TrapError),
    ("recurse", (0,), TrapError),
    ("flood", (0xFFFF_FFFF,), Timeout),
]


@pytest.mark.timeout(120)
def test_healthy_calls_stay_right_beside_hostile_plugins(loaders: Loaders) -> None:
    for guest in (HEALTHY, TRAPS):
        loaders.bindings(guest)  # generate and import before the threads start
    rt = Runtime(
        cache=False,
        limits=Limits(timeout=0.05, memory=8 << 20),
        wasi=Wasi(stdout="capture", capture_limit=4096),
    )
    # Healthy plugins share the runtime (its engine, epoch ticker and memory creator) with a
    # timeout no thread switch can reach: 50 ms of wall clock can pass while a thread waits
    # for the GIL, and a healthy call must not fail for that.
    healthy_limits = Limits(timeout=30, memory=8 << 20)
    patient_limits = Limits(timeout=30, memory=8 << 20)
    fuel_rt = Runtime(cache=False, limits=Limits(fuel=200_000))
    deadline = time.monotonic() + DURATION
    lock = threading.Lock()
    healthy_calls = Counter[str]()
    healthy_loads = Counter[str]()
    hostile_seen = Counter[str]()
    failures: list[str] = []

    def guarded(body: Callable[[int], None]) -> Callable[[int], None]:
        def run(index: int) -> None:
            try:
                body(index)
            except BaseException as e:  # reported by the main thread
                with lock:
                    failures.append(f"thread {index}: {type(e).__name__}: {e}")

        return run

    @guarded
    def healthy(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            via = VIAS[n % 2]
            plugin = loaders.load(via, HEALTHY, rt, limits=healthy_limits)
            with lock:
                healthy_loads[via] += 1
            for i in range(200):
                a, b = index * 1_000_003 + n, i * 7919
                got = plugin.call("add", a, b)
                if got != a + b:
                    with lock:
                        failures.append(f"thread {index}: add({a}, {b}) returned {got}")
                    return
            with lock:
                healthy_calls[via] += 200
            n += 1

    @guarded
    def hostile(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            name, args, expected = HOSTILE_CALLS[n % len(HOSTILE_CALLS)]
            via = VIAS[(n // len(HOSTILE_CALLS)) % 2]
            runtime = fuel_rt if name == "spin" and n % 2 else rt
            if runtime is fuel_rt:
                expected = FuelExhausted
            # Only the calls meant to end by the timeout get the short one: on a busy 2-core
            # machine a guest whose memory growth goes through Python callbacks can wait for
            # the GIL past 50 ms, and must still end by its memory limit.
            limits = None if expected is Timeout or runtime is fuel_rt else patient_limits
            plugin = loaders.load(via, TRAPS, runtime, limits=limits)
            try:
                plugin.call(name, *args)
            except WitkitError as e:
                if type(e) is not expected:
                    raise AssertionError(f"{name} via {via}: {type(e).__name__}: {e}") from e
            else:
                raise AssertionError(f"{name} via {via} returned normally")
            with lock:
                hostile_seen[f"{name}:{expected.__name__}"] += 1
            n += 1

    threads = [
        threading.Thread(target=healthy, args=(i,), name=f"healthy-{i}") for i in range(HEALTHY_THREADS)
    ] + [
        threading.Thread(target=hostile, args=(HEALTHY_THREADS + i,), name=f"hostile-{i}")
        for i in range(HOSTILE_THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not [t.name for t in threads if t.is_alive()], "a thread did not finish"
    print(f"healthy calls {dict(healthy_calls)}, loads {dict(healthy_loads)}; hostile {dict(hostile_seen)}")
    assert failures == []
    assert set(healthy_calls) == set(VIAS)  # both load paths ran healthy calls ...
    assert all(healthy_loads[v] >= 1 for v in VIAS)
    assert {key.split(":")[0] for key in hostile_seen} == {name for name, _a, _e in HOSTILE_CALLS}
    assert hostile_seen["spin:FuelExhausted"] >= 1 and hostile_seen["spin:Timeout"] >= 1
