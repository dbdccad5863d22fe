"""Linear memories allocated by witkit, so a plugin's memory ceiling is exact and a refusal is seen.

wasmtime's C API can cap each linear memory (`Store.set_limits`), but a refused `memory.grow`
only returns -1 to the guest: the host never learns it happened, and a guest with several
memories gets the cap once per memory. A runtime created with a memory limit therefore installs
this memory creator on its engine. Every linear memory of an instance is then charged to that
instance's `Budget`: the sum of all its memories stays under the ceiling, and the first refused
growth is recorded, so a trap that follows can be reported as `MemoryLimitExceeded`.

A memory is an anonymous `mmap` of wasmtime's reservation plus its guard region, all
inaccessible (`PROT_NONE`) except the pages the guest has; growing makes more pages accessible
(`mprotect`) and never moves the memory, as compiled code that elides bounds checks requires.
Callbacks run on the thread that instantiates or calls the plugin (which holds no GIL while in
wasmtime; ctypes takes it for the callback). None of them may raise into wasmtime: any failure
becomes a `wasmtime_error_t`.
"""

from __future__ import annotations

import ctypes
import itertools
import mmap
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import CFUNCTYPE, POINTER, Structure, c_int, c_long, c_size_t, c_void_p

from witkit.runtime import _abi

__all__ = ["AVAILABLE", "Budget", "charging", "install", "recording"]

AVAILABLE = sys.platform.startswith("linux")
"""Whether witkit backs memories itself here (Linux: mmap/mprotect with Linux's flag values);
elsewhere a memory limit falls back to wasmtime's per-memory cap."""

_PROT_NONE = 0
_MAP_NORESERVE = 0x4000  # Linux: do not reserve swap for the (mostly inaccessible) mapping

_GET = CFUNCTYPE(c_void_p, c_void_p, POINTER(c_size_t), POINTER(c_size_t))
_GROW = CFUNCTYPE(c_void_p, c_void_p, c_size_t)
_FINALIZE = CFUNCTYPE(None, c_void_p)


class _LinearMemory(Structure):
    _fields_ = [("env", c_void_p), ("get_memory", _GET), ("grow_memory", _GROW), ("finalizer", _FINALIZE)]


_NEW = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t, c_size_t, c_size_t, c_size_t, POINTER(_LinearMemory))


class _MemoryCreator(Structure):
    _fields_ = [("env", c_void_p), ("new_memory", _NEW), ("finalizer", c_void_p)]


class Budget:
    """The memory ceiling of one instance: bytes in use across its memories, and the first refusal."""

    __slots__ = ("limit", "refused", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.refused: int | None = None
        """Total bytes a refused growth (or creation) asked for; None while nothing was refused."""


class _Memory:
    __slots__ = ("base", "budget", "capacity", "mapped", "size")

    def __init__(self, base: int, size: int, capacity: int, mapped: int, budget: Budget | None) -> None:
        self.base = base
        self.size = size
        self.capacity = capacity
        self.mapped = mapped
        self.budget = budget


_WASM32_MAX = 1 << 32
_local = threading.local()
_memories: dict[int, _Memory] = {}
_ids = itertools.count(1)
_lock = threading.Lock()

if AVAILABLE:
    _libc = ctypes.CDLL(None, use_errno=True)
    _mmap = _libc.mmap
    _mmap.restype = c_void_p
    _mmap.argtypes = [c_void_p, c_size_t, c_int, c_int, c_int, c_long]
    _mprotect = _libc.mprotect
    _mprotect.restype = c_int
    _mprotect.argtypes = [c_void_p, c_size_t, c_int]
    _munmap = _libc.munmap
    _munmap.restype = c_int
    _munmap.argtypes = [c_void_p, c_size_t]
    _MAP_FAILED = ctypes.c_void_p(-1).value


@contextmanager
def charging(budget: Budget | None) -> Iterator[None]:
    """Charge memories created on this thread inside the block (an instantiation) to `budget`."""
    previous = getattr(_local, "budget", None)
    _local.budget = budget
    try:
        yield
    finally:
        _local.budget = previous


@contextmanager
def recording() -> Iterator[list[_Memory]]:
    """Collect the memories created on this thread inside the block (an instantiation): their
    host addresses let `_bulk` copy bytes straight into a guest's linear memory."""
    previous = getattr(_local, "created", None)
    created: list[_Memory] = []
    _local.created = created
    try:
        yield created
    finally:
        _local.created = previous


def _error(message: str) -> int:
    err: int = _abi.error_new(message.encode("utf-8", "replace"))
    return err


def _errno_text() -> str:
    return os.strerror(ctypes.get_errno())


def _new_memory(
    _env: int | None, _ty: int | None, minimum: int, maximum: int, reserved: int, guard: int, out: ctypes._Pointer[_LinearMemory]
) -> int | None:
    try:
        budget: Budget | None = getattr(_local, "budget", None)
        if budget is not None and budget.used + minimum > budget.limit:
            if budget.refused is None:
                budget.refused = budget.used + minimum
            return _error(
                f"memory limit: a linear memory of {minimum} bytes does not fit in the "
                f"{budget.limit - budget.used} bytes left of the plugin's {budget.limit}-byte ceiling"
            )
        # Reserve wasmtime's reservation (or the most a 32-bit memory can reach) plus its guard
        # region, so the memory never moves and out-of-bounds accesses fault.
        capacity = max(reserved, min(maximum, _WASM32_MAX), minimum)
        mapped = capacity + guard
        base = _mmap(None, mapped, _PROT_NONE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE, -1, 0)
        if base is None or base == _MAP_FAILED:
            return _error(f"cannot reserve {mapped} bytes for a linear memory: {_errno_text()}")
        if minimum and _mprotect(base, minimum, mmap.PROT_READ | mmap.PROT_WRITE) != 0:
            text = _errno_text()
            _munmap(base, mapped)
            return _error(f"cannot commit {minimum} bytes of linear memory: {text}")
        key = next(_ids)
        with _lock:
            _memories[key] = _Memory(base, minimum, capacity, mapped, budget)
        if budget is not None:
            budget.used += minimum
        created = getattr(_local, "created", None)
        if created is not None:
            created.append(_memories[key])
        memory = out.contents
        memory.env = key
        memory.get_memory = _get_cb
        memory.grow_memory = _grow_cb
        memory.finalizer = _finalize_cb
        return None
    except BaseException as e:  # never unwind into wasmtime
        return _error(f"witkit memory creator failed: {type(e).__name__}: {e}")


def _get_memory(env: int | None, size: ctypes._Pointer[c_size_t], capacity: ctypes._Pointer[c_size_t]) -> int | None:
    memory = _memories.get(env or 0)
    if memory is None:  # cannot happen while wasmtime holds the memory
        size[0] = 0
        capacity[0] = 0
        return None
    size[0] = memory.size
    capacity[0] = memory.capacity
    return memory.base


def _grow_memory(env: int | None, new_size: int) -> int | None:
    try:
        memory = _memories[env or 0]
        extra = new_size - memory.size
        if extra <= 0:
            return None
        budget = memory.budget
        if budget is not None and budget.used + extra > budget.limit:
            if budget.refused is None:
                budget.refused = budget.used + extra
            return _error(
                f"memory limit: growing a linear memory to {new_size} bytes would bring the "
                f"plugin to {budget.used + extra} bytes, over its {budget.limit}-byte ceiling"
            )
        if new_size > memory.capacity:
            return _error(f"a linear memory cannot grow past its {memory.capacity}-byte reservation")
        if _mprotect(memory.base + memory.size, extra, mmap.PROT_READ | mmap.PROT_WRITE) != 0:
            return _error(f"cannot commit {extra} more bytes of linear memory: {_errno_text()}")
        memory.size = new_size
        if budget is not None:
            budget.used += extra
        return None
    except BaseException as e:
        return _error(f"witkit memory creator failed: {type(e).__name__}: {e}")


def _finalize(env: int | None) -> None:
    try:
        with _lock:
            memory = _memories.pop(env or 0, None)
        if memory is None:
            return
        if memory.budget is not None:
            memory.budget.used -= memory.size
        _munmap(memory.base, memory.mapped)
    except BaseException:  # at interpreter exit the process unmaps everything anyway
        pass


_get_cb = _GET(_get_memory)
_grow_cb = _GROW(_grow_memory)
_finalize_cb = _FINALIZE(_finalize)
_new_cb = _NEW(_new_memory)
_set_creator = _abi._proto("wasmtime_config_host_memory_creator_set", None, c_void_p, c_void_p)


def install(config_ptr: int) -> None:
    """Make the engine built from this `wasm_config_t*` allocate its linear memories here."""
    creator = _MemoryCreator(None, _new_cb, None)
    _set_creator(config_ptr, ctypes.byref(creator))  # the config copies the struct


def live_memories() -> int:
    """How many linear memories this module currently backs (for tests)."""
    return len(_memories)
