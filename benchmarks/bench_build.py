"""Guest builds: `witkit build` of the greeter example, cold and cached, and the component's size.

Cold builds run componentize-py on a fresh copy of the project (its own cache empty);
cached builds find the content hash unchanged and only check the output file.
`witkit new` for the kitchen test world is timed too.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._stats import fmt_time, measure, measure_process

TITLE = "Guest builds: `witkit build` and `witkit new`"
ROOT = Path(__file__).resolve().parents[1]
GREETER = ROOT / "examples" / "greeter"
KITCHEN = ROOT / "tests" / "worlds" / "kitchen"


def _fresh_copy(dest: Path) -> Path:
    return Path(
        shutil.copytree(GREETER, dest, ignore=shutil.ignore_patterns(".witkit", "build", "__pycache__"))
    )


def run(scale: float = 1.0) -> str:
    """Measure and return the report section as Markdown."""
    from witkit.guest import build_project, new_project

    cold_runs = max(1, int(3 * scale))
    with tempfile.TemporaryDirectory(prefix="witkit-bench-build-") as tmp:
        cold_times = []
        result = None
        for i in range(cold_runs):
            project = _fresh_copy(Path(tmp) / f"cold-{i}")
            start = time.perf_counter()
            result = build_project(project)
            cold_times.append(time.perf_counter() - start)
            assert not result.cached
        assert result is not None
        project = Path(tmp) / f"cold-{cold_runs - 1}"
        cached = measure(lambda: build_project(project), number=1, repeat=max(5, int(20 * scale)))
        process = measure_process(
            [sys.executable, "-m", "witkit.cli", "build", str(project)], repeat=max(3, int(5 * scale))
        )
        counter = iter(range(10**6))
        scaffold = measure(
            lambda: new_project("k", KITCHEN, "kitchen", Path(tmp) / f"new-{next(counter)}"),
            number=1,
            repeat=max(3, int(10 * scale)),
        )

    cold_times.sort()
    cold_median = cold_times[len(cold_times) // 2]
    cold_spread = (cold_times[-1] - cold_times[0]) / 2 / cold_median if cold_median else 0.0
    rows = [
        (f"greeter, cold build (componentize-py runs), {cold_runs} run(s)", fmt_time(cold_median),
         f"±{cold_spread:.0%}"),
        ("greeter, cached build (nothing changed), in-process", fmt_time(cached.median),
         f"±{cached.spread:.0%}"),
        ("greeter, cached `witkit build`, whole process", fmt_time(process.median),
         f"±{process.spread:.0%}"),
        ("`witkit new` for the kitchen world, in-process", fmt_time(scaffold.median),
         f"±{scaffold.spread:.0%}"),
    ]
    lines = [f"## {TITLE}", "", "| what | median | spread |", "|---|---:|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += [
        "",
        f"Greeter component: {result.size / 1e6:.1f} MB ({result.size} bytes); the size is"
        " almost all CPython and its standard library, which componentize-py embeds.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
