"""Instantiating a checked plan: one instance (own store, own linear memory) per plugin, bridged by the host.

A consumer's import of a linked interface becomes host functions that lift the consumer's
arguments into plain Python values, call each provider's export with them (lowering them
into the provider's memory) and lower the provider's results back into the consumer. Values
cross by copy; no memory, table or handle is shared between plugins.

A resource of the linked interface crosses as a handle: the provider's own handle (a
`DynamicResource`) becomes a host resource in the consumer's handle table. The consumer's
borrow lends it to the provider's method for one call, its own moves it back into the
provider, and its drop runs the provider's destructor. A consumer can use only handles in its
own table (wasmtime refuses any other index), and a trapped provider's handles fail with a
`ProviderError` naming it (dropping one is a no-op). A consumer may hand such a handle to a
third plugin given the same provider's resource: there it enters that plugin's table as its
host resource, standing for the same provider handle.

A provider's failure (a trap, its fuel or its timeout) stays with that provider: it becomes a
`ProviderError` naming it, returned beside the other providers' results when the consumer's
import takes one `result<R, string>` per provider, raised otherwise. Time spent in a provider
is the provider's: the consumer's deadline is moved on by it (fuel is per store already).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import wasmtime.component as wc

from witkit.composition.cardinality import Cardinality
from witkit.composition.graph import BridgedFunc, Plan, PlannedLink, handles_in
from witkit.errors import PluginError, WitkitError
from witkit.plugins.dynamic import DynamicPlugin, invoker, load
from witkit.runtime import Runtime
from witkit.runtime.described import Describer, DynamicResource
from witkit.runtime.imports import Import, ImportFunc, ImportInterface, ImportResource
from witkit.runtime.types import Borrow, Err, HostResource, Own, Result, TypeDesc
from witkit.runtime.values import plain_in, plain_out

__all__ = ["Composition", "ProviderError", "instantiate"]


class ProviderError(PluginError):
    """One provider of a link failed (trapped, ran out of fuel or time); `plugin` names it.

    `cause` is the provider's own error (a `TrapError`, `FuelExhausted`, `Timeout`, ...).
    """

    def __init__(self, plugin: str, what: str, cause: BaseException) -> None:
        self.plugin = plugin
        self.what = what
        self.cause = cause
        super().__init__(f"provider `{plugin}` failed in {what}: {cause}")


class Composition:
    """Instantiated plugins of a graph, by id; call any of them, or an interface on all its providers."""

    def __init__(self, plan: Plan, plugins: dict[str, DynamicPlugin]) -> None:
        self.plan = plan
        self.plugins = plugins

    @property
    def order(self) -> tuple[str, ...]:
        """Plugin ids in instantiation order (providers first)."""
        return self.plan.order

    def __getitem__(self, plugin_id: str) -> DynamicPlugin:
        return self.plugins[plugin_id]

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self.plugins

    def call(self, plugin_id: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """`DynamicPlugin.call` on plugin `plugin_id`; an error's message starts by naming it."""
        try:
            return self.plugins[plugin_id].call(name, *args, **kwargs)
        except WitkitError as e:
            prefix = f"plugin `{plugin_id}`: "
            if e.args and isinstance(e.args[0], str) and not e.args[0].startswith(prefix):
                e.args = (prefix + e.args[0], *e.args[1:])
            raise

    def call_interface(self, name: str, *args: Any, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call `iface#func` (or `iface/func`) on every plugin exporting it: `[(plugin id, result), ...]`.

        Plugins are called in the order they were given to `compose`. A plugin that fails
        gives a `ProviderError` naming it in place of its result; the others are still called.
        """
        out: list[tuple[str, Any]] = []
        for pid in self.plan.nodes:
            plugin = self.plugins[pid]
            if _exports(plugin, name):
                try:
                    out.append((pid, plugin.call(name, *args, **kwargs)))
                except WitkitError as e:
                    out.append((pid, ProviderError(pid, name, e)))
        return out

    def close(self) -> None:
        """Release every instance."""
        for plugin in self.plugins.values():
            plugin.close()

    def __enter__(self) -> Composition:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _exports(plugin: DynamicPlugin, name: str) -> bool:
    try:
        plugin.signature(name)
    except PluginError:  # not exported, ambiguous, or of a kind dynamic calls do not support
        return False
    return True


def instantiate(plan: Plan, runtime: Runtime, *, cache_size: int | None = 256) -> Composition:
    """Instantiate every plugin of `plan`, providers first, linking each consumer to its providers."""
    plugins: dict[str, DynamicPlugin] = {}
    by_consumer: dict[str, list[PlannedLink]] = {}
    for link in plan.links:
        by_consumer.setdefault(link.consumer, []).append(link)
    hosted: dict[str, _Hosted] = {}
    try:
        for pid in plan.order:
            node = plan.nodes[pid]
            mine = by_consumer.get(pid, [])
            hosted[pid] = [
                (name, rty, HostResource(DynamicResource, name, on_drop=_drop_in_provider))
                for link in mine
                for name, rty in link.resources
            ]
            bridges: list[Import] = [_bridge(link, plugins, hosted) for link in mine]
            plugins[pid] = load(
                plan.components[pid],
                runtime=runtime,
                wasi=node.wasi,
                limits=node.limits,
                config=node.config,
                imports=[*node.imports, *bridges],
                cache_size=cache_size,
            )
    except BaseException:
        for plugin in plugins.values():
            plugin.close()
        raise
    return Composition(plan, plugins)


_Hosted = list[tuple[str, Any, HostResource]]
"""(resource name, the plugin's `ResourceType`, its host resource) for each resource it is given."""


def _bridge(
    link: PlannedLink, plugins: dict[str, DynamicPlugin], hosted: dict[str, _Hosted]
) -> ImportInterface:
    own = [(rty, res) for name, rty, res in hosted[link.consumer] if (name, rty) in link.resources]
    items: list[ImportFunc | ImportResource] = [
        ImportResource(name, res)
        for name, rty, res in hosted[link.consumer]
        if (name, rty) in link.resources
    ]
    assert len(own) == len(link.resources)
    # Every resource the consumer is given (of this link or another) is one of its host resources.
    describe = _CrossingDescriber([(rty, res) for _n, rty, res in hosted[link.consumer]])
    items += [_bridge_func(link, f, plugins, describe, hosted) for f in link.functions]
    return ImportInterface(link.import_name, items)


class _CrossingDescriber(Describer):
    """Describes the consumer's side of a link: its handles to the provider's resources are
    host resources whose objects are the provider's own handles (`DynamicResource`s)."""

    def __init__(self, resources: Sequence[tuple[Any, HostResource]]) -> None:
        super().__init__()
        self._resources = resources

    def __call__(self, vt: Any) -> TypeDesc:
        if isinstance(vt, (wc.OwnType, wc.BorrowType)):
            for rty, res in self._resources:
                if vt.ty == rty:
                    return Own(res) if isinstance(vt, wc.OwnType) else Borrow(res)
        return super().__call__(vt)


def _drop_in_provider(handle: DynamicResource) -> None:
    """The consumer dropped its last handle: the provider's destructor runs now.

    A provider that trapped or was closed took its resources with it; nothing is left to drop.
    """
    with contextlib.suppress(WitkitError):
        handle.drop()


def _bridge_func(
    link: PlannedLink,
    func: BridgedFunc,
    plugins: dict[str, DynamicPlugin],
    describe: Describer | None = None,
    hosted: dict[str, _Hosted] | None = None,
) -> ImportFunc:
    describe = describe if describe is not None else Describer()
    callers = {
        pid: _caller(plugins, pid, export, pty, (hosted or {}).get(pid, []))
        for (pid, export), pty in zip(func.provider_exports, func.provider_types, strict=False)
    }
    params = [describe(vt) for _n, vt in func.consumer_type.params]
    result = describe(func.consumer_type.result) if func.consumer_type.result is not None else None
    lift_args = [plain_out(d) for d in params]
    targets = func.provider_exports
    label = f"{link.import_name}#{func.name}"
    consumer = link.consumer

    def call_one(pid: str, export: str, plain: Sequence[Any]) -> Any:
        """The provider's answer, or a `ProviderError` naming it; its time is not the consumer's."""
        start = time.monotonic()
        try:
            call = callers.get(pid)
            return call(plain) if call is not None else plugins[pid].call(export, *plain)
        except WitkitError as e:
            return ProviderError(pid, label, e)
        finally:
            _give_back_time(plugins.get(consumer), time.monotonic() - start)

    def call_all(args: Sequence[Any]) -> list[tuple[str, Any]]:
        plain = [lift(a) for lift, a in zip(lift_args, args, strict=True)]
        return [(pid, call_one(pid, export, plain)) for pid, export in targets]

    def raising(args: Sequence[Any]) -> list[tuple[str, Any]]:
        answers = call_all(args)
        failed = [a for _p, a in answers if isinstance(a, ProviderError)]
        if len(failed) == 1:
            raise failed[0]
        if failed:
            raise PluginError("; ".join(str(f) for f in failed))
        return answers

    impl: Callable[..., Any]
    if result is None:

        def call_unit(*args: Any) -> None:
            raising(args)  # every provider is called; then any failure is raised

        impl = call_unit
    elif link.cardinality is Cardinality.ONE:
        impl = _returning(result, label, lambda args: raising(args)[0][1])
    elif link.cardinality is Cardinality.AT_MOST_ONE:
        nested = getattr(result, "nested", False)

        def one_or_none(args: Sequence[Any]) -> Any:
            answers = raising(args)
            if not answers:
                return None
            return {"some": answers[0][1]} if nested else answers[0][1]

        impl = _returning(result, label, one_or_none)
    elif func.isolated:

        def each(args: Sequence[Any]) -> Any:
            return [
                [pid, {"err": str(a)} if isinstance(a, ProviderError) else {"ok": a}]
                for pid, a in call_all(args)
            ]

        impl = _returning(result, label, each)
    else:
        impl = _returning(result, label, lambda args: [list(pair) for pair in raising(args)])
    return ImportFunc(func.name, params, result, impl)


def _caller(
    plugins: dict[str, DynamicPlugin], pid: str, export: str, pty: Any, hosted: _Hosted
) -> Callable[[Sequence[Any]], Any] | None:
    """For a provider taking or giving handles it was itself given by another plugin: a call
    with those as its host resources (a `DynamicPlugin` call would take them as its own)."""
    given = [(rty, res) for _n, rty, res in hosted]
    kinds = (wc.OwnType, wc.BorrowType)
    vts = [*(t for _n, t in pty.params), pty.result]
    if not any(
        isinstance(v, kinds) and any(v.ty == rty for rty, _r in given)
        for vt in vts
        for v in handles_in(vt)
    ):
        return None
    describe = _CrossingDescriber(given)
    params = [describe(t) for _n, t in pty.params]
    result = describe(pty.result) if pty.result is not None else None
    lowers = [plain_in(d) for d in params]
    state: list[Callable[[Sequence[Any]], Any]] = []

    def call(plain: Sequence[Any]) -> Any:
        if not state:  # the provider is instantiated by the time anything calls it
            fn = plugins[pid].instance.func(export, params, result)
            state.append(invoker(fn, result))
        values = [
            low(v, f"{export}() parameter {i}")
            for i, (low, v) in enumerate(zip(lowers, plain, strict=True))
        ]
        return state[0](values)

    return call


def _give_back_time(consumer: DynamicPlugin | None, spent: float) -> None:
    """Move the consumer's current deadline on by `spent` seconds, spent in a provider.

    The provider's call ran under its own timeout; the consumer's clock must not count it
    (the consumer's epoch check and its check after a host function both read this deadline).
    """
    if consumer is not None:
        consumer.instance.extend_deadline(spent)


def _returning(
    result: TypeDesc, label: str, answer: Callable[[Sequence[Any]], Any]
) -> Callable[..., Any]:
    """An import implementation lowering the plain `answer` into the consumer's result type."""
    where = f"{label} result"
    if isinstance(result, Result):
        # A function-level result: return the ok value, raise Err for the error case.
        ok = plain_in(result.ok) if result.ok is not None else None
        err = plain_in(result.err) if result.err is not None else None

        def unwrap(*args: Any) -> Any:
            ((tag, payload),) = answer(args).items()
            if tag == "ok":
                return ok(payload, where) if ok is not None else None
            raise Err(err(payload, where) if err is not None else None)

        return unwrap
    lower = plain_in(result)
    return lambda *args: lower(answer(args), where)
