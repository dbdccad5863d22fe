"""The global arena: the `Resolve` under construction, with the per-package name tables
and the counters that bound what `include` and world elaboration may produce."""

from __future__ import annotations

from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit.resolve.source import Sources
from witkit.wit.resolve.toposort import semver_key


class Global:
    """The `Resolve` under construction (mutable lists, frozen at the end)."""

    def __init__(self, features: frozenset[str] | None, sources: Sources) -> None:
        self.features = features
        self.sources = sources
        self.packages: list[m.Package] = []
        self.worlds: list[m.World] = []
        self.interfaces: list[m.Interface] = []
        self.types: list[m.TypeDef] = []
        self.package_names: dict[m.PackageName, int] = {}
        # Names of every package's items, including those dropped by a feature gate (None).
        self.pkg_interfaces: dict[int, dict[str, int | None]] = {}
        self.pkg_worlds: dict[int, dict[str, int | None]] = {}
        self.iface_types: dict[int, dict[str, int | None]] = {}
        self.include_copies = 0
        """What `include` has copied so far (see `MAX_INCLUDE_COPIES`)."""
        self.implied_imports = 0
        """Interfaces worlds import because what they import uses them (`MAX_IMPLIED_IMPORTS`)."""
        self.direct_deps: dict[int, tuple[int, ...]] = {}
        """The interfaces each interface uses, once worked out (`elaborate_world` asks again
        for every world)."""

    def include_stability(self, stability: m.Stability, pkg: int, span: ast.Span | None) -> bool:
        """wit-parser's `include_stability`: is an item with this gate part of the result?"""
        if stability is None:
            return True
        if isinstance(stability, m.Stable):
            name = self.packages[pkg].name
            if name.version is None:
                raise self.sources.error(
                    f"package [{name}] contains a feature gate with a version specifier, "
                    "so it must have a version",
                    span,
                )
            if semver_key(stability.since) > semver_key(name.version):
                raise self.sources.error(
                    f"feature gate cannot reference unreleased version {stability.since} "
                    f"of package [{name}] (current version {name.version})",
                    span,
                )
            return True
        return self.features is None or stability.feature in self.features

    def points_to_resource(self, ty: int) -> bool:
        target = m.dealias_in(self.types, ty)
        return isinstance(target, int) and isinstance(self.types[target].kind, m.Resource)

    def has_borrow(self, ty: m.Type | None) -> bool:
        """Whether `ty` holds a `borrow<T>` anywhere (a walk with its own stack: a chain of
        records can be far longer than Python's recursion limit)."""
        todo = [ty]
        seen: set[int] = set()
        while todo:
            t = todo.pop()
            if not isinstance(t, int) or t in seen:
                continue
            seen.add(t)
            k = self.types[t].kind
            if isinstance(k, m.Handle):
                if k.kind == "borrow":
                    return True
                continue
            todo.extend(m.kind_parts(k))
        return False

    def world_key_name(self, key: m.WorldKey) -> str:
        if isinstance(key, str):
            return key
        iface = self.interfaces[key]
        assert iface.name is not None and iface.package is not None
        return self.packages[iface.package].name.interface_id(iface.name)

    def freeze(self) -> m.Resolve:
        return m.Resolve(
            packages=tuple(self.packages),
            worlds=tuple(self.worlds),
            interfaces=tuple(self.interfaces),
            types=tuple(self.types),
            features=self.features,
        )

    # ---- worlds: include and elaborate (wit-parser's resolve.rs)
