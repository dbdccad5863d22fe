"""Call overhead: witkit's generated bindings and dynamic calls against the tools users would pick
instead, and against the floor, side by side in one process on one guest.

Cases (the bench world, `benchmarks/worlds/bench/bench.wit`, as one WAT component): `add(u32,
u32) -> u32`, a string echo, a record of five fields, a variant, `list<u8>` of 1 KiB and 1 MiB,
and `call-host`, which calls the host's `host-add` once per call.

Series, each on its own instance of the same compiled component:

* witkit generated bindings (generated now from the WIT): `plugin.add(1, 2)`;
* witkit dynamic: `witkit.load(...).call("add", 1, 2)`;
* wasmtime-py: `wasmtime.component.Func.__call__(store, 1, 2)`, its untyped values;
* the floor: `wasmtime_component_func_call` through a bare ctypes prototype, with arguments
  built once beforehand; a compound result is not read (the next call frees it); the floor's
  `host-add` is a bare ctypes callback;
* Extism: `extism.Plugin.call` on an equivalent core module written in WAT (bytes in and out;
  add packs two u32 with `struct` and unpacks the result), for the cases it can express.

Every run times one batch of each (case, series) in a shuffled order; medians and the spread
over the runs are reported, with each series as a ratio to the floor of its case.
`python -m benchmarks.bench_calls` prints the section.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from collections.abc import Callable
from ctypes import CFUNCTYPE, c_size_t, c_uint8, c_uint32, c_void_p
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import _plots, _world
from benchmarks._report import Report
from benchmarks._stats import Loop, Sample, fmt_time, interleaved

TITLE = "Call overhead"

CASES: dict[str, str] = {
    "add": "`add(u32, u32) -> u32`",
    "string": "string in and out (12 ASCII chars)",
    "record": "record of five fields",
    "variant": "variant (`circle(f64)`)",
    "bytes-1k": "`list<u8>`, 1 KiB",
    "bytes-1m": "`list<u8>`, 1 MiB",
    "host-call": "call into the host and back",
}
"""Case key -> what it passes."""

SERIES: dict[str, str] = {
    "generated": "witkit generated bindings",
    "dynamic": "witkit dynamic `plugin.call`",
    "func-call": "wasmtime `Func.__call__`",
    "extism": "Extism `Plugin.call`",
    "floor": "floor (bare ctypes call)",
}
"""Series key -> label, in table order."""

EXPORTS = {
    "add": "add",
    "string": "echo-string",
    "record": "echo-record",
    "variant": "echo-variant",
    "bytes-1k": "echo-bytes",
    "bytes-1m": "echo-bytes",
    "host-call": "call-host",
}

GUEST_CASES = ("add", "string", "record", "variant", "host-call")
"""The cases repeated on the componentize-py guest (its byte echoes add nothing new)."""
GUEST_NOT_EXTISM = "a component, not an Extism plugin"

TEXT = "hello, world"
KIB = bytes(range(256)) * 4
MIB = KIB * 1024


@dataclass
class CallFigures:
    """Seconds per call by (case, series), and what could not be measured."""

    samples: dict[tuple[str, str], Sample]
    missing: dict[str, str]
    """Series key -> why it was not measured at all."""
    runs: int
    warnings: list[str]
    """Anything that makes the figures unrepresentative (a witkit series off its fast path)."""

    def floor(self, case: str) -> float:
        return self.samples[(case, "floor")].median

    def ratio(self, case: str, series: str) -> float | None:
        s = self.samples.get((case, series))
        return s.median / self.floor(case) if s is not None else None

    def best_ratio(self, case: str, series: str) -> float | None:
        """The fastest run of the series over the floor's fastest run (the least disturbed)."""
        s = self.samples.get((case, series))
        return s.low / self.samples[(case, "floor")].low if s is not None else None

    def median(self, case: str, series: str) -> float | None:
        s = self.samples.get((case, series))
        return s.median if s is not None else None


# -- the loops ----------------------------------------------------------------------------------


def _loop(f: Callable[..., Any], args: tuple[Any, ...]) -> Loop:
    """`n` calls of `f(*args)`, with the arguments bound to locals like a caller would have them."""
    if len(args) == 1:
        (a,) = args

        def loop1(n: int) -> None:
            for _ in range(n):
                f(a)

        return loop1
    if len(args) == 2:
        a, b = args

        def loop2(n: int) -> None:
            for _ in range(n):
                f(a, b)

        return loop2
    if len(args) == 3:
        a, b, c = args

        def loop3(n: int) -> None:
            for _ in range(n):
                f(a, b, c)

        return loop3
    raise ValueError("at most three arguments")


def _generated_loops(bindings: Any, component: Any, runtime: Any) -> tuple[dict[str, Loop], Any]:
    plugin = bindings.Bench.load(component, imports=_world.bench_host(bindings), runtime=runtime)
    item = bindings.Item(id=7, name="seven", count=3, score=1.5, active=True)
    loops = {
        "add": _loop(plugin.add, (1, 2)),
        "string": _loop(plugin.echo_string, (TEXT,)),
        "record": _loop(plugin.echo_record, (item,)),
        "variant": _loop(plugin.echo_variant, (bindings.Shape_Circle(1.5),)),
        "bytes-1k": _loop(plugin.echo_bytes, (KIB,)),
        "bytes-1m": _loop(plugin.echo_bytes, (MIB,)),
        "host-call": _loop(plugin.call_host, (1, 2)),
    }
    assert plugin.add(1, 2) == 3 and plugin.echo_record(item) == item
    assert plugin.echo_bytes(MIB) == MIB and plugin.call_host(1, 2) == 3
    return loops, plugin


def _dynamic_loops(component: Any, runtime: Any) -> tuple[dict[str, Loop], Any]:
    import witkit

    plugin = witkit.load(component, runtime=runtime, imports=_world.dynamic_imports())
    call = plugin.call
    item = {"id": 7, "name": "seven", "count": 3, "score": 1.5, "active": True}
    loops = {
        "add": _loop(call, ("add", 1, 2)),
        "string": _loop(call, ("echo-string", TEXT)),
        "record": _loop(call, ("echo-record", item)),
        "variant": _loop(call, ("echo-variant", {"circle": 1.5})),
        "bytes-1k": _loop(call, ("echo-bytes", KIB)),
        "bytes-1m": _loop(call, ("echo-bytes", MIB)),
        "host-call": _loop(call, ("call-host", 1, 2)),
    }
    assert call("echo-record", item) == item and call("call-host", 1, 2) == 3
    return loops, plugin


def _linked(component: Any, linker: Any) -> tuple[Any, Any]:
    """A new store and an instance from `linker`, with WASI when the component imports it."""
    import wasmtime

    store = wasmtime.Store(linker.engine)
    if any(name.startswith("wasi:") for name in component.type.imports(linker.engine)):
        linker.add_wasip2()
        store.set_wasi(wasmtime.WasiConfig())
    return store, linker.instantiate(store, component)


def _wasmtime_instance(component: Any, engine: Any, host_add: Any | None) -> tuple[Any, Any]:
    """A store and an instance made with wasmtime-py's own API (`host_add` defines the import)."""
    import wasmtime.component as wc

    linker = wc.Linker(engine)
    if host_add is not None:
        with linker.root() as root:
            root.add_func("host-add", host_add)
    return _linked(component, linker)


def _wasmtime_item() -> Any:
    """The record argument as wasmtime-py takes it: a `Record` with one attribute per field."""
    import wasmtime.component as wc

    item = wc.Record()
    for field, value in {
        "id": 7,
        "name": "seven",
        "count": 3,
        "score": 1.5,
        "active": True,
    }.items():
        setattr(item, field, value)
    return item


def _func_call_loops(component: Any, engine: Any) -> tuple[dict[str, Loop], Any]:

    store, inst = _wasmtime_instance(component, engine, lambda _store, a, b: (a + b) & 0xFFFF_FFFF)
    f = {case: inst.get_func(store, name) for case, name in EXPORTS.items()}
    item = _wasmtime_item()
    loops = {
        "add": _loop(f["add"], (store, 1, 2)),
        "string": _loop(f["string"], (store, TEXT)),
        "record": _loop(f["record"], (store, item)),
        "variant": _loop(f["variant"], (store, 1.5)),  # wasmtime-py picks the case by Python type
        "bytes-1k": _loop(f["bytes-1k"], (store, KIB)),
        "bytes-1m": _loop(f["bytes-1m"], (store, MIB)),
        "host-call": _loop(f["host-call"], (store, 1, 2)),
    }
    assert f["add"](store, 1, 2) == 3 and f["record"](store, item).name == "seven"
    return loops, (store, inst, f)


_CALLBACK = CFUNCTYPE(
    c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t
)


def _floor_loops(component: Any, engine: Any) -> tuple[dict[str, Loop], Any]:
    """Bare ctypes: the C call with arguments built once, the C-level host function in ctypes."""
    import wasmtime.component as wc
    from wasmtime import _ffi as ffi

    val_t = ffi.wasmtime_component_val_t
    size, payload = ctypes.sizeof(val_t), val_t.of.offset
    k_u32 = ffi.WASMTIME_COMPONENT_U32.value
    func_call = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)(
        ("wasmtime_component_func_call", ffi.dll)
    )
    add_func = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_void_p, c_void_p)(
        ("wasmtime_component_linker_instance_add_func", ffi.dll)
    )
    u32_at, u8_at = c_uint32.from_address, c_uint8.from_address

    def host_add(_data: int, _ctx: int, _ty: int, args: int, _n: int, res: int, _m: int) -> int:
        u8_at(res).value = k_u32
        u32_at(res + payload).value = (
            u32_at(args + payload).value + u32_at(args + size + payload).value
        ) & 0xFFFF_FFFF
        return 0

    callback = _CALLBACK(host_add)
    noop = CFUNCTYPE(None, c_void_p)(lambda _p: None)
    linker = wc.Linker(engine)
    with linker.root() as root:
        err = add_func(
            ctypes.cast(root.ptr(), c_void_p).value, b"host-add", 8,
            ctypes.cast(callback, c_void_p).value, None, ctypes.cast(noop, c_void_p).value,
        )  # fmt: skip
        assert not err, "cannot define host-add"
    store, inst = _linked(component, linker)
    ctx = ctypes.cast(store._context(), c_void_p).value
    keep: list[Any] = [callback, noop, linker, store, inst]
    item = _wasmtime_item()
    args: dict[str, tuple[Any, ...]] = {
        "add": (1, 2),
        "string": (TEXT,),
        "record": (item,),
        "variant": (1.5,),
        "bytes-1k": (KIB,),
        "bytes-1m": (MIB,),
        "host-call": (1, 2),
    }
    loops: dict[str, Loop] = {}
    for case, values in args.items():
        f = inst.get_func(store, EXPORTS[case])
        fty = f.type(store)
        arr = (val_t * len(values))()
        for i, ((_name, ty), v) in enumerate(zip(fty.params, values, strict=True)):
            ty.convert_to_c(store, v, ctypes.pointer(arr[i]))  # built once, outside the timing
        res = val_t()
        keep += [f, arr, res]
        fptr, pptr, rptr = (
            ctypes.addressof(f._func), ctypes.addressof(arr), ctypes.addressof(res)
        )  # fmt: skip
        nargs = len(values)
        if case in ("add", "host-call"):
            result = u32_at(rptr + payload)

            def floor_u32(n: int, fptr: int = fptr, pptr: int = pptr, nargs: int = nargs,
                          rptr: int = rptr, result: Any = result) -> None:  # fmt: skip
                for _ in range(n):
                    func_call(fptr, ctx, pptr, nargs, rptr, 1)
                    result.value  # noqa: B018 - read the result like a caller would

            assert not func_call(fptr, ctx, pptr, nargs, rptr, 1) and result.value == 3
            loops[case] = floor_u32
        else:
            # The C call assigns the new result over the old one, which frees the old: the
            # slot needs no delete between calls (deleting it too would free it twice).
            def floor_compound(n: int, fptr: int = fptr, pptr: int = pptr, nargs: int = nargs,
                               rptr: int = rptr) -> None:  # fmt: skip
                for _ in range(n):
                    func_call(fptr, ctx, pptr, nargs, rptr, 1)

            assert not func_call(fptr, ctx, pptr, nargs, rptr, 1)
            loops[case] = floor_compound
    return loops, keep


def _extism_loops() -> tuple[dict[str, Loop], Any]:
    plugin = _world.extism_plugin()
    call = plugin.call
    pack, unpack = struct.Struct("<II").pack, struct.Struct("<I").unpack

    def add(n: int) -> None:
        for _ in range(n):
            unpack(call("add", pack(1, 2)))[0]

    def host_call(n: int) -> None:
        for _ in range(n):
            unpack(call("call_host", pack(1, 2)))[0]

    def string(n: int) -> None:
        for _ in range(n):
            call("echo", TEXT).decode()

    assert unpack(call("add", pack(1, 2)))[0] == 3
    assert unpack(call("call_host", pack(1, 2)))[0] == 3
    assert call("echo", TEXT).decode() == TEXT and call("echo", MIB) == MIB
    loops = {
        "add": add,
        "string": string,
        "bytes-1k": _loop(call, ("echo", KIB)),
        "bytes-1m": _loop(call, ("echo", MIB)),
        "host-call": host_call,
    }
    return loops, plugin


# -- measuring ------------------------------------------------------------------------------------


def measure_calls(
    scale: float = 1.0,
    *,
    big: bool = True,
    guest: Path | None = None,
    cases: tuple[str, ...] | None = None,
) -> CallFigures:
    """Every (case, series) side by side on the WAT component, or on `guest` (a component of
    the bench world, Extism left out); `big=False` leaves the 1 MiB case out."""
    from witkit.runtime import Runtime

    if guest is None:
        runtime = Runtime(cache=False)
        component = runtime.compile(_world.WAT)
    else:
        from tests.support.guests import cache_dir

        # A big guest compiles for seconds: keep it next to the test guests' compiled forms.
        runtime = Runtime(cache_dir=cache_dir().parent / "components")
        component = runtime.compile(guest)
    wanted = [c for c in (cases or tuple(CASES)) if big or c != "bytes-1m"]
    loops: dict[tuple[str, str], Loop] = {}
    missing: dict[str, str] = {}
    keep: list[Any] = []
    warnings: list[str] = []
    with _world.generated_bindings() as bindings:
        for series, (series_loops, held) in {
            "generated": _generated_loops(bindings, component, runtime),
            "dynamic": _dynamic_loops(component, runtime),
            "func-call": _func_call_loops(component, runtime.engine),
            "floor": _floor_loops(component, runtime.engine),
        }.items():
            keep.append(held)
            loops.update({(c, series): series_loops[c] for c in wanted})
            instance = getattr(held, "instance", None)
            if instance is not None and not instance.fast_calls:
                warnings.append(
                    f"{SERIES[series]} ran on witkit's public-API call path, not the fast path "
                    f"({runtime.fast_calls_unavailable or 'fast calls disabled'})"
                )
        why = _world.extism_available() if guest is None else GUEST_NOT_EXTISM
        if why is None:
            try:
                extism_loops, held = _extism_loops()
                keep.append(held)
                loops.update({(c, "extism"): extism_loops[c] for c in wanted if c in extism_loops})
            except Exception as e:  # an Extism that imports but cannot run this module
                missing["extism"] = f"{type(e).__name__}: {e}"
        else:
            missing["extism"] = why
        # Many short batches: on a shared machine a burst of other work then spoils a few
        # batches of every series instead of all the batches of one.
        repeat = max(3, round(41 * scale))
        samples = interleaved(loops, repeat=repeat, target=max(0.002, 0.015 * scale), budget=6.0)
    keep.clear()
    return CallFigures(samples, missing, repeat, warnings)


# -- reporting ------------------------------------------------------------------------------------


def _cases(fig: CallFigures) -> list[str]:
    return [c for c in CASES if (c, "floor") in fig.samples]


def ratio_table(fig: CallFigures) -> str:
    """Cases down, series across, each cell the series' median over the floor's."""
    series = [s for s in SERIES if s != "floor" and (s not in fig.missing or s == "extism")]
    if fig.missing.get("extism") == GUEST_NOT_EXTISM:
        series.remove("extism")
    lines = [
        "| case | floor (median) | " + " | ".join(SERIES[s] for s in series) + " |",
        "|---|---:|" + "---:|" * len(series),
    ]
    for case in _cases(fig):
        cells = []
        for s in series:
            r = fig.ratio(case, s)
            cells.append(f"{r:.3g}x" if r is not None else "n/a")
        lines.append(f"| {CASES[case]} | {fmt_time(fig.floor(case))} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def detail_table(fig: CallFigures) -> str:
    """Every measured (case, series): median, spread and ratio to the floor."""
    lines = [
        "| case | series | median / call | min .. max | spread | x floor |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for case in _cases(fig):
        for s in SERIES:
            sample = fig.samples.get((case, s))
            if sample is None:
                continue
            lines.append(
                f"| {CASES[case]} | {SERIES[s]} | {fmt_time(sample.median)} "
                f"| {fmt_time(sample.low)} .. {fmt_time(sample.high)} | ±{sample.spread:.0%} "
                f"| {sample.median / fig.floor(case):.3g} |"
            )
    return "\n".join(lines) + "\n"


def headlines(fig: CallFigures) -> list[str]:
    """The ratios the host-bindings work is judged by, target verdicts included."""
    gen = fig.ratio("add", "generated")
    out: list[str] = []
    if gen is None:
        return out
    gen_best = fig.best_ratio("add", "generated")
    add_gen, add_wt = fig.samples[("add", "generated")], fig.samples[("add", "func-call")]
    faster = add_wt.median / add_gen.median
    out.append(
        f"generated `add` call: **{gen:.2f}x the floor** by medians, {gen_best:.2f}x by the "
        f"fastest runs (target at most 1.5x: {'met' if gen <= 1.5 else 'NOT met'} by medians)"
    )
    out.append(
        f"generated `add` call: **{faster:.1f}x faster than `Func.__call__`** by medians, "
        f"{add_wt.low / add_gen.low:.1f}x by the fastest runs (target at least 3x: "
        f"{'met' if faster >= 3 else 'NOT met'})"
    )
    out += [f"**Warning**: {w}" for w in fig.warnings]
    dyn = fig.ratio("add", "dynamic")
    if dyn is not None:
        out.append(f'dynamic `plugin.call("add", ...)`: {dyn:.2f}x the floor')
    ext = fig.median("add", "extism")
    if ext is not None:
        out.append(
            f"Extism `Plugin.call` add: {ext / fig.samples[('add', 'generated')].median:.1f}x "
            "the generated call's time"
        )
    return out


def section(scale: float = 1.0, report: Report | None = None) -> str:
    """The Markdown section (and the ratio plot when `report` is given and matplotlib works)."""
    quick = report.quick if report is not None else False
    fig = measure_calls(scale, big=not quick)
    lines = [
        f"## {TITLE}",
        "",
        "Each series calls the same WAT component of the bench world "
        "(`benchmarks/worlds/bench/bench.wit`) on its own instance, all in one process; "
        "Extism runs an equivalent core module written in WAT. The floor is "
        "`wasmtime_component_func_call` through a bare ctypes prototype with arguments built "
        "beforehand (a compound result is not read; the next call frees it). "
        f"Up to {fig.runs} interleaved runs per series (a slow series stops after 3 runs once "
        "it has used 6 s); spread is half the min..max range over the median.",
        "",
        "### Ratio to the floor (median / floor median; lower is better)",
        "",
        ratio_table(fig),
    ]
    for series, why in fig.missing.items():
        lines.append(f"- {SERIES[series]}: not measured: {why}")
    for warning in fig.warnings:
        lines.append(f"- **Warning**: {warning}.")
    if "extism" not in fig.missing:
        lines.append(
            "- Extism `n/a`: a record or a variant is not bytes; an Extism plugin would need a "
            "serialization format of its own (JSON, ...), so it is not compared there."
        )
    lines.append(
        "- `list<u8>` crosses wasmtime's C API as one 32-byte `wasmtime_component_val_t` per "
        "byte, so even the floor grows by tens of nanoseconds per byte; Extism hands raw bytes "
        "to its kernel memory, which is why it wins the byte cases by a wide margin."
    )
    if quick:
        lines.append("- `--quick`: the 1 MiB case is left out.")
    lines.append("")
    head = headlines(fig)
    if head:
        lines += ["Headline:", "", *[f"- {h}" for h in head], ""]
    if report is not None:
        report.headlines += head
        no_plots = _plots.unavailable()
        if no_plots is None:
            path = report.plot_path("calls")
            cases = _cases(fig)
            _plots.grouped_bars(
                path,
                title="Call overhead: ratio to the floor (log scale; dashed line = floor)",
                groups=[c for c in cases],
                values={
                    SERIES[s]: [fig.ratio(c, s) for c in cases]
                    for s in SERIES
                    if s != "floor" and s not in fig.missing
                },
                ylabel="median time / floor median",
                reference=1.0,
            )
            lines += [f"![Call overhead, ratio to the floor]({_rel(path, report)})", ""]
        else:
            lines += [f"Plot skipped: {no_plots}.", ""]
    lines += ["### Medians and spread", "", detail_table(fig)]
    lines += _guest_section(scale, quick)
    return "\n".join(lines)


def _guest_section(scale: float, quick: bool) -> list[str]:
    """The same series on the componentize-py guest of the bench world (not in `--quick`)."""
    head = ["", "### The same series on the componentize-py guest", ""]
    if quick:
        return [*head, "Skipped in `--quick`.", ""]
    try:
        guest = _world.python_guest()
    except Exception as e:  # no componentize-py, or the build failed
        return [*head, f"Not measured: {type(e).__name__}: {e}", ""]
    fig = measure_calls(scale, guest=guest, cases=GUEST_CASES)
    out = [
        *head,
        "The bench world implemented in Python (`benchmarks/_world.py`, ~18 MB with CPython); "
        "the floor now includes the guest's own Python work, so every ratio shrinks toward 1.",
        "",
        ratio_table(fig),
    ]
    out += [f"- **Warning**: {w}." for w in fig.warnings]
    return [*out, "", detail_table(fig)]


def _rel(path: Path, report: Report) -> str:
    return path.relative_to(report.out_dir).as_posix()


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """The section for `python -m benchmarks`."""
    return section(scale, report)


def main(argv: list[str] | None = None) -> int:
    """Print the section: `python -m benchmarks.bench_calls [scale]`."""
    args = sys.argv[1:] if argv is None else argv
    print(section(float(args[0]) if args else 1.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
