"""Timing helpers shared by the benchmarks: repeated runs, median and spread."""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


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


def measure_process(argv: Sequence[str], *, repeat: int) -> Sample:
    """Wall-clock seconds of a whole process, `repeat` runs (it must exit 0)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
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
