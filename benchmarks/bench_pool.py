"""Pool: borrowing a ready instance from `witkit.Pool` vs loading one, and calls/s from threads.

The bench world's WAT component through generated bindings. A pool pays the load when it is
built (and when it replaces a trapped instance); a borrow is a lock and a list pop. Calls per
second compare one plugin shared by all threads (calls are serialised, so it cannot scale)
with a pool of one instance per thread, for the guest-bound `spin` and the call-bound `add`.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

from benchmarks import _world
from benchmarks._report import Report
from benchmarks._stats import Sample, fmt_time, interleaved
from benchmarks.bench_threads import SPIN, THREADS, _throughput

TITLE = "Pool: borrow vs load, calls/s from threads"


def _ratio(slow: Sample, fast: Sample) -> str:
    """`slow / fast` with the range the runs allow."""
    return f"{slow.median / fast.median:.1f}x ({slow.low / fast.high:.1f}-{slow.high / fast.low:.1f}x)"


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section."""
    from witkit import Pool
    from witkit.runtime import Runtime

    runtime = Runtime(cache=False)
    component = runtime.compile(_world.WAT)
    repeat = 3 if scale < 1 else 15
    target = 0.02 if scale < 1 else 0.2
    duration = max(0.05, 1.0 * scale)
    runs = 1 if scale < 1 else 5
    with _world.generated_bindings() as bindings:
        host = _world.bench_host(bindings)

        def load() -> Any:
            return bindings.Bench.load(component, imports=host, runtime=runtime)

        pool: Pool[Any] = Pool(load, size=max(THREADS))

        def loads(n: int) -> None:
            for _ in range(n):
                load().instance.close()

        def borrows(n: int) -> None:
            for _ in range(n):
                with pool.get() as p:
                    p.add(1, 2)

        def plain_calls(n: int) -> None:
            p = shared
            for _ in range(n):
                p.add(1, 2)

        shared = load()
        timing = interleaved(
            {"load": loads, "borrow": borrows, "call": plain_calls}, repeat=repeat, target=target
        )

        def through_pool(work: str) -> Any:
            if work == "add":
                return lambda: pool.call(lambda p: p.add(1, 2))
            return lambda: pool.call(lambda p: p.spin(SPIN))

        def on_shared(work: str) -> Any:
            return (lambda: shared.add(1, 2)) if work == "add" else (lambda: shared.spin(SPIN))

        rates: dict[tuple[str, str], dict[int, list[float]]] = {}
        for _ in range(runs):
            for work in ("spin", "add"):
                for how, make in (("pool", through_pool), ("shared", on_shared)):
                    cell = rates.setdefault((work, how), {n: [] for n in THREADS})
                    for n in THREADS:
                        rate, _cores = _throughput([make(work) for _ in range(n)], duration)
                        cell[n].append(rate)
        pool.close()

    load_s, borrow_s, call_s = timing["load"], timing["borrow"], timing["call"]
    lines = [
        f"## {TITLE}",
        "",
        f"Median of {load_s.runs} interleaved runs; ± is half the range. A borrow here is "
        "`with pool.get() as p: p.add(1, 2)`, so it includes one call.",
        "",
        "| what | time |",
        "|---|---:|",
        f"| load (`Bench.load`, compiled component) | {fmt_time(load_s.median)} (±{load_s.spread:.0%}) |",
        f"| borrow from a pool + `add` | {fmt_time(borrow_s.median)} (±{borrow_s.spread:.0%}) |",
        f"| `add` on a plugin held by the caller | {fmt_time(call_s.median)} (±{call_s.spread:.0%}) |",
        "",
        f"Borrowing is **{_ratio(load_s, borrow_s)} faster than loading** (target: at least 3x); "
        f"the pool's own cost per call is about {fmt_time(max(0.0, borrow_s.median - call_s.median))}.",
        "",
        f"Calls per second from N threads (each run {duration:.2g} s, median of {runs}; "
        f"{os.cpu_count() or 1} cores):",
        "",
        "| workload | " + " | ".join(f"{n} thread{'s' if n > 1 else ''}" for n in THREADS)
        + " | at " + " / ".join(str(n) for n in THREADS[1:]) + " threads vs 1 |",
        "|---|" + "---:|" * (len(THREADS) + 1),
    ]  # fmt: skip
    headline: dict[str, float] = {}
    for (work, how), by_n in rates.items():
        med = {n: statistics.median(r) for n, r in by_n.items()}
        cells = [f"{med[n]:,.0f}/s (±{(max(r) - min(r)) / 2 / med[n]:.0%})" for n, r in by_n.items()]
        ratios = [med[n] / med[1] for n in THREADS[1:]]
        headline[f"{work} {how}"] = ratios[0]
        label = f"`{'spin(' + str(SPIN) + ')' if work == 'spin' else 'add'}`, " + (
            "pool of 4" if how == "pool" else "one shared plugin"
        )
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " / ".join(f"{x:.2f}x" for x in ratios) + " |")
    lines += [
        "",
        "One shared plugin serialises its calls (a second thread waits: results never mix), so "
        "guest-bound work only scales with a pool, up to the core count; call-bound `add` is "
        "held by the GIL either way.",
        "",
    ]
    if report is not None:
        report.headlines.append(
            f"pool: borrow {load_s.median / borrow_s.median:.1f}x faster than load; guest-bound "
            f"`spin` at 2 threads {headline['spin pool']:.2f}x (pool) vs {headline['spin shared']:.2f}x (shared)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
