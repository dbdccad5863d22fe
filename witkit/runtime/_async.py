"""Async calls: guest calls driven from the asyncio event loop, and `async def` host imports.

An `AsyncInstance` lives in its own store, switched after instantiation to yield at every
epoch tick (`wasmtime_context_epoch_deadline_async_yield_and_update`): a call is a wasmtime
call future (`wasmtime_component_func_call_async`) that the awaiting coroutine polls, giving
the event loop a turn between polls, so other tasks keep running while the guest computes.
An import implemented as `async def` is defined with
`wasmtime_component_linker_instance_add_func_async`: its coroutine runs as a task on the
caller's loop while the guest waits, and the driver awaits that task instead of polling.

A store that yields refuses wasmtime's sync APIs, and one call future can be alive per store:
calls on one `AsyncInstance` are serialised (a second task waits its turn). A call stopped
while its future is alive (`asyncio.wait_for`, task cancellation, `cancel()`, a timeout)
leaves the store unusable, so the instance is then poisoned like a trapped one.

Host Python (sync and async imports' synchronous parts) runs on wasmtime's fiber stack
(2 MiB): very deep recursion in a host function can exhaust it.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import inspect
import time
from collections.abc import Callable, Sequence
from ctypes import CFUNCTYPE, Structure, c_bool, c_size_t, c_uint64, c_void_p
from typing import TYPE_CHECKING, Any, NoReturn

import wasmtime.component as wc
from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi

from witkit.errors import Cancelled, PluginError, Timeout
from witkit.runtime import _abi
from witkit.runtime._instance import Instance
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import, ImportFunc

if TYPE_CHECKING:
    from witkit.runtime._runtime import Runtime

__all__ = ["AsyncInstance", "async_unavailable"]

_call_async = _abi._proto(
    "wasmtime_component_func_call_async",
    c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p,
)
_poll = _abi._proto("wasmtime_call_future_poll", c_bool, c_void_p)
_future_delete = _abi._proto("wasmtime_call_future_delete", None, c_void_p)
# wasmtime._bindings declares a `wasmtime_error_t*` result; the C function returns nothing.
_yield_and_update = _abi._proto("wasmtime_context_epoch_deadline_async_yield_and_update", None, c_void_p, c_uint64)
_add_func_async = _abi._proto(
    "wasmtime_component_linker_instance_add_func_async",
    c_void_p, c_void_p, ctypes.c_char_p, c_size_t, c_void_p, c_void_p, c_void_p,
)
_ASYNC_CALLBACK = CFUNCTYPE(
    None, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p, c_void_p
)
"""`void (*)(void *env, wasmtime_context_t*, const wasmtime_component_func_type_t*, args,
nargs, results, nresults, wasmtime_error_t **error_ret, wasmtime_async_continuation_t *)`."""
_instantiate_async = _abi._proto(
    "wasmtime_component_linker_instantiate_async", c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p
)
_add_wasip2_async = _abi._proto("wasmtime_component_linker_add_wasip2_async", c_void_p, c_void_p)
_CONTINUATION = CFUNCTYPE(c_bool, c_void_p)


class _Continuation(Structure):
    _fields_ = [("callback", c_void_p), ("env", c_void_p), ("finalizer", c_void_p)]


def async_unavailable() -> str | None:
    """Why async calls cannot run on this wasmtime build, or None when they can."""
    reason = _abi.check_shapes()
    if reason is not None:
        return reason
    try:
        cont = ffi.wasmtime_async_continuation_t
        if ctypes.sizeof(cont) != ctypes.sizeof(_Continuation) or cont.env.offset != 8:  # type: ignore[attr-defined]
            return "wasmtime_async_continuation_t layout changed"
    except AttributeError as e:  # pragma: no cover - depends on the installed wasmtime
        return f"wasmtime._ffi lacks the async call API: {e}"
    return None


class AsyncInstance(Instance):
    """An `Instance` whose prepared calls are coroutines driven from the asyncio event loop.

    `func(...)` and `dynamic(name)` return `async` callables; `await` them on an event loop.
    Limits apply as in sync calls; a call cancelled while the guest runs (by
    `asyncio.wait_for`, task cancellation or `cancel()`) or stopped by its timeout poisons the
    instance (`PluginError` "reload the plugin" on later calls).
    """

    _async = True

    def __init__(
        self,
        runtime: Runtime,
        component: wc.Component,
        imports: Sequence[Import],
        wasi: Wasi,
        limits: Limits,
    ) -> None:
        reason = async_unavailable()
        if reason is not None:
            raise PluginError(f"async calls are unavailable on this wasmtime build: {reason}")
        if not runtime._epoch_enabled:
            raise PluginError(
                "async calls need epoch interruption; create the Runtime with "
                "Runtime(cancellable=True) or a timeout limit (witkit.load_async does this)"
            )
        self._waiting: asyncio.Future[Any] | None = None
        self._import_tasks: set[asyncio.Future[Any]] = set()
        self._continuations: list[Any] = []
        self.released_resources = 0
        """Guest resources dropped on the host side whose guest destructor could not run (see
        `_drop_resource`)."""
        super().__init__(runtime, component, imports, wasi, limits, True)
        runtime._ensure_ticker(fast=True)
        # From here on the store yields to its caller at every epoch tick (and refuses sync
        # calls): the guest gives the event loop a turn about every `EPOCH_TICK`.
        _yield_and_update(self._ctx, 1)

    def _add_wasi(self, linker: wc.Linker) -> None:
        err = _add_wasip2_async(ctypes.cast(linker.ptr(), c_void_p).value)
        if err:
            raise PluginError(f"cannot link WASI: {_abi.take_error(err)}")

    def _instantiate(self, linker: wc.Linker, component: wc.Component) -> wc.Instance:
        """Instantiate through an async future polled to its end (async imports need it).

        The store does not yield yet, so the future finishes within its first polls; an
        `async def` import called by a start function fails (there is no loop to await it on).
        """
        raw = ffi.wasmtime_component_instance_t()
        error = c_void_p(0)
        future = _instantiate_async(
            ctypes.cast(linker.ptr(), c_void_p).value, self._ctx,
            ctypes.cast(component.ptr(), c_void_p).value, ctypes.addressof(raw), ctypes.addressof(error),
        )
        if not future:
            raise PluginError("wasmtime did not start the async instantiation")
        try:
            while not _poll(future):
                pass
        finally:
            _future_delete(future)
        if error.value:
            raise WasmtimeError._from_ptr(ctypes.cast(error.value, ctypes.POINTER(ffi.wasmtime_error_t)))
        return wc.Instance._from_raw(raw)

    # -- driving a call ---------------------------------------------------------------------------

    def _call_entry(self, name: str) -> Callable[..., Any]:
        return functools.partial(self._drive, name)

    async def _drive(self, name: str, fptr: int, ctx: int, args: int, nargs: int, results: int, nresults: int) -> int:
        """Run one guest call to its end, yielding to the loop between polls; its error or 0."""
        error = c_void_p(0)
        self._continuations.clear()
        future = _call_async(fptr, ctx, args, nargs, results, nresults, ctypes.addressof(error))
        if not future:
            raise PluginError("wasmtime did not start the async call")
        done = False
        stop: BaseException | None = None
        try:
            while not _poll(future):
                if self._cancel_call == self._calls[0]:
                    stop = Cancelled(f"{name}: the call was cancelled (Instance.cancel)")
                    break
                if time.monotonic() > self._deadline[0]:
                    stop = Timeout(self._timeout_message(name))
                    break
                waiting = self._waiting
                if waiting is not None and not waiting.done():
                    await asyncio.wait((waiting,))
                else:
                    # Two loop turns: a timer that fell due while the guest ran wakes its task in
                    # the first, and that task runs in the second, before the guest goes on.
                    await asyncio.sleep(0)
                    await asyncio.sleep(0)
            else:
                done = True
        finally:
            _future_delete(future)
            if not done:
                # A future dropped mid-call leaves the store unable to enter the instance.
                why = type(stop).__name__ if stop is not None else "cancellation of the awaiting task"
                self._poison(f"{why} in {name}, stopped mid-call")
                self._cancel_waiting()
        if stop is not None:
            raise stop
        return error.value or 0

    def _cancel_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.cancel()

    async def _take_turn(self, what: str) -> None:  # type: ignore[override]
        """A second task waits its turn; an import's task calling back in is refused."""
        current = asyncio.current_task()
        if current is not None and current in self._import_tasks:
            raise PluginError(
                f"{what}: the plugin was entered again from inside one of its own calls (a host "
                "function called back into it); the component model forbids re-entering an instance"
            )
        delay = 0.0005
        while not self._lock.acquire(False):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.01)

    def cancel(self) -> bool:
        """Stop the running call (from any thread); it raises `Cancelled` and poisons the instance."""
        running = self._owner != 0
        self._cancel_call = self._calls[0]
        self._runtime.engine.increment_epoch()
        return running

    def _raise_poisoned(self) -> NoReturn:
        raise PluginError(f"instance trapped earlier; reload the plugin (it failed with {self._poisoned})")

    # -- guest resources --------------------------------------------------------------------------

    def _drop_resource(self, handle: wc.ResourceAny) -> None:
        """Release a guest resource's handle without running the guest's destructor.

        A store that yields refuses wasmtime's sync resource drop ("store configuration requires
        that `*_async` functions are used instead", sticky from the first yield setting), and
        wasmtime 50's C API exports no async one (`ResourceAny::resource_drop_async` has no C
        function). So the proxy ends here (later uses raise PluginError) and the handle is let
        go; the guest keeps the resource's state until the instance goes (`AsyncPool` and
        reloading reclaim it). `released_resources` counts them.
        """
        self.released_resources += 1

    def _defer_drop(self, handle: wc.ResourceAny) -> None:
        """A collected proxy: released as `_drop_resource` does (nothing to run at the next call)."""
        if self._poisoned is None:
            self.released_resources += 1

    # -- imports ----------------------------------------------------------------------------------

    def _define_fast(self, li: wc.LinkerInstance, item: ImportFunc, qual: str) -> None:
        if not inspect.iscoroutinefunction(item.impl):
            super()._define_fast(li, item, qual)
            return
        env = self._env
        impl = item.impl
        message = f"host function {qual} raised an exception".encode()
        lift_args, finish_call = self._host_steps(item, qual)
        keep = self._continuations

        def fail(e: BaseException, error_ret: int) -> None:
            self._pending = e
            ctypes.c_void_p.from_address(error_ret).value = _abi.error_new(message)

        def finish(task: asyncio.Future[Any], results: int, error_ret: int, entered: float) -> None:
            """The import's task is done: lower its result, or report its failure."""
            self._import_tasks.discard(task)
            if self._waiting is task:
                self._waiting = None
            try:
                finish_call(task.result, results, entered)
            except BaseException as e:
                fail(e, error_ret)

        def callback(
            _data: Any, ctx: int, _fty: Any, args: int, nargs: int, results: int, _nresults: int,
            error_ret: int, cont: int,
        ) -> None:
            prev = env.ctx
            env.ctx = ctx
            task: asyncio.Future[Any] | None = None
            entered = time.monotonic()
            try:
                task = asyncio.ensure_future(impl(*lift_args(args, nargs)))
                self._import_tasks.add(task)
                self._waiting = task
            except BaseException as e:
                fail(e, error_ret)
            finally:
                env.ctx = prev
            pending = task

            def resume(_env: Any) -> bool:
                if pending is None:
                    return True
                if not pending.done():
                    return False
                saved = env.ctx
                env.ctx = ctx
                try:
                    finish(pending, results, error_ret, entered)
                finally:
                    env.ctx = saved
                return True

            resumer = _CONTINUATION(resume)
            keep.append(resumer)  # alive until the next call starts
            c = _Continuation.from_address(cont)
            c.callback = ctypes.cast(resumer, c_void_p).value
            c.env = None
            c.finalizer = _abi.NOOP_FINALIZER

        cb = _ASYNC_CALLBACK(callback)
        self._keepalive.append(cb)
        name = item.name.encode("utf-8")
        err = _add_func_async(
            ctypes.cast(li.ptr(), c_void_p).value, name, len(name),
            ctypes.cast(cb, c_void_p).value, None, _abi.NOOP_FINALIZER,
        )
        if err:
            raise PluginError(f"cannot define import {qual}: {_abi.take_error(err)}")


