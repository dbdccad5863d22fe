"""Ordering (wit-parser's `ast/toposort.rs` and package sorting): semver and package-name
keys, the topological sort of interfaces, worlds and types, the dependency-first order of
packages, and the names a type definition depends on."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from witkit.wit import ast
from witkit.wit.model import PackageName

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


def semver_key(version: str) -> tuple[object, ...]:
    """A sort key ordering versions the way semver does (a pre-release sorts before its release)."""
    m = _SEMVER.match(version)
    if m is None:
        return ((0, ""), (0, ""), (0, ""), 0, (), version)
    major, minor, patch, pre, build = m.groups()
    pre_key: tuple[tuple[int, int, str], ...]
    if pre is None:
        rel = 1
        pre_key = ()
    else:
        rel = 0
        # A numeric identifier (no leading zeros) orders by length, then digits: int() of a
        # number past the int-string limit would raise.
        pre_key = tuple(
            (0, len(p), p) if p.isascii() and p.isdigit() else (1, 0, p) for p in pre.split(".")
        )
    numbers = tuple((len(n), n) for n in (major, minor, patch))
    return (*numbers, rel, pre_key, build or "")


def package_sort_key(name: PackageName) -> tuple[object, ...]:
    """wit-parser's derived `Ord` for `PackageName`: namespace, name, then version (none first)."""
    version: tuple[object, ...] = (0,) if name.version is None else (1, semver_key(name.version))
    return (name.namespace, name.name, version)


@dataclass(frozen=True)
class Cycle:
    """A dependency cycle found by `toposort`: the offending edge."""

    name: str
    span: ast.Span


@dataclass(frozen=True)
class Missing:
    """An edge to a node that does not exist."""

    name: str
    span: ast.Span


def toposort(deps: Mapping[str, Sequence[ast.Id]]) -> list[str] | Cycle | Missing:
    """Order `deps`' keys so every key comes after the names it depends on.

    Mirrors wit-parser's `toposort`: among the nodes that are ready, the one declared
    first goes first; a cycle or an unknown name is reported on the first offending edge.
    """
    keys = list(deps)
    index = {k: i for i, k in enumerate(keys)}
    remaining = [0] * len(keys)
    reverse: list[list[int]] = [[] for _ in keys]
    for i, k in enumerate(keys):
        edges = deps[k]
        remaining[i] = len(edges)
        for edge in edges:
            j = index.get(edge.name)
            if j is None:
                return Missing(edge.name, edge.span)
            reverse[j].append(i)
    heap = [i for i in range(len(keys)) if remaining[i] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        i = heapq.heappop(heap)
        order.append(keys[i])
        for j in reverse[i]:
            remaining[j] -= 1
            if remaining[j] == 0:
                heapq.heappush(heap, j)
    if len(order) == len(keys):
        return order
    for i, k in enumerate(keys):
        if remaining[i] == 0:
            continue
        for edge in deps[k]:
            if remaining[index[edge.name]] != 0:
                return Cycle(edge.name, edge.span)
    raise AssertionError("toposort: unordered nodes without a cycle")


def dfs_packages(
    names: Sequence[PackageName],
    deps_of: Callable[[PackageName], Sequence[tuple[PackageName, ast.Span]]],
) -> list[PackageName] | tuple[PackageName, ast.Span]:
    """Order packages dependencies-first the way wit-parser's `sort_unresolved_packages` does.

    `names` are visited in `package_sort_key` order; returns the order, or the
    (package, span) of the edge that closes a dependency cycle.
    """
    known = set(names)
    order: list[PackageName] = []
    done: set[PackageName] = set()
    visiting: set[PackageName] = set()
    # Depth first with a stack of its own: a chain of packages can be longer than Python's
    # recursion limit. A frame is a package and the dependencies it has yet to visit.
    for name in sorted(names, key=package_sort_key):
        if name in done:
            continue
        stack = [(name, iter(deps_of(name)))]
        while stack:
            pkg, deps = stack[-1]
            edge = next(deps, None)
            if edge is None:
                stack.pop()
                visiting.discard(pkg)
                done.add(pkg)
                order.append(pkg)
                continue
            dep, span = edge
            if dep in visiting:
                return (dep, span)
            if dep in known and dep not in done:
                visiting.add(dep)
                stack.append((dep, iter(deps_of(dep))))
    return order


def collect_deps(td: ast.TypeDef, out: list[ast.Id]) -> None:
    def walk(ty: ast.TypeExpr | None) -> None:
        match ty:
            case None | ast.Primitive():
                return
            case ast.Named():
                out.append(ty.name)
            case ast.HandleType():
                out.append(ty.resource)
            case ast.ListType() | ast.OptionType():
                walk(ty.element)
            case ast.FutureType() | ast.StreamType():
                walk(ty.element)
            case ast.MapType():
                walk(ty.key)
                walk(ty.value)
            case ast.ResultType():
                walk(ty.ok)
                walk(ty.err)
            case ast.TupleType():
                for t in ty.elements:
                    walk(t)

    match td:
        case ast.TypeAlias():
            walk(td.type)
        case ast.Record():
            for f in td.fields:
                walk(f.type)
        case ast.Variant():
            for c in td.cases:
                walk(c.type)
        case _:
            pass


# --------------------------------------------------------------------------- grouping files into packages
