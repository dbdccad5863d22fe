"""Timing helpers shared by the benchmarks: repeated runs, median and spread."""

from __future__ import annotations

import gc
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
Loop = Callable[[int], object]
"""A benchmark body: `loop(n)` performs `n` operations."""


@dataclass(frozen=True)
class Sample:
    """Seconds per operation over repeated runs."""

    median: float
    low: float
    high: float
    runs: int

    @property
    def spread(self) -> float:
        """Half the range as a fraction of the median (0.05 = +/-5%)."""
        return (self.high - self.low) / 2 / self.median if self.median else 0.0


def measure(op: Callable[[], object], *, number: int, repeat: int) -> Sample:
    """Run `op` `number` times per run, `repeat` runs; seconds per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            op()
        times.append((time.perf_counter() - start) / number)
    return Sample(statistics.median(times), min(times), max(times), repeat)


def sample_of(times: Sequence[float]) -> Sample:
    """Median and range of per-operation times."""
    return Sample(statistics.median(times), min(times), max(times), len(times))


def _timed(loop: Loop, n: int) -> float:
    start = time.perf_counter()
    loop(n)
    return time.perf_counter() - start


def calibrate(loop: Loop, target: float) -> int:
    """How many operations of `loop` take about `target` seconds (at least one)."""
    n = 1
    while True:
        elapsed = _timed(loop, n)
        if elapsed >= target / 4 or n >= 1 << 22:
            return max(1, round(n * target / elapsed)) if elapsed > 0 else n
        n *= 8 if elapsed < target / 64 else 2


def interleaved(
    loops: dict[K, Loop], *, repeat: int, target: float, budget: float = 10.0, seed: int = 0
) -> dict[K, Sample]:
    """Seconds per operation of every loop, the loops interleaved run by run.

    Each run times one batch of every loop (about `target` seconds each), in a shuffled order,
    so machine noise lands on every series alike; the garbage collector is off while timing,
    as in `timeit`. A loop that has used up `budget` seconds stops after three runs.
    """
    counts = {key: calibrate(loop, target) for key, loop in loops.items()}
    times: dict[K, list[float]] = {key: [] for key in loops}
    spent = dict.fromkeys(loops, 0.0)
    order = list(loops)
    rng = random.Random(seed)
    enabled = gc.isenabled()
    try:
        for run in range(repeat):
            rng.shuffle(order)
            for key in order:
                if run >= 3 and spent[key] > budget:
                    continue
                gc.collect()
                gc.disable()
                elapsed = _timed(loops[key], counts[key])
                if enabled:
                    gc.enable()
                spent[key] += elapsed
                times[key].append(elapsed / counts[key])
    finally:
        if enabled:
            gc.enable()
    return {key: sample_of(t) for key, t in times.items()}


def measure_process(argv: Sequence[str] | Callable[[int], Sequence[str]], *, repeat: int) -> Sample:
    """Wall-clock seconds of a whole process, `repeat` runs (it must exit 0).

    `argv` may be a function of the run number, for commands that need a fresh output folder.
    """
    times = []
    for i in range(repeat):
        args = argv(i) if callable(argv) else argv
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return Sample(statistics.median(times), min(times), max(times), repeat)


def fmt_time(seconds: float) -> str:
    """`1.23 ms`, `456 ns`: a time in the unit that reads best."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {sys.version.split()[0]}"
    )


Argv = Callable[[int], Sequence[str]]
"""A command line as a function of the run number."""


def _process_env() -> dict[str, str]:
    """The environment of the timed processes: bytecode is written and read, as installed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def interleaved_processes(
    commands: dict[str, Argv], *, repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall-clock and CPU seconds (user + system, the process's children included) of each
    command per run, run by run alternating between commands (so machine noise lands on all
    alike), after one untimed warm-up run of each."""
    env = _process_env()
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(-1, repeat):
        for name, argv in commands.items():
            args = argv(run + 1)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, env=env)
            took = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if run >= 0:
                wall[name].append(took)
                cpu[name].append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
    return wall, cpu


def ratio(ours: Sequence[float], theirs: Sequence[float]) -> Sample:
    """The per-run ratios of interleaved runs, as a median and range."""
    return sample_of([a / b for a, b in zip(ours, theirs, strict=True)])
