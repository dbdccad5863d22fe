"""Appending a resolved package's local arena to the global one (wit-parser's
`Remap::append`): `@unstable` items whose feature is off are dropped, resource names in
parameter position become `own<r>` handles, owners are rewritten to global ids, and each
world's `include`s are merged and the world elaborated."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit.resolve.local import LIface, LType, LWorld, Owner
from witkit.wit.resolve.package import PackageResolver
from witkit.wit.resolve.world import check_case_insensitive_names, elaborate_world, merge_include


def append(local: PackageResolver) -> int:
    """Append `local`'s package to the global arena; its global package id."""
    remap = _Remap(local)
    remap.append_types()
    remap.append_interfaces()
    remap.set_interface_owners()
    remap.append_worlds()
    remap.set_world_owners()
    remap.merge_and_elaborate_worlds()
    remap.name_package_items()
    return remap.pid


class _Remap:
    """Local ids to global ids for one package, filled step by step (None: gated off)."""

    def __init__(self, local: PackageResolver) -> None:
        self.local = local
        self.g = g = local.g
        self.err = local.err
        self.pid = len(g.packages)
        g.packages.append(m.Package(local.src.name, {}, {}, local.src.docs))
        g.package_names[local.src.name] = self.pid
        self.tmap: list[int | None] = []
        self.imap: list[int | None] = []
        self.wmap: list[int | None] = []
        self.own_handles: dict[int, int] = {}
        self.local_owner: dict[int, Owner] = {}

    # ---- references

    def map_type(self, t: int, span: ast.Span | None) -> int:
        got = self.tmap[t]
        if got is None:
            raise self.err(
                "found a reference to a type which is excluded due to its feature not "
                "being activated",
                span,
            )
        return got

    def map_iface(self, i: int, span: ast.Span | None, extra: str = "") -> int:
        got = self.imap[i]
        if got is None:
            raise self.err(
                "found a reference to a interface which is excluded due to its feature "
                "not being activated" + extra,
                span,
            )
        return got

    def update_ty(self, t: m.Type, span: ast.Span | None) -> m.Type:
        if isinstance(t, str):
            return t
        g = self.g
        new = self.map_type(t, span)
        if g.points_to_resource(new):
            if new not in self.own_handles:
                g.types.append(m.TypeDef(None, m.Handle("own", new), None))
                self.own_handles[new] = len(g.types) - 1
            return self.own_handles[new]
        return new

    def update_opt(self, t: m.Type | None, span: ast.Span | None) -> m.Type | None:
        return None if t is None else self.update_ty(t, span)

    def update_kind(self, lt: LType) -> m.TypeDefKind:
        k = lt.kind
        span = lt.span
        fs = lt.field_spans
        update_ty, update_opt = self.update_ty, self.update_opt
        match k:
            case m.Handle():
                return m.Handle(k.kind, self.map_type(k.resource, span))
            case m.Alias():
                return m.Alias(k.type if isinstance(k.type, str) else self.map_type(k.type, span))
            case m.Record():
                return m.Record(
                    tuple(
                        dataclasses.replace(f, type=update_ty(f.type, fs[i] if fs else span))
                        for i, f in enumerate(k.fields)
                    )
                )
            case m.Variant():
                return m.Variant(
                    tuple(
                        dataclasses.replace(c, type=update_opt(c.type, fs[i] if fs else span))
                        for i, c in enumerate(k.cases)
                    )
                )
            case m.Tuple():
                return m.Tuple(tuple(update_ty(t, span) for t in k.types))
            case m.Option():
                return m.Option(update_ty(k.type, span))
            case m.List():
                return m.List(update_ty(k.type, span))
            case m.FixedLengthList():
                return m.FixedLengthList(update_ty(k.type, span), k.size)
            case m.Map():
                return m.Map(update_ty(k.key, span), update_ty(k.value, span))
            case m.Result():
                return m.Result(update_opt(k.ok, span), update_opt(k.err, span))
            case m.Future():
                return m.Future(update_opt(k.type, span))
            case m.Stream():
                return m.Stream(update_opt(k.type, span))
        assert k is not None
        return k

    def update_function(self, f: m.Function, span: ast.Span) -> m.Function:
        resource = None if f.resource is None else self.map_type(f.resource, span)
        params = tuple(dataclasses.replace(p, type=self.update_ty(p.type, span)) for p in f.params)
        result = self.update_opt(f.result, span)
        if result is not None and self.g.has_borrow(result):
            raise self.err(
                f"function `{f.name}` returns a type which contains a `borrow<T>` which is "
                "not supported",
                span,
            )
        return dataclasses.replace(f, resource=resource, params=params, result=result)

    def carried(self, item: LType | LIface | LWorld, ids: list[int | None]) -> bool:
        """Record the global id of a foreign item, or None for one gated off, in `ids`;
        False for an item of this package to be appended."""
        if item.is_foreign:
            ids.append(item.foreign)
            return True
        if not self.g.include_stability(item.stability, self.pid, item.span):
            ids.append(None)
            return True
        return False

    def owned_by(self, kind: str) -> Iterator[tuple[LType, int, int]]:
        """This package's appended types owned by an interface (or world): each with its
        global id and the owner's local id."""
        for i, lt in enumerate(self.local.types):
            new_t = self.tmap[i]
            if lt.is_foreign or new_t is None:
                continue
            owner = self.local_owner[new_t]
            if owner is not None and owner[0] == kind:
                yield lt, new_t, owner[1]

    # ---- the steps, in wit-parser's order

    def append_types(self) -> None:
        g = self.g
        for lt in self.local.types:
            if self.carried(lt, self.tmap):
                continue
            kind = self.update_kind(lt)
            g.types.append(m.TypeDef(lt.name, kind, None, lt.docs, lt.stability))
            new = len(g.types) - 1
            self.local_owner[new] = lt.owner
            self.tmap.append(new)

    def append_interfaces(self) -> None:
        g, pid, tmap = self.g, self.pid, self.tmap
        for li in self.local.ifaces:
            if self.carried(li, self.imap):
                continue
            types = {n: tmap[t] for n, t in li.types.items() if tmap[t] is not None}
            funcs: dict[str, m.Function] = {}
            for lf in li.functions:
                if not g.include_stability(lf.func.stability, pid, lf.span):
                    continue
                funcs[lf.func.name] = self.update_function(lf.func, lf.span)
            g.interfaces.append(
                m.Interface(
                    li.name,
                    {n: t for n, t in types.items() if t is not None},
                    funcs,
                    pid,
                    li.docs,
                    li.stability,
                )
            )
            self.imap.append(len(g.interfaces) - 1)
            if li.name is not None:
                g.iface_types[len(g.interfaces) - 1] = {n: tmap[t] for n, t in li.types.items()}

    def set_interface_owners(self) -> None:
        g = self.g
        for lt, new_t, owner in self.owned_by("interface"):
            gi = self.map_iface(
                owner,
                lt.span,
                "; this type is not gated by a feature but its interface is",
            )
            g.types[new_t] = dataclasses.replace(g.types[new_t], owner=m.TypeOwner("interface", gi))

    def append_worlds(self) -> None:
        g, pid = self.g, self.pid
        for lw in self.local.worlds:
            if self.carried(lw, self.wmap):
                continue
            imports: dict[m.WorldKey, m.WorldItem] = {}
            exports: dict[m.WorldKey, m.WorldItem] = {}
            entries = [
                (k, v, s, True)
                for (k, v), s in zip(lw.imports.items(), lw.import_spans, strict=True)
            ] + [
                (k, v, s, False)
                for (k, v), s in zip(lw.exports.items(), lw.export_spans, strict=True)
            ]
            for key, item, span, is_import in entries:
                stab: m.Stability
                if isinstance(item, m.WorldType):
                    mapped = self.map_type(item.id, span)
                    item = m.WorldType(mapped)
                    stab = g.types[mapped].stability
                elif isinstance(item, m.WorldInterface):
                    stab = item.stability
                else:
                    stab = item.function.stability
                if not g.include_stability(stab, pid, span):
                    continue
                new_key: m.WorldKey = key if isinstance(key, str) else self.map_iface(key, span)
                if isinstance(item, m.WorldInterface):
                    item = m.WorldInterface(
                        self.map_iface(item.id, span), item.stability, item.docs
                    )
                elif isinstance(item, m.WorldFunction):
                    item = m.WorldFunction(self.update_function(item.function, span))
                (imports if is_import else exports)[new_key] = item
            g.worlds.append(m.World(lw.name, imports, exports, pid, lw.docs, lw.stability))
            self.wmap.append(len(g.worlds) - 1)

    def set_world_owners(self) -> None:
        g = self.g
        for lt, new_t, owner in self.owned_by("world"):
            gw = self.wmap[owner]
            if gw is None:
                raise self.err(
                    "found a reference to a world which is excluded due to its feature "
                    "not being activated; this type is not gated by a feature but its "
                    "world is",
                    lt.span,
                )
            g.types[new_t] = dataclasses.replace(g.types[new_t], owner=m.TypeOwner("world", gw))

    def merge_and_elaborate_worlds(self) -> None:
        g, pid = self.g, self.pid
        for lw, gw in zip(self.local.worlds, self.wmap, strict=True):
            if lw.is_foreign or gw is None:
                continue
            for inc in lw.includes:
                if not g.include_stability(inc.stability, pid, inc.span):
                    continue
                target = self.wmap[inc.world]
                if target is None:
                    raise self.err(
                        "found a reference to a world which is excluded due to its feature "
                        "not being activated",
                        inc.span,
                    )
                merge_include(g, gw, target, inc.names, inc.span, pid)
            check_case_insensitive_names(g, gw, lw.span)
            elaborate_world(g, gw, lw.span)

    def name_package_items(self) -> None:
        """Name the package's interfaces and worlds, and record those gated off too."""
        g, pid = self.g, self.pid
        pkg = g.packages[pid]
        ifaces = {}
        all_ifaces: dict[str, int | None] = {}
        for li, maybe_gi in zip(self.local.ifaces, self.imap, strict=True):
            if li.is_foreign or li.name is None:
                continue
            all_ifaces[li.name] = maybe_gi
            if maybe_gi is not None:
                ifaces[li.name] = maybe_gi
        worlds = {}
        all_worlds: dict[str, int | None] = {}
        for lw, gw in zip(self.local.worlds, self.wmap, strict=True):
            if lw.is_foreign:
                continue
            all_worlds[lw.name] = gw
            if gw is not None:
                worlds[lw.name] = gw
        g.packages[pid] = dataclasses.replace(pkg, interfaces=ifaces, worlds=worlds)
        g.pkg_interfaces[pid] = all_ifaces
        g.pkg_worlds[pid] = all_worlds
