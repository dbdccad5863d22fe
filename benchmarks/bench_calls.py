"""Call overhead of `witkit.runtime` against the ctypes floor and wasmtime-py's `Func.__call__`.

Every series runs side by side in one process, interleaved repeat by repeat, on one WAT
component (`add`, and guest-side echoes of a string, a record, a variant and `list<u8>`):

* floor: `wasmtime_component_func_call` through ctypes with pre-built argument values (both
  wasmtime-py's own binding and witkit's raw-address prototype; the faster one is the floor);
* witkit: a `PreparedFunc` on the fast path and on the public-API path;
* wasmtime-py: `wasmtime.component.Func.__call__` on the same exports.

`python -m benchmarks.bench_calls [iterations]` prints a table; `run(iterations)` returns the
figures; `section(scale)` renders them as Markdown for `python -m benchmarks`.
"""

from __future__ import annotations

import ctypes
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TITLE = "Runtime: call overhead"

WAT = r"""
(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32) (local $end i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (local.set $end (i32.add (local.get $r) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.sub (i32.add (i32.shr_u (local.get $end) (i32.const 16)) (i32.const 1))
                                                (memory.size))) (i32.const -1))
          (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $r))
    ;; Each echo stores its flat arguments in the return area and rewinds the allocator:
    ;; the host lifts the result before the next call allocates again.
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "echo-pair") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1))
      (global.set $bump (i32.const 1024)) (i32.const 16))
    (func (export "echo-record") (param i32 i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1))
      (i32.store (i32.const 24) (local.get 2))
      (global.set $bump (i32.const 1024)) (i32.const 16))
    (func (export "echo-variant") (param i32 i64) (result i32)
      (i32.store8 (i32.const 16) (local.get 0)) (i64.store (i32.const 24) (local.get 1))
      (i32.const 16)))
  (core instance $i (instantiate $m))
  (type $point (record (field "x" u32) (field "label" string)))
  (export $point-e "point" (type $point))
  (type $shape (variant (case "circle" f64) (case "square" u32) (case "none")))
  (export $shape-e "shape" (type $shape))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "echo-string") (param "s" string) (result string)
    (canon lift (core func $i "echo-pair") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-bytes") (param "b" (list u8)) (result (list u8))
    (canon lift (core func $i "echo-pair") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-record") (param "p" $point-e) (result $point-e)
    (canon lift (core func $i "echo-record") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-variant") (param "s" $shape-e) (result $shape-e)
    (canon lift (core func $i "echo-variant") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
)
"""


@dataclass
class Point:
    """The record `point` of the benchmark component."""

    x: int
    label: str


@dataclass
class Shape_Circle:
    """Case `circle(f64)` of the variant `shape`."""

    value: float


@dataclass
class Shape_Square:
    """Case `square(u32)` of the variant `shape`."""

    value: int


@dataclass
class Shape_None:
    """Case `none` of the variant `shape`."""


Loop = Callable[[int], None]


def _loops(big_bytes: int) -> tuple[dict[str, tuple[Loop, float]], Any]:
    """Each series as a loop running `n` calls, with its share of the iteration budget."""
    import wasmtime.component as wc
    from wasmtime import _ffi as ffi

    from witkit.runtime import BYTES, F64, STRING, U32, Record, Runtime, Variant, _abi

    point = Record(Point, [("x", "x", U32), ("label", "label", STRING)])
    shape = Variant([("circle", Shape_Circle, F64), ("square", Shape_Square, U32), ("none", Shape_None, None)])
    fast_rt = Runtime(cache=False)
    public_rt = Runtime(cache=False, fast_calls=False)
    fast = fast_rt.instantiate(WAT)
    public = public_rt.instantiate(WAT)
    raw = fast_rt.instantiate(WAT)  # wasmtime-py's own API on a third instance
    store = raw._store

    sigs: dict[str, tuple[list[Any], Any, tuple[Any, ...], Any]] = {
        "add": ([U32, U32], U32, (1, 2), (1, 2)),
        "echo-string": ([STRING], STRING, ("hello, world",), ("hello, world",)),
        "echo-record": ([point], point, (Point(7, "seven"),), (_pub_record(wc, 7, "seven"),)),
        "echo-variant": ([shape], shape, (Shape_Circle(1.5),), (1.5,)),  # wasmtime-py: untagged variant
        "echo-bytes": ([BYTES], BYTES, (bytes(big_bytes),), (bytes(big_bytes),)),
    }
    series: dict[str, tuple[Loop, float]] = {}
    big_share = min(1.0, 1000 / max(big_bytes, 1))
    for name, (params, result, args, pub_args) in sigs.items():
        share = big_share if name == "echo-bytes" else 1.0
        slow_share = share / 10 if name != "echo-bytes" else share / 500
        f_fast = fast.func(name, params, result)
        f_public = public.func(name, params, result)
        f_raw = raw._lookup(name)
        series[f"{name}: witkit fast"] = (_loop(f_fast, args), share)
        series[f"{name}: witkit public"] = (_loop(f_public, args), slow_share)
        series[f"{name}: wasmtime Func.__call__"] = (_loop(f_raw, (store, *pub_args)), slow_share)

    # The floor: the C call alone, arguments built once, the result read with one field access.
    f_add = raw._lookup("add")
    params = (ffi.wasmtime_component_val_t * 2)()
    for p in params:
        p.kind = ffi.WASMTIME_COMPONENT_U32.value
        p.of.u32 = 1
    res = ffi.wasmtime_component_val_t()
    fref, ctx, rref = ctypes.byref(f_add._func), store._context(), ctypes.byref(res)
    call_ffi = ffi.wasmtime_component_func_call
    faddr, ictx = ctypes.addressof(f_add._func), raw._ctx
    paddr, raddr = ctypes.addressof(params), ctypes.addressof(res)
    call_raw = _abi.func_call
    res_u32 = ctypes.c_uint32.from_address(raddr + _abi.OF)

    def floor_ffi(n: int) -> None:
        for _ in range(n):
            call_ffi(fref, ctx, params, 2, rref, 1)
            res.of.u32  # noqa: B018 - read the result like a caller would

    def floor_raw(n: int) -> None:
        for _ in range(n):
            call_raw(faddr, ictx, paddr, 2, raddr, 1)
            res_u32.value  # noqa: B018 - read the result like a caller would

    series["add: floor (wasmtime-py ctypes binding)"] = (floor_ffi, 1.0)
    series["add: floor (raw ctypes prototype)"] = (floor_raw, 1.0)
    keep = (fast_rt, public_rt, fast, public, raw, params, res)
    return series, keep


def _pub_record(wc: Any, x: int, label: str) -> Any:
    r = wc.Record()
    r.x = x
    r.label = label
    return r


def _loop(f: Callable[..., Any], args: tuple[Any, ...]) -> Loop:
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

    def loop_n(n: int) -> None:
        for _ in range(n):
            f(*args)

    return loop_n


def run(iterations: int = 20_000, *, repeat: int = 7, big_bytes: int = 1 << 20) -> dict[str, Any]:
    """Measure every series; ns per call (median, min, max) and the headline ratios."""
    series, _keep = _loops(big_bytes)
    samples: dict[str, list[float]] = {name: [] for name in series}
    counts = {name: max(1, int(iterations * share)) for name, (_loop_fn, share) in series.items()}
    for name, (loop_fn, _share) in series.items():
        loop_fn(min(counts[name], 10))  # warm up
    for _ in range(repeat):
        for name, (loop_fn, _share) in series.items():
            n = counts[name]
            start = time.perf_counter()
            loop_fn(n)
            samples[name].append((time.perf_counter() - start) / n * 1e9)
    out: dict[str, Any] = {"iterations": iterations, "repeat": repeat, "big_bytes": big_bytes, "series": {}}
    for name, times in samples.items():
        out["series"][name] = {
            "median_ns": statistics.median(times),
            "min_ns": min(times),
            "max_ns": max(times),
            "calls_per_repeat": counts[name],
        }
    s = out["series"]
    floor = min(s["add: floor (wasmtime-py ctypes binding)"]["median_ns"], s["add: floor (raw ctypes prototype)"]["median_ns"])
    fast_add = s["add: witkit fast"]["median_ns"]
    out["floor_ns"] = floor
    out["ratios"] = {
        "witkit fast add / floor": fast_add / floor,
        "wasmtime Func.__call__ add / witkit fast add": s["add: wasmtime Func.__call__"]["median_ns"] / fast_add,
        "witkit public add / witkit fast add": s["add: witkit public"]["median_ns"] / fast_add,
    }
    for name in ("echo-string", "echo-record", "echo-variant", "echo-bytes"):
        out["ratios"][f"wasmtime Func.__call__ {name} / witkit fast"] = (
            s[f"{name}: wasmtime Func.__call__"]["median_ns"] / s[f"{name}: witkit fast"]["median_ns"]
        )
    out["targets"] = {
        "fast add <= 1.5x floor": out["ratios"]["witkit fast add / floor"] <= 1.5,
        "Func.__call__ add >= 3x fast add": out["ratios"]["wasmtime Func.__call__ add / witkit fast add"] >= 3,
    }
    return out


def _fmt_ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table plus the ratios."""
    floor = result["floor_ns"]
    lines = [
        "| series | median / call | spread (min..max) | x floor | calls x repeats |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in result["series"].items():
        lines.append(
            f"| {name} | {_fmt_ns(row['median_ns'])} | {_fmt_ns(row['min_ns'])}..{_fmt_ns(row['max_ns'])} "
            f"| {row['median_ns'] / floor:.2f} | {row['calls_per_repeat']} x {result['repeat']} |"
        )
    lines.append("")
    for name, ratio in result["ratios"].items():
        lines.append(f"- {name}: **{ratio:.2f}**")
    for name, ok in result["targets"].items():
        lines.append(f"- target {name}: {'met' if ok else 'NOT met'}")
    return "\n".join(lines) + "\n"


def section(scale: float = 1.0) -> str:
    """A Markdown section for `python -m benchmarks`."""
    result = run(iterations=max(100, int(20_000 * scale)), repeat=max(3, int(7 * scale)))
    intro = (
        f"## {TITLE}\n\nOne WAT component; `list<u8>` echoes carry {result['big_bytes']} bytes. "
        "The floor is `wasmtime_component_func_call` via ctypes with pre-built arguments.\n\n"
    )
    return intro + table(result)


def main(argv: list[str] | None = None) -> int:
    """Print the table: `python -m benchmarks.bench_calls [iterations]`."""
    args = sys.argv[1:] if argv is None else argv
    iterations = int(args[0]) if args else 20_000
    print(table(run(iterations)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
