"""Name resolution of one package into its local arena (wit-parser's `ast/resolve.rs`):
foreign references, interfaces and worlds in dependency order, types in dependency order,
anonymous types shared. `remap` then appends the arena to the global one."""

from __future__ import annotations

from collections.abc import Sequence

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit.resolve.arena import Global
from witkit.wit.resolve.local import (
    AstItem,
    Include,
    LFunc,
    LIface,
    Lookup,
    LType,
    LWorld,
    Owner,
)
from witkit.wit.resolve.source import PackageSource, PathKind, for_each_path, pkg_name
from witkit.wit.resolve.toposort import Cycle, Missing, collect_deps, toposort

MAP_KEY_TYPES = m.PRIMITIVES - {"f32", "f64", "error-context"}
"""The primitives a `map<K, V>` key may be: every one but floats and `error-context`."""


_TYPE_ITEMS = (ast.Use, ast.TypeAlias, ast.Record, ast.Variant, ast.Enum, ast.Flags, ast.Resource)
"""Interface and world items that declare or bring in types (resolved before functions)."""


class PackageResolver:
    """Resolves one package into a local arena (`remap.append` adds it to the global `Resolve`)."""

    def __init__(self, glob: Global, src: PackageSource) -> None:
        self.g = glob
        self.err = glob.sources.error
        self.src = src
        self.types: list[LType] = []
        self.ifaces: list[LIface] = []
        self.worlds: list[LWorld] = []
        self.anon_types: dict[m.TypeDefKind, int] = {}
        self.type_lookup: Lookup = {}
        self.foreign_items: dict[tuple[m.PackageName, str], AstItem] = {}
        self.foreign_type_stubs: dict[tuple[int, str], int] = {}
        self.package_items: dict[str, AstItem] = {}
        self.file_items: list[dict[str, AstItem]] = []
        self.cur_decl = 0
        self.required_resources: list[tuple[int, ast.Span]] = []  # foreign types in handles

    # ---- entry

    def run(self) -> PackageResolver:
        """Resolve the package into the local arena; `remap.append` then adds it to the global one."""
        self.populate_foreign_deps()
        iface_order, world_order = self.populate_ast_items()
        iface_ast: dict[int, tuple[ast.Interface, int]] = {}
        world_ast: dict[int, tuple[ast.World, int]] = {}
        for i, decl in enumerate(self.src.decls):
            for item in decl.items:
                if isinstance(item, ast.Interface):
                    iface_ast[self.file_items[i][item.name.name][1]] = (item, i)
                elif isinstance(item, ast.World):
                    world_ast[self.file_items[i][item.name.name][1]] = (item, i)
        for iid in iface_order:
            iface, i = iface_ast[iid]
            self.cur_decl = i
            self.resolve_interface(iid, iface.items, iface.docs, iface.attributes)
        for wid in world_order:
            world, i = world_ast[wid]
            self.cur_decl = i
            self.resolve_world(wid, world)
        stubs: list[LIface | LWorld | LType] = [*self.ifaces, *self.worlds, *self.types]
        for stub in stubs:
            if stub.deferred is not None:
                raise stub.deferred
        # `validate_resource` left the foreign types a handle names to be checked here, once
        # their packages are in the global arena.
        for ty, span in self.required_resources:
            foreign = self.types[ty].foreign
            # A gated-off foreign type (None) is checked, if ever, where it is used.
            if foreign is not None and not self.g.points_to_resource(foreign):
                raise self.err("type used in a handle must be a resource", span)
        return self

    # ---- foreign references

    def populate_foreign_deps(self) -> None:
        # Every mention of each foreign item, in wit-parser's `for_each_path` order.
        mentions: dict[
            tuple[m.PackageName, str], list[tuple[PathKind, ast.ForeignPath, m.Stability]]
        ]
        mentions = {}
        for decl in self.src.decls:
            for _cur, path, kind, attrs in for_each_path(decl):
                if not isinstance(path, ast.ForeignPath):
                    continue
                pname = pkg_name(path.package)
                self.src.foreign_deps.setdefault(pname, path.package.span)
                key = (pname, path.name.name)
                mentions.setdefault(key, []).append((kind, path, self.stability(attrs)))
        for (pname, _name), found in mentions.items():
            kind, path, _stability = found[0]
            # A foreign item only mentioned under feature gates that are all off is
            # left dangling (wit-parser's `process_foreign_interfaces`).
            gated = not any(self.feature_enabled(s) for _k, _p, s in found)
            if kind == "world":
                try:
                    wid = self.foreign_world(pname, path, gated)
                except WitError as e:
                    self.worlds.append(
                        LWorld(path.name.name, path.name.span, is_foreign=True, deferred=e)
                    )
                    wid = len(self.worlds) - 1
                self.foreign_items[(pname, path.name.name)] = ("world", wid)
            else:
                try:
                    iid = self.foreign_iface(pname, path, gated)
                except WitError as e:
                    self.ifaces.append(
                        LIface(path.name.name, path.name.span, is_foreign=True, deferred=e)
                    )
                    iid = len(self.ifaces) - 1
                self.foreign_items[(pname, path.name.name)] = ("interface", iid)

    def feature_enabled(self, stability: m.Stability) -> bool:
        if isinstance(stability, m.Unstable):
            return self.g.features is None or stability.feature in self.g.features
        return True

    def foreign_package(self, pname: m.PackageName, span: ast.Span) -> int:
        pid = self.g.package_names.get(pname)
        if pid is None:
            # wit-parser registers the package being added before it looks for its deps.
            known = "".join(f"\n    {n}" for n in [*self.g.package_names, self.src.name])
            raise self.err(f"package '{pname}' not found. known packages:{known}", span)
        return pid

    def foreign_iface(self, pname: m.PackageName, path: ast.ForeignPath, gated: bool) -> int:
        pid = self.foreign_package(pname, path.package.span)
        names = self.g.pkg_interfaces[pid]
        if gated:
            names = {path.name.name: None}
        if path.name.name not in names:
            raise self.err(
                f"interface '{path.name.name}' not found in package '{pname}'", path.name.span
            )
        gid = names[path.name.name]
        self.ifaces.append(
            LIface(path.name.name, path.name.span, foreign=gid, is_foreign=True, foreign_pkg=pname)
        )
        return len(self.ifaces) - 1

    def foreign_world(self, pname: m.PackageName, path: ast.ForeignPath, gated: bool) -> int:
        pid = self.foreign_package(pname, path.package.span)
        names = self.g.pkg_worlds[pid]
        if gated:
            names = {path.name.name: None}
        if path.name.name not in names:
            raise self.err(
                f"world '{path.name.name}' not found in package '{pname}'", path.name.span
            )
        self.worlds.append(
            LWorld(path.name.name, path.name.span, foreign=names[path.name.name], is_foreign=True)
        )
        return len(self.worlds) - 1

    def foreign_type(self, iface: LIface, name: ast.Id) -> int:
        assert iface.is_foreign
        if iface.deferred is not None:
            return self.alloc_type(
                LType(name.name, None, None, name.span, is_foreign=True, deferred=iface.deferred)
            )
        if iface.foreign is None:
            # The interface is gated off; so is this `use` (or using it is an error later).
            return self.alloc_type(LType(name.name, None, None, name.span, is_foreign=True))
        table = self.g.iface_types[iface.foreign]
        if name.name not in table:
            return self.alloc_type(
                LType(
                    name.name,
                    None,
                    None,
                    name.span,
                    is_foreign=True,
                    deferred=self.err(f"type `{name.name}` not defined in interface", name.span),
                )
            )
        gid = table[name.name]
        key = (iface.foreign, name.name)
        if key not in self.foreign_type_stubs:
            self.types.append(LType(name.name, None, None, name.span, foreign=gid, is_foreign=True))
            self.foreign_type_stubs[key] = len(self.types) - 1
        return self.foreign_type_stubs[key]

    # ---- interfaces and worlds of this package (wit-parser's populate_ast_items)

    def populate_ast_items(self) -> tuple[list[int], list[int]]:
        package_items: dict[str, ast.Id] = {}
        names: dict[str, ast.Interface | ast.World] = {}
        order: dict[str, list[ast.Id]] = {}
        for decl in self.src.decls:
            for item in decl.items:
                if isinstance(item, ast.Interface | ast.World):
                    if item.name.name in package_items:
                        raise self.err(f"duplicate item named `{item.name.name}`", item.name.span)
                    package_items[item.name.name] = item.name
                    order[item.name.name] = []
                    names[item.name.name] = item

        for decl in self.src.decls:
            file_ns: dict[str, ast.Id | None] = {}
            for item in decl.items:
                if isinstance(item, ast.ToplevelUse):
                    name = item.alias or item.path.name
                    src = item.path.name if isinstance(item.path, ast.LocalPath) else None
                else:
                    name = item.name
                    src = item.name
                if name.name in file_ns:
                    raise self.err(f"duplicate name `{name.name}` in this file", name.span)
                file_ns[name.name] = src
            for cur, path, _kind, _attrs in for_each_path(decl):
                if cur is None or not isinstance(path, ast.LocalPath):
                    continue
                used = path.name
                if used.name in file_ns:
                    target = file_ns[used.name]
                    if target is None:
                        continue
                    order[cur.name].append(target)
                elif used.name in package_items:
                    order[cur.name].append(package_items[used.name])
                else:
                    raise self.err(f"interface or world `{used.name}` does not exist", used.span)

        topo = toposort(order)
        if isinstance(topo, Cycle):
            raise self.err(f"interface or world `{topo.name}` depends on itself", topo.span)
        if isinstance(topo, Missing):
            raise self.err(f"interface or world `{topo.name}` does not exist", topo.span)

        ids: dict[str, AstItem] = {}
        iface_order: list[int] = []
        world_order: list[int] = []
        for node_name in topo:
            node = names[node_name]
            if isinstance(node, ast.Interface):
                self.ifaces.append(LIface(node_name, node.name.span))
                ids[node_name] = ("interface", len(self.ifaces) - 1)
                iface_order.append(len(self.ifaces) - 1)
            else:
                self.worlds.append(LWorld(node_name, node.name.span))
                ids[node_name] = ("world", len(self.worlds) - 1)
                world_order.append(len(self.worlds) - 1)
        self.package_items = ids

        for decl in self.src.decls:
            items: dict[str, AstItem] = {}
            for item in decl.items:
                if isinstance(item, ast.ToplevelUse):
                    if item.attributes:
                        raise self.err(
                            "attributes not allowed on top-level use", item.path.name.span
                        )
                    name = item.alias or item.path.name
                    if isinstance(item.path, ast.LocalPath):
                        if item.path.name.name not in ids:
                            raise self.err(
                                f"interface or world `{item.path.name.name}` does not exist",
                                item.path.name.span,
                            )
                        items[name.name] = ids[item.path.name.name]
                    else:
                        items[name.name] = self.foreign_items[
                            (pkg_name(item.path.package), item.path.name.name)
                        ]
                else:
                    items[item.name.name] = ids[item.name.name]
            self.file_items.append(items)
        return iface_order, world_order

    def resolve_path(self, path: ast.UsePath) -> tuple[AstItem, str, ast.Span]:
        if isinstance(path, ast.LocalPath):
            item = self.file_items[self.cur_decl].get(path.name.name) or self.package_items.get(
                path.name.name
            )
            if item is None:
                raise self.err(
                    f"interface or world `{path.name.name}` does not exist", path.name.span
                )
            return item, path.name.name, path.name.span
        key = (pkg_name(path.package), path.name.name)
        return self.foreign_items[key], path.name.name, path.name.span

    def iface_of(self, item: AstItem, name: str, span: ast.Span) -> int:
        if item[0] == "world":
            raise self.err(f"name `{name}` is defined as a world, not an interface", span)
        return item[1]

    def world_of(self, item: AstItem, name: str, span: ast.Span) -> int:
        if item[0] == "interface":
            raise self.err(f"name `{name}` is defined as an interface, not a world", span)
        return item[1]

    # ---- attributes

    def stability(self, attrs: tuple[ast.Attribute, ...]) -> m.Stability:
        if not attrs:
            return None
        since = [a for a in attrs if isinstance(a, ast.Since)]
        unstable = [a for a in attrs if isinstance(a, ast.Unstable)]
        deprecated = [a for a in attrs if isinstance(a, ast.Deprecated)]
        if len(attrs) > 2 or len(since) > 1 or len(unstable) > 1 or len(deprecated) > 1:
            raise self.err("unsupported combination of attributes", attrs[1].span)
        dep = deprecated[0].version if deprecated else None
        if since and not unstable:
            return m.Stable(since[0].version, dep)
        if unstable and not since:
            return m.Unstable(unstable[0].feature, dep)
        if deprecated and len(attrs) == 1:
            raise self.err(
                "must pair @deprecated with either @since or @unstable", deprecated[0].span
            )
        raise self.err("unsupported combination of attributes", attrs[1].span)

    # ---- names in an interface or world

    def define_name(self, name: ast.Id, item: int | str) -> None:
        if name.name in self.type_lookup:
            raise self.err(f"name `{name.name}` is defined more than once", name.span)
        self.type_lookup[name.name] = (item, name.span)

    def alloc_type(self, t: LType) -> int:
        self.types.append(t)
        return len(self.types) - 1

    # ---- interfaces

    def resolve_interface(
        self,
        iid: int,
        items: tuple[ast.InterfaceItem, ...],
        docs: ast.Docs,
        attrs: tuple[ast.Attribute, ...],
    ) -> None:
        iface = self.ifaces[iid]
        iface.docs = docs.contents
        iface.stability = self.stability(attrs)
        defs = [i for i in items if isinstance(i, _TYPE_ITEMS)]
        self.resolve_types(("interface", iid), defs)
        for name, (item, _span) in self.type_lookup.items():
            assert isinstance(item, int)
            iface.types[name] = item
        for it in items:
            if isinstance(it, ast.NamedFunc):
                self.define_name(it.name, "function")
                kind: m.FunctionKindName = (
                    "async-freestanding" if it.func.is_async else "freestanding"
                )
                func = self.resolve_function(
                    it.docs, it.attributes, it.name.name, it.func, kind, None, it.name
                )
                iface.functions.append(LFunc(func, it.name.span))
            elif isinstance(it, ast.Resource):
                for rf in it.funcs:
                    iface.functions.append(
                        LFunc(self.resolve_resource_func(rf, it.name), rf.name.span)
                    )
        iface.lookup = self.type_lookup
        self.type_lookup = {}

    def resolve_use(self, owner: Owner, u: ast.Use) -> None:
        item, name, span = self.resolve_path(u.path)
        src_id = self.iface_of(item, name, span)
        src = self.ifaces[src_id]
        stability = self.stability(u.attributes)
        for un in u.names:
            if src.is_foreign:
                tid = self.foreign_type(src, un.name)
            else:
                found = src.lookup.get(un.name.name)
                if found is None:
                    raise self.err(f"name `{un.name.name}` does not exist", un.name.span)
                if not isinstance(found[0], int):
                    raise self.err(f"cannot import {found[0]} `{un.name.name}`", un.name.span)
                tid = found[0]
            local = un.alias or un.name
            new = self.alloc_type(
                LType(local.name, m.Alias(tid), owner, local.span, stability=stability)
            )
            self.define_name(local, new)

    def resolve_types(self, owner: Owner, items: Sequence[ast.Use | ast.TypeDef]) -> None:
        assert not self.type_lookup
        for it in items:
            if isinstance(it, ast.Use):
                self.resolve_use(owner, it)
        deps: dict[str, list[ast.Id]] = {}
        defs: dict[str, ast.TypeDef | None] = {}
        for it in items:
            if isinstance(it, ast.Use):
                for un in it.names:
                    local = un.alias or un.name
                    deps[local.name] = []
                    defs[local.name] = None
            else:
                if it.name.name in defs and defs[it.name.name] is not None:
                    raise self.err(f"name `{it.name.name}` is defined more than once", it.name.span)
                defs[it.name.name] = it
                d: list[ast.Id] = []
                collect_deps(it, d)
                deps[it.name.name] = d
        topo = toposort(deps)
        if isinstance(topo, Missing):
            msg = f"type `{topo.name}` does not exist"
            if topo.name in ("float32", "float64"):
                new = "f32" if topo.name == "float32" else "f64"
                msg += (
                    f"\nthe `{topo.name}` type has been renamed to `{new}` and is no longer "
                    "accepted, but the `WIT_REQUIRE_F32_F64=0` environment variable can be "
                    "used to temporarily disable this error"
                )
            raise self.err(msg, topo.span)
        if isinstance(topo, Cycle):
            raise self.err(f"type `{topo.name}` depends on itself", topo.span)
        for name in topo:
            td = defs.pop(name, None)
            if td is None:
                continue
            stability = self.stability(td.attributes)
            kind, field_spans = self.resolve_type_def(td, stability)
            tid = self.alloc_type(
                LType(
                    td.name.name,
                    kind,
                    owner,
                    td.name.span,
                    td.docs.contents,
                    stability,
                    field_spans,
                )
            )
            self.define_name(td.name, tid)

    # ---- types

    def resolve_type_def(
        self, td: ast.TypeDef, stability: m.Stability
    ) -> tuple[m.TypeDefKind, tuple[ast.Span, ...]]:
        if isinstance(td, ast.TypeAlias):
            return self.resolve_type_kind(td.type, stability), ()
        if isinstance(td, ast.Resource):
            ctors = 0
            seen: set[str] = set()
            for f in td.funcs:
                if f.kind == "constructor":
                    ctors += 1
                    if ctors > 1:
                        raise self.err("duplicate constructors", f.name.span)
                elif f.name.name in seen:
                    raise self.err(f"duplicate function name `{f.name.name}`", f.name.span)
                else:
                    seen.add(f.name.name)
            return m.Resource(), ()
        if isinstance(td, ast.Record):
            fields = tuple(
                m.Field(f.name.name, self.resolve_type(f.type, stability), f.docs.contents)
                for f in td.fields
            )
            return m.Record(fields), tuple(f.name.span for f in td.fields)
        if isinstance(td, ast.Flags):
            return m.Flags(tuple(m.Flag(f.name.name, f.docs.contents) for f in td.flags)), ()
        if isinstance(td, ast.Variant):
            if not td.cases:
                raise self.err("empty variant", td.name.span)
            cases = tuple(
                m.Case(
                    c.name.name,
                    None if c.type is None else self.resolve_type(c.type, stability),
                    c.docs.contents,
                )
                for c in td.cases
            )
            return m.Variant(cases), tuple(c.name.span for c in td.cases)
        if not td.cases:
            raise self.err("empty enum", td.name.span)
        return m.Enum(tuple(m.EnumCase(c.name.name, c.docs.contents) for c in td.cases)), ()

    def resolve_type_name(self, name: ast.Id) -> int:
        found = self.type_lookup.get(name.name)
        if found is None:
            raise self.err(f"name `{name.name}` does not exist", name.span)
        if not isinstance(found[0], int):
            raise self.err(f"cannot use {found[0]} `{name.name}` as a type", name.span)
        return found[0]

    def validate_resource(self, name: ast.Id) -> int:
        tid = self.resolve_type_name(name)
        cur = tid
        while True:
            lt = self.types[cur]
            if lt.is_foreign:
                self.required_resources.append((cur, name.span))
                return tid
            if isinstance(lt.kind, m.Resource):
                return tid
            if isinstance(lt.kind, m.Alias) and isinstance(lt.kind.type, int):
                cur = lt.kind.type
                continue
            raise self.err(f"type `{name.name}` used in a handle must be a resource", name.span)

    def resolve_type_kind(self, ty: ast.TypeExpr, stability: m.Stability) -> m.TypeDefKind:
        opt = self.resolve_optional
        match ty:
            case ast.Primitive():
                return m.Alias(ty.name)
            case ast.Named():
                return m.Alias(self.resolve_type_name(ty.name))
            case ast.ListType():
                inner = self.resolve_type(ty.element, stability)
                if ty.size is not None:
                    return m.FixedLengthList(inner, ty.size)
                return m.List(inner)
            case ast.MapType():
                key = self.resolve_type(ty.key, stability)
                value = self.resolve_type(ty.value, stability)
                # As in wit-parser the key must be written as a primitive (not an alias).
                if not (isinstance(key, str) and key in MAP_KEY_TYPES):
                    raise self.err(
                        "invalid map key type: map keys must be bool, u8, u16, u32, u64, "
                        "s8, s16, s32, s64, char, or string",
                        ty.span,
                    )
                return m.Map(key, value)
            case ast.OptionType():
                return m.Option(self.resolve_type(ty.element, stability))
            case ast.ResultType():
                return m.Result(opt(ty.ok, stability), opt(ty.err, stability))
            case ast.TupleType():
                return m.Tuple(tuple(self.resolve_type(t, stability) for t in ty.elements))
            case ast.HandleType():
                return m.Handle(ty.kind, self.validate_resource(ty.resource))
            case ast.FutureType():
                return m.Future(opt(ty.element, stability))
            case ast.StreamType():
                return m.Stream(opt(ty.element, stability))
        raise AssertionError(f"unknown type expression {ty!r}")

    def resolve_optional(self, ty: ast.TypeExpr | None, stability: m.Stability) -> m.Type | None:
        return None if ty is None else self.resolve_type(ty, stability)

    def resolve_type(self, ty: ast.TypeExpr, stability: m.Stability) -> m.Type:
        kind = self.resolve_type_kind(ty, stability)
        return self.anon_type(kind, self.find_stability(kind, stability), ty.span)

    def find_stability(self, kind: m.TypeDefKind, stability: m.Stability) -> m.Stability:
        """An anonymous type's gate: the one given, else the first gate among its direct
        parts (wit-parser's `find_stability`), so `list<gated>` is gated like `gated`."""
        if stability is not None:
            return stability
        if isinstance(kind, m.Resource | m.Variant | m.Record | m.Flags | m.Enum):
            return None
        for part in m.kind_parts(kind):
            if isinstance(part, int) and self.types[part].stability is not None:
                return self.types[part].stability
        return None

    def anon_type(self, kind: m.TypeDefKind, stability: m.Stability, span: ast.Span) -> m.Type:
        if isinstance(kind, m.Alias):
            return kind.type
        if isinstance(kind, m.Handle) and kind.kind == "own":
            # An anonymous `own<T>` is the same as naming `T`; `append` turns it into a handle.
            return kind.resource
        found = self.anon_types.get(kind)
        if found is None:
            found = self.alloc_type(LType(None, kind, None, span, stability=stability))
            self.anon_types[kind] = found
        return found

    # ---- functions

    def resolve_function(
        self,
        docs: ast.Docs,
        attrs: tuple[ast.Attribute, ...],
        name: str,
        func: ast.Func,
        kind: m.FunctionKindName,
        resource: int | None,
        ctor_of: ast.Id,
    ) -> m.Function:
        stability = self.stability(attrs)
        params: list[m.Param] = []
        seen: set[str] = set()
        if kind in ("method", "async-method"):
            assert resource is not None
            handle = m.Handle("borrow", resource)
            borrow = self.anon_type(handle, self.find_stability(handle, None), func.span)
            params.append(m.Param("self", borrow))
            seen.add("self")
        for p in func.params:
            ty = self.resolve_type(p.type, None)
            if p.name.name in seen:
                raise self.err(f"param `{p.name.name}` is defined more than once", p.name.span)
            seen.add(p.name.name)
            params.append(m.Param(p.name.name, ty))
        result: m.Type | None
        if kind == "constructor":
            assert resource is not None
            result = self.constructor_result(func.result, resource, ctor_of)
        else:
            result = self.resolve_optional(func.result, None)
        return m.Function(name, kind, tuple(params), result, resource, docs.contents, stability)

    def constructor_result(
        self, result: ast.TypeExpr | None, resource: int, name: ast.Id
    ) -> m.Type:
        if result is None:
            return resource
        if not isinstance(result, ast.ResultType):
            raise self.err(
                "if a constructor return type is declared it must be a `result`", result.span
            )
        ok = result.ok
        if ok is None:
            raise self.err("the `ok` type must be the resource being constructed", result.span)
        is_self = False
        if isinstance(ok, ast.Named):
            is_self = self.type_lookup.get(ok.name.name, (None,))[0] == resource
        elif isinstance(ok, ast.HandleType) and ok.kind == "own":
            is_self = self.type_lookup.get(ok.resource.name, (None,))[0] == resource
        if not is_self:
            raise self.err("the `ok` type must be the resource being constructed", ok.span)
        return self.resolve_type(result, None)

    def resolve_resource_func(self, rf: ast.ResourceFunc, resource: ast.Id) -> m.Function:
        rid = self.type_lookup[resource.name][0]
        assert isinstance(rid, int)
        kind: m.FunctionKindName
        if rf.kind == "method":
            name = f"[method]{resource.name}.{rf.name.name}"
            kind = "async-method" if rf.func.is_async else "method"
        elif rf.kind == "static":
            name = f"[static]{resource.name}.{rf.name.name}"
            kind = "async-static" if rf.func.is_async else "static"
        else:
            name = f"[constructor]{resource.name}"
            kind = "constructor"
        return self.resolve_function(rf.docs, rf.attributes, name, rf.func, kind, rid, resource)

    # ---- worlds

    def resolve_world(self, wid: int, world: ast.World) -> None:
        w = self.worlds[wid]
        w.docs = world.docs.contents
        w.stability = self.stability(world.attributes)
        defs = [i for i in world.items if isinstance(i, _TYPE_ITEMS)]
        self.resolve_types(("world", wid), defs)
        for inc in world.items:
            if isinstance(inc, ast.Include):
                item, name, span = self.resolve_path(inc.path)
                target = self.world_of(item, name, span)
                w.includes.append(Include(self.stability(inc.attributes), target, inc.names, span))

        # Plain import (export) names by their lower-case spelling, first spelling kept.
        import_names: dict[str, str] = {}
        export_names: dict[str, str] = {}
        for type_name, (type_id, type_span) in self.type_lookup.items():
            assert isinstance(type_id, int)
            import_names.setdefault(type_name.lower(), type_name)
            w.imports[type_name] = m.WorldType(type_id)
            w.import_spans.append(type_span)

        imported: set[int] = set()
        exported: set[int] = set()
        for wi in world.items:
            if isinstance(wi, ast.Resource):
                for rf in wi.funcs:
                    func = self.resolve_resource_func(rf, wi.name)
                    w.imports[func.name] = m.WorldFunction(func)
                    w.import_spans.append(rf.name.span)
                continue
            if not isinstance(wi, ast.Import | ast.Export):
                continue
            is_import = isinstance(wi, ast.Import)
            desc = "import" if is_import else "export"
            kind = wi.kind
            key: m.WorldKey
            item_: m.WorldItem
            if isinstance(kind, ast.InlineInterface):
                saved = self.type_lookup
                self.type_lookup = {}
                self.ifaces.append(LIface(None, kind.name.span))
                iid = len(self.ifaces) - 1
                self.resolve_interface(iid, kind.items, wi.docs, wi.attributes)
                self.type_lookup = saved
                item_ = m.WorldInterface(iid, self.ifaces[iid].stability)
                key = kind.name.name
                kspan = kind.name.span
            elif isinstance(kind, ast.InterfaceRef):
                stability = self.stability(wi.attributes)
                found, name, span = self.resolve_path(kind.path)
                iid = self.iface_of(found, name, span)
                item_ = m.WorldInterface(iid, stability, wi.docs.contents)
                if kind.name is not None:
                    # `import label: iface;` imports the interface under a plain name.
                    key = kind.name.name
                    kspan = kind.name.span
                else:
                    key = iid
                    kspan = _path_span(kind.path)
            else:
                fkind: m.FunctionKindName = (
                    "async-freestanding" if kind.func.is_async else "freestanding"
                )
                func = self.resolve_function(
                    wi.docs, wi.attributes, kind.name.name, kind.func, fkind, None, kind.name
                )
                item_ = m.WorldFunction(func)
                key = func.name
                kspan = kind.name.span
            if isinstance(item_, m.WorldInterface) and not isinstance(key, str):
                seen = imported if is_import else exported
                if item_.id in seen:
                    raise self.err(f"interface cannot be {desc}ed more than once", kspan)
                seen.add(item_.id)
            dst = w.imports if is_import else w.exports
            if key in dst:
                prev = dst[key]
                what = (
                    "interface"
                    if isinstance(prev, m.WorldInterface)
                    else "func"
                    if isinstance(prev, m.WorldFunction)
                    else "type"
                )
                raise self.err(f"{desc} `{key}` conflicts with prior {what} of same name", kspan)
            dst[key] = item_
            (w.import_spans if is_import else w.export_spans).append(kspan)
            names = import_names if is_import else export_names
            if isinstance(key, str):
                other = names.setdefault(key.lower(), key)
                if other != key:
                    raise self.err(
                        f"{desc} `{key}` in world `{w.name}` conflicts with {desc} `{other}` "
                        "(kebab-case identifiers are case-insensitive)",
                        kspan,
                    )
        self.type_lookup = {}


def _path_span(path: ast.UsePath) -> ast.Span:
    if isinstance(path, ast.ForeignPath):
        return path.span
    return path.name.span
