"""Bulk data: `list<u8>` and `string` of 1 KiB to 64 MiB through witkit, Extism and a bare copy.

One WAT component (`BULK_WAT`) exports `echo`, `take` (bytes in, their length out) and `give`
(n bytes out) for `list<u8>` and `echo-str` for `string`; the Extism series runs an equivalent
core module on Extism's kernel ABI with the same bytes. Series, side by side in one process:

* witkit bulk: `Runtime(bulk=True)`, bytes copied straight into linear memory (`_bulk`);
* witkit normal: the default fast path through wasmtime's C API values (up to 1 MiB: above
  that wasmtime's own path runs out of host-call fuel);
* Extism: `extism.Plugin.call` with the same bytes;
* memory copy: the copies the operation needs, done by `ctypes.memmove`/`string_at` on a
  host buffer (in: one copy in; out: one copy out; echo: both).

Every run times one batch of each (case, series) interleaved; medians and spreads are reported,
with ratios to Extism and to the memory copy. Host memory during one call is the peak of
Python's heap (`tracemalloc`) over the payload. `python -m benchmarks.bench_bulk` prints it.
"""

from __future__ import annotations

import ctypes
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks import _world
from benchmarks._report import Report
from benchmarks._stats import Loop, Sample, fmt_time, interleaved

TITLE = "Bulk data"

_ALLOC = r"""
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func $realloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32) (local $end i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (local.set $end (i32.add (local.get $r) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (if (i32.eq (memory.grow (i32.sub (i32.add (i32.shr_u (local.get $end) (i32.const 16)) (i32.const 1))
                                            (memory.size)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $r))
"""

_ECHO = r"""
    ;; echo returns its argument in place (no copy in the guest), like Extism's echo below.
    (func (export "echo") (param $p i32) (param $n i32) (result i32)
      (i32.store (i32.const 8) (local.get $p))
      (i32.store (i32.const 12) (local.get $n))
      (i32.const 8))
    (func (export "rewind") (param i32) (global.set $bump (i32.const 1024)))
"""
"""A core module's `echo` of a (pointer, length) argument and the post-return `rewind` of
`_ALLOC`'s bump allocator, for any list or string type."""

BULK_WAT = r"""
(component
  (core module $m
""" + _ALLOC + _ECHO + r"""
    (func (export "take") (param $p i32) (param $n i32) (result i32)
      (global.set $bump (i32.const 1024))
      (local.get $n))
    (func (export "give") (param $n i32) (result i32)
      (i32.store (i32.const 8) (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
      (i32.store (i32.const 12) (local.get $n))
      (i32.const 8))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $bytes (list u8))
  (func (export "echo") (param "x" $bytes) (result $bytes)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
  (func (export "echo-str") (param "x" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
  (func (export "take") (param "x" $bytes) (result u32)
    (canon lift (core func $i "take") (memory $mem) (realloc $realloc)))
  (func (export "give") (param "n" u32) (result $bytes)
    (canon lift (core func $i "give") (memory $mem) (realloc $realloc) (post-return (core func $i "rewind"))))
)
"""

EXTISM_WAT = r"""
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))
  (func (export "take") (result i32)
    (local $o i64)
    (local.set $o (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $o) (call $input_length))
    (call $output_set (local.get $o) (i64.const 4))
    (i32.const 0))
  ;; give: the input is n as 8 little-endian bytes; n bytes out
  (func (export "give") (result i32)
    (local $n i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (call $output_set (call $alloc (local.get $n)) (local.get $n))
    (i32.const 0))
)
"""

KIB = 1024
MIB = 1 << 20
SIZES = [KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB]
NORMAL_MAX = MIB
"""Above this, wasmtime's own path refuses the call (its host-call fuel runs out)."""
OPS = ("echo", "in", "out", "string echo")
SERIES = {
    "bulk": "witkit bulk",
    "normal": "witkit normal path",
    "extism": "Extism `Plugin.call`",
    "copy": "memory copy",
}


def _size_label(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB"


def _loop(f: Callable[..., Any], *args: Any) -> Loop:
    def loop(n: int) -> None:
        for _ in range(n):
            f(*args)

    return loop


def _witkit_loops(bulk: bool, sizes: list[int]) -> tuple[dict[tuple[str, int], Loop], Any]:
    from witkit.runtime import Runtime
    from witkit.runtime.types import BYTES, Primitive

    rt = Runtime(cache=False, bulk=bulk)
    inst = rt.instantiate(BULK_WAT)
    u32, string = Primitive("u32"), Primitive("string")
    echo = inst.func("echo", [BYTES], BYTES)
    echo_str = inst.func("echo-str", [string], string)
    take = inst.func("take", [BYTES], u32)
    give = inst.func("give", [u32], BYTES)
    if bulk:
        assert all(getattr(f, "bulk", False) for f in (echo, echo_str, take, give)), "bulk path not used"
    loops: dict[tuple[str, int], Loop] = {}
    for n in sizes:
        data = bytes(range(256)) * (n // 256)
        text = ("ž" * (n // 4)) + ("a" * (n // 2))  # n bytes of UTF-8, half of them two-byte
        assert echo(data) == data and take(data) == n and len(give(n)) == n and echo_str(text) == text
        loops[("echo", n)] = _loop(echo, data)
        loops[("in", n)] = _loop(take, data)
        loops[("out", n)] = _loop(give, n)
        loops[("string echo", n)] = _loop(echo_str, text)
    return loops, (rt, inst)


def _extism_loops(sizes: list[int]) -> tuple[dict[tuple[str, int], Loop], Any]:
    import extism
    import wasmtime

    plugin = extism.Plugin(bytes(wasmtime.wat2wasm(EXTISM_WAT)), wasi=False)
    call = plugin.call
    loops: dict[tuple[str, int], Loop] = {}
    for n in sizes:
        data = bytes(range(256)) * (n // 256)
        text = ("ž" * (n // 4)) + ("a" * (n // 2))
        size = n.to_bytes(8, "little")
        assert call("echo", data) == data and len(call("give", size)) == n
        loops[("echo", n)] = _loop(call, "echo", data)
        loops[("in", n)] = _loop(call, "take", data)
        loops[("out", n)] = _loop(call, "give", size)
        # Extism takes a str and hands back bytes: decode them as a string result would be.
        loops[("string echo", n)] = _loop(lambda t: call("echo", t).decode("utf-8"), text)
    return loops, plugin


def _copy_loops(sizes: list[int]) -> tuple[dict[tuple[str, int], Loop], Any]:
    loops: dict[tuple[str, int], Loop] = {}
    buffers = []
    memmove, string_at = ctypes.memmove, ctypes.string_at
    for n in sizes:
        data = bytes(range(256)) * (n // 256)
        buf = ctypes.create_string_buffer(n)
        buffers.append(buf)
        addr = ctypes.addressof(buf)

        def copy_in(data: bytes = data, addr: int = addr, n: int = n) -> None:
            memmove(addr, data, n)

        def copy_out(addr: int = addr, n: int = n) -> None:
            string_at(addr, n)

        def copy_both(data: bytes = data, addr: int = addr, n: int = n) -> None:
            memmove(addr, data, n)
            string_at(addr, n)

        loops[("in", n)] = _loop(copy_in)
        loops[("out", n)] = _loop(copy_out)
        loops[("echo", n)] = _loop(copy_both)
        loops[("string echo", n)] = _loop(copy_both)
    return loops, buffers


def _peak(f: Callable[..., Any], *args: Any) -> int:
    tracemalloc.start()
    try:
        f(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_bulk(scale: float = 1.0, quick: bool = False) -> tuple[dict[tuple[str, str, int], Sample], dict[str, str], dict[int, float]]:
    """Samples by (op, series, size), what was not measured and why, and host peak / payload."""
    sizes = SIZES[:3] if quick else SIZES
    missing: dict[str, str] = {}
    keep: list[Any] = []
    loops: dict[tuple[str, str, int], Loop] = {}
    bulk, k = _witkit_loops(True, sizes)
    keep.append(k)
    loops.update({(op, "bulk", n): lp for (op, n), lp in bulk.items()})
    normal_sizes = [n for n in sizes if n <= (KIB * 64 if quick else NORMAL_MAX)]
    normal, k = _witkit_loops(False, normal_sizes)
    keep.append(k)
    loops.update({(op, "normal", n): lp for (op, n), lp in normal.items()})
    why = _world.extism_available()
    if why is None:
        ext, k = _extism_loops(sizes)
        keep.append(k)
        loops.update({(op, "extism", n): lp for (op, n), lp in ext.items()})
    else:
        missing["extism"] = why
    copies, k = _copy_loops(sizes)
    keep.append(k)
    loops.update({(op, "copy", n): lp for (op, n), lp in copies.items()})
    target = 0.002 if quick else max(0.01, 0.05 * scale)
    samples = interleaved(loops, repeat=3 if quick else 9, target=target, budget=2.0 if quick else 8.0)
    # Host memory: Python heap at its peak during one bulk echo, over the payload.
    rt_inst = keep[0][1]
    from witkit.runtime.types import BYTES

    echo = rt_inst.func("echo", [BYTES], BYTES)
    peaks = {}
    for n in sizes[-2:]:
        data = bytes(n)
        peaks[n] = _peak(echo, data) / n
    return samples, missing, peaks


def run(scale: float = 1.0, report: Report | None = None) -> str:
    """Measure and return the Markdown section."""
    quick = report.quick if report is not None else False
    samples, missing, peaks = measure_bulk(scale, quick)
    sizes = sorted({n for (_op, _s, n) in samples})
    lines = [
        f"## {TITLE}",
        "",
        "One WAT component, `Runtime(bulk=True)` against the default path, Extism's "
        "`Plugin.call` on an equivalent core module, and the bare memory copies each operation "
        "needs; medians over interleaved runs (± half the range).",
        "",
        "| op | size | " + " | ".join(SERIES.values()) + " | bulk / Extism | bulk / copy |",
        "|---|---|" + "---:|" * (len(SERIES) + 2),
    ]
    worst_extism = 0.0
    worst_copy = 0.0
    for op in OPS:
        for n in sizes:
            cells = []
            for key in SERIES:
                s = samples.get((op, key, n))
                cells.append(f"{fmt_time(s.median)} (±{s.spread:.0%})" if s is not None else "-")
            b = samples.get((op, "bulk", n))
            e = samples.get((op, "extism", n))
            c = samples.get((op, "copy", n))
            re_ = f"{b.median / e.median:.2f}x" if b and e else "-"
            rc = f"{b.median / c.median:.1f}x" if b and c else "-"
            if b and e:
                worst_extism = max(worst_extism, b.median / e.median)
            if b and c and n >= MIB:
                worst_copy = max(worst_copy, b.median / c.median)
            lines.append(f"| {op} | {_size_label(n)} | " + " | ".join(cells) + f" | {re_} | {rc} |")
    lines += [""]
    for key, why in missing.items():
        lines.append(f"- {SERIES[key]}: not measured ({why}).")
    lines += [
        "- Host memory during one bulk echo (peak of Python's heap over the payload): "
        + ", ".join(f"{_size_label(n)}: {r:.2f}x" for n, r in peaks.items())
        + " (the argument's own bytes are the caller's; the result is one `bytes`).",
        f"- The normal path is measured up to {_size_label(NORMAL_MAX)}: above that wasmtime "
        "refuses the call (its host-call fuel runs out).",
        "- `string echo` sends text whose UTF-8 is the size shown (half of it two-byte "
        "characters): encoding and decoding it is part of every series but the copy.",
        "",
    ]
    if report is not None:
        report.headlines.append(
            f"bulk data: `Runtime(bulk=True)` at most {worst_extism:.2f}x Extism's `Plugin.call` "
            f"over 1 KiB to {_size_label(sizes[-1])}, at most {worst_copy:.1f}x the bare "
            "memory copies from 1 MiB up"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
