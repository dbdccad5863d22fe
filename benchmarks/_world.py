"""The benchmark world and the plugins every series runs: one WAT component, its generated
bindings, a componentize-py guest of the same world, and the Extism core module.

The WIT lives in `benchmarks/worlds/bench/bench.wit`. The WAT component implements it with
no work in the guest beyond what the call needs (echoes return their input in place), so a
series measures the host side of a call: lowering, the wasmtime call, lifting.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WIT_DIR = Path(__file__).resolve().parent / "worlds" / "bench"
WORLD = "bench"
BINDINGS_PACKAGE = "witkit_bench_bindings"
"""Package name of the bindings generated at benchmark time (unlikely to clash with anything)."""

WAT = r"""
(component
  (import "host-add" (func $host-add (param "a" u32) (param "b" u32) (result u32)))
  (core func $host-add-lowered (canon lower (func $host-add)))
  (core module $m
    (import "host" "add" (func $host_add (param i32 i32) (result i32)))
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; A bump allocator; each echo rewinds it (the host lifts a result before the next call).
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
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "call-host") (param i32 i32) (result i32) (call $host_add (local.get 0) (local.get 1)))
    ;; string and list<u8>: (ptr, len) stored in the return area at 16.
    (func (export "echo-pair") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1))
      (global.set $bump (i32.const 1024)) (i32.const 16))
    ;; item: id @0, name (ptr, len) @4, count @12, score @16, active @24 (size 32, align 8).
    (func (export "echo-record") (param i32 i32 i32 i32 f64 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1)) (i32.store (i32.const 24) (local.get 2))
      (i32.store8 (i32.const 28) (local.get 3))
      (f64.store (i32.const 32) (local.get 4))
      (i32.store8 (i32.const 40) (local.get 5))
      (global.set $bump (i32.const 1024)) (i32.const 16))
    ;; shape: discriminant @0, payload @8 (an f64 or a u32, flattened to i64).
    (func (export "echo-variant") (param i32 i64) (result i32)
      (i32.store8 (i32.const 16) (local.get 0)) (i64.store (i32.const 24) (local.get 1))
      (i32.const 16))
    ;; A guest-bound loop: `n` steps of an LCG, returns the last value.
    (func (export "spin") (param $n i32) (result i32)
      (local $x i32)
      (local.set $x (i32.const 1))
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $x)))
  (core instance $h (export "add" (func $host-add-lowered)))
  (core instance $i (instantiate $m (with "host" (instance $h))))
  (type $item (record (field "id" u32) (field "name" string) (field "count" u8) (field "score" f64)
                      (field "active" bool)))
  (export $item-e "item" (type $item))
  (type $shape (variant (case "circle" f64) (case "square" u32) (case "none")))
  (export $shape-e "shape" (type $shape))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "echo-string") (param "s" string) (result string)
    (canon lift (core func $i "echo-pair") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-record") (param "r" $item-e) (result $item-e)
    (canon lift (core func $i "echo-record") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-variant") (param "s" $shape-e) (result $shape-e)
    (canon lift (core func $i "echo-variant") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-bytes") (param "b" (list u8)) (result (list u8))
    (canon lift (core func $i "echo-pair") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "call-host") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "call-host")))
  (func (export "spin") (param "iterations" u32) (result u32) (canon lift (core func $i "spin")))
)
"""
"""The bench world in WAT: the one component every call series (except Extism's) runs."""

PY_GUEST = '''"""The bench world in Python (componentize-py): echoes, add, and a call into the host."""

import wit_world


class WitWorld(wit_world.WitWorld):
    def add(self, a: int, b: int) -> int:
        return (a + b) & 0xFFFF_FFFF

    def echo_string(self, s: str) -> str:
        return s

    def echo_record(self, r):  # type: ignore[no-untyped-def]
        return r

    def echo_variant(self, s):  # type: ignore[no-untyped-def]
        return s

    def echo_bytes(self, b: bytes) -> bytes:
        return b

    def call_host(self, a: int, b: int) -> int:
        return wit_world.host_add(a, b)

    def spin(self, iterations: int) -> int:
        x = 1
        for _ in range(iterations):
            x = (x * 1664525 + 1013904223) & 0xFFFF_FFFF
        return x
'''
"""The bench world as a componentize-py guest (the ~18 MB component of the load benchmarks)."""

EXTISM_WAT = r"""
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "host_add" (func $host_add (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Four little-endian bytes of output.
  (func $out_u32 (param $v i32)
    (local $o i64)
    (local.set $o (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $o) (i64.extend_i32_u (local.get $v)))
    (call $output_set (local.get $o) (i64.const 4)))
  ;; add: 8 bytes in (two u32), 4 out.
  (func (export "add") (result i32)
    (local $x i64)
    (local.set $x (call $input_load_u64 (i64.const 0)))
    (call $out_u32 (i32.add (i32.wrap_i64 (local.get $x)) (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32)))))
    (i32.const 0))
  ;; echo: the output is the input block itself (no copy in the guest, like the component's echoes).
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))
  ;; call_host: like add, but the sum comes from the host function `host_add`.
  (func (export "call_host") (result i32)
    (local $x i64)
    (local.set $x (call $input_load_u64 (i64.const 0)))
    (call $out_u32 (call $host_add (i32.wrap_i64 (local.get $x))
                                   (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32)))))
    (i32.const 0))
)
"""
"""The Extism equivalent: a core module on Extism's kernel ABI, bytes in and out."""


def host_add(a: int, b: int) -> int:
    """The host side of `host-add`."""
    return (a + b) & 0xFFFF_FFFF


def python_guest() -> Path:
    """The bench world's componentize-py guest, built once and cached by content hash."""
    from tests.support.guests import build_guest

    return build_guest(WIT_DIR, WORLD, {"app.py": PY_GUEST})


def resolve_world() -> tuple[Any, int]:
    """(resolve, world id) of the bench world."""
    from witkit.wit.resolve import resolve_path, select_world

    resolved = resolve_path(WIT_DIR)
    return resolved.resolve, select_world(resolved.resolve, resolved.packages, WORLD)


@contextmanager
def generated_bindings() -> Iterator[ModuleType]:
    """The bench world's host bindings, generated now into a temporary folder and imported."""
    from witkit.codegen import write_host

    resolve, world = resolve_world()
    with tempfile.TemporaryDirectory(prefix="witkit-bench-bindings-") as tmp:
        write_host(resolve, world, tmp, BINDINGS_PACKAGE, source="benchmarks/worlds/bench")
        sys.path.insert(0, tmp)
        try:
            yield importlib.import_module(BINDINGS_PACKAGE)
        finally:
            sys.path.remove(tmp)
            for name in list(sys.modules):
                if name.split(".")[0] == BINDINGS_PACKAGE:
                    del sys.modules[name]


def bench_host(bindings: ModuleType) -> Any:
    """An instance of the generated imports class serving `host-add`."""

    class Host(bindings.BenchImports):  # type: ignore[misc,name-defined]
        def host_add(self, a: int, b: int) -> int:
            return (a + b) & 0xFFFF_FFFF

    return Host()


def dynamic_imports() -> list[Any]:
    """`host-add` as a runtime import, for `witkit.load(..., imports=...)`."""
    from witkit.runtime import U32, ImportFunc

    return [ImportFunc("host-add", [U32, U32], U32, host_add)]


def extism_available() -> str | None:
    """Why Extism cannot run here, or None when it can."""
    try:
        import extism

        extism.extism_version()
    except Exception as e:  # ImportError, or the shared library failing to load
        return f"{type(e).__name__}: {e}"
    return None


_extism_functions: list[Any] = []


def extism_functions() -> list[Any]:
    """`host_add` as an Extism host function with an explicit signature (registered once)."""
    if not _extism_functions:
        import extism

        # host_fn registers in Extism's process-wide table: once per process.
        def extism_host_add(_plugin: Any, inputs: Any, outputs: Any, *_user: Any) -> None:
            outputs[0].value = (inputs[0].value + inputs[1].value) & 0xFFFF_FFFF

        i32 = extism.ValType.I32
        _extism_functions.append(
            extism.host_fn(
                name="host_add", namespace="extism:host/user", signature=([i32, i32], [i32])
            )(extism_host_add)
        )
    return list(_extism_functions)


def extism_plugin() -> Any:
    """An `extism.Plugin` of `EXTISM_WAT`, its `host_add` served by `extism_functions()`."""
    import extism

    return extism.Plugin(extism_wasm(), wasi=False, functions=extism_functions())


def extism_wasm() -> bytes:
    """`EXTISM_WAT` assembled to a core module."""
    import wasmtime

    return bytes(wasmtime.wat2wasm(EXTISM_WAT))
