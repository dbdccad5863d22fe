"""Load: compile cold, load from the compile cache, instantiate, and memory per live instance.

Two components of the bench world: the small WAT one and the componentize-py guest (about
18 MB, nearly all CPython), built once and cached by content hash. witkit's rows are set
beside wasmtime-py's own API on the same bytes, and Extism's on its (much smaller) core module.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import _world
from benchmarks._report import Report
from benchmarks._stats import Sample, fmt_time, measure

TITLE = "Load: compile, compile cache, instantiate, memory"

Row = tuple[str, str, Sample | None, str]
"""(component, what, sample, note)."""


def _rss() -> int:
    """Resident set size of this process in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _timed_each(op: Callable[[], object], repeat: int) -> Sample:
    return measure(op, number=1, repeat=repeat)


def _component_rows(
    label: str, data: bytes, bindings: Any, repeat: int, cold_repeat: int, live: int
) -> tuple[list[Row], tuple[float, int] | None]:
    import wasmtime
    import wasmtime.component as wc

    from witkit.runtime import Limits, Runtime

    rows: list[Row] = []
    host = _world.bench_host(bindings)
    imports = _world.dynamic_imports()
    uncached = Runtime(cache=False)
    rows.append(
        (label, "witkit: compile, cold (`Runtime.compile`, no cache)",
         _timed_each(lambda: uncached.compile(data), cold_repeat), "")
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="witkit-bench-cache-") as tmp:
        cached = Runtime(cache_dir=tmp)
        cached.compile(data)  # writes the entry
        rows.append(
            (label, "witkit: load bytes from the compile cache (hash the bytes, map the entry)",
             _timed_each(lambda: cached.compile(data), repeat), "")
        )  # fmt: skip
        assert cached.cache_stats.hits >= repeat
        source = Path(tmp) / "plugin.wasm"
        source.write_bytes(data)
        cached.compile(source)  # seals the source
        time.sleep(0.1)  # past the seals' racy window (file times tick coarsely)
        cached.compile(source)  # the first hit re-checks and settles the entry's seal
        before = cached.cache_stats.rehashed
        rows.append(
            (label, "witkit: load a file from the compile cache (seals match: mapped, nothing hashed)",
             _timed_each(lambda: cached.compile(source), repeat), "")
        )  # fmt: skip
        assert cached.cache_stats.rehashed == before, "the sealed path was not taken"
        entry = next(Path(tmp).glob("*.cwasm"))
        rows.append(
            (label, "wasmtime-py: `Component.deserialize_file` of the same entry (the floor)",
             _timed_each(lambda: wc.Component.deserialize_file(cached.engine, str(entry)), repeat), "")
        )  # fmt: skip
    component = uncached.compile(data)
    rows.append(
        (label, "witkit: instantiate (`Runtime.instantiate`, imports linked)",
         _timed_each(lambda: uncached.instantiate(component, imports), repeat), "")
    )  # fmt: skip
    limited = Runtime(cache=False, limits=Limits(memory=256 << 20))
    limited_component = limited.compile(data)
    rows.append(
        (label, "witkit: instantiate under a 256 MiB memory limit (witkit-backed memories, no copy-on-write images)",
         _timed_each(lambda: limited.instantiate(limited_component, imports), repeat), "")
    )  # fmt: skip
    rows.append(
        (label, "witkit generated: `Bench.load` of a compiled component (check, instantiate, prepare)",
         _timed_each(lambda: bindings.Bench.load(component, imports=host, runtime=uncached), repeat), "")
    )  # fmt: skip

    engine = uncached.engine
    rows.append(
        (label, "wasmtime-py: `Component(engine, bytes)`, cold",
         _timed_each(lambda: wc.Component(engine, data), cold_repeat), "")
    )  # fmt: skip
    serialized = component.serialize()
    rows.append(
        (label, "wasmtime-py: `Component.deserialize` from memory",
         _timed_each(lambda: wc.Component.deserialize(engine, serialized), repeat), "")
    )  # fmt: skip
    linker = wc.Linker(engine)
    wasi = any(name.startswith("wasi:") for name in component.type.imports(engine))
    if wasi:
        linker.add_wasip2()
    with linker.root() as root:
        root.add_func("host-add", lambda _store, a, b: (a + b) & 0xFFFF_FFFF)

    def wasmtime_instantiate() -> None:
        store = wasmtime.Store(engine)
        if wasi:
            store.set_wasi(wasmtime.WasiConfig())
        linker.instantiate(store, component)

    rows.append(
        (label, "wasmtime-py: `Linker.instantiate` in a new store",
         _timed_each(wasmtime_instantiate, repeat), "")
    )  # fmt: skip

    memory = _memory_per_instance(bindings, component, host, uncached, live)
    return rows, memory


def _memory_per_instance(
    bindings: Any, component: Any, host: Any, runtime: Any, live: int
) -> tuple[float, int] | None:
    """(RSS bytes per instance, instances) over `live` loaded plugins."""
    if live <= 0 or not Path("/proc/self/statm").exists():
        return None
    first = bindings.Bench.load(component, imports=host, runtime=runtime)
    first.add(1, 2)
    gc.collect()
    before = _rss()
    plugins = []
    for _ in range(live):
        plugin = bindings.Bench.load(component, imports=host, runtime=runtime)
        plugin.add(1, 2)  # entered once: its memory is touched
        plugins.append(plugin)
    gc.collect()
    grown = _rss() - before
    del plugins
    return grown / live, live


def _extism_rows(repeat: int) -> list[Row]:
    why = _world.extism_available()
    if why is not None:
        return [("Extism core module", "Extism: not measured", None, why)]
    import extism
    from extism.extism import CompiledPlugin

    wasm = _world.extism_wasm()
    label = f"Extism core module ({len(wasm)} bytes)"
    fns = _world.extism_functions()
    compiled = CompiledPlugin(wasm, wasi=False, functions=fns)
    return [
        (label, "Extism: `CompiledPlugin(bytes)` (compile)",
         _timed_each(lambda: CompiledPlugin(wasm, wasi=False, functions=fns), repeat), ""),
        (label, "Extism: `Plugin(compiled)` (instantiate)",
         _timed_each(lambda: extism.Plugin(compiled), repeat), ""),
        (label, "Extism: `Plugin(bytes)` (compile and instantiate)",
         _timed_each(lambda: extism.Plugin(wasm, wasi=False, functions=fns), repeat), ""),
    ]  # fmt: skip


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section (the Python guest is skipped in `--quick`)."""
    quick = report.quick if report is not None else False
    repeat = max(3, round(15 * scale))
    cold_repeat = max(1, round(3 * scale))
    rows: list[Row] = []
    memory: dict[str, tuple[float, int] | None] = {}
    notes: list[str] = []
    from witkit.runtime import Runtime

    wat_bytes = Runtime._read_source(_world.WAT)
    with _world.generated_bindings() as bindings:
        small, memory["WAT component"] = _component_rows(
            f"WAT component ({len(wat_bytes)} bytes of text)", wat_bytes, bindings,
            repeat, max(3, round(15 * scale)), max(5, round(200 * scale)),
        )  # fmt: skip
        rows += small
        if quick:
            notes.append("`--quick`: the componentize-py guest is skipped.")
        else:
            try:
                guest = _world.python_guest()
                data = guest.read_bytes()
                notes.append(
                    f"componentize-py guest: {len(data) / 1e6:.1f} MB, built with componentize-py "
                    "once per content hash (kept in the test guest cache) before any timing."
                )
                big, memory["componentize-py guest"] = _component_rows(
                    f"componentize-py guest ({len(data) / 1e6:.1f} MB)", data, bindings,
                    max(3, round(7 * scale)), cold_repeat, max(3, round(20 * scale)),
                )  # fmt: skip
                rows += big
            except Exception as e:  # no componentize-py, or the build failed
                notes.append(f"componentize-py guest not measured: {type(e).__name__}: {e}")
    rows += _extism_rows(repeat)

    lines = [
        f"## {TITLE}",
        "",
        "| component | what | median | min .. max | runs |",
        "|---|---|---:|---:|---:|",
    ]
    for label, what, sample, note in rows:
        if sample is None:
            lines.append(f"| {label} | {what} | n/a | {note} | 0 |")
        else:
            lines.append(
                f"| {label} | {what} | {fmt_time(sample.median)} "
                f"| {fmt_time(sample.low)} .. {fmt_time(sample.high)} | {sample.runs} |"
            )
    lines += [
        "",
        "Memory per live instance (RSS growth over N loaded plugins, each called once):",
        "",
    ]
    lines += ["| component | instances | RSS per instance |", "|---|---:|---:|"]
    for label, mem in memory.items():
        if mem is None:
            lines.append(f"| {label} | - | not measured (no /proc/self/statm) |")
        else:
            per, n = mem
            lines.append(f"| {label} | {n} | {per / 1024:.0f} KiB |")
    lines.append("")
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
