"""Async calls: event-loop latency during a long guest call, and the cost of `await` per call.

Latency: a heartbeat task on the loop sleeps 1 ms at a time and records how late each wake-up
is, while the loop runs a ~1 s guest computation (`spin`), either awaited through an
`AsyncInstance` (the guest yields to the loop at each epoch tick) or as a sync call made on
the loop (it blocks the loop for the whole call). Overhead: `await add(1, 2)` on an async
instance against `add(1, 2)` on a sync one, runs interleaved, as a ratio with its spread.
Targets: async call overhead at most 2x the sync call; heartbeat p99 under 20 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from benchmarks import _world
from benchmarks._report import Report
from benchmarks._stats import fmt_time, sample_of

TITLE = "Async: event-loop latency during guest calls, await overhead"
OVERHEAD_TARGET = 2.0
P99_TARGET = 0.020


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _heartbeat_during(call: Any) -> list[float]:
    """How late (seconds) each 1 ms heartbeat woke while `call()` ran on the loop."""
    delays: list[float] = []
    running = True

    async def beat() -> None:
        while running:
            due = time.perf_counter() + 0.001
            await asyncio.sleep(0.001)
            delays.append(max(0.0, time.perf_counter() - due))

    task = asyncio.create_task(beat())
    await asyncio.sleep(0.005)
    delays.clear()
    result = call()
    if asyncio.iscoroutine(result):
        await result
    running = False
    await task
    return delays


def _spin_count(inst: Any, seconds: float) -> int:
    """Iterations of `spin` taking about `seconds` (sync calls)."""
    spin = inst.dynamic("spin")
    n = 100_000
    while True:
        start = time.perf_counter()
        spin(n)
        took = time.perf_counter() - start
        if took > 0.05 or n >= 1 << 30:
            return min((1 << 31) - 1, max(1, round(n * seconds / took)))
        n *= 4


def measure(scale: float = 1.0) -> dict[str, Any]:
    from witkit.runtime import U32, ImportFunc, Runtime

    host = [ImportFunc("host-add", [U32, U32], U32, lambda a, b: a + b)]
    runtime = Runtime(cache=False, cancellable=True)
    component = runtime.compile(_world.WAT)
    sync = runtime.instantiate(component, host)
    seconds = max(0.05, 1.0 * scale)
    n = _spin_count(sync, seconds)
    repeat = 1 if scale < 1 else 3

    async def main() -> dict[str, Any]:
        inst = runtime.instantiate_async(component, host)
        aspin, sspin = inst.dynamic("spin"), sync.dynamic("spin")
        lat: dict[str, list[float]] = {"async": [], "sync on the loop": []}
        took: dict[str, list[float]] = {"async": [], "sync on the loop": []}
        for _ in range(repeat):
            for name, call in (("async", lambda: aspin(n)), ("sync on the loop", lambda: sspin(n))):
                start = time.perf_counter()
                lat[name] += await _heartbeat_during(call)
                took[name].append(time.perf_counter() - start)
        aadd, sadd = inst.func("add", [U32, U32], U32), sync.func("add", [U32, U32], U32)
        number = max(200, int(20_000 * scale))

        async def async_run() -> float:
            start = time.perf_counter()
            for _ in range(number):
                await aadd(1, 2)
            return (time.perf_counter() - start) / number

        def sync_run() -> float:
            start = time.perf_counter()
            for _ in range(number):
                sadd(1, 2)
            return (time.perf_counter() - start) / number

        a_times, s_times, ratios = [], [], []
        for _ in range(max(3, 2 * repeat + 1)):
            a, s = await async_run(), sync_run()
            a_times.append(a)
            s_times.append(s)
            ratios.append(a / s)
        return {
            "latency": lat, "took": took, "n": n,
            "async": sample_of(a_times), "sync": sample_of(s_times), "ratio": sample_of(ratios),
        }  # fmt: skip

    try:
        return asyncio.run(main())
    finally:
        runtime.close()


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section (and headline figures when `report` is given)."""
    m = measure(scale)
    lines = [
        f"## {TITLE}",
        "",
        f"Heartbeat every 1 ms on the loop while `spin({m['n']:,})` runs "
        f"(about {statistics.median(m['took']['sync on the loop']):.2g} s); delay = how late "
        "each wake-up came. Target: p99 under 20 ms with the async call.",
        "",
        "| call | heartbeats | p50 delay | p99 delay | max delay | call took |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, delays in m["latency"].items():
        if not delays:
            delays = [statistics.median(m["took"][name])]  # the loop never woke during the call
        lines.append(
            f"| {name} | {len(delays):,} | {fmt_time(_percentile(delays, 0.5))} | "
            f"{fmt_time(_percentile(delays, 0.99))} | {fmt_time(max(delays))} | "
            f"{fmt_time(statistics.median(m['took'][name]))} |"
        )
    a, s, r = m["async"], m["sync"], m["ratio"]
    p99 = _percentile(m["latency"]["async"], 0.99) if m["latency"]["async"] else float("inf")
    lines += [
        "",
        f"Call overhead on a tiny export (`add(1, 2)`), {r.runs} interleaved runs. "
        f"Target: async at most {OVERHEAD_TARGET:g}x sync.",
        "",
        "| call | per call | spread |",
        "|---|---:|---:|",
        f"| `await add(1, 2)` (async instance) | {fmt_time(a.median)} | ±{a.spread:.0%} |",
        f"| `add(1, 2)` (sync instance) | {fmt_time(s.median)} | ±{s.spread:.0%} |",
        f"| ratio async / sync | {r.median:.2f}x | ±{r.spread:.0%} |",
        "",
        f"Verdict: overhead {'meets' if r.median <= OVERHEAD_TARGET else 'misses'} the "
        f"{OVERHEAD_TARGET:g}x target; heartbeat p99 {fmt_time(p99)} "
        f"{'meets' if p99 < P99_TARGET else 'misses'} the 20 ms target.",
        "",
    ]
    if report is not None:
        report.headlines.append(
            f"Async calls: heartbeat p99 {fmt_time(p99)} during a guest computation (target "
            f"< 20 ms); `await` overhead {r.median:.2f}x a sync call (target ≤ {OVERHEAD_TARGET:g}x)."
        )
    return "\n".join(lines)


