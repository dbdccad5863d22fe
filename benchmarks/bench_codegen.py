"""Codegen: `witkit generate` against `componentize-py bindings` on the same worlds, whole process,
and witkit's in-process stages (parse, resolve, render) timed separately.

Worlds: the small bench world and `wasi:http/proxy@0.2.9` from the shared WIT corpus, laid out
as both tools expect it (the package's files, every other WASI package in `deps/`).
componentize-py is native Rust behind a Python entry point; both commands start a Python
interpreter, so the process rows compare like with like.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import _world
from benchmarks._report import Report
from benchmarks._stats import (
    Loop,
    Sample,
    fmt_time,
    interleaved,
    interleaved_processes,
    ratio,
    sample_of,
)

TITLE = "Codegen: `witkit generate` and `componentize-py bindings`"


def _componentize_py() -> list[str] | None:
    """The componentize-py command line, or None when it is not installed."""
    exe = shutil.which("componentize-py")
    if exe is not None:
        return [exe]
    try:
        import componentize_py  # noqa: F401
    except ImportError:
        return None
    return [
        sys.executable, "-c",
        "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())",
    ]  # fmt: skip


def _worlds(tmp: Path) -> tuple[list[tuple[str, Path, str]], list[str]]:
    """(label, package folder, world name) of each world, and notes on any left out."""
    worlds = [("bench world (small)", _world.WIT_DIR, _world.WORLD)]
    notes: list[str] = []
    from tests.support.corpus import CORPUS, wasi_package

    if (CORPUS / "wasi" / "0.2.9" / "http").is_dir():
        worlds.append(("`wasi:http/proxy@0.2.9`", wasi_package("0.2.9", "http", tmp), "proxy"))
    else:
        notes.append(f"`wasi:http/proxy@0.2.9` left out: the shared WIT corpus is not at {CORPUS}.")
    return worlds, notes


def _package_files(folder: Path) -> tuple[list[Path], list[list[Path]]]:
    """The package's own `.wit` files and those of each dependency (wit-parser's layout)."""
    main = sorted(folder.glob("*.wit"))
    deps: list[list[Path]] = []
    deps_dir = folder / "deps"
    if deps_dir.is_dir():
        for entry in sorted(deps_dir.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                deps.append(sorted(entry.glob("*.wit")))
            elif entry.suffix == ".wit":
                deps.append([entry])
    return main, deps


def _in_process(folder: Path, world: str, repeat: int) -> tuple[dict[str, Sample], int]:
    """Each stage's time, and how many `.wit` files were parsed."""
    from witkit.codegen import render_host
    from witkit.codegen.formatting import format_python
    from witkit.wit import parse_file, resolve_files, select_world
    from witkit.wit.parser import _parser

    _parser()  # the grammar is built once per process; not part of any stage
    main, deps = _package_files(folder)
    parsed: dict[str, Any] = {}

    def parse() -> None:
        parsed["main"] = [parse_file(p) for p in main]
        parsed["deps"] = [[parse_file(p) for p in d] for d in deps]

    def resolve() -> None:
        resolved = resolve_files(parsed["main"], parsed["deps"])
        parsed["resolve"] = resolved.resolve
        parsed["world"] = select_world(resolved.resolve, resolved.packages, world)

    def render() -> None:
        parsed["files"] = render_host(parsed["resolve"], parsed["world"], source=str(folder))

    def layout() -> None:
        format_python(parsed["files"])

    for stage in (parse, resolve, render, layout):
        stage()  # warm-up: first-use costs (template compilation, ...) are not the steady state

    def loop(stage: Callable[[], None]) -> Loop:
        def run_n(n: int) -> None:
            for _ in range(n):
                stage()

        return run_n

    out = interleaved(
        {"parse": loop(parse), "resolve": loop(resolve), "render": loop(render),
         "format": loop(layout)},
        repeat=repeat, target=0.05, budget=5.0,
    )  # fmt: skip
    parsed.clear()
    return out, len(main) + sum(len(d) for d in deps)


def _processes(
    folder: Path, world: str, out: Path, repeat: int, cpy: Sequence[str] | None
) -> tuple[dict[str, list[float]], dict[str, list[float]], str | None]:
    """Both commands interleaved run by run, each run writing into a fresh folder
    (componentize-py refuses to overwrite): wall-clock and CPU seconds per run, and why
    componentize-py has none."""

    def witkit(i: int) -> list[str]:
        return [sys.executable, "-m", "witkit.cli", "generate", str(folder), "--world", world,
                "-o", str(out / f"witkit-{i}")]  # fmt: skip

    def theirs(i: int) -> list[str]:
        return [*(cpy or ()), "-q", "-d", str(folder), "-w", world, "bindings",
                str(out / f"cpy-{i}")]  # fmt: skip

    if cpy is not None:
        try:
            wall, cpu = interleaved_processes({"witkit": witkit, "cpy": theirs}, repeat=repeat)
            return wall, cpu, None
        except Exception as e:  # a world componentize-py refuses
            why = f"failed: {type(e).__name__}"
    else:
        why = "componentize-py is not installed"
    wall, cpu = interleaved_processes({"witkit": witkit}, repeat=repeat)
    return wall, cpu, why


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section."""
    repeat_proc = max(2, round(7 * scale))
    repeat_in = max(3, round(15 * scale))
    cpy = _componentize_py()
    process_rows: list[str] = []
    stage_rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="witkit-bench-codegen-") as tmp:
        worlds, notes = _worlds(Path(tmp))
        for label, folder, world in worlds:
            wall, cpu, why = _processes(folder, world, Path(tmp) / "out", repeat_proc, cpy)
            ours = sample_of(wall["witkit"])
            st, n_files = _in_process(folder, world, repeat_in)
            cells = [f"{fmt_time(ours.median)} (±{ours.spread:.0%})"]
            if why is None:
                theirs = sample_of(wall["cpy"])
                r_wall, r_cpu = ratio(wall["witkit"], wall["cpy"]), ratio(cpu["witkit"], cpu["cpy"])
                cells += [
                    f"{fmt_time(theirs.median)} (±{theirs.spread:.0%})",
                    f"{r_wall.median:.2f}x ({r_wall.low:.2f}-{r_wall.high:.2f}x)",
                    f"{r_cpu.median:.2f}x ({r_cpu.low:.2f}-{r_cpu.high:.2f}x)",
                ]
            else:
                cells += [why, "n/a", "n/a"]
            cells.append(f"{st['format'].median / ours.median:.0%}")
            process_rows.append(f"| {label} | " + " | ".join(cells) + " |")
            total = st["parse"].median + st["resolve"].median + st["render"].median
            stage_rows.append(
                f"| {label} | {n_files} "
                + "".join(
                    f"| {fmt_time(st[k].median)} (±{st[k].spread:.0%}) "
                    for k in ("parse", "resolve", "render", "format")
                )
                + f"| {fmt_time(total)} |"
            )
    lines = [
        f"## {TITLE}",
        "",
        f"Whole process, {repeat_proc} runs interleaved with componentize-py's after one warm-up "
        "run of each (interpreter start-up included in both; witkit's caches warm): medians, and "
        "the per-run ratios by wall clock and by CPU time (user + system of the process and its "
        "children, which a shared machine's other work disturbs far less); the `ruff format` "
        "share is its in-process time below over the process's wall time:",
        "",
        "| world | `witkit generate` | `componentize-py bindings` | witkit / componentize-py "
        "| the same by CPU time | `ruff format` share |",
        "|---|---:|---:|---:|---:|---:|",
        *process_rows,
        "",
        f"witkit in-process, median of {repeat_in} interleaved runs after one warm-up run (grammar already built; parse covers "
        "every `.wit` file of the package and its `deps/`; render includes laying the package out with "
        "ruff's formatter, one `ruff format` process per package, also timed alone on the rendered files):",
        "",
        "| world | files | parse | resolve | render host bindings | of which `ruff format` | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *stage_rows,
        "",
        *[f"- {n}" for n in notes],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
