"""Parse + resolve time of real WIT: the whole WASI 0.2.9 set and `wasi:http/proxy`.

Measured in-process (after the grammar is built once): parse throughput in MB of WIT per
second, parsing anew (`WITKIT_CACHE=0`) and reading parsed trees back from the tree cache, and
resolve time. Then side by side as whole processes, interleaved run by run: `witkit wit check`
on `wasi:http/proxy@0.2.9` against `componentize-py bindings` of the same world, as a ratio
(median of the per-pair ratios, with their range). Both run with bytecode written (one
warm-up run each), as an installed package does; witkit's tree cache is warm after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks._report import Report
from benchmarks._stats import Sample, fmt_time, measure, sample_of
from benchmarks.bench_codegen import _componentize_py
from tests.support.corpus import CORPUS, wasi_package, wasi_packages

TITLE = "WIT: parse and resolve"

Argv = Callable[[int], Sequence[str]]


def _env() -> dict[str, str]:
    """The environment of the timed processes: bytecode is written and read, as installed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def interleaved_processes(commands: dict[str, Argv], *, repeat: int) -> dict[str, list[float]]:
    """Wall-clock seconds of each command per run, run by run alternating between commands
    (so machine noise lands on all alike), after one untimed warm-up run of each."""
    env = _env()
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(-1, repeat):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv(run + 1), check=True, capture_output=True, env=env)
            if run >= 0:
                times[name].append(time.perf_counter() - start)
    return times


def ratio(ours: Sequence[float], theirs: Sequence[float]) -> Sample:
    """The per-run ratios of interleaved runs, as a median and range."""
    return sample_of([a / b for a, b in zip(ours, theirs, strict=True)])


def _throughput(seconds: Sample, size: int) -> tuple[float, float, float]:
    """MB/s at the median, slowest and fastest run."""
    return size / seconds.median / 1e6, size / seconds.high / 1e6, size / seconds.low / 1e6


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the report section as Markdown."""
    if not (CORPUS / "wasi" / "0.2.9").is_dir():
        return f"## {TITLE}\n\nSkipped: the shared WIT corpus is not at {CORPUS}.\n"
    from witkit.wit import parse, resolve_path, select_world
    from witkit.wit.lalr import _parser  # the cached Lark factory

    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        layouts = [wasi_package("0.2.9", name, Path(tmp)) for name in wasi_packages("0.2.9")]
        http = next(p for p in layouts if "-http-" in p.name)

        _parser.cache_clear()  # other modules of the same run may have built it already
        start = time.perf_counter()
        _parser()
        grammar_build = time.perf_counter() - start

        files = sorted((CORPUS / "wasi" / "0.2.9").glob("*/*.wit"))
        texts = [(f.read_text(encoding="utf-8"), str(f)) for f in files]
        size = sum(len(t.encode("utf-8")) for t, _ in texts)
        repeat = max(3, int(7 * scale))
        number = max(1, int(5 * scale))

        def parse_all() -> None:
            for text, path in texts:
                parse(text, path)

        saved = os.environ.get("WITKIT_CACHE")
        os.environ["WITKIT_CACHE"] = "0"
        try:
            parse_fresh = measure(parse_all, number=number, repeat=repeat)
        finally:
            if saved is None:
                del os.environ["WITKIT_CACHE"]
            else:
                os.environ["WITKIT_CACHE"] = saved
        parse_all()  # fill the tree cache (a no-op where WITKIT_CACHE=0 is set outside)
        parse_kept = measure(parse_all, number=number, repeat=repeat)

        def resolve_all() -> None:
            for pkg in layouts:
                resolve_path(pkg)

        resolve_set = measure(resolve_all, number=number, repeat=repeat)

        def proxy() -> None:
            resolved = resolve_path(http)
            select_world(resolved.resolve, resolved.main, "proxy")

        proxy_inproc = measure(proxy, number=number, repeat=repeat)

        check = [sys.executable, "-m", "witkit.cli", "wit", "check", str(http), "--world", "proxy"]
        commands: dict[str, Argv] = {"witkit": lambda i: check}
        cpy = _componentize_py()
        if cpy is not None:
            out = Path(tmp) / "bindings"
            commands["componentize-py"] = lambda i: [
                *cpy, "-q", "-d", str(http), "-w", "proxy", "bindings", str(out / str(i))
            ]
        else:
            notes.append("componentize-py is not installed: no side-by-side process figure.")
        proc = interleaved_processes(commands, repeat=max(3, int(9 * scale)))

    fresh = _throughput(parse_fresh, size)
    kept = _throughput(parse_kept, size)
    ours = sample_of(proc["witkit"])
    rows = [
        ("grammar build or load (once per process)", fmt_time(grammar_build), "-"),
        (f"parse all {len(files)} WASI 0.2.9 files ({size / 1e3:.0f} kB), parsed anew",
         f"{fmt_time(parse_fresh.median)} = {fresh[0]:.2f} MB/s",
         f"{fresh[1]:.2f}-{fresh[2]:.2f} MB/s"),
        ("the same, trees read back from the tree cache",
         f"{fmt_time(parse_kept.median)} = {kept[0]:.1f} MB/s", f"{kept[1]:.1f}-{kept[2]:.1f} MB/s"),
        (f"parse + resolve all {len(layouts)} WASI 0.2.9 packages (with deps)",
         fmt_time(resolve_set.median), f"±{resolve_set.spread:.0%}"),
        ("parse + resolve `wasi:http/proxy@0.2.9`, in-process", fmt_time(proxy_inproc.median),
         f"±{proxy_inproc.spread:.0%}"),
        ("`witkit wit check` on `wasi:http/proxy@0.2.9`, whole process",
         fmt_time(ours.median), f"±{ours.spread:.0%}"),
    ]  # fmt: skip
    if "componentize-py" in proc:
        theirs = sample_of(proc["componentize-py"])
        r = ratio(proc["witkit"], proc["componentize-py"])
        rows.append(("`componentize-py bindings` of the same world, whole process",
                     fmt_time(theirs.median), f"±{theirs.spread:.0%}"))  # fmt: skip
        rows.append(("witkit / componentize-py (per-run ratios)", f"{r.median:.2f}x",
                     f"{r.low:.2f}-{r.high:.2f}x"))  # fmt: skip
        if report is not None:
            report.headlines.append(
                f"`witkit wit check` of `wasi:http/proxy@0.2.9` is {r.median:.2f}x "
                f"`componentize-py bindings` as whole processes ({r.low:.2f}-{r.high:.2f}x); "
                f"parsing {fresh[0]:.2f} MB/s anew, {kept[0]:.0f} MB/s from the tree cache"
            )
    lines = [f"## {TITLE}", "", "| what | median | spread |", "|---|---:|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", *notes, "Reproduce: `python -m benchmarks --only bench_wit`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
