"""The WIT syntax tree: what one `.wit` file says, before any name is resolved.

Every node carries a `Span` (file, line, column) so the resolver can point at the
exact place an error comes from. Nodes are frozen dataclasses; lists are tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from witkit.errors import SourceLocation, location_in_file
from witkit.wit.model import PrimitiveName as PrimitiveName

# --------------------------------------------------------------------------- places

@dataclass(frozen=True)
class Span:
    """Where a node starts and ends in its source file (1-based lines and columns)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def location(self, text: str) -> SourceLocation:
        """Where the span starts in `text` (its file's contents), for an error to quote;
        the caret underlines the span's first line."""
        length = self.end_column - self.column if self.end_line == self.line else 1
        return location_in_file(self.path, text, self.line, self.column, max(1, length))


@dataclass(frozen=True)
class Id:
    """An identifier as written, with `%` escapes removed (`%type` -> `type`)."""

    name: str
    span: Span


@dataclass(frozen=True)
class Docs:
    """Doc comments (`///`, `/** */`) attached to the item that follows them.

    `contents` is the text with the comment markers removed, lines joined by
    `\\n`, as wit-parser stores it; None when the item has no doc comment.
    """

    contents: str | None = None


# --------------------------------------------------------------------------- gates


@dataclass(frozen=True)
class Since:
    """`@since(version = 1.2.3)`."""

    version: str
    span: Span


@dataclass(frozen=True)
class Unstable:
    """`@unstable(feature = name)`."""

    feature: str
    span: Span


@dataclass(frozen=True)
class Deprecated:
    """`@deprecated(version = 1.2.3)`."""

    version: str
    span: Span


Attribute = Since | Unstable | Deprecated


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Primitive:
    """A built-in type: `u32`, `string`, `error-context`, ..."""

    name: PrimitiveName
    span: Span


@dataclass(frozen=True)
class Named:
    """A reference to a type by name (`my-record`), resolved later."""

    name: Id
    span: Span


@dataclass(frozen=True)
class ListType:
    """`list<T>`, or `list<T, N>` when `size` is set (fixed-length list)."""

    element: TypeExpr
    span: Span
    size: int | None = None


@dataclass(frozen=True)
class MapType:
    """`map<K, V>`."""

    key: TypeExpr
    value: TypeExpr
    span: Span


@dataclass(frozen=True)
class OptionType:
    """`option<T>`."""

    element: TypeExpr
    span: Span


@dataclass(frozen=True)
class ResultType:
    """`result`, `result<T>`, `result<_, E>`, `result<T, E>`; absent sides are None."""

    ok: TypeExpr | None
    err: TypeExpr | None
    span: Span


@dataclass(frozen=True)
class TupleType:
    """`tuple<A, B, ...>`."""

    elements: tuple[TypeExpr, ...]
    span: Span


@dataclass(frozen=True)
class HandleType:
    """`own<R>` or `borrow<R>`."""

    kind: Literal["own", "borrow"]
    resource: Id
    span: Span


@dataclass(frozen=True)
class FutureType:
    """`future<T>` or bare `future` (element None)."""

    element: TypeExpr | None
    span: Span


@dataclass(frozen=True)
class StreamType:
    """`stream<T>` or bare `stream` (element None)."""

    element: TypeExpr | None
    span: Span


TypeExpr = (
    Primitive
    | Named
    | ListType
    | MapType
    | OptionType
    | ResultType
    | TupleType
    | HandleType
    | FutureType
    | StreamType
)


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Param:
    """One function parameter `name: type`."""

    name: Id
    type: TypeExpr


@dataclass(frozen=True)
class Func:
    """A function signature: `func(a: u32) -> string`, `async func()`."""

    params: tuple[Param, ...]
    result: TypeExpr | None
    is_async: bool
    span: Span


@dataclass(frozen=True)
class NamedFunc:
    """`name: func(...)` in an interface or world, or a resource method."""

    name: Id
    func: Func
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


# --------------------------------------------------------------------------- type definitions


@dataclass(frozen=True)
class Field:
    """A record field."""

    name: Id
    type: TypeExpr
    docs: Docs
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Case:
    """A variant case; `type` is None for a case without payload."""

    name: Id
    type: TypeExpr | None
    docs: Docs
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class EnumCase:
    """An enum case."""

    name: Id
    docs: Docs
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Flag:
    """One flag of a `flags` type."""

    name: Id
    docs: Docs
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class ResourceFunc:
    """A function inside `resource r { ... }`.

    `kind` is "constructor" (name is the resource's own id, `func` has no result),
    "method" or "static".
    """

    kind: Literal["constructor", "method", "static"]
    name: Id
    func: Func
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class TypeAlias:
    """`type name = T;`."""

    name: Id
    type: TypeExpr
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Record:
    """`record name { fields }`."""

    name: Id
    fields: tuple[Field, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Variant:
    """`variant name { cases }`."""

    name: Id
    cases: tuple[Case, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Enum:
    """`enum name { cases }`."""

    name: Id
    cases: tuple[EnumCase, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Flags:
    """`flags name { flags }`."""

    name: Id
    flags: tuple[Flag, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Resource:
    """`resource name;` or `resource name { functions }`."""

    name: Id
    funcs: tuple[ResourceFunc, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


TypeDef = TypeAlias | Record | Variant | Enum | Flags | Resource


# --------------------------------------------------------------------------- use / include


@dataclass(frozen=True)
class PackageName:
    """`ns:name@1.2.3` (version None when absent). Nested namespaces are not WIT."""

    namespace: Id
    name: Id
    version: str | None
    span: Span


@dataclass(frozen=True)
class LocalPath:
    """A use path naming an interface (or world) of the same package: `iface`."""

    name: Id
    span: Span


@dataclass(frozen=True)
class ForeignPath:
    """A use path naming an item of another package: `ns:pkg/iface@1.0.0`."""

    package: PackageName
    name: Id
    span: Span


UsePath = LocalPath | ForeignPath


@dataclass(frozen=True)
class UseName:
    """One name of a `use path.{a, b as c}` list."""

    name: Id
    alias: Id | None


@dataclass(frozen=True)
class Use:
    """`use path.{names};` inside an interface or world."""

    path: UsePath
    names: tuple[UseName, ...]
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class ToplevelUse:
    """`use ns:pkg/iface@ver as name;` at the top of a file."""

    path: UsePath
    alias: Id | None
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class IncludeName:
    """`a as b` inside `include w with { ... }`."""

    name: Id
    alias: Id


@dataclass(frozen=True)
class Include:
    """`include path with { renames };` inside a world."""

    path: UsePath
    names: tuple[IncludeName, ...]
    attributes: tuple[Attribute, ...]
    span: Span


# --------------------------------------------------------------------------- interfaces and worlds


InterfaceItem = TypeDef | NamedFunc | Use


@dataclass(frozen=True)
class Interface:
    """`interface name { items }`."""

    name: Id
    items: tuple[InterfaceItem, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class InterfaceRef:
    """`import ns:pkg/iface;` or `import iface;`: a whole interface by path.

    `name` is set for the named form `import label: iface;` (wit-parser's "implements"),
    which imports the interface under the name `label`; None for the plain form.
    """

    path: UsePath
    name: Id | None = None


@dataclass(frozen=True)
class InlineInterface:
    """`import name: interface { items }`."""

    name: Id
    items: tuple[InterfaceItem, ...]


@dataclass(frozen=True)
class ExternFunc:
    """`import name: func(...)`."""

    name: Id
    func: Func


ExternKind = InterfaceRef | InlineInterface | ExternFunc


@dataclass(frozen=True)
class Import:
    """`import ...;` inside a world."""

    kind: ExternKind
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True)
class Export:
    """`export ...;` inside a world."""

    kind: ExternKind
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


WorldItem = Import | Export | TypeDef | Use | Include


@dataclass(frozen=True)
class World:
    """`world name { items }`."""

    name: Id
    items: tuple[WorldItem, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


# --------------------------------------------------------------------------- files and packages


@dataclass(frozen=True)
class NestedPackage:
    """`package ns:name@ver { interfaces and worlds }` inside a file."""

    name: PackageName
    items: tuple[Interface | World | ToplevelUse, ...]
    docs: Docs
    attributes: tuple[Attribute, ...]
    span: Span


TopItem = Interface | World | ToplevelUse | NestedPackage


@dataclass(frozen=True)
class PackageDecl:
    """`package ns:name@ver;` at the top of a file, with its doc comment."""

    name: PackageName
    docs: Docs
    span: Span


@dataclass(frozen=True)
class File:
    """One parsed `.wit` file."""

    path: str
    package: PackageDecl | None
    items: tuple[TopItem, ...]
    source: str = field(repr=False, default="")
    """The file's text, kept so errors found later can quote the offending line."""
