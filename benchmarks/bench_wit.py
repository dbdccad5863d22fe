"""Parse + resolve time of real WIT: the whole WASI 0.2.9 set and `wasi:http/proxy`.

Measured in-process (after the grammar is built once): parse throughput in MB of WIT per
second, parsing anew (`WITKIT_CACHE=0`) and reading parsed trees back from the tree cache, and
resolve time (trees from the tree cache, resolved anew), and a resolution read back from the
resolve cache. Then side by side as whole processes, interleaved run by run: `witkit wit check`
on `wasi:http/proxy@0.2.9` against `componentize-py bindings` of the same world, as a ratio
(median of the per-pair ratios, with their range). Both run with bytecode written (one
warm-up run each), as an installed package does; witkit's caches are warm after it. A third
command checks a copy of the package in which one file changes before every run (as in an
edit-check loop): that file is parsed anew and the package resolved anew.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._report import Report
from benchmarks._stats import Argv, Sample, fmt_time, interleaved_processes, ratio, sample_of
from benchmarks.bench_codegen import _componentize_py
from tests.support.corpus import CORPUS, wasi_package, wasi_packages

TITLE = "WIT: parse and resolve"


def _throughput(seconds: Sample, size: int) -> str:
    """The median time and MB/s, with the MB/s of the slowest and fastest run."""
    return (
        f"{fmt_time(seconds.median)} = {size / seconds.median / 1e6:.2f} MB/s "
        f"({size / seconds.high / 1e6:.2f}-{size / seconds.low / 1e6:.2f})"
    )


def _timed(op: Callable[[], object], number: int, repeat: int) -> tuple[Sample, Sample]:
    """Wall-clock and CPU seconds per call of `op`, in one set of runs."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            op()
        cpu.append((time.process_time() - start_cpu) / number)
        wall.append((time.perf_counter() - start) / number)
    return sample_of(wall), sample_of(cpu)


def _cell(seconds: Sample) -> str:
    return f"{fmt_time(seconds.median)} (±{seconds.spread:.0%})"


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the report section as Markdown."""
    if not (CORPUS / "wasi" / "0.2.9").is_dir():
        return f"## {TITLE}\n\nSkipped: the shared WIT corpus is not at {CORPUS}.\n"
    from witkit.wit import parse, resolve_path, select_world
    from witkit.wit.lalr import _parser  # the cached Lark factory
    from witkit.wit.resolve import resolve_path_anew

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
        repeat = max(3, int(9 * scale))
        number = max(1, int(5 * scale))

        def parse_all() -> None:
            for text, path in texts:
                parse(text, path)

        saved = os.environ.get("WITKIT_CACHE")
        os.environ["WITKIT_CACHE"] = "0"
        try:
            parse_all()  # the fast path's tables are built once per process, like the grammar
            parse_fresh = _timed(parse_all, number, repeat)
        finally:
            if saved is None:
                del os.environ["WITKIT_CACHE"]
            else:
                os.environ["WITKIT_CACHE"] = saved
        parse_all()  # fill the tree cache (a no-op where WITKIT_CACHE=0 is set outside)
        parse_kept = _timed(parse_all, number, repeat)

        def resolve_all() -> None:
            for pkg in layouts:
                resolve_path_anew(pkg)

        resolve_set = _timed(resolve_all, number, repeat)

        def proxy() -> None:
            resolved = resolve_path_anew(http)
            select_world(resolved.resolve, resolved.main, "proxy")

        proxy_inproc = _timed(proxy, number, repeat)

        def proxy_kept() -> None:
            resolved = resolve_path(http)
            select_world(resolved.resolve, resolved.main, "proxy")

        proxy_kept()  # keep the resolution (a no-op where WITKIT_CACHE=0 is set outside)
        proxy_read_back = _timed(proxy_kept, number, repeat)

        edited = wasi_package("0.2.9", "http", Path(tmp) / "edited")
        changing = edited / "types.wit"
        original = changing.read_text(encoding="utf-8")
        changing.unlink()  # a file of its own instead of the link to the corpus

        def check(folder: Path) -> list[str]:
            return [sys.executable, "-m", "witkit.cli", "wit", "check", str(folder), "--world",
                    "proxy"]  # fmt: skip

        def after_an_edit(i: int) -> list[str]:
            changing.write_text(f"{original}\n// edit {i}\n", encoding="utf-8")
            return check(edited)

        commands: dict[str, Argv] = {"witkit": lambda i: check(http), "edited": after_an_edit}
        cpy = _componentize_py()
        if cpy is not None:
            out = Path(tmp) / "bindings"
            commands["componentize-py"] = lambda i: [
                *cpy,
                "-q",
                "-d",
                str(http),
                "-w",
                "proxy",
                "bindings",
                str(out / str(i)),
            ]
        else:
            notes.append("componentize-py is not installed: no side-by-side process figure.")
        wall, cpu = interleaved_processes(commands, repeat=max(3, int(9 * scale)))

    rows = [
        ("grammar build or load (once per process)", fmt_time(grammar_build), "-"),
        (f"parse all {len(files)} WASI 0.2.9 files ({size / 1e3:.0f} kB), parsed anew",
         _throughput(parse_fresh[0], size), _throughput(parse_fresh[1], size)),
        ("the same, trees read back from the tree cache",
         _throughput(parse_kept[0], size), _throughput(parse_kept[1], size)),
        (f"parse + resolve all {len(layouts)} WASI 0.2.9 packages (trees from the tree cache)",
         _cell(resolve_set[0]), _cell(resolve_set[1])),
        ("parse + resolve `wasi:http/proxy@0.2.9` (the same), in-process",
         _cell(proxy_inproc[0]), _cell(proxy_inproc[1])),
        ("the same, read back from the resolve cache, in-process",
         _cell(proxy_read_back[0]), _cell(proxy_read_back[1])),
        ("`witkit wit check` on `wasi:http/proxy@0.2.9`, whole process",
         _cell(sample_of(wall["witkit"])), _cell(sample_of(cpu["witkit"]))),
        ("the same, one file of the package changed before each run",
         _cell(sample_of(wall["edited"])), _cell(sample_of(cpu["edited"]))),
    ]  # fmt: skip
    if "componentize-py" in wall:
        rows.append(("`componentize-py bindings` of the same world, whole process",
                     _cell(sample_of(wall["componentize-py"])),
                     _cell(sample_of(cpu["componentize-py"]))))  # fmt: skip
        ratios = {
            (name, clock): ratio(times[name], times["componentize-py"])
            for name in ("witkit", "edited")
            for clock, times in (("wall", wall), ("cpu", cpu))
        }

        def shown(name: str, clock: str) -> str:
            r = ratios[(name, clock)]
            return f"{r.median:.2f}x ({r.low:.2f}-{r.high:.2f}x)"

        rows.append(("`wit check` / componentize-py (per-run ratios)",
                     shown("witkit", "wall"), shown("witkit", "cpu")))  # fmt: skip
        rows.append(("the same after an edit / componentize-py (per-run ratios)",
                     shown("edited", "wall"), shown("edited", "cpu")))  # fmt: skip
        if report is not None:
            r, c = ratios[("witkit", "wall")], ratios[("witkit", "cpu")]
            fresh = size / parse_fresh[1].median / 1e6
            report.headlines.append(
                f"`witkit wit check` of `wasi:http/proxy@0.2.9` is {r.median:.2f}x "
                f"`componentize-py bindings` as whole processes ({r.low:.2f}-{r.high:.2f}x; "
                f"{c.median:.2f}x by CPU time; {ratios[('edited', 'cpu')].median:.2f}x by CPU "
                f"time after an edit to one file); parsing anew {fresh:.1f} MB/s of CPU time"
            )
    lines = [
        f"## {TITLE}",
        "",
        "Medians, ± half the range over the median; CPU time is user + system time of this "
        "process (or of the whole child process), which a shared machine's other work "
        "disturbs far less than the wall clock.",
        "",
        "| what | wall clock | CPU time |",
        "|---|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", *notes, "Reproduce: `python -m benchmarks --only bench_wit`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
