"""Name resolution: WIT syntax trees in, the resolved `witkit.wit.model.Resolve` out.

This follows wit-parser (bytecodealliance/wasm-tools) step for step so that the
result, including the order of every arena, matches the reference:

1. Files are grouped into packages (a folder is one package, nested
   `package x { }` blocks are their own, `deps/` holds the dependencies).
2. Packages are ordered dependencies-first (`sort_unresolved_packages`).
3. Each package is resolved on its own into a local arena (`_PackageResolver`,
   wit-parser's `ast/resolve.rs`): interfaces and worlds in dependency order,
   types in dependency order, anonymous types shared.
4. The local arena is appended to the global one (`_PackageResolver.append`,
   wit-parser's `Remap::append`): `@unstable` items whose feature is off are
   dropped, resource names in parameter position become `own<r>` handles, worlds'
   `include`s are merged and every world is elaborated.

Every user error is a `WitError` pointing at the offending identifier.
"""

from __future__ import annotations

import dataclasses
import itertools
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit._elaborate import (
    Cycle,
    Missing,
    dfs_packages,
    semver_key,
    toposort,
    update_stability,
)
from witkit.wit._gc import gc_paused
from witkit.wit.parser import parse, parse_file

__all__ = ["resolve_files", "resolve_path", "resolve_source", "select_world"]

MAP_KEY_TYPES = m.PRIMITIVES - {"f32", "f64", "error-context"}
"""The primitives a `map<K, V>` key may be: every one but floats and `error-context`."""

MAX_INCLUDE_COPIES = 100_000
"""How much `include` may copy in one resolution, all includes together: world items, plus
each type copied with them and its fields (or cases, or elements), plus each function and
its parameters.

Each `include` copies the included world's items, so worlds that each include the one
before copy quadratically much out of linearly much text: 1,000 such worlds in 50 KB of WIT
copy half a million items, and a world holding a 20,000-element tuple, included down a chain
of 2,000 worlds, 40 million elements. Resolving any WASI package copies at most 66 (its
worlds include interfaces only); this ceiling is 1,500 times that, reached in about a second."""

MAX_IMPLIED_IMPORTS = 100_000
"""How many interfaces worlds may import, all worlds together, only because what they import
or export uses them (wit-parser's world elaboration writes these imports out).

Worlds that each import the end of a chain of interfaces, each using the one before, import
the whole chain each: 2,000 interfaces and 2,000 worlds in 127 KB of WIT made four million
imports. Resolving any WASI package implies 24 at most; this ceiling is 4,000 times that."""

# --------------------------------------------------------------------------- errors


_TYPE_ITEMS = (ast.Use, ast.TypeAlias, ast.Record, ast.Variant, ast.Enum, ast.Flags, ast.Resource)
"""Interface and world items that declare or bring in types (resolved before functions)."""


class _Sources:
    """File texts by path, so any span can be turned into a rendered location."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def error(self, message: str, span: ast.Span | None) -> WitError:
        if span is None:
            return WitError(message)
        return WitError(message, span.location(self.texts.get(span.path, "")))


# --------------------------------------------------------------------------- package sources


@dataclass
class _DeclList:
    """The items of one file (or of one nested package block) that belong to a package."""

    file: ast.File
    items: tuple[ast.Interface | ast.World | ast.ToplevelUse, ...]


@dataclass
class _PackageSource:
    """Everything that makes one package before resolution."""

    name: m.PackageName
    span: ast.Span
    docs: str | None
    decls: list[_DeclList]
    foreign_deps: dict[m.PackageName, ast.Span] = field(default_factory=dict)


def _pkg_name(name: ast.PackageName) -> m.PackageName:
    return m.PackageName(name.namespace.name, name.name.name, name.version)


PathKind: TypeAlias = Literal["interface", "world", "unknown"]


def _for_each_path(
    decls: _DeclList,
) -> Iterator[tuple[ast.Id | None, ast.UsePath, PathKind, tuple[ast.Attribute, ...]]]:
    """Every `use`/`import`/`include` path of a decl list, in wit-parser's `for_each_path` order.

    The first element is the name of the interface (or, for `include`, the world)
    whose ordering the path constrains; None when it does not take part in ordering.
    """
    for item in decls.items:
        if isinstance(item, ast.World):
            imports: list[ast.Import | ast.Export] = []
            exports: list[ast.Import | ast.Export] = []
            for wi in item.items:
                if isinstance(wi, ast.Use):
                    yield None, wi.path, "interface", wi.attributes
                elif isinstance(wi, ast.Include):
                    yield item.name, wi.path, "world", wi.attributes
                elif isinstance(wi, ast.Import):
                    imports.append(wi)
                elif isinstance(wi, ast.Export):
                    exports.append(wi)
            for ie in imports + exports:
                kind = ie.kind
                if isinstance(kind, ast.InlineInterface):
                    for ii in kind.items:
                        if isinstance(ii, ast.Use):
                            yield None, ii.path, "interface", ie.attributes
                elif isinstance(kind, ast.InterfaceRef):
                    yield None, kind.path, "interface", ie.attributes
        elif isinstance(item, ast.Interface):
            for ii in item.items:
                if isinstance(ii, ast.Use):
                    yield item.name, ii.path, "interface", ii.attributes
        else:
            yield None, item.path, "unknown", item.attributes


# --------------------------------------------------------------------------- local arenas

Owner: TypeAlias = tuple[Literal["interface", "world"], int] | None


@dataclass
class _LType:
    """A type of the package being resolved; its `Type` references are local ids."""

    name: str | None
    kind: m.TypeDefKind | None
    owner: Owner
    span: ast.Span
    docs: str | None = None
    stability: m.Stability = None
    field_spans: tuple[ast.Span, ...] = ()
    foreign: int | None = None
    """For a stand-in of another package's type: its global id (None if excluded)."""
    is_foreign: bool = False
    deferred: WitError | None = None
    """For a stand-in that names nothing: the error, raised once this package's own
    names are checked (wit-parser reports those first)."""


@dataclass
class _LFunc:
    func: m.Function
    span: ast.Span


Lookup: TypeAlias = dict[str, tuple[int | str, ast.Span]]
"""Names visible in an interface or world: a local type id, or the kind of a non-type item."""


@dataclass
class _LIface:
    name: str | None
    span: ast.Span
    docs: str | None = None
    stability: m.Stability = None
    types: dict[str, int] = field(default_factory=dict)
    functions: list[_LFunc] = field(default_factory=list)
    lookup: Lookup = field(default_factory=dict)
    foreign: int | None = None
    is_foreign: bool = False
    foreign_pkg: m.PackageName | None = None
    deferred: WitError | None = None


@dataclass
class _Include:
    stability: m.Stability
    world: int
    names: tuple[ast.IncludeName, ...]
    span: ast.Span


@dataclass
class _LWorld:
    name: str
    span: ast.Span
    docs: str | None = None
    stability: m.Stability = None
    imports: dict[m.WorldKey, m.WorldItem] = field(default_factory=dict)
    import_spans: list[ast.Span] = field(default_factory=list)
    exports: dict[m.WorldKey, m.WorldItem] = field(default_factory=dict)
    export_spans: list[ast.Span] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
    foreign: int | None = None
    is_foreign: bool = False
    deferred: WitError | None = None


AstItem: TypeAlias = tuple[Literal["interface", "world"], int]


# --------------------------------------------------------------------------- the global arena


class _Global:
    """The `Resolve` under construction (mutable lists, frozen at the end)."""

    def __init__(self, features: frozenset[str] | None, sources: _Sources) -> None:
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

    def merge_include(
        self,
        world_id: int,
        include_id: int,
        names: tuple[ast.IncludeName, ...],
        span: ast.Span,
        pkg: int,
    ) -> None:
        world = self.worlds[world_id]
        inc = self.worlds[include_id]
        external = inc.package != pkg
        present = {key for key in itertools.chain(inc.imports, inc.exports) if isinstance(key, str)}
        missing = [n.name.name for n in names if n.name.name not in present]
        if missing:
            raise self.sources.error(
                f"no import or export kebab-name `{missing[0]}`. "
                "Note that an ID does not support renaming",
                span,
            )

        def charge(copies: int) -> None:
            """Count what `include` copies (see MAX_INCLUDE_COPIES); stop at the ceiling."""
            self.include_copies += copies
            if self.include_copies > MAX_INCLUDE_COPIES:
                raise self.sources.error(
                    f"`include` copies too much: with this include of `{inc.name}`, all "
                    f"includes together copy more than {MAX_INCLUDE_COPIES} world items, "
                    "types, fields and parameters",
                    span,
                )

        charge(len(inc.imports) + len(inc.exports))
        renames = {n.name.name: n.alias.name for n in names}
        cloner = _Cloner(
            self, m.TypeOwner("world", include_id), m.TypeOwner("world", world_id), charge
        )
        imports = dict(world.imports)
        exports = dict(world.exports)
        for items, src, desc in (
            (imports, inc.imports, "import"),
            (exports, inc.exports, "export"),
        ):
            for key, item in src.items():
                if isinstance(key, str):
                    new = renames.get(key, key)
                    if isinstance(item, m.WorldType):
                        item = m.WorldType(cloner.type_id(item.id, new))
                    elif isinstance(item, m.WorldFunction):
                        func = cloner.function(item.function, new)
                        new = func.name
                        item = m.WorldFunction(func)
                    elif self.interfaces[item.id].name is None:
                        # An inline `import x: interface { }` is copied with its types.
                        item = m.WorldInterface(
                            cloner.interface(item.id, pkg), item.stability, item.docs
                        )
                    if new in items:
                        raise self.sources.error(
                            f"{desc} of `{new}` shadows previously {desc}ed items", span
                        )
                    items[new] = item
                    continue
                assert isinstance(item, m.WorldInterface)
                prev = items.setdefault(key, item)
                assert isinstance(prev, m.WorldInterface)
                # wit-parser's `merge_include_stability`: an external `@since` is dropped.
                if external and isinstance(item.stability, m.Stable):
                    merged: m.Stability = None
                else:
                    try:
                        merged = update_stability(item.stability, prev.stability)
                    except ValueError as e:
                        raise self.sources.error(str(e), span) from None
                items[key] = m.WorldInterface(prev.id, merged, prev.docs)
        self.worlds[world_id] = dataclasses.replace(world, imports=imports, exports=exports)

    def check_case_insensitive_names(self, world_id: int, span: ast.Span) -> None:
        """Kebab-case names are case-insensitive: `foo` and `FOO` may not both be imported
        (or both exported), including through `include`."""
        world = self.worlds[world_id]
        for items, desc in ((world.imports, "import"), (world.exports, "export")):
            seen: dict[str, str] = {}
            for key in items:
                if not isinstance(key, str):
                    continue
                prev = seen.setdefault(key.lower(), key)
                if prev != key:
                    raise self.sources.error(
                        f"{desc} `{key}` in world `{world.name}` conflicts with {desc} "
                        f"`{prev}` (kebab-case identifiers are case-insensitive)",
                        span,
                    )

    def elaborate_world(self, world_id: int, span: ast.Span) -> None:
        world = self.worlds[world_id]
        new_imports: dict[m.WorldKey, m.WorldItem] = {}

        def deps_of(iid: int) -> Iterator[int]:
            deps = self.direct_deps.get(iid)
            if deps is None:
                deps = tuple(m.interface_direct_deps_in(self.types, self.interfaces, iid))
                self.direct_deps[iid] = deps
            return iter(deps)

        def implied() -> None:
            """Count an interface imported only because another uses it: worlds that each
            import the end of a long chain of interfaces import quadratically many."""
            self.implied_imports += 1
            if self.implied_imports > MAX_IMPLIED_IMPORTS:
                raise self.sources.error(
                    f"too many implied imports: with world `{world.name}`, worlds import more "
                    f"than {MAX_IMPLIED_IMPORTS} interfaces only because what they import or "
                    "export uses them",
                    span,
                )

        def import_iface(key: m.WorldKey, iid: int, stability: m.Stability) -> None:
            """Import `iid` under `key`, after what it uses (depth first, with a stack of its
            own: a chain of interfaces each using the last can be thousands long)."""
            if key in new_imports:
                return
            stack = [(key, iid, deps_of(iid))]
            while stack:
                key, iid, deps = stack[-1]
                dep = next(deps, None)
                if dep is None:
                    stack.pop()
                    new_imports[key] = m.WorldInterface(iid, stability)
                    if stack:
                        implied()
                elif dep not in new_imports:
                    stack.append((dep, dep, deps_of(dep)))

        # wit-parser sorts by "class" (the order a WIT printer uses): interfaces, then
        # types brought in with `use`, then types defined here, then freestanding
        # functions, then resource functions; stable within a class.
        def sort_key(item: m.WorldItem) -> int:
            if isinstance(item, m.WorldInterface):
                return 0
            if isinstance(item, m.WorldType):
                td = self.types[item.id]
                k = td.kind
                if (
                    isinstance(k, m.Alias)
                    and isinstance(k.type, int)
                    and self.types[k.type].owner != td.owner
                ):
                    return 1
                return 2
            return 3 if item.function.resource is None else 4

        for key, item in sorted(world.imports.items(), key=lambda kv: sort_key(kv[1])):
            if isinstance(item, m.WorldInterface):
                import_iface(key, item.id, item.stability)
                continue
            if isinstance(item, m.WorldType):
                dep = m.type_interface_dep_in(self.types, item.id)
                if dep is not None:
                    import_iface(dep, dep, self.types[item.id].stability)
            new_imports[key] = item

        new_exports: dict[m.WorldKey, m.WorldItem] = {}
        export_ifaces: dict[int, tuple[m.WorldKey, m.Stability]] = {}
        for key, item in world.exports.items():
            if isinstance(item, m.WorldInterface):
                export_ifaces[item.id] = (key, item.stability)
            else:
                new_exports[key] = item

        required: set[int] = set()

        def add_export(iid: int, key: m.WorldKey, add: bool, stability: m.Stability) -> bool:
            """wit-parser's `add_world_export` (exported after, or imported before, what it
            uses), depth first with a stack of its own; False on a conflict."""
            stack: list[tuple[int, m.WorldKey, bool, Iterator[int]]] = []

            def enter(iid: int, key: m.WorldKey, add: bool) -> bool | None:
                """The answer for `iid` when known without visiting its dependencies."""
                if key in new_exports:
                    return add
                if not add and iid in required:
                    return True
                stack.append((iid, key, add, deps_of(iid)))
                return None

            answer = enter(iid, key, add)
            while stack:
                iid, key, add, deps = stack[-1]
                dep = next(deps, None)
                if dep is not None:
                    if enter(dep, dep, add and dep in export_ifaces) is False:
                        return False
                    continue
                stack.pop()
                if stack:
                    implied()
                item = m.WorldInterface(iid, stability)
                if add:
                    if iid in required:
                        return False
                    new_exports[key] = item
                else:
                    required.add(iid)
                    new_imports[key] = item
            return True if answer is None else answer

        for iid, (key, stability) in export_ifaces.items():
            if not add_export(iid, key, True, stability):
                raise self.sources.error(
                    f"interface `{self.world_key_name(key)}` transitively depends on an "
                    "interface in incompatible ways",
                    span,
                )
        # Sorted again: interfaces found above may follow types and functions.
        new_imports = dict(sorted(new_imports.items(), key=lambda kv: sort_key(kv[1])))
        # The items the world names itself keep their doc comments.
        for old, new in ((world.imports, new_imports), (world.exports, new_exports)):
            for key, item in old.items():
                moved = new.get(key)
                if (
                    isinstance(item, m.WorldInterface)
                    and item.docs is not None
                    and isinstance(moved, m.WorldInterface)
                ):
                    new[key] = dataclasses.replace(moved, docs=item.docs)
        self.worlds[world_id] = dataclasses.replace(world, imports=new_imports, exports=new_exports)


class _Cloner:
    """Copies what a world owns into a world that includes it (wit-parser's `Cloner`).

    Types owned by the included world (or, for an inline interface, by that interface)
    and every anonymous type reached from them are copied once each for the new owner;
    types owned by anyone else are shared.
    """

    def __init__(
        self, g: _Global, prev: m.TypeOwner, new: m.TypeOwner, charge: Callable[[int], None]
    ) -> None:
        self.g = g
        self.prev = prev
        self.new = new
        self.charge = charge
        """Told how much each copy costs: a type or function, and its fields or parameters."""
        self.map: dict[int, int] = {}

    def interface(self, iid: int, package: int) -> int:
        """Copy an anonymous interface, and the types it owns, as a new interface."""
        old = self.g.interfaces[iid]
        new_id = len(self.g.interfaces)
        owners = m.TypeOwner("interface", iid), m.TypeOwner("interface", new_id)
        inner = _Cloner(self.g, *owners, self.charge)
        types = {n: inner.type_id(t) for n, t in old.types.items()}
        funcs = {n: inner.function(f, f.name) for n, f in old.functions.items()}
        self.g.interfaces.append(
            dataclasses.replace(old, types=types, functions=funcs, package=package)
        )
        return new_id

    def type_id(self, tid: int, name: str | None = None) -> int:
        if tid in self.map:
            return self.map[tid]
        td = self.g.types[tid]
        if td.owner is not None and td.owner != self.prev:
            return tid
        kind = td.kind
        # The type and its parts (a record's fields); a variant's cases without a type too.
        parts = kind.cases if isinstance(kind, m.Variant) else m.kind_parts(kind)
        self.charge(1 + len(parts))
        match kind:
            case m.Alias():
                if isinstance(kind.type, int) and self.g.types[kind.type].owner == self.prev:
                    kind = m.Alias(self.type_id(kind.type))
            case m.Handle():
                kind = m.Handle(kind.kind, self.type_id(kind.resource))
            case m.Record():
                kind = m.Record(
                    tuple(dataclasses.replace(f, type=self.ty(f.type)) for f in kind.fields)
                )
            case m.Variant():
                kind = m.Variant(
                    tuple(dataclasses.replace(c, type=self.opt(c.type)) for c in kind.cases)
                )
            case m.Tuple():
                kind = m.Tuple(tuple(self.ty(t) for t in kind.types))
            case m.Option():
                kind = m.Option(self.ty(kind.type))
            case m.List():
                kind = m.List(self.ty(kind.type))
            case m.FixedLengthList():
                kind = m.FixedLengthList(self.ty(kind.type), kind.size)
            case m.Map():
                kind = m.Map(self.ty(kind.key), self.ty(kind.value))
            case m.Result():
                kind = m.Result(self.opt(kind.ok), self.opt(kind.err))
            case m.Future():
                kind = m.Future(self.opt(kind.type))
            case m.Stream():
                kind = m.Stream(self.opt(kind.type))
            case _:
                pass
        owner = None if td.owner is None else self.new
        new_name = td.name if name is None or td.name is None else name
        self.g.types.append(dataclasses.replace(td, kind=kind, owner=owner, name=new_name))
        self.map[tid] = len(self.g.types) - 1
        return self.map[tid]

    def ty(self, t: m.Type) -> m.Type:
        return t if isinstance(t, str) else self.type_id(t)

    def opt(self, t: m.Type | None) -> m.Type | None:
        return None if t is None else self.ty(t)

    def function(self, f: m.Function, name: str) -> m.Function:
        self.charge(1 + len(f.params))
        resource = None if f.resource is None else self.type_id(f.resource)
        if resource is not None:
            rname = self.g.types[resource].name
            item = f.item_name
            if f.kind == "constructor":
                name = f"[constructor]{rname}"
            elif f.kind in ("method", "async-method"):
                name = f"[method]{rname}.{item}"
            else:
                name = f"[static]{rname}.{item}"
        return dataclasses.replace(
            f,
            name=name,
            resource=resource,
            params=tuple(dataclasses.replace(p, type=self.ty(p.type)) for p in f.params),
            result=self.opt(f.result),
        )


# --------------------------------------------------------------------------- one package


class _PackageResolver:
    """Resolves one package into a local arena, then appends it to the global `Resolve`."""

    def __init__(self, glob: _Global, src: _PackageSource) -> None:
        self.g = glob
        self.err = glob.sources.error
        self.src = src
        self.types: list[_LType] = []
        self.ifaces: list[_LIface] = []
        self.worlds: list[_LWorld] = []
        self.anon_types: dict[m.TypeDefKind, int] = {}
        self.type_lookup: Lookup = {}
        self.foreign_items: dict[tuple[m.PackageName, str], AstItem] = {}
        self.foreign_type_stubs: dict[tuple[int, str], int] = {}
        self.package_items: dict[str, AstItem] = {}
        self.file_items: list[dict[str, AstItem]] = []
        self.cur_decl = 0
        self.required_resources: list[tuple[int, ast.Span]] = []  # foreign types in handles

    # ---- entry

    def run(self) -> int:
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
        stubs: list[_LIface | _LWorld | _LType] = [*self.ifaces, *self.worlds, *self.types]
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
        return self.append()

    # ---- foreign references

    def populate_foreign_deps(self) -> None:
        # Every mention of each foreign item, in wit-parser's `for_each_path` order.
        mentions: dict[
            tuple[m.PackageName, str], list[tuple[PathKind, ast.ForeignPath, m.Stability]]
        ]
        mentions = {}
        for decl in self.src.decls:
            for _cur, path, kind, attrs in _for_each_path(decl):
                if not isinstance(path, ast.ForeignPath):
                    continue
                pname = _pkg_name(path.package)
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
                        _LWorld(path.name.name, path.name.span, is_foreign=True, deferred=e)
                    )
                    wid = len(self.worlds) - 1
                self.foreign_items[(pname, path.name.name)] = ("world", wid)
            else:
                try:
                    iid = self.foreign_iface(pname, path, gated)
                except WitError as e:
                    self.ifaces.append(
                        _LIface(path.name.name, path.name.span, is_foreign=True, deferred=e)
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
            _LIface(path.name.name, path.name.span, foreign=gid, is_foreign=True, foreign_pkg=pname)
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
            _LWorld(path.name.name, path.name.span, foreign=names[path.name.name], is_foreign=True)
        )
        return len(self.worlds) - 1

    def foreign_type(self, iface: _LIface, name: ast.Id) -> int:
        assert iface.is_foreign
        if iface.deferred is not None:
            return self.alloc_type(
                _LType(name.name, None, None, name.span, is_foreign=True, deferred=iface.deferred)
            )
        if iface.foreign is None:
            # The interface is gated off; so is this `use` (or using it is an error later).
            return self.alloc_type(_LType(name.name, None, None, name.span, is_foreign=True))
        table = self.g.iface_types[iface.foreign]
        if name.name not in table:
            return self.alloc_type(
                _LType(
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
            self.types.append(
                _LType(name.name, None, None, name.span, foreign=gid, is_foreign=True)
            )
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
            for cur, path, _kind, _attrs in _for_each_path(decl):
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
                self.ifaces.append(_LIface(node_name, node.name.span))
                ids[node_name] = ("interface", len(self.ifaces) - 1)
                iface_order.append(len(self.ifaces) - 1)
            else:
                self.worlds.append(_LWorld(node_name, node.name.span))
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
                            (_pkg_name(item.path.package), item.path.name.name)
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
        key = (_pkg_name(path.package), path.name.name)
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

    def alloc_type(self, t: _LType) -> int:
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
                iface.functions.append(_LFunc(func, it.name.span))
            elif isinstance(it, ast.Resource):
                for rf in it.funcs:
                    iface.functions.append(
                        _LFunc(self.resolve_resource_func(rf, it.name), rf.name.span)
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
                _LType(local.name, m.Alias(tid), owner, local.span, stability=stability)
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
                _collect_deps(it, d)
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
                _LType(
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
            found = self.alloc_type(_LType(None, kind, None, span, stability=stability))
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
                w.includes.append(_Include(self.stability(inc.attributes), target, inc.names, span))

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
                self.ifaces.append(_LIface(None, kind.name.span))
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

    # ---- append to the global arena (wit-parser's Remap::append)

    def append(self) -> int:
        g = self.g
        pid = len(g.packages)
        g.packages.append(m.Package(self.src.name, {}, {}, self.src.docs))
        g.package_names[self.src.name] = pid

        tmap: list[int | None] = []
        own_handles: dict[int, int] = {}
        local_owner: dict[int, Owner] = {}

        def map_type(t: int, span: ast.Span | None) -> int:
            got = tmap[t]
            if got is None:
                raise self.err(
                    "found a reference to a type which is excluded due to its feature not "
                    "being activated",
                    span,
                )
            return got

        def update_ty(t: m.Type, span: ast.Span | None) -> m.Type:
            if isinstance(t, str):
                return t
            new = map_type(t, span)
            if g.points_to_resource(new):
                if new not in own_handles:
                    g.types.append(m.TypeDef(None, m.Handle("own", new), None))
                    own_handles[new] = len(g.types) - 1
                return own_handles[new]
            return new

        def update_opt(t: m.Type | None, span: ast.Span | None) -> m.Type | None:
            return None if t is None else update_ty(t, span)

        def update_kind(lt: _LType) -> m.TypeDefKind:
            k = lt.kind
            span = lt.span
            fs = lt.field_spans
            match k:
                case m.Handle():
                    return m.Handle(k.kind, map_type(k.resource, span))
                case m.Alias():
                    return m.Alias(k.type if isinstance(k.type, str) else map_type(k.type, span))
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

        def update_function(f: m.Function, span: ast.Span) -> m.Function:
            resource = None if f.resource is None else map_type(f.resource, span)
            params = tuple(dataclasses.replace(p, type=update_ty(p.type, span)) for p in f.params)
            result = update_opt(f.result, span)
            if result is not None and g.has_borrow(result):
                raise self.err(
                    f"function `{f.name}` returns a type which contains a `borrow<T>` which is "
                    "not supported",
                    span,
                )
            return dataclasses.replace(f, resource=resource, params=params, result=result)

        # types
        for lt in self.types:
            if lt.is_foreign:
                tmap.append(lt.foreign)
                continue
            if not g.include_stability(lt.stability, pid, lt.span):
                tmap.append(None)
                continue
            kind = update_kind(lt)
            g.types.append(m.TypeDef(lt.name, kind, None, lt.docs, lt.stability))
            new = len(g.types) - 1
            local_owner[new] = lt.owner
            tmap.append(new)

        # interfaces
        imap: list[int | None] = []
        for li in self.ifaces:
            if li.is_foreign:
                imap.append(li.foreign)
                continue
            if not g.include_stability(li.stability, pid, li.span):
                imap.append(None)
                continue
            types = {n: tmap[t] for n, t in li.types.items() if tmap[t] is not None}
            funcs: dict[str, m.Function] = {}
            for lf in li.functions:
                if not g.include_stability(lf.func.stability, pid, lf.span):
                    continue
                funcs[lf.func.name] = update_function(lf.func, lf.span)
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
            imap.append(len(g.interfaces) - 1)
            if li.name is not None:
                g.iface_types[len(g.interfaces) - 1] = {n: tmap[t] for n, t in li.types.items()}

        def map_iface(i: int, span: ast.Span | None, extra: str = "") -> int:
            got = imap[i]
            if got is None:
                raise self.err(
                    "found a reference to a interface which is excluded due to its feature "
                    "not being activated" + extra,
                    span,
                )
            return got

        for i, lt in enumerate(self.types):
            new_t = tmap[i]
            if lt.is_foreign or new_t is None:
                continue
            owner = local_owner[new_t]
            if owner is not None and owner[0] == "interface":
                gi = map_iface(
                    owner[1],
                    lt.span,
                    "; this type is not gated by a feature but its interface is",
                )
                g.types[new_t] = dataclasses.replace(
                    g.types[new_t], owner=m.TypeOwner("interface", gi)
                )

        # worlds
        wmap: list[int | None] = []
        for lw in self.worlds:
            if lw.is_foreign:
                wmap.append(lw.foreign)
                continue
            if not g.include_stability(lw.stability, pid, lw.span):
                wmap.append(None)
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
                    mapped = map_type(item.id, span)
                    item = m.WorldType(mapped)
                    stab = g.types[mapped].stability
                elif isinstance(item, m.WorldInterface):
                    stab = item.stability
                else:
                    stab = item.function.stability
                if not g.include_stability(stab, pid, span):
                    continue
                new_key: m.WorldKey = key if isinstance(key, str) else map_iface(key, span)
                if isinstance(item, m.WorldInterface):
                    item = m.WorldInterface(
                        map_iface(item.id, span), item.stability, item.docs
                    )
                elif isinstance(item, m.WorldFunction):
                    item = m.WorldFunction(update_function(item.function, span))
                (imports if is_import else exports)[new_key] = item
            g.worlds.append(m.World(lw.name, imports, exports, pid, lw.docs, lw.stability))
            wmap.append(len(g.worlds) - 1)

        for i, lt in enumerate(self.types):
            new_t = tmap[i]
            if lt.is_foreign or new_t is None:
                continue
            owner = local_owner[new_t]
            if owner is not None and owner[0] == "world":
                gw = wmap[owner[1]]
                if gw is None:
                    raise self.err(
                        "found a reference to a world which is excluded due to its feature "
                        "not being activated; this type is not gated by a feature but its "
                        "world is",
                        lt.span,
                    )
                g.types[new_t] = dataclasses.replace(g.types[new_t], owner=m.TypeOwner("world", gw))

        for lw, gw in zip(self.worlds, wmap, strict=True):
            if lw.is_foreign or gw is None:
                continue
            for inc in lw.includes:
                if not g.include_stability(inc.stability, pid, inc.span):
                    continue
                target = wmap[inc.world]
                if target is None:
                    raise self.err(
                        "found a reference to a world which is excluded due to its feature "
                        "not being activated",
                        inc.span,
                    )
                g.merge_include(gw, target, inc.names, inc.span, pid)
            g.check_case_insensitive_names(gw, lw.span)
            g.elaborate_world(gw, lw.span)

        pkg = g.packages[pid]
        ifaces = {}
        all_ifaces: dict[str, int | None] = {}
        for li, maybe_gi in zip(self.ifaces, imap, strict=True):
            if li.is_foreign or li.name is None:
                continue
            all_ifaces[li.name] = maybe_gi
            if maybe_gi is not None:
                ifaces[li.name] = maybe_gi
        worlds = {}
        all_worlds: dict[str, int | None] = {}
        for lw, gw in zip(self.worlds, wmap, strict=True):
            if lw.is_foreign:
                continue
            all_worlds[lw.name] = gw
            if gw is not None:
                worlds[lw.name] = gw
        g.packages[pid] = dataclasses.replace(pkg, interfaces=ifaces, worlds=worlds)
        g.pkg_interfaces[pid] = all_ifaces
        g.pkg_worlds[pid] = all_worlds
        return pid


def _path_span(path: ast.UsePath) -> ast.Span:
    if isinstance(path, ast.ForeignPath):
        return path.span
    return path.name.span


def _collect_deps(td: ast.TypeDef, out: list[ast.Id]) -> None:
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


def _group(files: Sequence[ast.File], sources: _Sources) -> list[_PackageSource]:
    """Turn the files of one package folder (or one file) into packages: nested ones, then the main one.

    Each file's text is registered in `sources`, so that errors can quote it."""
    for f in files:
        sources.texts[f.path] = f.source
    nested: list[_PackageSource] = []
    main_name: ast.PackageDecl | None = None
    docs: str | None = None
    docs_seen = False
    decls: list[_DeclList] = []
    for f in files:
        if f.package is not None:
            if main_name is None:
                main_name = f.package
            elif _pkg_name(main_name.name) != _pkg_name(f.package.name):
                raise sources.error(
                    f"package identifier `{_pkg_name(f.package.name)}` does not match previous "
                    f"package name of `{_pkg_name(main_name.name)}`",
                    f.package.name.span,
                )
            if f.package.docs.contents is not None:
                if docs_seen:
                    raise sources.error(
                        "found doc comments on multiple 'package' items", _docs_span(f)
                    )
                docs_seen = True
                docs = f.package.docs.contents
        own: list[ast.Interface | ast.World | ast.ToplevelUse] = []
        for item in f.items:
            if isinstance(item, ast.NestedPackage):
                nested.append(
                    _PackageSource(
                        _pkg_name(item.name),
                        item.name.span,
                        item.docs.contents,
                        [_DeclList(f, item.items)],
                    )
                )
            else:
                own.append(item)
        decls.append(_DeclList(f, tuple(own)))
    if main_name is None:
        has_items = any(d.items for d in decls)
        if nested and not has_items:
            return nested
        span = None
        for d in decls:
            if d.items:
                first = d.items[0]
                span = first.span
                break
        raise sources.error("no `package` header was found in any WIT file for this package", span)
    main = _PackageSource(_pkg_name(main_name.name), main_name.name.span, docs, decls)
    return [*nested, main]


def _docs_span(f: ast.File) -> ast.Span:
    """Where the doc comment above a file's `package` line starts (the AST keeps no span for it)."""
    assert f.package is not None
    lines = f.source.split("\n")  # as the parser counts lines (see errors.location_in_file)
    line = f.package.span.line
    while line > 1:
        above = lines[line - 2].strip() if line - 2 < len(lines) else ""
        if above.startswith(("///", "/**", "*")) or above.endswith("*/"):
            line -= 1
        else:
            break
    col = 1 + len(lines[line - 1]) - len(lines[line - 1].lstrip()) if lines else 1
    return ast.Span(f.path, line, col, line, col + 1)


def is_wit_file(path: Path) -> bool:
    """Whether the resolver reads `path` as part of the package folder it is in."""
    return path.is_file() and path.suffix == ".wit"


def _parse_dir(path: Path) -> list[ast.File]:
    return [parse_file(p) for p in sorted(path.iterdir(), key=lambda p: p.name) if is_wit_file(p)]


def _resolve_groups(
    main: list[_PackageSource],
    deps: list[_PackageSource],
    sources: _Sources,
    features: frozenset[str] | None,
) -> m.ResolvedPackages:
    by_name: dict[m.PackageName, _PackageSource] = {}
    for src in main + deps:
        prev = by_name.get(src.name)
        if prev is not None:
            loc1 = f"{src.span.path}:{src.span.line}:{src.span.column}"
            loc2 = f"{prev.span.path}:{prev.span.line}:{prev.span.column}"
            raise sources.error(
                f"package `{src.name}` is defined in two different locations:\n"
                f"  * {loc1}\n  * {loc2}",
                src.span,
            )
        by_name[src.name] = src
    # Foreign dependencies, in the order wit-parser first meets them.
    foreign: dict[m.PackageName, list[tuple[m.PackageName, ast.Span]]] = {}
    for name, src in by_name.items():
        seen: dict[m.PackageName, ast.Span] = {}
        for decl in src.decls:
            for _cur, path, _kind, _attrs in _for_each_path(decl):
                if isinstance(path, ast.ForeignPath):
                    seen.setdefault(_pkg_name(path.package), path.package.span)
        foreign[name] = list(seen.items())
    order = dfs_packages(list(by_name), lambda n: foreign[n])
    if isinstance(order, tuple):
        dep, span = order
        raise sources.error(f"package `{dep}` creates a dependency cycle", span)
    glob = _Global(features, sources)
    ids: dict[m.PackageName, int] = {}
    with gc_paused():  # once for all packages: see `gc_paused`
        for name in order:
            try:
                ids[name] = _PackageResolver(glob, by_name[name]).run()
            except RecursionError:
                # Every walk over WIT that can be long has a stack of its own, and types nest
                # at most MAX_TYPE_NESTING deep, so this is a bug; still a WitError, not a crash.
                raise sources.error(
                    f"internal error: WIT too deeply nested to resolve package `{name}`",
                    by_name[name].span,
                ) from None
    return m.ResolvedPackages(glob.freeze(), tuple(ids[s.name] for s in main))


# --------------------------------------------------------------------------- public API


def resolve_files(
    files: Sequence[ast.File],
    deps: Sequence[Sequence[ast.File]] = (),
    *,
    features: frozenset[str] | None = frozenset(),
) -> m.ResolvedPackages:
    """Resolve already-parsed files: `files` make the main package (plus nested ones),
    each element of `deps` is the files of one dependency package."""
    sources = _Sources()
    main = _group(files, sources)
    dep_pkgs = [p for d in deps for p in _group(d, sources)]
    return _resolve_groups(main, dep_pkgs, sources, features)


def resolve_source(
    text: str, path: str = "<string>", *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """Parse and resolve one WIT document given as a string (no dependencies)."""
    return resolve_files([parse(text, path)], features=features)


def resolve_path(
    path: str | Path, *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """Parse and resolve a `.wit` file or a package folder (with its `deps/` folder).

    A folder is one package made of all its `.wit` files; `deps/` holds the
    dependencies, each a package folder or a single `.wit` file, and the
    dependencies of dependencies too (wit-parser's layout). `features` enables
    `@unstable` items (None enables all of them).
    """
    p = Path(path)
    sources = _Sources()
    if not p.exists():
        raise WitError(f"no such file or directory: {p}")
    if not p.is_dir():
        # Any path that is not a folder is read as one file (bounded: see MAX_WIT_FILE_BYTES).
        files = [parse_file(p)]
        return _resolve_groups(_group(files, sources), [], sources, features)
    main_files = _parse_dir(p)
    if not main_files:
        raise WitError(
            f"{p}: no `.wit` files in this folder (a package folder holds its WIT files)"
        )
    deps: list[_PackageSource] = []
    deps_dir = p / "deps"
    if deps_dir.is_dir():
        for entry in sorted(deps_dir.iterdir(), key=lambda e: e.name):
            try:
                mode = entry.stat().st_mode  # a link that loops or leads nowhere fails here
            except OSError as error:
                raise WitError(f"cannot read {entry}: {error.strerror or error}") from None
            if stat.S_ISDIR(mode):
                deps.extend(_group(_parse_dir(entry), sources))
            elif entry.suffix == ".wit":
                if not stat.S_ISREG(mode):
                    # A pipe or device found in a folder is not read: it could block forever.
                    raise WitError(f"cannot read {entry}: not a regular file")
                deps.extend(_group([parse_file(entry)], sources))
            elif entry.suffix in (".wasm", ".wat"):
                raise WitError(
                    f"{entry}: dependencies encoded as a WebAssembly component are not supported"
                )
    return _resolve_groups(_group(main_files, sources), deps, sources, features)


def select_world(
    resolve: m.Resolve, main_package: int | Sequence[int], name: str | None = None
) -> int:
    """Pick a world the way wit-parser's `select_world` does.

    With `name` None the main package must hold exactly one world. `name` may be
    a world of the main package (`my-world`) or fully qualified (`ns:pkg/world`,
    `ns:pkg/world@1.0.0`; without a version it matches the only version present).
    """
    mains = (main_package,) if isinstance(main_package, int) else tuple(main_package)
    if name is None:
        if not mains:
            raise WitError("no main packages defined")
        if len(mains) > 1:
            raise WitError(
                f"there are multiple packages defined ({_package_list(resolve, mains)}); "
                "please specify which world to use with `--world`"
            )
        pkg = resolve.packages[mains[0]]
        if not pkg.worlds:
            raise WitError(f"the main package `{pkg.name}` contains no worlds")
        if len(pkg.worlds) > 1:
            raise WitError(
                f"there are multiple worlds in `{pkg.name}` ({', '.join(pkg.worlds)}); "
                "please specify which world to use with `--world`"
            )
        return next(iter(pkg.worlds.values()))
    if "/" not in name:
        if not mains:
            raise WitError("no main packages defined")
        if len(mains) > 1:
            raise WitError(
                "there are multiple packages defined; please specify a fully-qualified "
                "package name, e.g. `foo:bar/baz`"
            )
        pkg_id = mains[0]
        world_name = name
    else:
        pkg_text, world_name = name.split("/", 1)
        version = None
        if "@" in world_name:
            world_name, version = world_name.split("@", 1)
        if ":" not in pkg_text:
            raise WitError(f"failed to parse world specifier `{name}`")
        ns, pname = pkg_text.split(":", 1)
        wanted = m.PackageName(ns, pname, version)
        candidates = [
            i
            for i, p in enumerate(resolve.packages)
            if p.name == wanted
            or (version is None and (p.name.namespace, p.name.name) == (ns, pname))
        ]
        exact = [i for i in candidates if resolve.packages[i].name == wanted]
        if exact:
            pkg_id = exact[0]
        elif len(candidates) > 1:
            vs = [resolve.packages[i].name.version for i in candidates]
            raise WitError(
                f"package name `{wanted}` is available at both versions {vs[0]} and {vs[1]} "
                "but which is not specified"
            )
        elif candidates:
            pkg_id = candidates[0]
        else:
            raise WitError(f"unknown package `{wanted}`")
    pkg = resolve.packages[pkg_id]
    if world_name not in pkg.worlds:
        have = ", ".join(pkg.worlds) or "none"
        raise WitError(
            f"world `{world_name}` not found in package `{pkg.name}` (its worlds: {have})"
        )
    return pkg.worlds[world_name]


def _package_list(resolve: m.Resolve, ids: Sequence[int]) -> str:
    return ", ".join(str(resolve.packages[i].name) for i in ids)
