"""The resolved WIT model: what a set of WIT packages means once every name is resolved.

Modelled on wit-parser's `Resolve` (bytecodealliance/wasm-tools): four arenas --
`packages`, `worlds`, `interfaces` and `types` -- that refer to each other by
integer id (an index into the arena). Nothing here is looked up by name any more,
and every type is defined (has a smaller id) before any type that uses it, so a
consumer can walk `Resolve.types` front to back and always meet a type's parts
before the type itself. Index order matches wit-parser's, so the reference JSON
(`witkit.wit.json.to_json`) is a direct transcription.

A `Type` is either a primitive's name (`"u32"`, `"string"`, `"error-context"`)
or an `int`, the id of a `TypeDef` in `Resolve.types`.

Containers in the model are read-only by contract: sequences are tuples and
name-keyed tables are `Mapping`s whose iteration order is the declaration order
(the order the reference prints them in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, get_args

# --------------------------------------------------------------------------- basic values

PrimitiveName = Literal[
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "string",
    "error-context",
]
"""A primitive type's name, as written in WIT (the syntax tree's `Primitive.name` too)."""

PRIMITIVES: frozenset[str] = frozenset(get_args(PrimitiveName))
"""Every primitive type name a `Type` can be."""

Type: TypeAlias = str | int
"""A primitive's name (one of `PRIMITIVES`) or the id of a `TypeDef` in `Resolve.types`."""


@dataclass(frozen=True)
class Stable:
    """`@since(version = X)`, optionally with `@deprecated(version = Y)`."""

    since: str
    """The package version the item appeared in (`"0.2.0"`)."""
    deprecated: str | None = None
    """The package version that deprecated it, if any."""


@dataclass(frozen=True)
class Unstable:
    """`@unstable(feature = F)`: present only when feature `F` is enabled."""

    feature: str
    """The feature name."""
    deprecated: str | None = None
    """The package version that deprecated it, if any."""


Stability: TypeAlias = Stable | Unstable | None
"""How an item is gated; None is wit-parser's `Stability::Unknown` (no gate written)."""


@dataclass(frozen=True)
class PackageName:
    """`namespace:name@version`."""

    namespace: str
    """`wasi` in `wasi:http@0.2.9`."""
    name: str
    """`http` in `wasi:http@0.2.9`."""
    version: str | None = None
    """`0.2.9` in `wasi:http@0.2.9`; None when unversioned."""

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version is not None else base

    def interface_id(self, interface: str) -> str:
        """`ns:pkg/iface@ver`, the way wit-parser's `id_of` spells an interface of this package."""
        base = f"{self.namespace}:{self.name}/{interface}"
        return f"{base}@{self.version}" if self.version is not None else base


# --------------------------------------------------------------------------- type definitions


@dataclass(frozen=True)
class Field:
    """One record field."""

    name: str
    type: Type
    docs: str | None = None


@dataclass(frozen=True)
class Flag:
    """One flag of a `flags` type."""

    name: str
    docs: str | None = None


@dataclass(frozen=True)
class Case:
    """One variant case; `type` is None for a case without payload."""

    name: str
    type: Type | None
    docs: str | None = None


@dataclass(frozen=True)
class EnumCase:
    """One enum case."""

    name: str
    docs: str | None = None


@dataclass(frozen=True)
class Record:
    """`record { fields }`."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Resource:
    """`resource r`; its functions live in the owner's `functions` (`[method]r.m`, ...)."""


@dataclass(frozen=True)
class Handle:
    """`own<r>` or `borrow<r>`; `resource` is the id of a type that is (or aliases) a resource."""

    kind: Literal["own", "borrow"]
    resource: int


@dataclass(frozen=True)
class Flags:
    """`flags { names }`."""

    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Tuple:
    """`tuple<A, B, ...>`."""

    types: tuple[Type, ...]


@dataclass(frozen=True)
class Variant:
    """`variant { cases }`."""

    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Enum:
    """`enum { cases }`."""

    cases: tuple[EnumCase, ...]


@dataclass(frozen=True)
class Option:
    """`option<T>`."""

    type: Type


@dataclass(frozen=True)
class Result:
    """`result<T, E>`; absent sides are None."""

    ok: Type | None
    err: Type | None


@dataclass(frozen=True)
class List:
    """`list<T>`."""

    type: Type


@dataclass(frozen=True)
class FixedLengthList:
    """`list<T, N>`."""

    type: Type
    size: int


@dataclass(frozen=True)
class Map:
    """`map<K, V>`."""

    key: Type
    value: Type


@dataclass(frozen=True)
class Future:
    """`future<T>`, or bare `future` (type None)."""

    type: Type | None


@dataclass(frozen=True)
class Stream:
    """`stream<T>`, or bare `stream` (type None)."""

    type: Type | None


@dataclass(frozen=True)
class Alias:
    """`type a = T;` (wit-parser's `TypeDefKind::Type`): another name for `T`."""

    type: Type


TypeDefKind: TypeAlias = (
    Record
    | Resource
    | Handle
    | Flags
    | Tuple
    | Variant
    | Enum
    | Option
    | Result
    | List
    | FixedLengthList
    | Map
    | Future
    | Stream
    | Alias
)
"""What a `TypeDef` is."""


def kind_parts(kind: TypeDefKind) -> tuple[Type, ...]:
    """The types a type definition is built from, in order (absent optional parts left out)."""
    match kind:
        case Record():
            return tuple(f.type for f in kind.fields)
        case Variant():
            return tuple(c.type for c in kind.cases if c.type is not None)
        case Tuple():
            return kind.types
        case Handle():
            return (kind.resource,)
        case Option() | List() | FixedLengthList() | Alias():
            return (kind.type,)
        case Future() | Stream():
            return () if kind.type is None else (kind.type,)
        case Result():
            return tuple(t for t in (kind.ok, kind.err) if t is not None)
        case Map():
            return (kind.key, kind.value)
        case _:
            return ()


@dataclass(frozen=True)
class TypeOwner:
    """Who defines a named type: an interface or a world (by id)."""

    kind: Literal["interface", "world"]
    id: int


@dataclass(frozen=True)
class TypeDef:
    """One entry of `Resolve.types`: a named type, or an anonymous one (`list<u8>`)."""

    name: str | None
    """The type's name; None for an anonymous type (`list<u8>`, `borrow<r>`, ...)."""
    kind: TypeDefKind
    owner: TypeOwner | None
    """The interface or world defining it; None for anonymous types."""
    docs: str | None = None
    stability: Stability = None


# --------------------------------------------------------------------------- functions

FunctionKindName: TypeAlias = Literal[
    "freestanding",
    "async-freestanding",
    "method",
    "static",
    "constructor",
    "async-method",
    "async-static",
]


@dataclass(frozen=True)
class Param:
    """One parameter. Methods have an implicit first `self: borrow<r>` parameter."""

    name: str
    type: Type


@dataclass(frozen=True)
class Function:
    """A function of an interface or a world, or a resource's constructor/method/static function."""

    name: str
    """`f`, `[constructor]r`, `[method]r.m` or `[static]r.s` (the component-model name)."""
    kind: FunctionKindName
    params: tuple[Param, ...]
    result: Type | None
    """The result type (a constructor's is `own<r>` or `result<own<r>, E>`); None for none."""
    resource: int | None = None
    """For every kind but (async-)freestanding: the id of the resource type."""
    docs: str | None = None
    stability: Stability = None

    @property
    def is_async(self) -> bool:
        """True for `async func`."""
        return self.kind.startswith("async-")

    @property
    def item_name(self) -> str:
        """The name as written in WIT: `m` for `[method]r.m`, `r` for `[constructor]r`."""
        if self.name.startswith("[constructor]"):
            return self.name[len("[constructor]") :]
        if self.name.startswith(("[method]", "[static]")):
            return self.name.split("]", 1)[1].split(".", 1)[1]
        return self.name


# --------------------------------------------------------------------------- interfaces, worlds, packages


@dataclass(frozen=True)
class Interface:
    """An interface: named (`interface i { }`) or anonymous (`import x: interface { }` in a world)."""

    name: str | None
    """None for an anonymous interface written inline in a world."""
    types: Mapping[str, int]
    """Types it defines or brings in with `use`, by name: the `use`d names first, then the
    definitions, each after the types it is built from (wit-parser's order)."""
    functions: Mapping[str, Function]
    """Functions, keyed by their component-model name (`[method]r.m`), in declaration order."""
    package: int | None
    """The owning package's id."""
    docs: str | None = None
    stability: Stability = None


WorldKey: TypeAlias = str | int
"""A world import/export key. A plain name for `import x: func()`, `import x: interface { }`,
`import label: iface;`, world types and resource functions (`[method]r.m`); the interface's
id for `import ns:pkg/iface;`, `import iface;` and imports implied by `use`. The reference
JSON writes an id key as `interface-N`; `Resolve.world_key_name` spells it `ns:pkg/iface@ver`."""


@dataclass(frozen=True)
class WorldInterface:
    """A world item that is a whole interface."""

    id: int
    stability: Stability = None
    docs: str | None = None
    """The doc comment on `import iface;` / `export iface;` (an inline interface's own docs
    are the interface's), as wit-parser keeps it."""


@dataclass(frozen=True)
class WorldFunction:
    """A world item that is a function (`import f: func()`)."""

    function: Function


@dataclass(frozen=True)
class WorldType:
    """A world item that is a type (defined in the world or brought in with `use`); imports only."""

    id: int


WorldItem: TypeAlias = WorldInterface | WorldFunction | WorldType


@dataclass(frozen=True)
class World:
    """A world, fully elaborated: `include`s merged and implied interface imports added."""

    name: str
    imports: Mapping[WorldKey, WorldItem]
    """What the world imports, in the reference's order: interfaces first (each after the
    interfaces it depends on), then types, then functions."""
    exports: Mapping[WorldKey, WorldItem]
    package: int | None
    docs: str | None = None
    stability: Stability = None


@dataclass(frozen=True)
class Package:
    """A package: its name and the interfaces and worlds it defines (by name, in source order)."""

    name: PackageName
    interfaces: Mapping[str, int]
    worlds: Mapping[str, int]
    docs: str | None = None


# --------------------------------------------------------------------------- walks over arenas
# Functions of the arenas rather than of a `Resolve`, so that the resolver can use them
# on the lists it is still filling; `Resolve`'s methods of the same names call them.


def dealias_in(types: Sequence[TypeDef], ty: Type) -> Type:
    """`Resolve.dealias` on a `types` arena."""
    while isinstance(ty, int):
        kind = types[ty].kind
        if not isinstance(kind, Alias):
            break
        ty = kind.type
    return ty


def type_interface_dep_in(types: Sequence[TypeDef], ty: int) -> int | None:
    """`Resolve.type_interface_dep` on a `types` arena."""
    td = types[ty]
    if not isinstance(td.kind, Alias) or not isinstance(td.kind.type, int):
        return None
    owner = types[td.kind.type].owner
    if owner == td.owner:
        return None
    if owner is not None and owner.kind == "interface":
        return owner.id
    return None


def interface_direct_deps_in(
    types: Sequence[TypeDef], interfaces: Sequence[Interface], interface: int
) -> Iterator[int]:
    """`Resolve.interface_direct_deps` on `types` and `interfaces` arenas."""
    seen: set[int] = set()
    for ty in interfaces[interface].types.values():
        dep = type_interface_dep_in(types, ty)
        if dep is not None and dep != interface and dep not in seen:
            seen.add(dep)
            yield dep


# --------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class Resolve:
    """Every package, world, interface and type that a resolution produced, by id.

    Packages come in dependency order (a package after everything it uses) and
    types in definition order (a type after its parts).
    """

    packages: tuple[Package, ...] = ()
    worlds: tuple[World, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    types: tuple[TypeDef, ...] = ()
    features: frozenset[str] | None = field(default=frozenset(), compare=False)
    """The `@unstable` features that were enabled (None: all)."""

    # ---- names

    def id_of(self, interface: int) -> str | None:
        """`ns:pkg/iface@ver` for a named interface; None for an anonymous one."""
        iface = self.interfaces[interface]
        if iface.name is None or iface.package is None:
            return None
        return self.packages[iface.package].name.interface_id(iface.name)

    def world_id_of(self, world: int) -> str:
        """`ns:pkg/world@ver` for a world (its bare name if it has no package)."""
        w = self.worlds[world]
        if w.package is None:
            return w.name
        return self.packages[w.package].name.interface_id(w.name)

    def world_key_name(self, key: WorldKey) -> str:
        """A world key as text: the name itself, or the interface's `ns:pkg/iface@ver`."""
        if isinstance(key, str):
            return key
        return self.id_of(key) or f"interface-{key}"

    def world_by_name(self, name: str, package: int | None = None) -> int | None:
        """Find a world by `ns:pkg/world[@ver]`, or by bare name within `package`; None when absent."""
        if "/" in name:
            pkg_part, rest = name.split("/", 1)
            version = None
            if "@" in rest:
                rest, version = rest.split("@", 1)
            for pkg in self.packages:
                n = pkg.name
                same = f"{n.namespace}:{n.name}" == pkg_part
                if same and (version is None or n.version == version) and rest in pkg.worlds:
                    return pkg.worlds[rest]
            return None
        if package is not None:
            return self.packages[package].worlds.get(name)
        return None

    def interface_by_id(self, name: str) -> int | None:
        """Find a named interface by `ns:pkg/iface[@ver]`; None when absent."""
        for i, iface in enumerate(self.interfaces):
            if iface.name is not None and self.id_of(i) == name:
                return i
        return None

    def type_name(self, ty: Type) -> str:
        """A readable name for a type: the primitive, the type's name or a WIT-like spelling."""
        from witkit.wit.printer import type_text

        return type_text(self, ty, "named")

    # ---- structure

    def dealias(self, ty: Type) -> Type:
        """Follow `type a = b` aliases to the type they finally name."""
        return dealias_in(self.types, ty)

    def type_interface_dep(self, ty: int) -> int | None:
        """The interface a type comes from when it is an alias of another interface's type
        (what `use` creates), else None. This is what makes a world import that interface."""
        return type_interface_dep_in(self.types, ty)

    def interface_direct_deps(self, interface: int) -> Iterator[int]:
        """Interfaces this one `use`s types from, each once, in order of first use."""
        return interface_direct_deps_in(self.types, self.interfaces, interface)

    def world_functions(
        self, world: int, direction: Literal["imports", "exports"]
    ) -> Iterator[tuple[str, Function]]:
        """The freestanding functions a world imports or exports directly."""
        w = self.worlds[world]
        for key, item in (w.imports if direction == "imports" else w.exports).items():
            if isinstance(item, WorldFunction):
                yield self.world_key_name(key), item.function

    def resource_functions(
        self, resource: int, functions: Mapping[str, Function]
    ) -> Iterator[Function]:
        """The constructor, methods and static functions of `resource` among `functions`."""
        for func in functions.values():
            if func.resource == resource:
                yield func


@dataclass(frozen=True)
class ResolvedPackages:
    """What `resolve_path`/`resolve_source` return: the `Resolve` and its main package(s)."""

    resolve: Resolve
    packages: tuple[int, ...]
    """The ids of the packages defined by the path itself (not by `deps/`): the nested
    `package x { }` blocks of its files in source order, then its own package last."""

    @property
    def main(self) -> int:
        """The package the path declares (`package ns:pkg;`), the last of `packages`; what
        wit-parser's `push_path` returns and what `select_world` should be given."""
        return self.packages[-1]
