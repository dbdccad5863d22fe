"""Parse + resolve time of real WIT: the whole WASI 0.2.9 set and `wasi:http/proxy`.

Measured in-process (after the grammar is built once) and as a whole
`witkit wit check` process, which includes interpreter start-up and imports.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks._stats import fmt_time, measure, measure_process
from tests.support.corpus import CORPUS, wasi_package, wasi_packages

TITLE = "WIT: parse and resolve"


def run(scale: float = 1.0) -> str:
    """Measure and return the report section as Markdown."""
    if not (CORPUS / "wasi" / "0.2.9").is_dir():
        return f"## {TITLE}\n\nSkipped: the shared WIT corpus is not at {CORPUS}.\n"
    from witkit.wit import parse_file, resolve_path, select_world
    from witkit.wit.parser import _parser  # the cached Lark factory

    with tempfile.TemporaryDirectory() as tmp:
        layouts = [wasi_package("0.2.9", name, Path(tmp)) for name in wasi_packages("0.2.9")]
        http = next(p for p in layouts if "-http-" in p.name)

        _parser.cache_clear()  # other modules of the same run may have built it already
        start = time.perf_counter()
        _parser()
        grammar_build = time.perf_counter() - start

        files = sorted((CORPUS / "wasi" / "0.2.9").glob("*/*.wit"))
        repeat = max(3, int(7 * scale))
        number = max(1, int(5 * scale))
        parse_all = measure(lambda: [parse_file(f) for f in files], number=number, repeat=repeat)

        def resolve_all() -> None:
            for pkg in layouts:
                resolve_path(pkg)

        resolve_set = measure(resolve_all, number=number, repeat=repeat)

        def proxy() -> None:
            resolved = resolve_path(http)
            select_world(resolved.resolve, resolved.main, "proxy")

        proxy_inproc = measure(proxy, number=number, repeat=repeat)
        witkit = [sys.executable, "-m", "witkit.cli", "wit", "check", str(http), "--world", "proxy"]
        proxy_process = measure_process(witkit, repeat=max(3, int(5 * scale)))

    rows = [
        ("grammar build (once per process)", fmt_time(grammar_build), "-"),
        (f"parse all {len(files)} WASI 0.2.9 files", fmt_time(parse_all.median),
         f"±{parse_all.spread:.0%}"),
        (f"parse + resolve all {len(layouts)} WASI 0.2.9 packages (with deps)",
         fmt_time(resolve_set.median), f"±{resolve_set.spread:.0%}"),
        ("parse + resolve `wasi:http/proxy@0.2.9`, in-process", fmt_time(proxy_inproc.median),
         f"±{proxy_inproc.spread:.0%}"),
        ("`witkit wit check` on `wasi:http/proxy@0.2.9`, whole process",
         fmt_time(proxy_process.median), f"±{proxy_process.spread:.0%}"),
    ]
    lines = [f"## {TITLE}", "", "| what | median | spread |", "|---|---:|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
