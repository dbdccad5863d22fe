"""Hostile guests, written in WAT: each export misbehaves in one way a real plugin could.

`TRAPS` runs away with CPU, memory, tables and the stack, traps, abuses host imports and floods
stdout. `VALUES` hands the host malformed values. `HEALTHY` is what the runtime must still load
and call correctly after any of them.
"""

from __future__ import annotations

import time

from tests.hostile.support import Guest, HostFunc, Loaders
from tests.runtime.wat import ALLOCATOR, STDOUT
from witkit.runtime import U32, Runtime

HEALTHY_WIT = """
package hostile:healthy@0.1.0;

world healthy {
  export add: func(a: u32, b: u32) -> u32;
}
"""

HEALTHY_WAT = r"""
(component
  (core module $m (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
)
"""

HEALTHY = Guest("healthy", HEALTHY_WIT, "healthy", HEALTHY_WAT)


def healthy_after(loaders: Loaders, via: str, rt: Runtime) -> None:
    """The runtime that ran a hostile guest still loads and calls a healthy plugin correctly."""
    plugin = loaders.load(via, HEALTHY, rt)
    assert plugin.call("add", 2, 3) == 5
    assert plugin.call("add", 4_000_000_000, 294_967_295) == 4_294_967_295

TRAPS_WIT = """
package hostile:traps@0.1.0;

world traps {
  /// Sleeps `ms` milliseconds, then returns it.
  import slow: func(ms: u32) -> u32;
  /// Always raises.
  import fail: func() -> u32;

  /// Loops forever.
  export spin: func();
  /// Grows memory a page at a time; when growth is refused it gives up with `unreachable`.
  export grow-forever: func() -> u32;
  /// Grows a table a thousand slots at a time; traps when growth is refused.
  export grow-table-forever: func() -> u32;
  /// Calls itself without end.
  export recurse: func(depth: u32) -> u32;
  /// Executes `unreachable`.
  export crash: func();
  /// `a / b` (traps on b = 0).
  export divide: func(a: s32, b: s32) -> s32;
  /// Loads 4 bytes at `addr` (traps out of bounds).
  export peek: func(addr: u32) -> u32;
  /// Calls `slow(ms)` and returns at once with its result.
  export call-slow: func(ms: u32) -> u32;
  /// Calls `fail()`.
  export call-fail: func() -> u32;
  /// Writes `chunks` blocks of 4 KiB to stdout; returns how many it wrote.
  export flood: func(chunks: u32) -> u32;
  /// Sleeps `ns` nanoseconds in WASI (subscribe-duration, then block on the pollable); returns 1.
  export nap: func(ns: u64) -> u32;
}
"""

TRAPS_WAT = rf"""
(component
  (import "slow" (func $slow (param "ms" u32) (result u32)))
  (import "fail" (func $fail (result u32)))
{STDOUT}
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow $p))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "pollable" (type (eq $pollable)))
    (export "subscribe-duration" (func (param "when" u64) (result (own 0))))))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $drop_pollable (canon resource.drop $pollable))
  (core func $slow_l (canon lower (func $slow)))
  (core func $fail_l (canon lower (func $fail)))
  (core func $get_stdout (canon lower (func $stdout "get-stdout")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory (core memory $m "mem"))))
  (core func $drop_os (canon resource.drop $os))
  (core module $main
    (import "m" "mem" (memory 1))
    (import "h" "slow" (func $slow (param i32) (result i32)))
    (import "h" "fail" (func $fail (result i32)))
    (import "h" "stdout" (func $stdout (result i32)))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "drop" (func $drop (param i32)))
    (import "h" "subscribe" (func $subscribe (param i64) (result i32)))
    (import "h" "block" (func $block (param i32)))
    (import "h" "drop-pollable" (func $drop_pollable (param i32)))
    (table $t 1 funcref)
    (func (export "nap") (param i64) (result i32) (local $p i32)
      (local.set $p (call $subscribe (local.get 0)))
      (call $block (local.get $p))
      (call $drop_pollable (local.get $p))
      (i32.const 1))
    (func (export "spin") (loop $l (br $l)))
    (func (export "grow-forever") (result i32) (local $n i32)
      (block $refused
        (loop $l
          (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $l)))
      unreachable)
    (func (export "grow-table-forever") (result i32)
      (loop $l
        (br_if $l (i32.ne (table.grow $t (ref.null func) (i32.const 1000)) (i32.const -1))))
      unreachable)
    (func $recurse (export "recurse") (param i32) (result i32)
      (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
    (func (export "crash") unreachable)
    (func (export "divide") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "call-slow") (param i32) (result i32) (call $slow (local.get 0)))
    (func (export "call-fail") (result i32) (call $fail))
    (func (export "flood") (param $chunks i32) (result i32) (local $h i32) (local $i i32)
      (local.set $h (call $stdout))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $chunks)))
          (call $write (local.get $h) (i32.const 4096) (i32.const 4096) (i32.const 64))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $drop (local.get $h))
      (local.get $i)))
  (core instance $i (instantiate $main
    (with "m" (instance $m))
    (with "h" (instance
      (export "slow" (func $slow_l)) (export "fail" (func $fail_l))
      (export "stdout" (func $get_stdout)) (export "write" (func $write))
      (export "drop" (func $drop_os)) (export "subscribe" (func $subscribe))
      (export "block" (func $block)) (export "drop-pollable" (func $drop_pollable))))))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "grow-forever") (result u32) (canon lift (core func $i "grow-forever")))
  (func (export "grow-table-forever") (result u32) (canon lift (core func $i "grow-table-forever")))
  (func (export "recurse") (param "depth" u32) (result u32) (canon lift (core func $i "recurse")))
  (func (export "crash") (canon lift (core func $i "crash")))
  (func (export "divide") (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "divide")))
  (func (export "peek") (param "addr" u32) (result u32) (canon lift (core func $i "peek")))
  (func (export "call-slow") (param "ms" u32) (result u32) (canon lift (core func $i "call-slow")))
  (func (export "call-fail") (result u32) (canon lift (core func $i "call-fail")))
  (func (export "flood") (param "chunks" u32) (result u32) (canon lift (core func $i "flood")))
  (func (export "nap") (param "ns" u64) (result u32) (canon lift (core func $i "nap")))
)
"""


class HostError(RuntimeError):
    """What the `fail` import raises."""


def _slow(ms: int) -> int:
    time.sleep(ms / 1000)
    return ms


def _fail() -> int:
    raise HostError("the host refuses")


TRAPS = Guest(
    "traps",
    TRAPS_WIT,
    "traps",
    TRAPS_WAT,
    host={"slow": HostFunc([U32], U32, _slow), "fail": HostFunc([], U32, _fail)},
)
