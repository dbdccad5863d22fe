"""WIT model types to Python annotations: the one mapping host bindings and guest code share.

The mapping follows componentize-py (record -> dataclass, variant -> per-case classes and a
union alias, `option<T>` -> `T | None` (`Optional[T]` in guest code, as componentize-py
writes it) with `Some` where options nest, `list<u8>` -> `bytes`,
`result` returned as its ok type with the error raised as `Err`). The only thing host and
guest disagree on is where a named type's class lives, so `PyTypes` takes a callback
`qualify(type_id) -> str` that spells a named type for the module being written, and an
`Imports` that records which helper names (`Some`, `Ok`, ...) the annotations used.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from witkit.errors import BindingError, WitkitError
from witkit.wit import model as m

INTS = frozenset({"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64"})


@dataclass
class Imports:
    """`from module import name` lines a generated module needs, keyed by the local name used."""

    taken: set[str] = field(default_factory=set)
    """Names the module defines itself; an import that would shadow one is aliased `_Name`."""
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Local name -> (module, imported name)."""

    def name(self, module: str, name: str, local: str | None = None) -> str:
        """Import `name` from `module` (as `local`); returns the local name to write."""
        local = local or name
        while local in self.taken or (local in self.names and self.names[local] != (module, name)):
            local = f"_{local}"
        self.names[local] = (module, name)
        return local

    def lines(self, first_party: Iterable[str] = ()) -> list[str]:
        """Import lines grouped future / stdlib / third party / first party / local, like ruff's isort.

        Names imported `as` another name get a line of their own (isort's default).
        """
        groups: dict[int, dict[tuple[str, str], list[str]]] = {}
        first = tuple(first_party)
        for local, (module, name) in self.names.items():
            top = module.split(".")[0]
            if module == "__future__":
                group = 0
            elif module.startswith("."):
                group = 4
            elif top in first:
                group = 3
            elif top in _STDLIB:
                group = 1
            else:
                group = 2
            if local == name:
                groups.setdefault(group, {}).setdefault((module, ""), []).append(name)
            else:
                groups.setdefault(group, {}).setdefault((module, local), []).append(
                    f"{name} as {local}"
                )
        out: list[str] = []
        for group in sorted(groups):
            if out:
                out.append("")
            for module, _local in sorted(groups[group], key=lambda k: (k[0], k[1])):
                names = sorted(groups[group][(module, _local)], key=_name_sort_key)
                out.append(f"from {module} import {', '.join(names)}")
        return out


_STDLIB = frozenset({"abc", "collections", "dataclasses", "enum", "typing"})


def _name_sort_key(name: str) -> tuple[int, str]:
    # ruff's isort (force-sort-within-sections off): CONSTANTS, Classes, then functions.
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper() or name.lstrip("_")[:1].isupper():
        return (1, name)
    return (2, name)


@dataclass(frozen=True)
class Spelling:
    """How a family of generated code spells generic containers and its `Some`/`Err` module."""

    list_name: str = "list"
    """`list` (builtin) or `List` (imported from typing, as componentize-py writes)."""
    tuple_name: str = "tuple"
    values_module: str = "witkit.runtime"
    """Where `Some`, `Ok`, `Err` (and `Result` when `result_alias`) come from."""
    result_alias: bool = False
    """True: a `result` in a value position is `Result[T, E]`; False: `Ok[T] | Err[E]`."""
    self_type: bool = False
    """True: a resource's own handle inside its class is `Self` (componentize-py's guest style)."""
    pep604: bool = True
    """True: `T | None` and `Ok[T] | Err[E]`; False: `Optional[T]` and `Union[...]`, as
    componentize-py's bindings write them."""


HOST = Spelling()
"""Host bindings: builtin generics, `T | None`, `Ok[T] | Err[E]` for results inside values."""

COMPONENTIZE_PY = Spelling(
    list_name="List",
    tuple_name="Tuple",
    values_module="componentize_py_types",
    result_alias=True,
    self_type=True,
    pep604=False,
)
"""Guest code: exactly the annotations componentize-py's generated bindings use."""


class PyTypes:
    """Model types to Python annotation text for one generated module."""

    def __init__(
        self,
        resolve: m.Resolve,
        qualify: Callable[[int], str],
        imports: Imports,
        spelling: Spelling = HOST,
    ) -> None:
        self.resolve = resolve
        self.qualify = qualify
        """`type_id -> "types.Point"` (or `"Point"` when the module defines it)."""
        self.imports = imports
        self.spelling = spelling

    def _typing(self, name: str) -> str:
        return self.imports.name("typing", name)

    def _generic(self, name: str) -> str:
        return self._typing(name) if name[:1].isupper() else name

    def annotation(self, ty: m.Type, self_resource: int | None = None) -> str:
        """The annotation of a parameter, field or plain result of type `ty`."""
        if isinstance(ty, str):
            if ty in INTS:
                return "int"
            if ty in ("f32", "f64"):
                return "float"
            if ty in ("char", "string"):
                return "str"
            if ty == "bool":
                return "bool"
            raise BindingError(f"WIT type `{ty}` has no Python binding yet")
        kind = self.resolve.types[ty].kind
        again = self.annotation
        match kind:
            case m.Alias():
                return again(kind.type, self_resource)
            case m.Record() | m.Enum() | m.Flags() | m.Variant():
                return self.qualify(ty)
            case m.Resource():
                if ty == self_resource and self.spelling.self_type:
                    return self._typing("Self")
                return self.qualify(ty)
            case m.Handle():
                return again(self.resolve.dealias(kind.resource), self_resource)
            case m.List():
                if self.resolve.dealias(kind.type) == "u8":
                    return "bytes"
                return (
                    f"{self._generic(self.spelling.list_name)}[{again(kind.type, self_resource)}]"
                )
            case m.Tuple():
                inner = ", ".join(again(t, self_resource) for t in kind.types)
                return f"{self._generic(self.spelling.tuple_name)}[{inner or '()'}]"
            case m.Option():
                inner = again(kind.type, self_resource)
                if self.is_option(kind.type):
                    inner = f"{self.imports.name(self.spelling.values_module, 'Some')}[{inner}]"
                if self.spelling.pep604:
                    return f"{inner} | None"
                return f"{self._typing('Optional')}[{inner}]"
            case m.Result():
                ok = "None" if kind.ok is None else again(kind.ok, self_resource)
                err = "None" if kind.err is None else again(kind.err, self_resource)
                values = self.spelling.values_module
                if self.spelling.result_alias:
                    return f"{self.imports.name(values, 'Result')}[{ok}, {err}]"
                ok_name = self.imports.name(values, "Ok")
                err_name = self.imports.name(values, "Err")
                if self.spelling.pep604:
                    return f"{ok_name}[{ok}] | {err_name}[{err}]"
                return f"{self._typing('Union')}[{ok_name}[{ok}], {err_name}[{err}]]"
        raise BindingError(f"WIT type `{self.resolve.type_name(ty)}` has no Python binding yet")

    def is_option(self, ty: m.Type) -> bool:
        """True when `ty` is (an alias of) an `option`, so an enclosing option needs `Some`."""
        real = self.resolve.dealias(ty)
        return isinstance(real, int) and isinstance(self.resolve.types[real].kind, m.Option)

    def returned_result(self, ty: m.Type | None) -> m.Result | None:
        """The `result` a function returns directly (as componentize-py: aliases not followed)."""
        if isinstance(ty, int):
            kind = self.resolve.types[ty].kind
            if isinstance(kind, m.Result):
                return kind
        return None

    def signature_types(
        self, result: m.Type | None, self_resource: int | None = None
    ) -> tuple[str, str | None]:
        """(return annotation, `Err` payload annotation or None) for a function returning `result`."""
        if result is None:
            return "None", None
        res = self.returned_result(result)
        if res is None:
            return self.annotation(result, self_resource), None
        ok = "None" if res.ok is None else self.annotation(res.ok, self_resource)
        err = "None" if res.err is None else self.annotation(res.err, self_resource)
        return ok, err


@contextlib.contextmanager
def not_too_deep(what: str, error: type[WitkitError] = BindingError) -> Iterator[None]:
    """Turn Python's recursion limit, reached while spelling types, into an `error` naming `what`.

    The WIT reader accepts alias chains and nested named types thousands long; spelling them
    as annotations walks each chain, and past about a thousand links Python's stack runs out.
    """
    try:
        yield
    except RecursionError:
        raise error(
            f"{what}: its types alias or nest too deeply to spell as Python annotations "
            f"(a chain past Python's recursion limit of {sys.getrecursionlimit()})"
        ) from None
