"""Lists of numbers and records: witkit's call paths against the C-API floor, in one process.

One WAT component (`LISTS_WAT`) echoes `list<u32>` and `list<f64>` of 10,000 items and
`list<item>` of 1,000 five-field records (the bench world's `item`), returning its argument in
place. Series, each on its own instance of the same compiled component:

* witkit fast path: `Instance.func(...)` as generated bindings prepare it (lists of numbers
  are lowered and lifted in bulk, records item by item);
* witkit public path: `Runtime(fast_calls=False)`, over wasmtime-py's public API;
* wasmtime-py: `wasmtime.component.Func.__call__`, its own values;
* the floor: `wasmtime_component_func_call` through a bare ctypes prototype with the argument
  built once beforehand; the result is not read (the next call frees it).

Every run times one batch of each (case, series) interleaved; medians and spreads are
reported, with each series as a ratio to the floor of its case (target: the fast path at
most 3x). `python -m benchmarks.bench_lists` prints the section.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import CFUNCTYPE, c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any

from benchmarks._report import Report
from benchmarks._stats import Loop, Sample, fmt_time, interleaved
from benchmarks.bench_bulk import _ALLOC, _ECHO

TITLE = "Lists of numbers and records"

LISTS_WAT = (
    r"""
(component
  (core module $m
"""
    + _ALLOC
    + _ECHO
    + r"""
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $item-def (record (field "id" u32) (field "name" string) (field "count" u8)
                          (field "score" float64) (field "active" bool)))
  (export $item "item" (type $item-def))
  (type $u32s (list u32))
  (type $f64s (list float64))
  (type $items (list $item))
  (func (export "echo-u32s") (param "x" $u32s) (result $u32s)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
  (func (export "echo-f64s") (param "x" $f64s) (result $f64s)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
  (func (export "echo-items") (param "x" $items) (result $items)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
)
"""
)

N_NUMBERS = 10_000
N_RECORDS = 1_000
CASES = {
    "u32s": f"`list<u32>` of {N_NUMBERS:,}",
    "f64s": f"`list<f64>` of {N_NUMBERS:,}",
    "items": f"`list<item>` of {N_RECORDS:,} five-field records",
}
SERIES = {
    "floor": "floor (bare ctypes call)",
    "fast": "witkit fast path",
    "public": "witkit public path",
    "wasmtime": "wasmtime `Func.__call__`",
}
TARGET = 3.0


@dataclass
class Item:
    id: int
    name: str
    count: int
    score: float
    active: bool


def _descs() -> dict[str, Any]:
    from witkit.runtime import BOOL, F64, STRING, U8, U32, List, Record

    item = Record(
        Item,
        [("id", "id", U32), ("name", "name", STRING), ("count", "count", U8),
         ("score", "score", F64), ("active", "active", BOOL)],
    )  # fmt: skip
    return {"u32s": List(U32), "f64s": List(F64), "items": List(item)}


def _values() -> dict[str, list[Any]]:
    return {
        "u32s": list(range(N_NUMBERS)),
        "f64s": [i * 0.5 for i in range(N_NUMBERS)],
        "items": [Item(i, f"item-{i}", i % 256, i / 4, i % 2 == 0) for i in range(N_RECORDS)],
    }


def _loop(f: Callable[..., Any], *args: Any) -> Loop:
    def loop(n: int) -> None:
        for _ in range(n):
            f(*args)

    return loop


def _witkit_loops(fast: bool, component_text: str) -> tuple[dict[str, Loop], Any]:
    from witkit.runtime import Runtime

    rt = Runtime(cache=False, fast_calls=fast)
    descs, values = _descs(), _values()
    loops: dict[str, Loop] = {}
    keep: list[Any] = [rt]
    for case, desc in descs.items():
        inst = rt.instantiate(component_text)
        echo = inst.func(f"echo-{case}", [desc], desc)
        assert echo(values[case]) == values[case], f"{case}: the echo differs"
        loops[case] = _loop(echo, values[case])
        keep.append(inst)
    return loops, keep


def _wasmtime_values(case: str) -> Any:
    """The argument as wasmtime-py takes it: records are `Record`s with attributes."""
    import wasmtime.component as wc

    values = _values()[case]
    if case != "items":
        return values
    out = []
    for v in values:
        r = wc.Record()
        for name in ("id", "name", "count", "score", "active"):
            setattr(r, name, getattr(v, name))
        out.append(r)
    return out


def _wasmtime_loops(component_bytes: bytes) -> tuple[dict[str, Loop], dict[str, Loop], Any]:
    """(wasmtime-py `Func.__call__` loops, floor loops, what must stay alive)."""
    import wasmtime
    import wasmtime.component as wc
    from wasmtime import _ffi as ffi

    engine = wasmtime.Engine()
    component = wc.Component(engine, component_bytes)
    linker = wc.Linker(engine)
    val_t = ffi.wasmtime_component_val_t
    func_call = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)(
        ("wasmtime_component_func_call", ffi.dll)
    )
    calls: dict[str, Loop] = {}
    floors: dict[str, Loop] = {}
    keep: list[Any] = [engine, component, linker]
    for case in CASES:
        store = wasmtime.Store(engine)
        inst = linker.instantiate(store, component)
        f = inst.get_func(store, f"echo-{case}")
        assert f is not None
        arg = _wasmtime_values(case)

        def call(n: int, f: Any = f, store: Any = store, arg: Any = arg) -> None:
            for _ in range(n):
                f(store, arg)

        calls[case] = call
        # The floor on its own store and instance (a store runs one call at a time).
        fstore = wasmtime.Store(engine)
        finst = linker.instantiate(fstore, component)
        ff = finst.get_func(fstore, f"echo-{case}")
        assert ff is not None
        ((_name, ty),) = ff.type(fstore).params
        args = (val_t * 1)()
        ty.convert_to_c(fstore, arg, ctypes.pointer(args[0]))  # built once, outside the timing
        res = val_t()
        ctx = ctypes.cast(fstore._context(), c_void_p).value
        fptr, pptr, rptr = ctypes.addressof(ff._func), ctypes.addressof(args), ctypes.addressof(res)

        def floor(
            n: int, fptr: int = fptr, ctx: Any = ctx, pptr: int = pptr, rptr: int = rptr
        ) -> None:
            for _ in range(n):
                func_call(fptr, ctx, pptr, 1, rptr, 1)  # the new result frees the old one

        assert not func_call(fptr, ctx, pptr, 1, rptr, 1)
        floors[case] = floor
        keep += [store, inst, f, fstore, finst, ff, args, res]
    return calls, floors, keep


def measure_lists(scale: float, quick: bool) -> dict[tuple[str, str], Sample]:
    """(case, series) -> seconds per call."""
    import wasmtime

    component_bytes = bytes(wasmtime.wat2wasm(LISTS_WAT))
    loops: dict[tuple[str, str], Loop] = {}
    keep: list[Any] = []
    for series, fast in (("fast", True), ("public", False)):
        got, kept = _witkit_loops(fast, LISTS_WAT)
        loops.update({(case, series): loop for case, loop in got.items()})
        keep.append(kept)
    calls, floors, kept = _wasmtime_loops(component_bytes)
    loops.update({(case, "wasmtime"): loop for case, loop in calls.items()})
    loops.update({(case, "floor"): loop for case, loop in floors.items()})
    keep.append(kept)
    repeat = 3 if quick else max(5, int(15 * scale))
    target = 0.002 if quick else 0.05
    return interleaved(loops, repeat=repeat, target=target, budget=4.0)


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section."""
    quick = report.quick if report is not None else False
    samples = measure_lists(scale, quick)
    lines = [
        f"## {TITLE}",
        "",
        "One WAT component echoing its argument in place; each series on its own instance, "
        "medians over interleaved runs (± half the range), and each as a ratio to the floor "
        f"(target: the fast path at most {TARGET:g}x).",
        "",
        "| case | " + " | ".join(SERIES.values()) + " |",
        "|---|" + "---:|" * len(SERIES),
    ]
    ratios: dict[str, float] = {}
    for case, label in CASES.items():
        floor = samples[(case, "floor")].median
        cells = []
        for series in SERIES:
            s = samples[(case, series)]
            ratio = "" if series == "floor" else f", {s.median / floor:.2f}x"
            cells.append(f"{fmt_time(s.median)} (±{s.spread:.0%}{ratio})")
        ratios[case] = samples[(case, "fast")].median / floor
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "- The floor pays wasmtime's own cost of one 32-byte C value per item, in and out; "
        "lists of numbers reach it through `array` and strided memory views, records are "
        "built one Python object at a time.",
        "",
    ]
    if report is not None:
        numbers, records = max(ratios["u32s"], ratios["f64s"]), ratios["items"]

        def verdict(r: float) -> str:
            return "met" if r <= TARGET else "not met"

        report.headlines.append(
            f"lists: the fast path {numbers:.2f}x the C-API floor for 10,000 numbers "
            f"({verdict(numbers)}), {records:.2f}x for 1,000 records ({verdict(records)}; "
            f"target at most {TARGET:g}x)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
