"""What generated host bindings call at load time: the world check, resource binding, prepared calls.

Generated packages import this module as `_h`. Nothing here runs during a call: a generated
method calls the function `prepare` made, which itself names the parameter at fault when an
argument does not fit (`witkit.runtime.values.argument_fault`).
"""

from __future__ import annotations

import asyncio
import functools
import operator
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import wasmtime
import wasmtime.component as wc

from witkit.errors import ArgumentError, BindingError, PluginError
from witkit.runtime import ImportFunc, Instance, Limits, ResourceProxy, Runtime, shared_runtime
from witkit.runtime import types as t
from witkit.runtime._runtime import Source
from witkit.runtime.values import describe
from witkit.runtime.worldcheck import (
    WASI,
    ExpectedFunc,
    ExpectedInterface,
    ExpectedWorld,
    WorldMismatch,
    component_type_text,
    require_world,
)

__all__ = [
    "ArgumentError",
    "AsyncBoundResource",
    "BoundResource",
    "FuncSpec",
    "Source",
    "WorldMismatch",
    "WorldSpec",
    "bind_async_resource",
    "bind_resource",
    "check_component",
    "component_type_text",
    "default_runtime",
    "describe",
    "import_func",
    "load_component",
    "load_component_async",
    "member",
    "method",
    "prepare",
    "require",
    "require_class",
]

P = TypeVar("P", bound=ResourceProxy)
Q = TypeVar("Q", bound=ResourceProxy)
A = TypeVar("A", bound="AsyncBoundResource")


# ---------------------------------------------------------------------------------------------
# Loading


def default_runtime(limits: Limits | None = None, *, epoch: bool = False) -> Runtime:
    """The runtime `load` uses when none is given: the shared one able to enforce `limits`
    (`epoch=True`: with epoch interruption, which async plugins need)."""
    return shared_runtime(limits, epoch=epoch)


def load_component(runtime: Runtime, source: Source) -> wc.Component:
    """Compile `source` (see `Runtime.compile`: a `str` is WAT text or a file path)."""
    return runtime.compile(source)


async def load_component_async(runtime: Runtime, source: Source) -> wc.Component:
    """`load_component` in a worker thread, so the event loop runs on while it compiles."""
    return await asyncio.to_thread(load_component, runtime, source)


def require(obj: object, cls: type[Any] | tuple[type[Any], ...], what: str) -> None:
    """Raise BindingError unless `obj` is a `cls` (or one of them): a host import object of the
    wrong class."""
    if not isinstance(obj, cls):
        names = " or ".join(f"{c.__module__}.{c.__qualname__}" for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise BindingError(f"{what} must be an instance of {names}, got {type(obj).__qualname__}")


def member(obj: object, name: str) -> Any:
    """`obj.name`, or None when it is not set (`require` then names what is missing)."""
    return getattr(obj, name, None)


def require_class(cls: object, base: type[Any], what: str) -> None:
    """Raise BindingError unless `cls` is a subclass of `base` (an imported resource's class)."""
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise BindingError(
            f"{what} must name your subclass of {base.__module__}.{base.__qualname__}, got {cls!r}"
        )


# ---------------------------------------------------------------------------------------------
# Guest resources: one subclass per loaded instance holds that instance's prepared calls


class _Unbound:
    """Stands in for a plugin's prepared calls on a resource class not taken from a plugin."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def __getattr__(self, name: str) -> Any:
        raise PluginError(
            f"this resource class is not bound to a loaded plugin; use the one on the plugin "
            f"(`plugin.{self.owner}.<Resource>`)"
        )


class BoundResource(ResourceProxy):
    """Base of generated guest-resource classes: handles the guest returns come back bound."""

    _witkit_calls: ClassVar[Any] = _Unbound("<interface>")

    @classmethod
    def _witkit_wrap(
        cls: type[P], instance: Instance, handle: wc.ResourceAny, *, owned: bool = True
    ) -> P:
        """Wrap a handle in the subclass bound to `instance` (the descriptor names the base)."""
        bound: dict[type[Any], type[Any]] = getattr(instance, _BOUND_ATTR, {})
        target = bound.get(cls)
        if target is not None and target is not cls:
            made: P = target._witkit_wrap(instance, handle, owned=owned)
            return made
        return super()._witkit_wrap(instance, handle, owned=owned)


class AsyncBoundResource(BoundResource):
    """Base of generated guest-resource classes of async plugins (`AsyncCounter`).

    Methods and static functions are coroutines (`await counter.increment(2)`). The WIT
    constructor is the coroutine class method `new` (`await plugin.api.Counter.new(5)`): Python
    constructs objects synchronously (`__new__`/`__init__` cannot be awaited, and an
    `__await__` returned from `Counter(5)` would make a half-built object reachable), so
    calling the class itself raises PluginError naming `new`. Handles follow the sync classes'
    rules: an `own` argument moves the handle into the guest, `drop()` (or leaving an `async
    with` block) ends the proxy, later uses raise PluginError, and a resource of another
    plugin is refused. wasmtime 50 cannot run a guest destructor on an async store (see
    `AsyncInstance._drop_resource`): dropping releases the handle on the host side only.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Proxies of returned handles are made without `__init__` (`_witkit_wrap`).
        raise PluginError(
            f"{type(self).__name__}(...) cannot construct a guest resource of an async plugin (a "
            f"constructor cannot be awaited); use `await plugin.<interface>.<Resource>.new(...)`"
        )

    async def __aenter__(self: A) -> A:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.drop()


_BOUND_ATTR = "_witkit_bound_resources"
# Kept on the Instance itself (not in a weak map whose values would keep it alive).


def bind_resource(instance: Instance, base: type[P], calls: object) -> type[P]:
    """A subclass of `base` whose `_witkit_calls` are `instance`'s prepared functions."""
    return _bind(instance, base, base, calls)


def bind_async_resource(instance: Instance, base: type[BoundResource], proxy: type[Q], calls: object) -> type[Q]:
    """As `bind_resource` for an async plugin: handles of resource `base` that `instance`'s
    calls return come back as the returned subclass of `proxy` (`base`'s `Async<Resource>`)."""
    return _bind(instance, base, proxy, calls)


def _bind(instance: Instance, base: type[Any], proxy: type[Q], calls: object) -> type[Q]:
    bound = type(proxy.__name__, (proxy,), {"_witkit_calls": calls, "__module__": proxy.__module__})
    bound.__qualname__ = proxy.__qualname__
    table: dict[type[Any], type[Any]] | None = getattr(instance, _BOUND_ATTR, None)
    if table is None:
        table = {}
        setattr(instance, _BOUND_ATTR, table)
    table[base] = bound
    return bound


# ---------------------------------------------------------------------------------------------
# Calls


def prepare(instance: Instance, interface: str | None, spec: FuncSpec, where: str) -> Callable[..., Any]:
    """The prepared export `spec` of `interface` (None: a world-level export) on `instance`; a
    bad argument raises ArgumentError naming `where` (`Api.echo`) and the Python parameter."""
    name = spec.name if interface is None else f"{interface}#{spec.name}"
    names = tuple(py for _wit, py, _desc in spec.params)
    passed = _PASSED.get(instance.component)
    trusted = passed is not None and passed.get(id(spec)) is spec  # `check_component` covered it
    return instance.func(name, spec.descs, spec.result, where=where, names=names, trusted=trusted)


def method(name: str) -> Callable[..., Any]:
    """A host resource method as an import: calls `name` on the object the guest passes first."""

    def call(obj: Any, *args: Any) -> Any:
        return getattr(obj, name)(*args)

    call.__name__ = name
    return call


def import_func(spec: FuncSpec, impl: Callable[..., Any]) -> ImportFunc:
    """The runtime import serving `spec` with `impl`."""
    return ImportFunc(spec.name, spec.descs, spec.result, impl)


# ---------------------------------------------------------------------------------------------
# The world check: the component's own types against the world's (`witkit.runtime.worldcheck`)


@dataclass(frozen=True)
class FuncSpec:
    """A function of the world: its WIT name, parameters (WIT name, Python name, descriptor), result."""

    name: str
    params: tuple[tuple[str, str, t.TypeDesc], ...]
    result: t.TypeDesc | None

    @property
    def descs(self) -> list[t.TypeDesc]:
        """The parameters' descriptors."""
        return [d for _, _, d in self.params]

    def wit(self, *, resource_names: bool = True) -> str:
        """`func(a: u32, b: u32) -> u32`."""
        params = ", ".join(f"{n}: {describe(d, resource_names)}" for n, _, d in self.params)
        res = "" if self.result is None else f" -> {describe(self.result, resource_names)}"
        return f"func({params}){res}"

    @functools.cached_property
    def expected(self) -> ExpectedFunc:
        """What the world check expects of the component's function (types spelled structurally)."""
        params = tuple((n, describe(d, resource_names=False)) for n, _, d in self.params)
        result = None if self.result is None else describe(self.result, resource_names=False)
        descs = self.descs + ([] if self.result is None else [self.result])
        return ExpectedFunc(params, result, tuple(r.identity for r in handle_resources(descs)))


@dataclass(frozen=True)
class WorldSpec:
    """What a world expects of a component: functions grouped by interface (None: the world's own)."""

    name: str
    exports: tuple[tuple[str | None, tuple[FuncSpec, ...]], ...]
    imports: tuple[tuple[str | None, tuple[FuncSpec, ...]], ...] = ()
    resources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The resources each exported interface defines, which the component must export too."""
    places: tuple[tuple[str, str], ...] = ()
    """Which resource the world has at each place a component can hold one
    (`witkit.runtime.worldcheck.ExpectedWorld.resources`)."""

    @functools.cached_property
    def expected(self) -> ExpectedWorld:
        """The world as `witkit.runtime.worldcheck.check_world` takes it (built once)."""
        resources = dict(self.resources)

        def side(
            groups: tuple[tuple[str | None, tuple[FuncSpec, ...]], ...], exported: bool
        ) -> dict[str | None, ExpectedInterface]:
            out: dict[str | None, ExpectedInterface] = {}
            for iface, funcs in groups:
                owned = resources.get(iface, ()) if exported and iface is not None else ()
                out[iface] = ExpectedInterface({f.name: f.expected for f in funcs}, owned)
            return out

        return ExpectedWorld(
            self.name, side(self.exports, True), side(self.imports, False), dict(self.places)
        )


def handle_resources(descs: Sequence[t.TypeDesc]) -> list[t.ResourceDesc]:
    """The resource of every handle in `descs`, in the order
    `witkit.runtime.worldcheck.handle_resources` walks a component's types."""
    out: list[t.ResourceDesc] = []
    todo = list(reversed(descs))
    while todo:
        d = todo.pop()
        parts: list[t.TypeDesc | None]
        if isinstance(d, (t.Own, t.Borrow)):
            out.append(d.resource)
            continue
        if isinstance(d, (t.List, t.FixedList, t.Option)):
            parts = [d.elem]
        elif isinstance(d, t.Tuple):
            parts = list(d.elems)
        elif isinstance(d, t.Record):
            parts = [x for _, _, x in d.fields]
        elif isinstance(d, t.Variant):
            parts = [x for _, _, x in d.cases]
        elif isinstance(d, t.Result):
            parts = [d.ok, d.err]
        else:
            parts = []
        todo.extend(x for x in reversed(parts) if x is not None)
    return out


_PASSED: weakref.WeakKeyDictionary[wc.Component, dict[int, WorldSpec | FuncSpec]] = weakref.WeakKeyDictionary()
"""Per component: every world it passed the check against, and those worlds' exported
functions (by id; the dict holds them, so an id is not reused while the component lives)."""
_PASSED_LOCK = threading.Lock()


def check_component(component: wc.Component, engine: wasmtime.Engine, spec: WorldSpec) -> None:
    """Raise `WorldMismatch` (a BindingError) listing every difference, unless the component has
    every export of `spec` with the world's types and imports nothing the world does not offer
    (WASI aside) or offers with another type. The same check as `witkit check`.

    A component passes against a world once: later loads of it skip the check, and `prepare`
    trusts the signatures it covered instead of checking each export again.
    """
    passed = _PASSED.get(component)
    if passed is not None and passed.get(id(spec)) is spec:
        return
    require_world(component, spec.expected, engine, host_provided=WASI)
    with _PASSED_LOCK:
        covered = _PASSED.setdefault(component, {})
        covered[id(spec)] = spec
        for _iface, funcs in spec.exports:
            covered.update((id(f), f) for f in funcs)


def drop_hook(name: str) -> Callable[[object], None]:
    """What a host resource runs when the guest drops its last handle: the object's `name`
    method (`dropped` unless a WIT function took that name), so a subclass's override runs."""
    return operator.methodcaller(name)
