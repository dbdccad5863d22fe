"""Bulk data at memory speed: `list<u8>` and `string` lowered and lifted by the host itself.

wasmtime's component C API carries a `list<u8>` as one 32-byte value per byte (about 1,000x a
memory copy). For a component rewritten by `_rewrite` (integer-typed twins of an export's core
function, its `cabi_realloc` and its post-return) and whose only linear memory witkit backs
itself (`_memory`, so its host address is known and never moves), a call instead:

1. asks the guest's `cabi_realloc` for room for each `list<u8>`/`string` argument and copies
   the bytes in with one `memmove`;
2. calls the core function with the flat integers (pointer and length for each buffer);
3. reads the result (a scalar, or a pointer/length pair in the return area) with `string_at`;
4. calls the post-return function exactly once.

The host takes over what wasmtime's lifting and lowering would check: every pointer and length
the guest hands over (from `cabi_realloc` or in the return area) must lie inside the memory's
current size and be aligned, and a string must be UTF-8; a guest that breaks that, or traps in
any of the calls, poisons the instance. Exports whose types this module does not lower (or any
component it cannot serve) take the normal fast path instead: `prepare` returns None.
"""

from __future__ import annotations

import ctypes
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from witkit.errors import BindingError, TrapError
from witkit.runtime import _abi
from witkit.runtime.types import Bytes, Primitive, TypeDesc
from witkit.runtime.values import LOWERING_ERRORS, ArgumentFault

if TYPE_CHECKING:
    from witkit.runtime._instance import Instance
    from witkit.runtime._memory import _Memory

__all__ = ["prepare"]

_U32, _U64, _F32, _F64 = _abi.K_U32, _abi.K_U64, _abi.K_F32, _abi.K_F64
_FLAT = {
    "bool": ("i32", 0, 1), "u8": ("i32", 0, 0xFF), "u16": ("i32", 0, 0xFFFF), "u32": ("i32", 0, 0xFFFF_FFFF),
    "s8": ("i32", -0x80, 0x7F), "s16": ("i32", -0x8000, 0x7FFF), "s32": ("i32", -0x8000_0000, 0x7FFF_FFFF),
    "u64": ("i64", 0, (1 << 64) - 1), "s64": ("i64", -(1 << 63), (1 << 63) - 1),
    "f32": ("f32", 0, 0), "f64": ("f64", 0, 0), "char": ("i32", 0, 0x10FFFF),
}
_KIND = {"i32": (_U32, ctypes.c_uint32), "i64": (_U64, ctypes.c_uint64), "f32": (_F32, ctypes.c_float), "f64": (_F64, ctypes.c_double)}
_pair = struct.Struct("<II").unpack
_memmove = ctypes.memmove
_string_at = ctypes.string_at
_OF = _abi.OF
_SIZE = _abi.VAL_SIZE


def _is_buffer(d: TypeDesc) -> bool:
    return isinstance(d, Bytes) or (isinstance(d, Primitive) and d.name == "string")


def _is_scalar(d: TypeDesc) -> bool:
    return isinstance(d, Primitive) and d.name in _FLAT


class _Twin:
    """One integer-typed twin export: its function, and argument/result areas reused per call."""

    __slots__ = ("args", "cells", "fptr", "func", "result", "results")

    def __init__(self, inst: Instance, name: str, flat: list[str], results: list[str]) -> None:
        f = inst._lookup(name)
        fty = f.type(inst._store)
        if len(fty.params) != len(flat) or (fty.result is None) != (not results):
            raise LookupError(name)
        self.func = f
        self.fptr = ctypes.addressof(f._func)
        self.args = _abi.zeroed_vals(len(flat))
        self.results = _abi.zeroed_vals(1)
        base = ctypes.addressof(self.args)
        self.cells: list[Any] = []
        for i, core in enumerate(flat):
            kind, ctype = _KIND[core]
            ctypes.c_uint8.from_address(base + i * _SIZE).value = kind
            self.cells.append(ctype.from_address(base + i * _SIZE + _OF))
        out = ctypes.addressof(self.results) + _OF
        self.result: Any = _KIND[results[0]][1].from_address(out) if results else None


def _broke(inst: Instance, name: str, why: str) -> NoReturn:
    """The guest handed over something the canonical ABI forbids: poison and report it."""
    inst._poison(f"TrapError in {name}")
    raise TrapError(f"{name}: the plugin broke the canonical ABI: {why}")


def prepare(
    inst: Instance, name: str, params: tuple[TypeDesc, ...], result: TypeDesc | None, fault: ArgumentFault
) -> Callable[..., Any] | None:
    """The bulk call of export `name`, or None when the normal path must serve it."""
    memory = inst._bulk_memory
    if memory is None or not any(_is_buffer(d) for d in (*params, result) if d is not None):
        return None
    if not all(_is_buffer(d) or _is_scalar(d) for d in params):
        return None
    if result is not None and not (_is_buffer(result) or _is_scalar(result)):
        return None
    plan = inst._bulk_plans().get(name)
    if plan is None:
        return None
    flat: list[str] = []
    for d in params:
        flat += ["i32", "i32"] if _is_buffer(d) else [_FLAT[d.name][0]]  # type: ignore[attr-defined]
    if len(flat) > 16:
        return None
    flat_result = [] if result is None else ["i32"] if _is_buffer(result) else [_FLAT[result.name][0]]  # type: ignore[attr-defined]
    try:
        call = _Twin(inst, plan.call, flat, flat_result)
        realloc = _Twin(inst, plan.realloc, ["i32"] * 4, ["i32"])
        post = _Twin(inst, plan.post, flat_result, []) if plan.post is not None else None
    except (LookupError, BindingError):
        return None
    return _build(inst, name, memory, params, result, call, realloc, post, fault)


def _build(
    inst: Instance, name: str, memory: _Memory, params: tuple[TypeDesc, ...], result: TypeDesc | None,
    twin: _Twin, realloc: _Twin, post: _Twin | None, fault: ArgumentFault,
) -> Callable[..., Any]:
    ctx = inst._ctx
    func_call = _abi.func_call
    n = len(params)
    r_cells = realloc.cells
    r_cells[0].value = 0
    r_cells[1].value = 0
    r_cells[2].value = 1  # alignment of u8 and of UTF-8 code units
    r_size = r_cells[3]
    r_args = ctypes.addressof(realloc.args)
    r_res = ctypes.addressof(realloc.results)
    r_out = realloc.result
    assert r_out is not None
    c_args = ctypes.addressof(twin.args)
    c_res = ctypes.addressof(twin.results)
    c_nres = 1 if twin.result is not None else 0
    c_out = twin.result
    p_args = ctypes.addressof(post.args) if post is not None else 0
    p_cells = post.cells if post is not None else []
    p_res = ctypes.addressof(post.results) if post is not None else 0
    before = inst._before_call
    lock, ident, calls = inst._lock, threading.get_ident, inst._calls
    cancellable = inst._cancellable
    timed = inst._limits.timeout is not None

    # How each argument is lowered: (cell indexes, kind) per parameter.
    steps: list[tuple[int, str, int, int]] = []
    cell = 0
    for d in params:
        assert isinstance(d, (Bytes, Primitive))
        if isinstance(d, Bytes):
            steps.append((cell, "bytes", 0, 0))
            cell += 2
        elif d.name == "string":
            steps.append((cell, "string", 0, 0))
            cell += 2
        else:
            _core, lo, hi = _FLAT[d.name]
            steps.append((cell, d.name, lo, hi))
            cell += 1
    cells = twin.cells
    result_kind = None if result is None else ("bytes" if isinstance(result, Bytes) else result.name)  # type: ignore[attr-defined]
    signed = {"s8": 8, "s16": 16, "s32": 32, "s64": 64}

    def convert(step: tuple[int, str, int, int], v: Any) -> Any:
        """Check one argument and make it bytes or an integer (before the guest is entered)."""
        _i, kind, lo, hi = step
        if kind == "string":
            if not isinstance(v, str):
                raise TypeError(f"expected a str, got {type(v).__name__}")
            return v.encode("utf-8")
        if kind == "bytes":
            data = _abi.as_bytes(v)
            if len(data) > 0xFFFF_FFFF:
                raise ValueError(f"{len(data)} bytes do not fit a 32-bit memory")
            return data
        if kind == "char":
            return _abi.char_code(v)
        if kind in ("f32", "f64"):
            if not isinstance(v, (int, float)):  # float("1.5") would read a str
                raise TypeError(f"expected a float, got {type(v).__name__}")
            return float(v)
        if kind == "bool":
            if v is not True and v is not False:
                raise TypeError(f"expected a bool, got {v!r}")
            return int(v)
        if not lo <= v <= hi:
            raise ValueError(f"{v!r} does not fit WIT type {kind}")
        return v & ((1 << signed[kind]) - 1) if kind in signed else v

    def place(step: tuple[int, str, int, int], v: Any) -> None:
        """Store one converted argument: bytes go through the guest's allocator into its memory."""
        i, kind, _lo, _hi = step
        if kind != "bytes" and kind != "string":
            cells[i].value = v
            return
        size = len(v)
        r_size.value = size
        err = func_call(realloc.fptr, ctx, r_args, 4, r_res, 1)
        if err:
            inst._fail(err, f"{name} (cabi_realloc)")
        ptr = r_out.value
        if ptr + size > memory.size:
            _broke(inst, name, f"cabi_realloc returned {ptr:#x} for {size} bytes, out of bounds of its {memory.size}-byte memory")
        _memmove(memory.base + ptr, v, size)
        cells[i].value = ptr
        cells[i + 1].value = size

    def read_result(raw: int) -> Any:
        if result_kind == "bytes" or result_kind == "string":
            if raw & 3 or raw + 8 > memory.size:
                _broke(inst, name, f"return area {raw:#x} is misaligned or out of bounds of its {memory.size}-byte memory")
            ptr, size = _pair(_string_at(memory.base + raw, 8))
            if ptr + size > memory.size:
                _broke(inst, name, f"a result of {size} bytes at {ptr:#x} is out of bounds of its {memory.size}-byte memory")
            data = _string_at(memory.base + ptr, size)
            if result_kind == "bytes":
                return data
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as e:
                _broke(inst, name, f"the result string is not valid UTF-8 ({e})")
        assert result_kind is not None
        if result_kind == "bool":
            return raw != 0
        if result_kind == "char":
            if not (raw < 0xD800 or 0xE000 <= raw <= 0x10FFFF):
                _broke(inst, name, f"invalid char {raw:#x}")
            return chr(raw)
        if result_kind in signed:
            bits = signed[result_kind]
            raw &= (1 << bits) - 1
            return raw - (1 << bits) if raw >> (bits - 1) else raw
        if result_kind in ("u8", "u16"):
            return raw & ((1 << (8 if result_kind == "u8" else 16)) - 1)
        return raw

    def unlocked(args: tuple[Any, ...]) -> Any:
        if inst._gate:
            inst._slow_entry()
        if len(args) != n:
            raise TypeError(f"{name}() takes {n} arguments, got {len(args)}")
        values = []
        for i, (step, v) in enumerate(zip(steps, args, strict=True)):
            try:
                values.append(convert(step, v))
            except LOWERING_ERRORS as e:
                raise fault(i, v, e) from e
        if before is not None:
            before()
        for step, v in zip(steps, values, strict=True):
            place(step, v)
        err = func_call(twin.fptr, ctx, c_args, len(cells), c_res, c_nres)
        if err:
            inst._fail(err, name)
        raw = c_out.value if c_out is not None else 0
        value = read_result(raw) if result_kind is not None else None
        if post is not None:
            if p_cells:
                p_cells[0].value = raw
            err = func_call(post.fptr, ctx, p_args, len(p_cells), p_res, 0)
            if err:
                inst._fail(err, f"{name} (post-return)")
        inst._bulk_calls += 1
        if timed and time.monotonic() > inst._deadline[0]:
            inst._late(name)
        return value

    def call(*args: Any) -> Any:
        if not lock.acquire(False):
            inst._take_turn(name)
        if cancellable:
            calls[0] += 1
        inst._owner = ident()
        try:
            return unlocked(args)
        finally:
            inst._owner = 0
            lock.release()

    call.bulk = True  # type: ignore[attr-defined]
    return call

