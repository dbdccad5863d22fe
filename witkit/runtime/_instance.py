"""A running component: its store, linked imports, prepared exports, captured output and trap state.

Over 800 lines on purpose: `Instance` is one object whose prepared calls are generated
source closing over its private state (the call gate, the deadline cell, the cancel
counter, the handle table), and its fast path, portable path and host-import callbacks
must agree on that state line for line. Split apart, each piece would reach into the
others' privates; the value conversions they share already live in `_abi.py` and
`_portable.py`, async in `_async.py`, bulk data in `_bulk.py`.
"""

from __future__ import annotations

import ctypes
import inspect
import logging
import math
import re
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from ctypes import c_void_p
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, cast

import wasmtime
import wasmtime.component as wc
from wasmtime import Store, WasiConfig, WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import _enter as _wt_enter

from witkit._text import plural
from witkit.errors import (
    BindingError,
    Cancelled,
    FuelExhausted,
    MemoryLimitExceeded,
    PluginError,
    Timeout,
    TrapError,
)
from witkit.runtime import _abi, _bulk, _memory, _rewrite
from witkit.runtime._capture import Capture
from witkit.runtime._portable import check_signature, from_pub, result_from_pub, to_pub
from witkit.runtime.config import Http, Limits, Wasi, http_import_name
from witkit.runtime.described import Describer
from witkit.runtime.imports import Import, ImportFunc, ImportInterface, ImportResource
from witkit.runtime.resources import HandleTable
from witkit.runtime.types import Err, Ok, Primitive, Result, TypeDesc
from witkit.runtime.values import LOWERING_ERRORS, ArgumentFault, argument_fault

if TYPE_CHECKING:
    from witkit.runtime._runtime import Runtime
    from witkit.runtime.http import HttpHost

__all__ = ["ComponentFacts", "Instance", "PreparedFunc", "build_wasi_config"]

_log = logging.getLogger("witkit.runtime")
_MAX_TABLES = 64
_MIN_TABLE_ELEMENTS = 10_000
_HUGE = (1 << 63) - 1
EPOCH_TICK = 0.01
"""Seconds between epoch ticks; a timeout fires within one tick after it is due."""

# Words in a trap's message or backtrace saying the guest died because memory ran out. wasmtime
# cannot trap on a refused memory.grow through its C API (grow returns -1), so a refusal shows
# up as the guest's own abort: Rust's handle_alloc_error, a Python MemoryError, "out of memory".
_OOM = re.compile(
    r"memory allocation|out of memory|alloc_error|memoryerror|exceeds memory limits|memory limit|(?<![a-z])oom(?![a-z])"
)

# wasmtime's words for a value the guest produced that the canonical ABI forbids (it reports
# them as errors of the call rather than as wasm traps).
_MALFORMED = re.compile(
    r"utf-?8|utf-?16|latin-?1|out of bounds of memory|not aligned|unaligned|discriminant"
    r"|handle index|invalid char|code point|realloc return|while borrowed|invalid flags?"
)


class PreparedFunc(Protocol):
    """An export ready to call: lowering and lifting were prepared from its descriptors."""

    name: str
    params: tuple[TypeDesc, ...]
    result: TypeDesc | None

    def __call__(self, *args: Any) -> Any: ...


_VERSIONED = re.compile(r"^(?P<iface>[^@]+)@(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(?P<rest>[-+].*)?$")


def served_import(name: str, import_types: Mapping[str, Any]) -> str:
    """The component import a host interface `name` (`ns:pkg/iface@1.2.3`) serves.

    Its own name when the component imports that; else the component's import of the same
    interface at a semver-compatible version (same major; same minor while the major is 0, as
    wasmtime's linker matches), so an override written for `wasi:cli/environment@0.2.0` serves
    a component importing `@0.2.9` instead of being shadowed by the runtime's WASI. An
    interface the component imports only at incompatible versions is a PluginError naming
    both; one it does not import at all is linked as given (nothing will call it).
    """
    if name in import_types:
        return name
    want = _VERSIONED.match(name)
    if want is None:
        return name
    same = [(k, m) for k in import_types if (m := _VERSIONED.match(k)) and m["iface"] == want["iface"]]
    if not same:
        return name

    def compatible(m: re.Match[str]) -> bool:
        if m["major"] != want["major"]:
            return False
        return m["major"] != "0" or (m["minor"] == want["minor"] and m["minor"] != "0")

    matches = sorted(k for k, m in same if compatible(m) and not m["rest"] and not want["rest"])
    if matches:
        return matches[-1]
    found = ", ".join(sorted(k for k, _ in same))
    raise PluginError(
        f"the host provides {name}, but the component imports {found}: not a compatible "
        "version, so the host's implementation would never be called; provide the version "
        "the component imports"
    )


def build_wasi_config(
    wasi: Wasi, stdout: Capture | None = None, stderr: Capture | None = None
) -> WasiConfig:
    """A wasmtime `WasiConfig` granting exactly what `wasi` grants; captured output goes to the captures.

    A stream set to "capture" needs its `Capture` (see `witkit.runtime._capture`); each keeps at
    most `wasi.capture_limit` bytes.
    """
    cfg = WasiConfig()
    if wasi.args:
        cfg.argv = list(wasi.args)
    if wasi.env:
        cfg.env = [(k, v) for k, v in wasi.env.items()]
    for guest_path, host_path in wasi.preopens.items():
        folder = Path(host_path)
        if not folder.is_dir():
            what = "does not exist" if not folder.exists() else "is not a folder"
            raise PluginError(f"preopen {guest_path!r}: host folder {str(host_path)!r} {what}")
        try:
            cfg.preopen_dir(str(host_path), guest_path, fs_mutable=not wasi.read_only)
        except WasmtimeError as e:
            raise PluginError(f"preopen {guest_path!r}: cannot open host folder {str(host_path)!r}: {e}") from None
    if wasi.stdin is not None:
        vec = ffi.bytes_to_capi(bytes(wasi.stdin))
        ffi.wasi_config_set_stdin_bytes(cfg.ptr(), ctypes.byref(vec))
    for name, mode, capture, inherit in (
        ("stdout", wasi.stdout, stdout, cfg.inherit_stdout),
        ("stderr", wasi.stderr, stderr, cfg.inherit_stderr),
    ):
        if mode == "inherit":
            inherit()
        elif mode == "capture":
            if capture is None:
                raise ValueError(f"Wasi({name}='capture') needs a Capture for {name}")
            capture.attach(cfg)
        elif mode is not None:
            raise ValueError(f"stdout/stderr must be 'inherit', 'capture' or None, not {mode!r}")
    if wasi.inherit_network:
        ffi.wasi_config_inherit_network(cfg.ptr())
        warnings.warn(
            "Wasi(inherit_network=True) lets no socket be created with wasmtime-py 50: its C API "
            "opens the address check but cannot switch TCP/UDP on (off by default since "
            "wasmtime PR #13936); the guest's connect and bind still fail with access-denied",
            RuntimeWarning,
            stacklevel=2,
        )
    return cfg


_CHAIN_LINE = re.compile(r"\d+:\s*(.*)")


@dataclass
class ComponentFacts:
    """What every instance of one compiled component shares, learned once by the first that
    needs it (kept by the runtime, weakly keyed by the component)."""

    imports: dict[str, Any] | None = None
    """The component's imports by name, with their types."""
    signatures: dict[tuple[Any, ...], _Signature] = field(default_factory=dict)
    """Export signatures checked by `Instance.func`, by its cache key."""
    imports_checked: dict[str, tuple[tuple[TypeDesc, ...], TypeDesc | None]] = field(default_factory=dict)
    """Host functions' descriptors checked against the component's imports, by import name."""
    export_indexes: dict[str, Any] = field(default_factory=dict)
    """Export indexes by `Instance.func` name."""
    bulk_plans: dict[str, _rewrite.Plan] | None = None
    """The exports `_rewrite` gave integer-typed twins."""


@dataclass(frozen=True)
class _Signature:
    """An export's descriptors, checked against the component once, and its argument fault."""

    descs: tuple[tuple[TypeDesc, ...], TypeDesc | None]
    fault: ArgumentFault
    checked: bool
    """False when the caller vouched for the descriptors (`trusted=True`): such a signature
    serves only callers that vouch too."""


def _same(a: tuple[Sequence[TypeDesc], TypeDesc | None], b: tuple[Sequence[TypeDesc], TypeDesc | None]) -> bool:
    """Whether two (params, result) pairs hold the very same descriptor objects."""
    return a[1] is b[1] and len(a[0]) == len(b[0]) and all(x is y for x, y in zip(a[0], b[0], strict=True))


def split_trap(text: str) -> tuple[str, str]:
    """Split wasmtime's error text into (cause, guest backtrace)."""
    backtrace = ""
    cause = text
    if "wasm backtrace:" in text:
        head, _, rest = text.partition("wasm backtrace:")
        trace, sep, tail = rest.partition("Caused by:")
        backtrace = trace.strip("\n")
        cause = tail.strip() if sep else head.strip()
    # An error chain ("Caused by:" then "0: context", "1: root cause") reads root cause first.
    lines = [line.strip() for line in cause.splitlines() if line.strip()]
    chain = [m.group(1) for line in lines if (m := _CHAIN_LINE.match(line))]
    if len(lines) > 1 and len(chain) == len(lines):
        return f"{chain[-1]} ({'; '.join(chain[:-1])})", backtrace
    if "Caused by:" in lines:
        # "what failed" then "Caused by:" and its causes (numbered or not): one line, the
        # causes after a colon ("... was not found in the linker: function implementation is
        # missing"), not the marker spliced into the sentence.
        at = lines.index("Caused by:")
        causes = [m.group(1) if (m := _CHAIN_LINE.match(line)) else line for line in lines[at + 1 :]]
        head = " ".join(lines[:at])
        return (f"{head}: {'; '.join(causes)}" if causes else head), backtrace
    return " ".join(lines), backtrace


class Instance:
    """One instantiated component in its own store.

    Calls are serialised: a call from a second thread waits until the running one returns, so
    results never mix. Entering the instance again from inside one of its own calls (a host
    function calling back into the plugin) is refused with `PluginError`, as the component model
    requires; the outer call keeps its own fuel and deadline.
    """

    def __init__(
        self,
        runtime: Runtime,
        component: wc.Component,
        imports: Sequence[Import],
        wasi: Wasi,
        limits: Limits,
        fast_calls: bool,
    ) -> None:
        self._runtime = runtime
        self._component = component
        self._limits = limits
        self._fast = fast_calls
        self._handles = HandleTable()
        self._poisoned: str | None = None
        # True when a call must take the slow entry: poisoned, or guest resources to drop.
        self._gate = False
        self._deferred_drops: list[wc.ResourceAny] = []
        self._pending: BaseException | None = None
        self._funcs: dict[tuple[Any, ...], PreparedFunc] = {}
        self._lock = threading.Lock()
        self._owner = 0
        """`threading.get_ident()` of the thread inside a call, 0 when none is."""
        self._keepalive: list[Any] = []
        self._captures: tuple[Capture | None, Capture | None] = (None, None)
        engine = runtime.engine
        self._store = Store(engine)
        self._ctx: int = ctypes.cast(self._store._context(), c_void_p).value or 0
        self._env = _abi.Env(self, self._ctx)
        self._callback_store: Any = None
        self._budget: _memory.Budget | None = None
        if limits.memory is not None:
            if runtime._own_memory:
                self._budget = _memory.Budget(limits.memory)
            # Tables are host memory too (8 bytes a slot): at most 64 tables of at most
            # memory / 512 slots each (10,000 at least) keep them within about the same ceiling,
            # so a `table.grow` loop is refused rather than fed. Without witkit-backed memories,
            # wasmtime caps each memory (-1: leave unset).
            self._store.set_limits(
                memory_size=-1 if runtime._own_memory else limits.memory,
                table_elements=max(limits.memory // 512, _MIN_TABLE_ELEMENTS),
                tables=_MAX_TABLES,
            )
        self._fuel = limits.fuel
        if runtime._fuel_enabled:
            # Instantiation is not charged against the per-call fuel (each call refuels before
            # it starts): a componentize-py guest costs about 6,000 units to instantiate with
            # wasmtime's copy-on-write memory images but about 11 million with a memory limit
            # (witkit-backed memories, whose data is copied in by the guest's own code), more
            # than a typical per-call budget. A timeout still bounds instantiation.
            self._store.set_fuel(_HUGE)
        self._deadline = [math.inf]
        """When the current call's timeout expires (`time.monotonic()`); set before each call."""
        self._cancellable = runtime._epoch_enabled
        self._calls = [0]
        """Counts calls (when cancellable): `cancel()` names the call it stops by its number."""
        self._cancel_call = -1
        if self._cancellable:
            if limits.timeout is not None:
                runtime._ensure_ticker()
                self._deadline[0] = time.monotonic() + limits.timeout  # instantiation too
            self._watch_epoch()
        self._facts = facts = runtime._facts_of(component)
        if facts.imports is None:
            facts.imports = component.type.imports(engine)
        import_types = facts.imports
        self._http: HttpHost | None = None
        http_name = http_import_name(list(import_types))
        if http_name is not None and not any(
            isinstance(i, ImportInterface) and i.name == http_name for i in imports
        ):
            # Always linked when imported: without an `Http` grant every request is refused.
            # Imported here so that plugins without HTTP do not import httpx.
            from witkit.runtime.http import HttpHost

            self._http = HttpHost(wasi.http if isinstance(wasi.http, Http) else None, self._deadline)
            imports = [*imports, self._http.import_interface(http_name)]
        # The handler first: it is what reaches the network (`types` only describes requests).
        wasi_http = sorted(
            (name for name in import_types if name.startswith("wasi:http/")),
            key=lambda name: not name.startswith("wasi:http/outgoing-handler"),
        )
        if wasi_http and wasi.http != "unrestricted":
            raise PluginError(
                f"the component imports {wasi_http[0]}, which needs the separate grant "
                'Wasi(http="unrestricted") (manifest: http = "unrestricted" in [plugins.<id>]): '
                "wasmtime-py 50 links wasi:http whole, to any host; for an allow list, use "
                "witkit:plugin/http with Wasi(http=Http(allowed_hosts=[...]))"
            )
        self._before_call: Callable[[], None] | None = self._make_before_call()

        linker = wc.Linker(engine)
        if any(name.startswith("wasi:") for name in import_types):
            self._add_wasi(linker)
            self._captures = (
                Capture("stdout", wasi.capture_limit) if wasi.stdout == "capture" else None,
                Capture("stderr", wasi.capture_limit) if wasi.stderr == "capture" else None,
            )
            self._store.set_wasi(build_wasi_config(wasi, *self._captures))
            if wasi_http:
                linker.add_wasi_http()
                self._store.set_wasi_http()
        linker.allow_shadowing = True
        self._define_imports(linker, imports, import_types)
        self._bulk_memory: _memory._Memory | None = None
        self._bulk_calls = 0
        """Calls served by `_bulk` (bytes copied straight into linear memory)."""
        try:
            with _memory.charging(self._budget), _memory.recording() as created:
                self._inst = self._instantiate(linker, component)
        except Exception as e:  # a WasmtimeError, a trap in the start function, a host error
            self._raise_error(e, "instantiation", instantiating=True)
        if runtime._bulk and fast_calls and len(created) == 1:
            self._bulk_memory = created[0]  # one memory only: then it is the one the lifts use

    def _add_wasi(self, linker: wc.Linker) -> None:
        linker.add_wasip2()

    def _instantiate(self, linker: wc.Linker, component: wc.Component) -> wc.Instance:
        return linker.instantiate(self._store, component)

    # -- public API ---------------------------------------------------------------------------

    def _captured(self, index: int) -> Capture | None:
        capture = self._captures[index]
        if capture is not None:
            capture.pull()
        return capture

    @property
    def component(self) -> wc.Component:
        """The compiled component this instance runs."""
        return self._component

    @property
    def stdout(self) -> str:
        """Everything the guest wrote to a captured stdout so far."""
        capture = self._captured(0)
        return capture.data.decode("utf-8", "replace") if capture is not None else ""

    @property
    def stderr(self) -> str:
        """Everything the guest wrote to a captured stderr so far."""
        capture = self._captured(1)
        return capture.data.decode("utf-8", "replace") if capture is not None else ""

    @property
    def stdout_dropped(self) -> int:
        """Bytes of captured stdout dropped because the capture was full (`Wasi.capture_limit`)."""
        capture = self._captured(0)
        return capture.dropped if capture is not None else 0

    @property
    def stderr_dropped(self) -> int:
        """Bytes of captured stderr dropped because the capture was full (`Wasi.capture_limit`)."""
        capture = self._captured(1)
        return capture.dropped if capture is not None else 0

    def clear_output(self) -> None:
        """Forget the captured stdout and stderr, and the counts of what was dropped."""
        for capture in self._captures:
            if capture is not None:
                capture.clear()

    @property
    def poisoned(self) -> bool:
        """True once a call trapped: the instance cannot be entered again and must be reloaded."""
        return self._poisoned is not None

    @property
    def fast_calls(self) -> bool:
        """Whether calls use the prepared C-level path rather than wasmtime-py's `Func.__call__`."""
        return self._fast

    @property
    def fuel_used(self) -> int | None:
        """Fuel the last call consumed, when a fuel limit is set (0 before the first call:
        instantiation runs on its own budget, not charged to the limit)."""
        if self._fuel is None:
            return None
        return max(0, self._fuel - self._store.get_fuel())

    def close(self) -> None:
        """Release the store; later calls raise PluginError."""
        self._poison("the instance was closed")
        self._funcs.clear()
        for capture in self._captures:
            if capture is not None:
                capture.pull()
                capture.close()
        if self._http is not None:
            self._http.close()

    def _poison(self, reason: str) -> None:
        """End the instance for good (closed, or a trap, limit or cancel left it unusable).

        The first time: later calls are refused with `reason`, and host resources the guest
        still owned are released, each host `on_drop` (generated classes: `dropped()`) run once,
        since the guest can no longer drop them. A host `on_drop` that raises is logged.
        """
        if self._poisoned is not None:
            return
        self._poisoned = reason
        self._gate = True
        self._deferred_drops.clear()
        for obj, on_drop in self._handles.abandon():
            if on_drop is None:
                continue
            try:
                on_drop(obj)
            except Exception:  # the instance is over either way; the host learns it from the log
                _log.exception("on_drop of %r raised while releasing a host resource (%s)", obj, reason)

    def func(
        self,
        name: str,
        params: Sequence[TypeDesc],
        result: TypeDesc | None = None,
        *,
        where: str | None = None,
        names: Sequence[str] | None = None,
        trusted: bool = False,
    ) -> PreparedFunc:
        """Prepare the export `name` ("func" or "ns:pkg/iface@ver#func") for the descriptors
        `params` and `result`; prepared once per instance, and its checked signature kept for
        every instance of the component.

        An argument that does not fit raises ArgumentError naming the function as `where`
        (default `name`) and the parameter as in `names` (default the component's WIT names).
        `trusted=True` skips checking the descriptors against the component's function type:
        for callers that checked these very descriptor objects already (generated bindings'
        load, after the world check).
        """
        descs = tuple(params)

        def descriptors(fty: wc.FuncType) -> tuple[tuple[TypeDesc, ...], TypeDesc | None]:
            if not trusted:
                check_signature(name, descs, result, fty)
            return descs, result

        key = ("func", name, where, None if names is None else tuple(names))
        return self._prepared(key, name, descriptors, where, names, (descs, result), trusted)

    def dynamic(self, name: str) -> PreparedFunc:
        """Prepare the export `name` from the component's own types (see `witkit.runtime.described`)."""

        def descriptors(fty: wc.FuncType) -> tuple[tuple[TypeDesc, ...], TypeDesc | None]:
            describe = Describer()  # fits `fty`: read from it
            their_result = fty.result
            return (
                tuple(describe(vt) for _n, vt in fty.params),
                describe(their_result) if their_result is not None else None,
            )

        return self._prepared(("dynamic", name), name, descriptors)

    def _prepared(
        self,
        key: tuple[Any, ...],
        name: str,
        descriptors: Callable[[wc.FuncType], tuple[tuple[TypeDesc, ...], TypeDesc | None]],
        where: str | None = None,
        names: Sequence[str] | None = None,
        given: tuple[tuple[TypeDesc, ...], TypeDesc | None] | None = None,
        trusted: bool = False,
    ) -> PreparedFunc:
        """The call of export `name` cached under `key`, built once from `descriptors(its type)`;
        `where` and `names` as for `func`. With `given` (the caller's own descriptors), a cached
        call or signature serves only the same descriptor objects, and the checked signature is
        shared by every instance of the component (`ComponentFacts.signatures`)."""
        def fresh(cached: PreparedFunc | None) -> bool:
            return cached is not None and (given is None or _same(given, (cached.params, cached.result)))

        cached = self._funcs.get(key)
        if fresh(cached):
            return cast(PreparedFunc, cached)
        held = self._hold()  # the store is read: not while another thread runs a call
        try:
            cached = self._funcs.get(key)  # another thread may have prepared it meanwhile
            if fresh(cached):
                return cast(PreparedFunc, cached)
            f = self._lookup(name)
            shared = self._facts.signatures if given is not None else {}
            known = shared.get(key)
            if known is None or given is None or not _same(given, known.descs) or not (known.checked or trusted):
                fty = f.type(self._store)
                params, result = descriptors(fty)
                if names is None:
                    names = [n for n, _vt in fty.params]
                elif len(names) != len(params):
                    raise BindingError(f"{name}: {plural(len(params), 'parameter')}, {len(names)} names given")
                known = _Signature((params, result), argument_fault(where or name, names, params), not trusted)
                if given is not None:
                    shared[key] = known
            (params, result), fault = known.descs, known.fault
            prepared = self._prepare(name, f, params, result, fault)
            self._funcs[key] = prepared
            return prepared
        finally:
            if held:
                self._let_go()

    def _prepare(
        self,
        name: str,
        f: wc.Func,
        params: tuple[TypeDesc, ...],
        result: TypeDesc | None,
        fault: ArgumentFault,
    ) -> PreparedFunc:
        """Build the call of export `f` from descriptors known to fit its type; an argument
        that does not lower raises `fault(i, value, cause)`."""
        if self._fast:
            # the bulk twins are called through the sync API: not on a store that yields
            bulk = _bulk.prepare(self, name, params, result, fault) if self._bulk_memory is not None and not self._async else None
            call = bulk if bulk is not None else self._prepare_fast(name, f, params, result, fault)
        else:
            call = self._prepare_public(name, f, params, result, f.type(self._store), fault)
        prepared = cast(PreparedFunc, call)
        prepared.name = name
        prepared.params = params
        prepared.result = result
        return prepared

    def exports(self) -> list[str]:
        """Names of the component's exported functions, as `func` accepts them."""
        out: list[str] = []
        for name, ext in self._component.type.exports(self._runtime.engine).items():
            if _rewrite.hidden(name):
                continue
            ty = ext.ty
            if isinstance(ty, wc.FuncType):
                out.append(name)
            elif isinstance(ty, wc.ComponentInstanceType):
                out += [f"{name}#{n}" for n, e in ty.exports(self._runtime.engine).items() if isinstance(e.ty, wc.FuncType)]
        return out

    def _bulk_plans(self) -> dict[str, _rewrite.Plan]:
        """The exports `_rewrite` gave integer-typed twins (read from the export names once)."""
        plans = self._facts.bulk_plans
        if plans is None:
            plans = self._facts.bulk_plans = _rewrite.plan_from_exports(self._component.type.exports(self._runtime.engine))
        return plans

    # -- lookups --------------------------------------------------------------------------------

    def _lookup(self, name: str) -> wc.Func:
        if self._poisoned is not None:
            self._raise_poisoned()
        indexes = self._facts.export_indexes
        index = indexes.get(name)
        if index is None:
            iface, sep, fname = name.rpartition("#")
            parent = None
            if sep:
                parent = self._component.get_export_index(iface)
                if parent is None:
                    raise BindingError(f"the component exports no interface {iface!r}")
            index = self._component.get_export_index(fname, parent)
            if index is None:
                raise BindingError(f"the component exports no function {name!r}")
            indexes[name] = index
        f = self._inst.get_func(self._store, index)
        if f is None:
            raise BindingError(f"export {name!r} is not a function")
        return f

    def _store_like(self) -> Any:
        return self._callback_store if self._callback_store is not None else self._store

    # -- one call at a time ------------------------------------------------------------------------

    def _take_turn(self, what: str) -> None:
        """Called when the call lock is busy: refuse re-entry, else wait for the running call."""
        if self._owner == threading.get_ident():
            raise PluginError(
                f"{what}: the plugin was entered again from inside one of its own calls (a host "
                "function called back into it); the component model forbids re-entering an instance"
            )
        self._lock.acquire()

    def _hold(self) -> bool:
        """Take the call lock unless this thread holds it already (then return False)."""
        if self._lock.acquire(False):
            self._owner = threading.get_ident()
            return True
        if self._owner == threading.get_ident():
            return False
        self._lock.acquire()
        self._owner = threading.get_ident()
        return True

    def _let_go(self) -> None:
        self._owner = 0
        self._lock.release()

    # -- calls: fast path -------------------------------------------------------------------------

    def _watch_epoch(self) -> None:
        """Install the store's epoch-deadline callback: it stops a cancelled or overdue call.

        During a call the store's deadline is always the next epoch tick, so the ticker (every
        `EPOCH_TICK` while some instance has a timeout) and each `cancel()` (which bumps the
        epoch itself) reach it; the callback then either traps the call or lets it run to the
        next tick. Only the engine's atomic epoch is touched from other threads.
        """
        calls, deadline, clock = self._calls, self._deadline, time.monotonic
        cancelled = b"witkit: the call was cancelled"
        overdue = b"witkit: the call ran past its timeout"

        def on_epoch(_ctx: int, _data: int, delta: Any, kind: Any) -> int | None:
            if self._cancel_call == calls[0]:
                self._pending = Cancelled("")
                return int(_abi.error_new(cancelled))
            if clock() > deadline[0]:
                self._pending = Timeout("")
                return int(_abi.error_new(overdue))
            delta[0] = 1
            kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
            return None

        cb = _abi.EPOCH_CALLBACK(on_epoch)
        self._keepalive.append(cb)
        store_ptr = ctypes.cast(self._store.ptr(), c_void_p).value
        _abi.store_epoch_deadline_callback(store_ptr, ctypes.cast(cb, c_void_p).value, None, _abi.NOOP_FINALIZER)
        self._store.set_epoch_deadline(1)

    def extend_deadline(self, seconds: float) -> None:
        """Move the running call's timeout `seconds` later: for time spent on its behalf that
        its own clock must not count (a composition's provider, timed by its own limit).
        Nothing changes while no call with a timeout runs."""
        if not math.isinf(self._deadline[0]):
            self._deadline[0] += seconds

    def cancel(self) -> bool:
        """Stop the call running on this instance, from any thread; it raises `Cancelled`.

        The guest stops at its next loop head or function entry (a host function or a blocking
        WASI call finishes first). The instance is then poisoned and must be reloaded. Returns
        whether a call was running; cancelling an idle instance does nothing.
        """
        if not self._cancellable:
            raise PluginError(
                "this plugin's Runtime cannot cancel calls; create it with "
                "Runtime(cancellable=True) or with a timeout limit"
            )
        running = self._owner != 0  # read first: a call is numbered before it owns the instance
        self._cancel_call = self._calls[0]
        self._runtime.engine.increment_epoch()
        return running

    def _make_before_call(self) -> Callable[[], None] | None:
        """What runs before each call: refuel, arm the epoch deadline (timeout, cancel), forget
        an earlier memory refusal."""
        steps: list[Callable[[], None]] = []
        fuel, ctx = self._fuel, self._ctx
        if fuel is not None:
            set_fuel = _abi.context_set_fuel
            steps.append(lambda: set_fuel(ctx, fuel))
        timeout, deadline, clock, calls = self._limits.timeout, self._deadline, time.monotonic, self._calls
        if self._cancellable:
            set_deadline = _abi.context_set_epoch_deadline
            forever = math.inf

            def arm() -> None:
                deadline[0] = clock() + timeout if timeout is not None else forever
                set_deadline(ctx, 1)
                # A cancel() that bumped the epoch before the deadline was armed is seen here;
                # one that comes later bumps it past the deadline.
                if self._cancel_call == calls[0]:
                    raise Cancelled("the call was cancelled (Instance.cancel) before it entered the guest")

            steps.append(arm)
        if self._http is not None:
            steps.append(self._http.new_call)
        budget = self._budget
        if budget is not None:

            def forget_refusal() -> None:
                budget.refused = None  # a refusal the guest handled in an earlier call

            steps.append(forget_refusal)
        if len(steps) <= 1:
            return steps[0] if steps else None

        def all_steps() -> None:
            for step in steps:
                step()

        return all_steps

    def _check_deadline(self, qual: str, entered: float) -> None:
        """After a host function returns: past the call's deadline, fail the call as a timeout.

        Python running in a host function cannot be interrupted; the epoch check would only fire
        when the guest next reaches a loop or a call, and a guest that returns at once never does.
        `entered` (`time.monotonic()` when the host function was called) tells whose time ran
        out: a guest that called it already past the deadline (between two epoch ticks) is not
        the host function's fault.
        """
        deadline = self._deadline[0]
        if time.monotonic() > deadline:
            if entered > deadline:
                raise Timeout(f"the guest ran past the deadline before it called the host function {qual}")
            raise Timeout(f"the host function {qual} returned after the deadline")

    _async = False
    """Whether prepared calls are coroutines (`AsyncInstance`): the guest call is awaited."""

    def _call_entry(self, name: str) -> Callable[..., Any]:
        """What a fast call invokes with `(func, ctx, args, nargs, results, nresults)`."""
        return cast(Callable[..., Any], _abi.func_call)

    def _prepare_fast(
        self, name: str, f: wc.Func, params: tuple[TypeDesc, ...], result: TypeDesc | None, fault: ArgumentFault
    ) -> Callable[..., Any]:
        env = self._env
        args_arr = _abi.zeroed_vals(len(params))
        res_arr = _abi.zeroed_vals(1)
        self._keepalive += [f, args_arr, res_arr]
        base = ctypes.addressof(args_arr)
        raddr = ctypes.addressof(res_arr)
        ns: dict[str, Any] = {
            "inst": self,
            "call_": self._call_entry(name),
            "fptr": ctypes.addressof(f._func),
            "ctx": self._ctx,
            "pptr": base,
            "rptr": raddr if result is not None else None,
            "clear": _abi.clear,
            "vdel": _abi.val_delete,
            "range_error": _abi._range_error,
            "fault": fault,
            "LOWERING_ERRORS": LOWERING_ERRORS,
            "before": self._before_call,
            "Err": Err,
            "char_code": _abi.char_code,
            "chr": chr,
        }
        argnames = [f"a{i}" for i in range(len(params))]
        lowering: list[str] = []
        owned: list[int] = []
        for i, d in enumerate(params):
            addr = base + i * _abi.VAL_SIZE
            ns[f"d{i}"] = d
            if isinstance(d, Primitive) and d.name != "string":
                kind, ctype, lo, hi = _abi.PRIMS[d.name]
                ctypes.c_uint8.from_address(addr).value = kind
                ns[f"c{i}"] = ctype.from_address(addr + _abi.OF)
                if d.name == "char":
                    lines = [f"c{i}.value = char_code(a{i})"]
                elif d.name == "bool":
                    lines = [f"if a{i} is not True and a{i} is not False: raise TypeError('expected a bool')", f"c{i}.value = a{i}"]
                elif d.name in ("f32", "f64"):
                    lines = [f"c{i}.value = a{i}"]
                else:
                    lines = [f"if not {lo} <= a{i} <= {hi}: raise range_error(d{i}, a{i})", f"c{i}.value = a{i}"]
            else:
                ns[f"l{i}"] = _abi.lowerer(d, env)
                ns[f"p{i}"] = addr
                ns[f"k{i}"] = ctypes.c_uint8.from_address(addr)
                lines = [f"l{i}(a{i}, p{i})"]
                owned.append(i)
            # One `try` per argument (free until something raises): the failure names its parameter.
            lowering += ["try:", *("    " + line for line in lines), "except LOWERING_ERRORS as e:", f"    raise fault({i}, a{i}, e) from e"]
        body: list[str] = ["if inst._gate: inst._slow_entry()"]
        call_lines: list[str] = []
        # Lowered in parameter order, inside the `finally` that deletes what was built when any
        # argument lowers into an owned value.
        (call_lines if owned else body).extend(lowering)
        if self._before_call is not None:
            call_lines.append("before()")
        nres = 0 if result is None else 1
        wait = "await " if self._async else ""
        call_lines.append(f"err = {wait}call_(fptr, ctx, pptr, {len(params)}, rptr, {nres})")
        call_lines.append(f"if err: inst._fail(err, {name!r})")
        if self._limits.timeout is not None:
            ns["clock"], ns["deadline"] = time.monotonic, self._deadline
            drop_result = "clear(raddr); " if result is not None else ""
            ns["raddr"] = raddr
            call_lines.append(f"if clock() > deadline[0]: {drop_result}inst._late({name!r})")
        ret_lines = self._fast_result_lines(result, raddr, ns)
        lends = any(_abi.lends_host_resources(d) for d in params)
        ns["handles"] = self._handles
        if owned or lends:
            body.append("try:")
            body += ["    " + line for line in call_lines]
            body.append("finally:")
            if lends:
                body.append("    handles.release_lent()")
            # Delete what lowering built, and leave a `bool` behind (safe to delete again).
            body += [f"    vdel(p{i}); k{i}.value = 0" for i in owned]
        else:
            body += call_lines
        body += ret_lines
        # One call at a time: the argument and result areas above are shared by every call.
        ns["acquire"], ns["release"], ns["ident"] = self._lock.acquire, self._lock.release, threading.get_ident
        # A call is numbered before it owns the instance, so `cancel()` seeing an owner sees its number.
        ns["calls"] = self._calls
        body = [
            f"if not acquire(False): {wait}inst._take_turn({name!r})",
            *(["calls[0] += 1"] if self._cancellable else []),
            "inst._owner = ident()",
            "try:",
            *["    " + line for line in body],
            "finally:",
            "    inst._owner = 0",
            "    release()",
        ]
        src = f"{'async ' if self._async else ''}def call({', '.join(argnames)}):\n" + "".join(f"    {line}\n" for line in body)
        # A specialised function per export keeps per-call work to attribute sets and one C call.
        # The source names no instance (that is in `ns`): compiled once, shared by every
        # instance of the component (about half the cost of a load was compiling it again).
        exec(_abi.compiled(src, f"call {name}"), ns)
        fn: Callable[..., Any] = ns["call"]
        return fn

    def _fast_result_lines(self, result: TypeDesc | None, raddr: int, ns: dict[str, Any]) -> list[str]:
        env = self._env
        if result is None:
            return ["return None"]
        if isinstance(result, Primitive) and result.name != "string":
            _kind, ctype, _lo, _hi = _abi.PRIMS[result.name]
            ns["rc"] = ctype.from_address(raddr + _abi.OF)
            return ["return chr(rc.value)" if result.name == "char" else "return rc.value"]
        ns["raddr"] = raddr
        if isinstance(result, Result):
            ns["rok"] = ctypes.c_bool.from_address(raddr + _abi.OF)
            ns["rbox"] = ctypes.c_void_p.from_address(raddr + _abi.OF + 8)
            ns["lift_ok"] = _abi.lifter(result.ok, env) if result.ok is not None else None
            ns["lift_err"] = _abi.lifter(result.err, env) if result.err is not None else None
            return [
                "is_ok = rok.value",
                "box = rbox.value",
                "try:",
                "    lift = lift_ok if is_ok else lift_err",
                "    payload = lift(box) if lift is not None and box else None",
                "finally:",
                "    clear(raddr)",
                "if is_ok: return payload",
                "raise Err(payload)",
            ]
        ns["lift"] = _abi.lifter(result, env)
        return ["try:", "    return lift(raddr)", "finally:", "    clear(raddr)"]

    # -- calls: public path -------------------------------------------------------------------------

    def _prepare_public(
        self,
        name: str,
        f: wc.Func,
        params: tuple[TypeDesc, ...],
        result: TypeDesc | None,
        fty: wc.FuncType,
        fault: ArgumentFault,
    ) -> Callable[..., Any]:
        convs = [to_pub(d, vt, self) for d, (_n, vt) in zip(params, fty.params, strict=True)]
        result_type = fty.result
        store = self._store
        n = len(params)
        timed = self._limits.timeout is not None
        if result is None:
            lift: Callable[[Any], Any] = lambda pv: None  # noqa: E731
        elif isinstance(result, Result):
            unwrap = result_from_pub(result, result_type, self)

            def lift(pv: Any) -> Any:
                is_ok, payload = unwrap(pv)
                if is_ok:
                    return payload
                raise Err(payload)
        else:
            lift = from_pub(result, result_type, self)

        lock, ident, calls = self._lock, threading.get_ident, self._calls

        def call(*args: Any) -> Any:
            if not lock.acquire(False):
                self._take_turn(name)
            calls[0] += 1  # before owning: `cancel()` seeing an owner sees this call's number
            self._owner = ident()
            try:
                return unlocked(*args)
            finally:
                self._owner = 0
                lock.release()

        def unlocked(*args: Any) -> Any:
            if self._gate:
                self._slow_entry()
            if len(args) != n:
                raise TypeError(f"{name}() takes {plural(n, 'argument')}, got {len(args)}")
            pargs = []
            for i, (c, a) in enumerate(zip(convs, args, strict=True)):
                try:
                    pargs.append(c(a))
                except LOWERING_ERRORS as e:
                    raise fault(i, a, e) from e
            if self._before_call is not None:
                self._before_call()
            try:
                pv = f(store, *pargs)
            except Exception as e:
                self._raise_error(e, name)
            finally:
                if self._handles._lent:
                    self._handles.release_lent()
            if timed and time.monotonic() > self._deadline[0]:
                self._late(name)
            return lift(pv)

        return call

    # -- errors ---------------------------------------------------------------------------------------

    def _slow_entry(self) -> None:
        """Before a call: refuse if poisoned, else run destructors of proxies garbage-collected since."""
        if self._poisoned is not None:
            self._raise_poisoned()
        while self._deferred_drops:
            handle = self._deferred_drops.pop()
            try:
                handle.drop(self._store)
            except Exception as e:
                self._gate = True
                self._raise_error(e, "resource drop (of a collected proxy)")
        self._gate = False

    def _defer_drop(self, handle: wc.ResourceAny) -> None:
        """Drop `handle` before the next call (called from `ResourceProxy.__del__`)."""
        if self._poisoned is None:
            self._deferred_drops.append(handle)
            self._gate = True

    def _late(self, what: str) -> NoReturn:
        """A call that returned after its deadline: the guest sat in a WASI call (a sleep, a
        blocking read) that no timeout can interrupt. Its result is dropped; the guest finished
        the call, so the instance stays usable."""
        raise Timeout(self._timeout_message(
            what, "it returned late, as a guest blocked in a WASI call such as a sleep does; "
            "its result was dropped"
        ))

    def _timeout_message(self, what: str, detail: str = "") -> str:
        extra = f" ({detail})" if detail else ""
        return f"{what}: ran past its timeout of {self._limits.timeout} s{extra}"

    def _raise_poisoned(self) -> NoReturn:
        raise PluginError(f"instance trapped earlier; reload the plugin (it failed with {self._poisoned})")

    def _fail(self, err: int, what: str) -> NoReturn:
        """Turn a `wasmtime_error_t*` returned by a call into the right witkit exception."""
        error = WasmtimeError._from_ptr(ctypes.cast(err, ctypes.POINTER(ffi.wasmtime_error_t)))
        self._raise_error(error, what)

    def _raise_error(self, error: BaseException, what: str, instantiating: bool = False) -> NoReturn:
        pending, self._pending = self._pending, None
        _wt_enter.LAST_EXCEPTION = None
        if error is pending:
            error = WasmtimeError("host function raised")
        if not isinstance(error, WasmtimeError) and pending is None:
            if isinstance(error, (BindingError, PluginError)):
                raise error
            raise BindingError(f"{what}: {error}") from error
        text = str(error)
        cause, backtrace = split_trap(text)
        lowered = text.lower()
        trapped = pending is not None or "wasm trap" in lowered or bool(backtrace) or instantiating
        exc: PluginError | BindingError
        refused = self._budget.refused if self._budget is not None else None
        if (
            instantiating and pending is None and refused is None and not backtrace
            and "wasm trap" not in lowered and "exceeds memory limits" not in lowered
        ):
            raise PluginError(f"cannot instantiate the component: {cause}") from error
        if isinstance(pending, Cancelled):
            exc = Cancelled(f"{what}: the call was cancelled (Instance.cancel)", backtrace)
        elif isinstance(pending, Timeout):
            exc = Timeout(self._timeout_message(what, str(pending)), backtrace)
        elif pending is not None:
            exc = TrapError(f"{what}: host function raised {type(pending).__name__}: {pending}", backtrace)
            exc.__cause__ = pending
        elif isinstance(error, wasmtime.ExitTrap):
            exc = PluginError(f"{what}: the guest exited with status {error.code}")
            trapped = True
        elif "all fuel consumed" in lowered:
            exc = FuelExhausted(f"{what}: ran out of fuel (limit {self._fuel} per call)", backtrace)
        elif "wasm trap: interrupt" in lowered:
            exc = Timeout(self._timeout_message(what), backtrace)
        elif refused is not None:
            exc = MemoryLimitExceeded(
                f"{what}: the plugin reached its memory limit of {self._limits.memory} bytes "
                f"(a growth to {refused} bytes was refused), then failed: {cause}",
                backtrace,
            )
        elif self._limits.memory is not None and _OOM.search(lowered):
            exc = MemoryLimitExceeded(
                f"{what}: the guest ran out of memory (ceiling {self._limits.memory} bytes): {cause}",
                backtrace,
            )
        elif "cannot synchronously call an async-lifted export" in lowered:
            # Refused before the guest was entered: the instance stays usable.
            raise PluginError(
                f"{what} is an `async func` export: call it through the async API "
                "(witkit.load_async or Runtime.instantiate_async, then `await`)"
            ) from error
        elif "cannot enter component instance" in lowered:
            exc = PluginError(f"{what}: instance trapped earlier; reload the plugin")
        elif not trapped and _MALFORMED.search(lowered):
            # The canonical ABI traps on a value the guest handed over in a form it may not
            # take (bad UTF-8, a list past the end of memory, a foreign handle): the guest's fault.
            exc = TrapError(f"{what}: the plugin broke the canonical ABI: {cause}", backtrace)
            trapped = True
        elif not trapped:
            # wasmtime rejected a value while lowering it (e.g. a handle from another instance).
            # The guest was already entered, so wasmtime will not enter it again either.
            exc = BindingError(f"{what}: {cause}")
            trapped = True
        else:
            exc = TrapError(f"{what}: {cause}", backtrace)
        if trapped:
            self._poison(f"{type(exc).__name__} in {what}")
        if exc.__cause__ is None:
            raise exc from error
        raise exc

    # -- imports ----------------------------------------------------------------------------------------

    def _define_imports(self, linker: wc.Linker, imports: Sequence[Import], import_types: dict[str, Any]) -> None:
        engine = self._runtime.engine
        with linker.root() as root:
            for item in imports:
                if isinstance(item, ImportInterface):
                    name = served_import(item.name, import_types)
                    ext = import_types.get(name)
                    exports = ext.ty.exports(engine) if ext is not None and isinstance(ext.ty, wc.ComponentInstanceType) else {}
                    with root.add_instance(name) as li:
                        for sub in item.items:
                            self._define_item(li, sub, name, exports)
                else:
                    self._define_item(root, item, "", import_types)

    def _define_item(self, li: wc.LinkerInstance, item: ImportFunc | ImportResource, iface: str, types: dict[str, Any]) -> None:
        qual = f"{iface}#{item.name}" if iface else item.name
        if isinstance(item, ImportResource):
            handles = self._handles
            on_drop = item.resource.on_drop

            def dtor(_store: Any, rep: int) -> None:
                obj = handles.dropped(rep)
                if obj is not None and on_drop is not None:
                    on_drop(obj)

            li.add_resource(item.name, wc.ResourceType.host(item.resource.type_id), dtor)
            return
        ext = types.get(item.name)
        fty = ext.ty if ext is not None else None
        if fty is None:
            # The component does not import it: nothing to check, nothing will call it.
            pass
        elif not isinstance(fty, wc.FuncType):
            raise BindingError(f"import {qual} is not a function in the component")
        else:
            checked = self._facts.imports_checked.get(qual)
            if checked is None or not _same(checked, (item.params, item.result)):
                check_signature(f"import {qual}", item.params, item.result, fty)
                self._facts.imports_checked[qual] = (tuple(item.params), item.result)
        if not self._async and inspect.iscoroutinefunction(item.impl):
            raise PluginError(
                f"import {qual} is implemented by an `async def` function, which only an async "
                "plugin can await; load it with the async API (witkit.load_async, "
                "Runtime.instantiate_async or a generated Async<World>.load)"
            )
        if self._fast:
            self._define_fast(li, item, qual)
        elif fty is not None:
            self._define_public(li, item, qual, fty)

    def _host_steps(
        self, item: ImportFunc, qual: str
    ) -> tuple[Callable[[int, int], list[Any]], Callable[..., None]]:
        """A fast import's two halves: lift the guest's arguments (`args`, `nargs`) to Python,
        and finish (run `produce`, check the deadline and a cancel, lower the result; an
        `entered` time says when the guest called it, if not just now)."""
        env = self._env
        lifts = [_abi.lifter(d, env) for d in item.params]
        nparams = len(lifts)
        lower = _abi.lower_function_result(item.result, env) if item.result is not None else None
        is_result = isinstance(item.result, Result)
        size = _abi.VAL_SIZE
        timed = self._limits.timeout is not None
        cancellable, calls = self._cancellable, self._calls

        def lift_args(args: int, nargs: int) -> list[Any]:
            if nargs != nparams:
                raise BindingError(f"import {qual}: called with {plural(nargs, 'argument')}, binding has {nparams}")
            return [lift(args + i * size) for i, lift in enumerate(lifts)]

        clock = time.monotonic

        def finish(produce: Callable[[], Any], results: int, entered: float | None = None) -> None:
            exc: BaseException | None = None
            if entered is None:  # called now; an async import says when it was called
                entered = clock() if timed else 0.0
            try:
                out = produce()
            except Err as e:
                if not is_result:
                    raise
                out, exc = None, e
            if timed:
                self._check_deadline(qual, entered)
            if cancellable and self._cancel_call == calls[0]:
                raise Cancelled("")  # cancelled while the host function ran
            if lower is not None:
                lower(out, exc, results)

        return lift_args, finish

    def _define_fast(self, li: wc.LinkerInstance, item: ImportFunc, qual: str) -> None:
        env = self._env
        impl = item.impl
        message = f"host function {qual} raised an exception".encode()
        lift_args, finish = self._host_steps(item, qual)

        def callback(_data: Any, ctx: int, _fty: Any, args: int, nargs: int, results: int, nresults: int) -> int:
            prev = env.ctx
            env.ctx = ctx
            try:
                pyargs = lift_args(args, nargs)
                finish(lambda: impl(*pyargs), results)
                return 0
            except BaseException as e:
                self._pending = e
                err: int = _abi.error_new(message)
                return err
            finally:
                env.ctx = prev

        cb = _abi.CALLBACK(callback)
        self._keepalive.append(cb)
        name = item.name.encode("utf-8")
        err = _abi.add_func(
            ctypes.cast(li.ptr(), c_void_p).value, name, len(name),
            ctypes.cast(cb, c_void_p).value, None, _abi.NOOP_FINALIZER,
        )
        if err:
            raise PluginError(f"cannot define import {qual}: {_abi.take_error(err)}")

    def _define_public(self, li: wc.LinkerInstance, item: ImportFunc, qual: str, fty: Any) -> None:
        # wasmtime-py keeps host functions in a global table: hold the instance weakly.
        me = weakref.proxy(self)
        convs = [from_pub(d, vt, me) for d, (_n, vt) in zip(item.params, fty.params, strict=True)]
        result = item.result
        out_conv = to_pub(result, fty.result, me) if result is not None else None
        is_result = isinstance(result, Result)
        impl = item.impl
        timed = self._limits.timeout is not None
        cancellable, calls = self._cancellable, self._calls

        def host(store: Any, *pargs: Any) -> Any:
            prev = me._callback_store
            me._callback_store = store
            try:
                args = [c(p) for c, p in zip(convs, pargs, strict=True)]
                err: Err[Any] | None = None
                entered = time.monotonic() if timed else 0.0
                try:
                    out = impl(*args)
                except Err as e:
                    if not is_result or out_conv is None:
                        raise
                    err = e
                if timed:
                    me._check_deadline(qual, entered)
                if cancellable and me._cancel_call == calls[0]:
                    raise Cancelled("")  # cancelled while the host function ran
                if out_conv is None:
                    return None
                return out_conv(err if err is not None else Ok(out) if is_result else out)
            except BaseException as e:
                me._pending = e
                raise
            finally:
                me._callback_store = prev

        li.add_func(item.name, host)

    # -- resources ----------------------------------------------------------------------------------

    def _drop_resource(self, handle: wc.ResourceAny) -> None:
        """Run a guest resource's destructor (unless the instance is already dead)."""
        if self._poisoned is not None:
            return
        if not self._hold():  # dropped from inside a call (a host function): at the next call
            self._defer_drop(handle)
            return
        try:
            handle.drop(self._store)
        except Exception as e:
            self._raise_error(e, "resource drop")
        finally:
            self._let_go()
