"""The local arena of the package being resolved: its types, interfaces and worlds, whose
references are local ids until `remap` appends them to the global arena."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit import model as m

Owner: TypeAlias = tuple[Literal["interface", "world"], int] | None
"""Who owns a local type: an interface or world by local id, or nobody (anonymous)."""


@dataclass
class LType:
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
class LFunc:
    func: m.Function
    span: ast.Span


Lookup: TypeAlias = dict[str, tuple[int | str, ast.Span]]
"""Names visible in an interface or world: a local type id, or the kind of a non-type item."""


@dataclass
class LIface:
    name: str | None
    span: ast.Span
    docs: str | None = None
    stability: m.Stability = None
    types: dict[str, int] = field(default_factory=dict)
    functions: list[LFunc] = field(default_factory=list)
    lookup: Lookup = field(default_factory=dict)
    foreign: int | None = None
    is_foreign: bool = False
    foreign_pkg: m.PackageName | None = None
    deferred: WitError | None = None


@dataclass
class Include:
    stability: m.Stability
    world: int
    names: tuple[ast.IncludeName, ...]
    span: ast.Span


@dataclass
class LWorld:
    name: str
    span: ast.Span
    docs: str | None = None
    stability: m.Stability = None
    imports: dict[m.WorldKey, m.WorldItem] = field(default_factory=dict)
    import_spans: list[ast.Span] = field(default_factory=list)
    exports: dict[m.WorldKey, m.WorldItem] = field(default_factory=dict)
    export_spans: list[ast.Span] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    foreign: int | None = None
    is_foreign: bool = False
    deferred: WitError | None = None


AstItem: TypeAlias = tuple[Literal["interface", "world"], int]


# --------------------------------------------------------------------------- the global arena
