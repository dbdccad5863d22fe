"""Dynamic calls without generated bindings: `load(path).call("iface/func", *plain_values)`.

The function types are read from the compiled component; each export's converters are built
once, at load, so a call only converts values. What plain values and JSON stand for each
WIT type (`DynamicPlugin.call` and `call_json` take and return them) is tabled in
`witkit.runtime.values`, which holds the converters.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

import wasmtime
import wasmtime.component as wc

from witkit._parse import loads_json
from witkit._text import plural
from witkit.errors import ArgumentError, BindingError, PluginError
from witkit.plugins.config import config_import, config_import_name, validate_config
from witkit.plugins.loader import PluginLoader
from witkit.plugins.manifest import PluginSpec
from witkit.runtime import Instance, PreparedFunc, Runtime, is_bulk_twin, shared_runtime
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import, ImportInterface
from witkit.runtime.resources import ResourceProxy
from witkit.runtime.types import (
    Err,
    Result,
    TypeDesc,
)
from witkit.runtime.values import (
    Lift,
    Lower,
    describe,
    json_in,
    json_out,
    plain_in,
    plain_out,
    same,
    shown,
)

__all__ = [
    "ArgumentError",
    "AsyncDynamicPlugin",
    "CacheInfo",
    "DynamicPlugin",
    "PluginSource",
    "invoker",
    "load",
    "load_async",
    "spec_limits",
    "spec_wasi",
]

# ---------------------------------------------------------------------------------------------
# The dynamic plugin


class CacheInfo(NamedTuple):
    """What `DynamicPlugin.cached_call`'s memo did (like `functools.lru_cache`'s `cache_info`)."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


class _Export:
    """One export with its converters, built once at load."""

    __slots__ = ("canon", "fn", "ins", "invoke", "json_ins", "json_out", "name", "param_index",
                 "param_names", "params", "result", "signature")  # fmt: skip

    def __init__(self, name: str, fn: PreparedFunc, param_names: Sequence[str]) -> None:
        self.name = name
        self.fn = fn
        self.params = tuple(fn.params)
        self.result = fn.result
        self.param_names = tuple(param_names)
        index: dict[str, int] = {}
        for i, p in enumerate(self.param_names):
            index[p] = i
            index.setdefault(p.replace("-", "_"), i)
        self.param_index = index
        self.ins = tuple(plain_in(d) for d in self.params)
        self.canon = tuple(plain_out(d) for d in self.params)
        self.invoke = invoker(fn, self.result)
        params = ", ".join(
            f"{n}: {describe(d)}" for n, d in zip(self.param_names, self.params, strict=True)
        )
        self.signature = f"func({params})" + (
            "" if self.result is None else f" -> {describe(self.result)}"
        )
        self.json_ins: tuple[Lower, ...] | None = None
        self.json_out: Lift | None = None

    def arrange(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Any]:
        """Positional and keyword arguments in parameter order."""
        n = len(self.params)
        if len(args) > n:
            raise ArgumentError(f"{self.name}() takes {plural(n, 'argument')}, got {len(args)}")
        values: list[Any] = list(args) + [_MISSING] * (n - len(args))
        for key, v in kwargs.items():
            i = self.param_index.get(key)
            if i is None:
                raise ArgumentError(f"{self.name}() has no parameter {shown(key)}")
            if values[i] is not _MISSING:
                raise ArgumentError(
                    f"{self.name}() got two values for parameter `{self.param_names[i]}`"
                )
            values[i] = v
        missing = [self.param_names[i] for i, v in enumerate(values) if v is _MISSING]
        if missing:
            raise ArgumentError(
                f"{self.name}() is missing parameter `{missing[0]}` (takes {plural(n, 'argument')})"
            )
        return values

    def lower(self, values: Sequence[Any]) -> list[Any]:
        """Check and convert plain values in parameter order."""
        name = self.name
        return [
            conv(v, f"{name}() parameter `{p}`")
            for conv, v, p in zip(self.ins, values, self.param_names, strict=True)
        ]

    def prepare_json(self) -> tuple[tuple[Lower, ...], Lift]:
        """The JSON converters (built on first use)."""
        if self.json_ins is None or self.json_out is None:
            self.json_ins = tuple(json_in(d) for d in self.params)
            self.json_out = json_out(self.result) if self.result is not None else same
        return self.json_ins, self.json_out


_MISSING = object()


def invoker(fn: PreparedFunc, result: TypeDesc | None) -> Callable[[Sequence[Any]], Any]:
    if result is None:

        def call_unit(values: Sequence[Any]) -> Any:
            fn(*values)
            return None

        return call_unit
    if isinstance(result, Result):
        ok = plain_out(result.ok) if result.ok is not None else None
        err = plain_out(result.err) if result.err is not None else None

        def call_result(values: Sequence[Any]) -> Any:
            try:
                v = fn(*values)
            except Err as e:
                return {"err": err(e.value) if err is not None else None}
            return {"ok": ok(v) if ok is not None else None}

        return call_result
    out = plain_out(result)

    def call_value(values: Sequence[Any]) -> Any:
        return out(fn(*values))

    return call_value


def _json_args(ex: _Export, json_text: str) -> list[Any]:
    """The lowered arguments of a JSON call of `ex` (an array, or an object by parameter name)."""
    try:
        decoded = loads_json(json_text)
    except ValueError as e:
        raise ArgumentError(f"{ex.name}(): the arguments are not valid JSON: {e}") from None
    ins, _out = ex.prepare_json()
    if isinstance(decoded, list):
        values = ex.arrange(decoded, {})
    elif isinstance(decoded, dict):
        values = ex.arrange((), decoded)
    else:
        raise ArgumentError(
            f"{ex.name}(): give the arguments as a JSON array or an object by parameter name"
        )
    plain = [
        conv(v, f"{ex.name}() parameter `{p}`")
        for conv, v, p in zip(ins, values, ex.param_names, strict=True)
    ]
    return ex.lower(plain)


def _json_result(ex: _Export, result: Any) -> str:
    _ins, out = ex.prepare_json()
    return json.dumps(out(result) if result is not None else None, allow_nan=False, ensure_ascii=False)


def _replay(raw: Any, err: Err[Any] | None) -> Any:
    """Hand back a result an awaited call produced (to reuse a sync invoker's conversions)."""
    if err is not None:
        raise err
    return raw


def _async_invoker(fn: Any, result: TypeDesc | None) -> Callable[[Sequence[Any]], Awaitable[Any]]:
    """`invoker` for an async prepared call: await it, then convert as the sync one does."""
    convert = invoker(cast(PreparedFunc, _replay), result)

    async def invoke(values: Sequence[Any]) -> Any:
        err: Err[Any] | None = None
        raw: Any = None
        try:
            raw = await fn(*values)
        except Err as e:
            err = e
        return convert([raw, err])

    return invoke


def _freeze(v: Any) -> Hashable:
    """A hashable stand-in for a plain value, equal for equal values (for the call cache)."""
    if isinstance(v, Mapping):
        return ("d", tuple(sorted(((k, _freeze(x)) for k, x in v.items()), key=repr)))
    if isinstance(v, (list, tuple)):
        return ("l", tuple(_freeze(x) for x in v))
    if isinstance(v, (set, frozenset)):
        return ("s", frozenset(_freeze(x) for x in v))
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, float):
        return ("f", v.hex())  # nan equals itself, 0.0 and -0.0 stay apart
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, ResourceProxy):
        return ("r", id(v))
    if isinstance(v, Hashable):
        return v
    raise ArgumentError(f"cannot use a {type(v).__name__} as a cached-call argument")


class DynamicPlugin:
    """A loaded plugin called by export name with plain Python values (see the module doc).

    Export names: `func` for a world-level function, `ns:pkg/iface@1.0.0#func` in full; the
    short forms `iface/func`, `iface#func`, `ns:pkg/iface/func` and `ns:pkg/iface#func`
    (without the version) work too, as does a bare `func` when only one interface has it.
    Calls from several threads are serialised (see `Instance`); `cancel()` stops a running one.
    """

    def __init__(
        self,
        instance: Instance,
        component: wc.Component,
        engine: wasmtime.Engine,
        *,
        config: Mapping[str, str] | None = None,
        cache_size: int | None = 256,
    ) -> None:
        self.instance = instance
        self.component = component
        self.config: Mapping[str, str] = dict(config or {})
        self._exports: dict[str, _Export] = {}
        self._unsupported: dict[str, str] = {}
        self._aliases: dict[str, str | None] = {}
        # One walk of the component's type gives every exported function (in the component's
        # order, as `Instance.exports` lists them) with its parameter names.
        for name, names in _param_names(component, engine).items():
            try:
                self._exports[name] = _Export(name, instance.dynamic(name), names)
            except BindingError as e:
                self._unsupported[name] = str(e)
        self._build_aliases([*self._exports, *self._unsupported])
        if cache_size is not None and cache_size < 0:
            raise ValueError("cache_size must be None (unbounded) or >= 0")
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._hits = 0
        self._misses = 0

    def _build_aliases(self, names: Sequence[str]) -> None:
        aliases: dict[str, str | None] = {}

        def add(alias: str, target: str) -> None:
            if alias in names and alias != target:
                return  # a real export's own name always wins
            if alias in aliases and aliases[alias] != target:
                aliases[alias] = None  # ambiguous
            else:
                aliases[alias] = target

        for name in names:
            iface, sep, func = name.rpartition("#")
            if not sep:
                continue
            unversioned = iface.split("@", 1)[0]
            short = unversioned.rpartition("/")[2]
            for prefix in {iface, unversioned, short}:
                add(f"{prefix}#{func}", name)
                add(f"{prefix}/{func}", name)
            add(func, name)
        self._aliases = aliases

    # -- lookups ------------------------------------------------------------------------------

    def _find(self, name: str) -> _Export:
        ex = self._exports.get(name)
        if ex is not None:
            return ex
        target = self._aliases.get(name, name)
        if target is None:
            options = sorted(
                n
                for n in self._exports
                if n.endswith(("#" + name, "/" + name)) or n.split("#")[-1] == name
            )
            raise PluginError(f"{name!r} is ambiguous; say which: {', '.join(options)}")
        ex = self._exports.get(target)
        if ex is not None:
            return ex
        if target in self._unsupported:
            raise PluginError(f"{target}: {self._unsupported[target]}")
        known = ", ".join(self.exports()) or "none"
        raise PluginError(f"the plugin exports no function {shown(name)} (exports: {known})")

    def exports(self) -> list[str]:
        """Every exported function's full name, in the component's order."""
        return [*self._exports, *self._unsupported]

    def signature(self, name: str) -> str:
        """The export's type in WIT syntax: `func(name: string) -> string`."""
        return self._find(name).signature

    # -- calls ----------------------------------------------------------------------------------

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call export `name` with plain values (keywords by parameter name); returns a plain value."""
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        return ex.invoke(ex.lower(values))

    def call_json(self, name: str, json_text: str) -> str:
        """Call export `name` with a JSON array of arguments (or an object by parameter name); returns JSON."""
        ex = self._find(name)
        return _json_result(ex, ex.invoke(_json_args(ex, json_text)))

    def cached_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """`call`, memoized by function and arguments: only for pure exports (same input, same output).

        The memo is an LRU of `cache_size` entries (given to `load`); results are deep-copied
        out of it, so changing a returned value does not change the next one. Traps are not cached.
        """
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        lowered = ex.lower(values)
        # The key is built from the checked values in their canonical plain form, so
        # `["read"]` and `{"read"}` for flags, or a tuple and a list, share an entry.
        key = (ex.name, tuple(_freeze(c(v)) for c, v in zip(ex.canon, lowered, strict=True)))
        cache = self._cache
        with self._cache_lock:  # threads share the memo; the call itself runs outside the lock
            hit = cache.get(key, _MISSING)
            if hit is not _MISSING:
                self._hits += 1
                cache.move_to_end(key)
                return copy.deepcopy(hit)
            self._misses += 1
        result = ex.invoke(lowered)
        if self._cache_size != 0:
            kept = copy.deepcopy(result)
            with self._cache_lock:
                cache[key] = kept
                if self._cache_size is not None and len(cache) > self._cache_size:
                    cache.popitem(last=False)
        return result

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the `cached_call` memo."""
        return CacheInfo(self._hits, self._misses, self._cache_size, len(self._cache))

    def cache_clear(self) -> None:
        """Forget every memoized result."""
        self._cache.clear()
        self._hits = self._misses = 0

    # -- the instance -----------------------------------------------------------------------------

    @property
    def stdout(self) -> str:
        """What the plugin wrote to a captured stdout."""
        return self.instance.stdout

    @property
    def stderr(self) -> str:
        """What the plugin wrote to a captured stderr."""
        return self.instance.stderr

    def cancel(self) -> bool:
        """Stop the running call from another thread (see `Instance.cancel`); it raises `Cancelled`."""
        return self.instance.cancel()

    def close(self) -> None:
        """Release the instance; later calls raise PluginError."""
        self.instance.close()
        self._cache.clear()

    def __enter__(self) -> DynamicPlugin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _param_names(component: wc.Component, engine: wasmtime.Engine) -> dict[str, tuple[str, ...]]:
    """Every exported function's full name, in the component's order, with its parameter names."""
    out: dict[str, tuple[str, ...]] = {}
    for name, ext in component.type.exports(engine).items():
        ty = ext.ty
        if is_bulk_twin(name):
            continue
        if isinstance(ty, wc.FuncType):
            out[name] = tuple(n for n, _ in ty.params)
        elif isinstance(ty, wc.ComponentInstanceType):
            for fname, fext in ty.exports(engine).items():
                if isinstance(fext.ty, wc.FuncType):
                    out[f"{name}#{fname}"] = tuple(n for n, _ in fext.ty.params)
    return out


PluginSource = str | os.PathLike[str] | bytes | bytearray | wc.Component
"""What `load` accepts: a `.wasm`/`.wat` path, component bytes, WAT text or a compiled component."""


def spec_wasi(spec: PluginSpec) -> Wasi:
    """The `Wasi` grants of a manifest entry (its fields map one-for-one)."""
    g = spec.wasi
    return Wasi(
        args=g.args,
        env=dict(g.env),
        preopens=dict(g.preopens),
        read_only=g.read_only,
        stdout=g.stdout,
        stderr=g.stderr,
        inherit_network=g.network,
        http=spec.http,
    )


def spec_limits(spec: PluginSpec) -> Limits:
    """The `Limits` of a manifest entry."""
    return Limits(fuel=spec.limits.fuel, timeout=spec.limits.timeout, memory=spec.limits.memory)


class AsyncDynamicPlugin(DynamicPlugin):
    """A plugin from `load_async`: `await p.call(name, ...)`, `await p.call_json(name, text)`.

    Calls from several tasks take turns (one call runs per plugin at a time); cancelling the
    awaiting task (`asyncio.wait_for`, `task.cancel()`) or `cancel()` stops the guest, after
    which the plugin must be reloaded. Limits apply as in sync calls.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._async_invokers: dict[str, Callable[[Sequence[Any]], Awaitable[Any]]] = {}

    def _invoke(self, ex: _Export) -> Callable[[Sequence[Any]], Awaitable[Any]]:
        invoke = self._async_invokers.get(ex.name)
        if invoke is None:
            invoke = self._async_invokers[ex.name] = _async_invoker(ex.fn, ex.result)
        return invoke

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call export `name` with plain values (keywords by parameter name); returns a plain value."""
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        return await self._invoke(ex)(ex.lower(values))

    async def call_json(self, name: str, json_text: str) -> str:  # type: ignore[override]
        """Call export `name` with a JSON array of arguments (or an object by parameter name); returns JSON."""
        ex = self._find(name)
        return _json_result(ex, await self._invoke(ex)(_json_args(ex, json_text)))

    def cached_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Not offered for async plugins (the cache would hold coroutines); raises `PluginError`."""
        raise PluginError("cached_call is not offered by async plugins; use `await plugin.call(...)`")


def load(
    source: PluginSource | PluginSpec,
    *,
    runtime: Runtime | None = None,
    wasi: Wasi | None = None,
    limits: Limits | None = None,
    config: Mapping[str, str] | None = None,
    imports: Sequence[Import] = (),
    cache_size: int | None = 256,
    loader: PluginLoader | None = None,
    base: str | os.PathLike[str] | None = None,
) -> DynamicPlugin:
    """Compile and instantiate a plugin for dynamic calls.

    `config` is served to the guest through `witkit:plugin/config` whenever the component
    imports it (empty when not given); `imports` adds host functions. Without `runtime` the
    shared runtime able to enforce `limits` is used (`witkit.runtime.shared_runtime`, as by
    generated `load()`); with one, `wasi` and `limits` override its defaults.

    `source` may be a manifest entry (`load_manifest().plugins["id"]`): it is fetched through
    `loader` (relative `file:` paths start at `base`) and its config, WASI grants and limits
    are used unless given here.
    """
    if isinstance(source, PluginSpec):
        spec = source
        where = Path(base) if base is not None else None
        if loader is not None:
            source = loader.load(spec.id, spec.locator, base=where)
        else:
            with PluginLoader() as fetcher:
                source = fetcher.load(spec.id, spec.locator, base=where)
        config = {**spec.config, **(config or {})}
        wasi = wasi if wasi is not None else spec_wasi(spec)
        limits = limits if limits is not None else spec_limits(spec)
    cfg = validate_config(config)
    if runtime is None:
        runtime = shared_runtime(limits)
    component, linked = _linked(runtime, source, imports, cfg)
    try:
        instance = runtime.instantiate(component, linked, wasi=wasi, limits=limits)
    except PluginError as e:
        raise _missing_import_hint(e) from e
    return DynamicPlugin(instance, component, runtime.engine, config=cfg, cache_size=cache_size)


def _linked(
    runtime: Runtime, source: PluginSource, imports: Sequence[Import], cfg: dict[str, str]
) -> tuple[wc.Component, list[Import]]:
    """The compiled component and its imports, `witkit:plugin/config` added when it needs one."""
    component = runtime.compile(os.fspath(source) if isinstance(source, os.PathLike) else source)
    linked = list(imports)
    name = config_import_name(component.type, runtime.engine)
    if name is not None and not any(
        isinstance(i, ImportInterface) and i.name == name for i in linked
    ):
        linked.append(config_import(name, cfg))
    return component, linked


async def load_async(
    source: PluginSource,
    *,
    runtime: Runtime | None = None,
    wasi: Wasi | None = None,
    limits: Limits | None = None,
    config: Mapping[str, str] | None = None,
    imports: Sequence[Import] = (),
) -> AsyncDynamicPlugin:
    """Compile and instantiate a plugin whose calls are awaited on the running event loop.

    As `load` (for a path, WAT text or bytes); imports may be `async def` functions, awaited
    on the loop while the guest waits. Compiling runs in a worker thread (`asyncio.to_thread`),
    so the loop is not blocked by it either. A given `runtime` needs epoch interruption
    (`Runtime(cancellable=True)` or a timeout limit); without one a shared runtime with it
    is used.
    """
    cfg = validate_config(config)
    if runtime is None:
        runtime = shared_runtime(limits, epoch=True)
    rt = runtime
    component, linked = await asyncio.to_thread(_linked, rt, source, imports, cfg)
    try:
        instance = rt.instantiate_async(component, linked, wasi=wasi, limits=limits)
    except PluginError as e:
        raise _missing_import_hint(e) from e
    return AsyncDynamicPlugin(instance, component, rt.engine, config=cfg, cache_size=None)


_MISSING_IMPORT = re.compile(
    r"imports (?:instance|function|resource) `([^`]+)`, but a matching implementation was not found"
)


def _missing_import_hint(error: PluginError) -> PluginError:
    """wasmtime's "implementation was not found in the linker", with what is linked and how
    to provide the rest; other errors unchanged."""
    found = _MISSING_IMPORT.search(str(error))
    if found is None:
        return error
    return PluginError(
        f"{error}; witkit.load (and `witkit call`) link only WASI and witkit:plugin/config: "
        f"provide `{found.group(1)}` from Python with witkit.load(..., imports=[...]) "
        "(witkit.runtime.ImportInterface / ImportFunc), with generated bindings' imports "
        "class (witkit generate), or from another plugin with witkit.compose"
    )
