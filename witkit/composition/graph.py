"""The plugin graph: nodes, links, and the plan checked before any plugin is instantiated.

`plan` compiles every plugin (compiling is not instantiating), reads each one's own types,
resolves every non-WASI import to its providers, and reports all problems at once as a
`CompositionError`: unknown plugins, missing providers, cardinality violations, type
mismatches (the consumer's import against each provider's export, shaped by cardinality),
and cycles. Only a clean plan is instantiated, providers before their consumers.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wasmtime.component as wc

from witkit.composition.cardinality import Cardinality
from witkit.composition.errors import CompositionError, Problem
from witkit.plugins.dynamic import PluginSource, spec_limits, spec_wasi
from witkit.plugins.loader import PluginLoader
from witkit.plugins.manifest import PluginSpec
from witkit.runtime import Runtime
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import, ImportFunc, ImportInterface
from witkit.runtime.worldcheck import (
    HOST_PROVIDED,
    component_type_text,
    func_type_text,
    handle_resources,
    handle_types,
)

__all__ = [
    "BridgedFunc",
    "Link",
    "Node",
    "Plan",
    "PlannedLink",
    "limit_problems",
    "node_for",
    "plan",
    "resolve",
    "runtime_for",
]


@dataclass(frozen=True)
class Node:
    """One plugin of a graph: its source and what it is granted (`witkit.load`'s options)."""

    source: PluginSource
    config: Mapping[str, str] = field(default_factory=dict)
    wasi: Wasi | None = None
    limits: Limits | None = None
    imports: Sequence[Import] = ()
    """Host functions for this plugin (world-level imports, or interfaces no plugin provides)."""


@dataclass(frozen=True)
class Link:
    """`consumer`'s import of `interface` is served by `providers` (None: every plugin exporting it).

    `interface` is `ns:pkg/iface`, with or without `@version`.
    """

    consumer: str
    interface: str
    providers: Sequence[str] | None = None
    cardinality: Cardinality = Cardinality.ONE


@dataclass(frozen=True)
class BridgedFunc:
    """One function of a link: the consumer's import type and each provider's export name."""

    name: str
    consumer_type: Any
    """The wasmtime `FuncType` of the consumer's import."""
    provider_exports: tuple[tuple[str, str], ...]
    """(provider id, full export name to call on it), in link order."""
    provider_has_result: bool
    isolated: bool = False
    """True when the consumer takes one `result<R, string>` per provider (a failure is an `err`)."""
    provider_types: tuple[Any, ...] = ()
    """Each provider's export `FuncType`, in `provider_exports` order."""


@dataclass(frozen=True)
class PlannedLink:
    """A checked link: the consumer's exact import name and each bridged function."""

    consumer: str
    import_name: str
    providers: tuple[str, ...]
    cardinality: Cardinality
    functions: tuple[BridgedFunc, ...]
    resources: tuple[tuple[str, Any], ...] = ()
    """(name, the consumer's `ResourceType`) of each resource of the interface: served by the
    provider, held by the consumer as host handles standing for the provider's."""


@dataclass(frozen=True)
class Plan:
    """A composition that passed every check: compiled components, links, instantiation order."""

    nodes: Mapping[str, Node]
    components: Mapping[str, wc.Component]
    links: tuple[PlannedLink, ...]
    order: tuple[str, ...]
    """Plugin ids, every provider before its consumers."""


def _unversioned(name: str) -> str:
    return name.split("@", 1)[0]


def _find(table: Mapping[str, Any], interface: str) -> str | None:
    """The key of `table` naming `interface` (exactly, or ignoring the version)."""
    if interface in table:
        return interface
    want = _unversioned(interface)
    hits = [k for k in table if _unversioned(k) == want]
    return hits[0] if len(hits) == 1 else None


def _has_resources(text: str) -> bool:
    return "own<" in text or "borrow<" in text


def node_for(
    spec: PluginSpec, loader: PluginLoader | None = None, base: str | os.PathLike[str] | None = None
) -> Node:
    """A node for a manifest entry: fetched through `loader`, with its config, grants and limits."""
    where = Path(base) if base is not None else None
    if loader is not None:
        path = loader.load(spec.id, spec.locator, base=where)
    else:
        with PluginLoader() as fetcher:
            path = fetcher.load(spec.id, spec.locator, base=where)
    return Node(path, dict(spec.config), spec_wasi(spec), spec_limits(spec))


def resolve(
    plugins: Mapping[str, Node | PluginSpec | PluginSource],
    loader: PluginLoader | None = None,
    base: str | os.PathLike[str] | None = None,
) -> dict[str, Node]:
    """Every entry of `plugins` as a `Node` (manifest entries fetched through `loader`)."""
    return {
        pid: n
        if isinstance(n, Node)
        else node_for(n, loader, base)
        if isinstance(n, PluginSpec)
        else Node(n)
        for pid, n in plugins.items()
    }


def runtime_for(nodes: Mapping[str, Node]) -> tuple[Runtime, dict[str, Node]]:
    """A runtime able to apply every node's limits, and the nodes with their limits made explicit.

    Fuel metering and timeouts are engine settings; the runtime gets them when a node asks.
    Nodes without limits get `Limits()`, so they run unlimited on it.
    """
    fuels = [n.limits.fuel for n in nodes.values() if n.limits is not None and n.limits.fuel]
    times = [n.limits.timeout for n in nodes.values() if n.limits is not None and n.limits.timeout]
    rt = Runtime(limits=Limits(fuel=max(fuels, default=None), timeout=max(times, default=None)))
    explicit = {
        pid: n if n.limits is not None else dataclasses.replace(n, limits=Limits())
        for pid, n in nodes.items()
    }
    return rt, explicit


def limit_problems(nodes: Mapping[str, Node], runtime: Runtime) -> list[Problem]:
    """A problem for each node asking for fuel or a timeout that `runtime` cannot meter."""
    out: list[Problem] = []
    for pid, node in nodes.items():
        lim = node.limits if node.limits is not None else runtime.limits
        for what, wanted, enabled, hint in (
            ("fuel", lim.fuel, runtime.fuel_metering, "Limits(fuel=...)"),
            ("timeout", lim.timeout, runtime.epoch_interruption, "Limits(timeout=...)"),
        ):
            if wanted is not None and not enabled:
                out.append(
                    Problem(
                        "runtime-limits",
                        f"`{pid}` asks for a {what} limit but the shared Runtime has no {what} "
                        f"metering: create it with Runtime(limits={hint}), or let compose create it",
                        pid,
                    )
                )
    return out


def plan(
    plugins: Mapping[str, Node | PluginSpec | PluginSource],
    links: Sequence[Link] = (),
    *,
    runtime: Runtime,
    host_provided: Sequence[str] = HOST_PROVIDED,
    loader: PluginLoader | None = None,
    base: str | os.PathLike[str] | None = None,
) -> Plan:
    """Check a composition without instantiating anything; raise `CompositionError` listing every problem.

    Every import of every plugin must be served: by WASI or witkit's config interface, by the
    node's own host `imports`, or by other plugins through a `Link`. An import without a
    `Link` is linked to the one plugin exporting it (cardinality `ONE`). Manifest entries
    (`PluginSpec`) are fetched through `loader`, relative `file:` paths starting at `base`.
    """
    nodes = resolve(plugins, loader, base)
    problems: list[Problem] = []
    engine = runtime.engine
    components: dict[str, wc.Component] = {}
    for pid, node in nodes.items():
        src = node.source
        components[pid] = runtime.compile(os.fspath(src) if isinstance(src, os.PathLike) else src)
    imports = {pid: c.type.imports(engine) for pid, c in components.items()}
    exports = {pid: c.type.exports(engine) for pid, c in components.items()}

    explicit: dict[tuple[str, str], Link] = {}
    for link in links:
        if link.consumer not in nodes:
            problems.append(
                Problem(
                    "unknown-plugin",
                    f"link to `{link.interface}`: no plugin `{link.consumer}`",
                    link.consumer,
                    link.interface,
                )
            )
            continue
        name = _find(imports[link.consumer], link.interface)
        if name is None:
            problems.append(
                Problem(
                    "not-linkable",
                    f"`{link.consumer}` does not import `{link.interface}`",
                    link.consumer,
                    link.interface,
                )
            )
            continue
        explicit[(link.consumer, name)] = link

    planned: list[PlannedLink] = []
    crossings: list[_Crossing] = []
    for pid in nodes:
        host_names = {
            i.name for i in nodes[pid].imports if isinstance(i, (ImportInterface, ImportFunc))
        }
        for name, ext in imports[pid].items():
            chosen = explicit.get((pid, name))
            if chosen is None and (name.startswith(tuple(host_provided)) or name in host_names):
                continue
            if not isinstance(ext.ty, wc.ComponentInstanceType):
                if isinstance(ext.ty, wc.FuncType):
                    problems.append(
                        Problem(
                            "missing-provider",
                            f"`{pid}` imports function `{name}`: give it in the node's host `imports`",
                            pid,
                            name,
                        )
                    )
                continue
            planned_link = _plan_link(
                pid, name, ext.ty, chosen, nodes, imports, exports, engine, problems, crossings
            )
            if planned_link is not None:
                planned.append(planned_link)

    problems.extend(_crossing_problems(crossings, planned))
    problems.extend(limit_problems(nodes, runtime))
    order = _order(list(nodes), planned, problems)
    if problems:
        raise CompositionError(problems)
    return Plan(nodes, components, tuple(planned), tuple(order))


def _plan_link(
    consumer: str,
    import_name: str,
    import_type: Any,
    link: Link | None,
    nodes: Mapping[str, Node],
    imports: Mapping[str, Mapping[str, Any]],
    exports: Mapping[str, Mapping[str, Any]],
    engine: Any,
    problems: list[Problem],
    crossings: list[_Crossing],
) -> PlannedLink | None:
    card = link.cardinality if link is not None else Cardinality.ONE
    start = len(problems)
    if link is not None and link.providers is not None:
        providers = list(link.providers)
        for p in providers:
            if p not in nodes:
                problems.append(
                    Problem(
                        "unknown-plugin",
                        f"`{consumer}` imports `{import_name}` from `{p}`: no such plugin",
                        consumer,
                        import_name,
                    )
                )
            elif _find(exports[p], import_name) is None:
                problems.append(
                    Problem(
                        "not-a-provider",
                        f"`{p}` does not export `{import_name}` (linked to `{consumer}`)",
                        consumer,
                        import_name,
                    )
                )
        providers = [
            p for p in providers if p in nodes and _find(exports[p], import_name) is not None
        ]
    else:
        providers = [
            p for p in nodes if p != consumer and _find(exports[p], import_name) is not None
        ]
    if not card.allows(len(providers)):
        if not providers:
            problems.append(
                Problem(
                    "missing-provider",
                    f"`{consumer}` imports `{import_name}` but no plugin provides it (needs {card.value} provider)",
                    consumer,
                    import_name,
                )
            )
        else:
            hint = "" if link is not None else "; link it with a Link giving a cardinality"
            problems.append(
                Problem(
                    "too-many-providers",
                    f"`{consumer}` imports `{import_name}` from {card.value} provider, found {len(providers)}: {', '.join(providers)}{hint}",
                    consumer,
                    import_name,
                )
            )
    funcs: list[BridgedFunc] = []
    wanted = {n: e.ty for n, e in import_type.exports(engine).items()}
    resources = tuple((n, t) for n, t in wanted.items() if isinstance(t, wc.ResourceType))
    for rname, _rty in resources:
        for p in providers:
            iface = _find(exports[p], import_name)
            assert iface is not None
            their = {n: e.ty for n, e in exports[p][iface].ty.exports(engine).items()}
            if not isinstance(their.get(rname), wc.ResourceType):
                problems.append(
                    Problem(
                        "type-mismatch",
                        f"`{p}` does not export resource `{iface}#{rname}`, which `{consumer}` imports",
                        consumer,
                        f"{import_name}#{rname}",
                    )
                )
    own_types = [t for _n, t in resources]
    for fname, fty in wanted.items():
        label = f"{import_name}#{fname}"
        if not isinstance(fty, wc.FuncType):
            continue
        consumer_text = func_type_text(fty)
        if _has_resources(consumer_text):
            used = [
                r for vt in [*(t for _n, t in fty.params), fty.result] for r in _resources_in(vt)
            ]
            foreign = [r for r in used if not any(r == t for t in own_types)]
            if any(_origin(imports[consumer], r, engine) is None for r in foreign):
                problems.append(
                    Problem(
                        "type-mismatch",
                        f"`{consumer}` imports `{label}: {consumer_text}`, using a resource of no "
                        "imported interface: only resources a plugin provides cross plugins",
                        consumer,
                        label,
                    )
                )
                continue
            if card is not Cardinality.ONE:
                problems.append(
                    Problem(
                        "type-mismatch",
                        f"`{consumer}` imports `{label}: {consumer_text}` from {card.value} provider: "
                        "resources cross plugins only on links to exactly one provider",
                        consumer,
                        label,
                    )
                )
                continue
        targets: list[tuple[str, str]] = []
        has_result = fty.result is not None
        isolated = False
        ptypes: list[Any] = []
        for p in providers:
            iface = _find(exports[p], import_name)
            assert iface is not None
            their = {n: e.ty for n, e in exports[p][iface].ty.exports(engine).items()}
            pty = their.get(fname)
            if not isinstance(pty, wc.FuncType):
                problems.append(
                    Problem(
                        "type-mismatch",
                        f"`{p}` does not export `{iface}#{fname}`, which `{consumer}` imports",
                        consumer,
                        label,
                    )
                )
                continue
            expected = _expected_import(pty, card, fty)
            if (
                card.many
                and pty.result is not None
                and consumer_text == _expected_import(pty, card, fty, isolated=True)
            ):
                isolated = True
                expected = consumer_text
            if expected != consumer_text:
                problems.append(
                    Problem(
                        "type-mismatch",
                        f"`{consumer}` imports `{label}` as `{consumer_text}`, but `{p}` exports `{func_type_text(pty)}` "
                        f"(with {card.value} provider the import must be `{expected}`)",
                        consumer,
                        label,
                    )
                )
                continue
            has_result = pty.result is not None
            targets.append((p, f"{iface}#{fname}"))
            ptypes.append(pty)
            if _has_resources(consumer_text):
                theirs = [
                    r
                    for vt in [*(t for _n, t in pty.params), pty.result]
                    for r in _resources_in(vt)
                ]
                mine = [r for r in used if not any(r == t for t in own_types)]
                their_foreign = [r for r in theirs if _origin(imports[p], r, engine) is not None]
                if len(mine) != len(their_foreign):
                    problems.append(
                        Problem(
                            "type-mismatch",
                            f"`{consumer}` passes resources of other interfaces in `{label}`, "
                            f"but `{p}` does not take them as resources it imports",
                            consumer,
                            label,
                        )
                    )
                for c_res, p_res in zip(mine, their_foreign, strict=False):
                    c_origin = _origin(imports[consumer], c_res, engine)
                    p_origin = _origin(imports[p], p_res, engine)
                    assert c_origin is not None and p_origin is not None
                    crossings.append(_Crossing(consumer, label, c_origin, p, p_origin))
        funcs.append(BridgedFunc(fname, fty, tuple(targets), has_result, isolated, tuple(ptypes)))
    if len(problems) > start:
        return None
    return PlannedLink(consumer, import_name, tuple(providers), card, tuple(funcs), resources)


@dataclass(frozen=True)
class _Crossing:
    """`consumer` passes, in `label`, its handle to resource `origin` (import name, resource)
    to `provider`, which takes it as its own import's resource `provider_origin`."""

    consumer: str
    label: str
    origin: tuple[str, str]
    provider: str
    provider_origin: tuple[str, str]


def _origin(imports: Mapping[str, Any], resource: Any, engine: Any) -> tuple[str, str] | None:
    """(import name, resource name) of the imported interface declaring `resource`."""
    for name, ext in imports.items():
        if isinstance(ext.ty, wc.ComponentInstanceType):
            for rname, item in ext.ty.exports(engine).items():
                if isinstance(item.ty, wc.ResourceType) and item.ty == resource:
                    return name, rname
    return None


def _crossing_problems(
    crossings: Sequence[_Crossing], links: Sequence[PlannedLink]
) -> list[Problem]:
    """A resource handed from one plugin to another must come to both from the same provider."""
    served = {(pl.consumer, pl.import_name): pl.providers for pl in links if pl.resources}
    out: list[Problem] = []
    for c in crossings:
        mine = served.get((c.consumer, c.origin[0]))
        theirs = served.get((c.provider, c.provider_origin[0]))
        same = (
            mine is not None
            and mine == theirs
            and c.origin[1] == c.provider_origin[1]
            and _unversioned(c.origin[0]) == _unversioned(c.provider_origin[0])
        )
        if not same:
            out.append(
                Problem(
                    "type-mismatch",
                    f"`{c.consumer}` passes its `{c.origin[0]}#{c.origin[1]}` to `{c.provider}` "
                    f"in `{c.label}`, but `{c.provider}` does not get "
                    f"`{c.provider_origin[0]}#{c.provider_origin[1]}` from the same plugin: a "
                    "resource crosses only between plugins linked to the plugin that made it",
                    c.consumer,
                    c.label,
                )
            )
    return out


def _resources_in(vt: Any) -> list[Any]:
    """The resource types an `own`/`borrow` anywhere inside value type `vt` refers to."""
    return handle_resources([vt])


def handles_in(vt: Any) -> list[Any]:
    """Every `own`/`borrow` type anywhere inside the wasmtime value type `vt` (None: none)."""
    return handle_types([vt])


def _expected_import(
    provider_type: Any, card: Cardinality, consumer_type: Any, *, isolated: bool = False
) -> str:
    """The import the consumer needs for this provider, under the consumer's parameter names.

    `isolated`: the shape taking one `result<R, string>` per provider (`Cardinality.many`).

    Values cross through the host, so parameter names need not agree; their types must.
    """
    names = [n for n, _ in consumer_type.params]
    if len(names) != len(provider_type.params):
        names = [n for n, _ in provider_type.params]
    params = ", ".join(
        f"{n}: {component_type_text(x)}"
        for n, (_, x) in zip(names, provider_type.params, strict=True)
    )
    if provider_type.result is None:
        return f"func({params})"
    text = card.result_text(component_type_text(provider_type.result), isolated=isolated)
    return f"func({params}) -> {text}"


def _order(ids: list[str], links: Sequence[PlannedLink], problems: list[Problem]) -> list[str]:
    """Providers before consumers; every cycle reported as `a -> b -> a`."""
    deps: dict[str, list[str]] = {i: [] for i in ids}
    for link in links:
        for p in link.providers:
            if p not in deps[link.consumer]:
                deps[link.consumer].append(p)
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []
    seen_cycles: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in deps[node]:
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    problems.append(
                        Problem(
                            "cycle",
                            "the plugins import each other in a cycle: " + " -> ".join(cycle),
                            node,
                        )
                    )
            elif state.get(dep) is None:
                visit(dep)
        stack.pop()
        state[node] = 2
        order.append(node)

    for i in ids:
        if state.get(i) is None:
            visit(i)
    return order
