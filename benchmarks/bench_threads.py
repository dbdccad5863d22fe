"""Scale: calls per second from N threads (1, 2, 4), each with its own instance from a pool.

wasmtime stores are not thread-safe, so each thread owns one instance (loaded through the
generated bindings from one compiled component). Two workloads: `add`, where a call is almost
all Python-side overhead, and `spin`, where the guest runs a loop of 20,000 steps per call.
ctypes releases the GIL while wasmtime runs, so guest time can overlap across threads while
the Python part of each call cannot.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks import _plots, _world
from benchmarks._report import Report

TITLE = "Scale: calls per second from N threads"
THREADS = (1, 2, 4)
SPIN = 20_000


def _throughput(calls: list[Callable[[], object]], duration: float) -> tuple[float, float]:
    """(calls per second, CPU cores this process used) with one thread per entry of `calls`,
    all running for `duration`."""
    n = len(calls)
    counts = [0] * n
    barrier = threading.Barrier(n + 1)
    deadline = [0.0]

    def worker(i: int) -> None:
        call = calls[i]
        barrier.wait()
        end = deadline[0]
        done = 0
        while time.perf_counter() < end:
            for _ in range(20):
                call()
            done += 20
        counts[i] = done

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    start = time.perf_counter()
    deadline[0] = start + duration
    barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return sum(counts) / wall, (time.process_time() - cpu) / wall


Cell = tuple[list[float], list[float]]
"""(calls/s of each run, CPU cores used in each run)."""


def measure_threads(scale: float = 1.0) -> tuple[dict[str, dict[int, Cell]], Any]:
    """Calls/s of each workload and thread count over repeated, interleaved runs."""
    from witkit.runtime import Runtime

    runtime = Runtime(cache=False)
    component = runtime.compile(_world.WAT)
    duration = max(0.05, 1.0 * scale)
    repeat = 1 if scale < 1 else 5
    with _world.generated_bindings() as bindings:
        host = _world.bench_host(bindings)
        pool = [
            bindings.Bench.load(component, imports=host, runtime=runtime)
            for _ in range(max(THREADS))
        ]
        workloads: dict[str, Callable[[Any], Callable[[], object]]] = {
            "add (call overhead)": lambda p: lambda: p.add(1, 2),
            f"spin({SPIN}) (guest-bound)": lambda p: lambda: p.spin(SPIN),
        }
        out: dict[str, dict[int, Cell]] = {w: {n: ([], []) for n in THREADS} for w in workloads}
        for _ in range(repeat):
            for name, make in workloads.items():
                for n in THREADS:
                    rate, cores = _throughput([make(p) for p in pool[:n]], duration)
                    out[name][n][0].append(rate)
                    out[name][n][1].append(cores)
    return out, (runtime, component)


def _loadavg() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section (plus the speedup plot when `report` is given)."""
    figures, _keep = measure_threads(scale)
    cores = os.cpu_count() or 1
    runs = len(next(iter(next(iter(figures.values())).values())))
    lines = [
        f"## {TITLE}",
        "",
        f"One instance per thread; each run lasts {max(0.05, 1.0 * scale):.2g} s; median of "
        f"{runs} run(s) per cell; this machine has {cores} core(s).",
        "",
        "| workload | " + " | ".join(f"{n} thread{'s' if n > 1 else ''}" for n in THREADS)
        + " | speedup at " + " / ".join(str(n) for n in THREADS[1:]) + " threads |",
        "|---|" + "---:|" * (len(THREADS) + 1),
    ]  # fmt: skip
    speedups: dict[str, list[float]] = {}
    for name, by_n in figures.items():
        med = {n: statistics.median(rates) for n, (rates, _cores) in by_n.items()}
        speedups[name] = [med[n] / med[1] for n in THREADS]
        cells = [
            f"{med[n]:,.0f}/s (±{(max(r) - min(r)) / 2 / med[n]:.0%}; "
            f"{statistics.median(c):.2f} cores busy)"
            for n, (r, c) in by_n.items()
        ]
        lines.append(
            f"| {name} | " + " | ".join(cells) + " | "
            + " / ".join(f"{s:.2f}x" for s in speedups[name][1:]) + " |"
        )  # fmt: skip
    lines += [
        "",
        '"cores busy" is this process\'s CPU time over the wall time of the run: when it '
        "stays near 1 with 2 threads on a guest-bound load, other work on the shared machine "
        f"held the second core (load average at the end: {_loadavg()}).",
        "",
        "What it shows: a call's Python side (lowering, lifting, the ctypes call itself) holds "
        "the GIL, so `add`, which is nearly all Python side, cannot go faster with more threads "
        "(GIL hand-offs can make it slower); time inside the guest runs with the GIL "
        "released, so a guest-bound export scales with cores up to the core count. Past "
        f"{cores} thread(s) this machine has no more cores to give.",
        "",
    ]
    if report is not None:
        why = _plots.unavailable()
        if why is None:
            path = report.plot_path("threads")
            _plots.lines(
                path,
                title=f"Throughput vs threads (speedup over 1 thread; {cores} cores)",
                xs=list(THREADS),
                values=speedups,
                xlabel="threads (one instance each)",
                ylabel="calls/s relative to 1 thread",
                ideal_cap=cores,
            )
            lines += [
                f"![Throughput vs threads]({path.relative_to(report.out_dir).as_posix()})",
                "",
            ]
        else:
            lines += [f"Plot skipped: {why}.", ""]
        spin = speedups[f"spin({SPIN}) (guest-bound)"]
        report.headlines.append(
            f"threads: guest-bound `spin` {spin[1]:.2f}x at 2 threads, call-bound `add` "
            f"{speedups['add (call overhead)'][1]:.2f}x ({cores} cores)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
