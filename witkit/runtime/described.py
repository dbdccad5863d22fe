"""Descriptors read from a component's own types, for calls without generated bindings.

Records become dataclasses, enums `Enum`s, flags `Flag`s and variant cases small dataclasses,
all built on the fly with names derived from the WIT names (`max-len` -> `max_len`). A guest
resource becomes a plain `ResourceProxy`. Use `Instance.dynamic(name)` rather than these.
"""

from __future__ import annotations

import enum
from dataclasses import make_dataclass
from typing import Any

import wasmtime.component as wc

from witkit.errors import BindingError
from witkit.naming import pascal, snake, upper_snake
from witkit.runtime.resources import ResourceProxy
from witkit.runtime.types import (
    BYTES,
    PRIMITIVES,
    Borrow,
    Enum,
    Flags,
    GuestResource,
    List,
    Option,
    Own,
    Record,
    Result,
    Tuple,
    TypeDesc,
    Variant,
)
from witkit.runtime.worldcheck import primitive_name

__all__ = ["Describer", "DynamicResource", "describe", "py_name"]


class DynamicResource(ResourceProxy):
    """A guest resource met by a dynamic call: hold it, pass it back, `drop()` it."""


_DYNAMIC_RESOURCE = GuestResource(DynamicResource, "resource")


def py_name(wit_name: str) -> str:
    """`max-len` -> `max_len`, `from` -> `from_` (the code generator's naming)."""
    return snake(wit_name)


class Describer:
    """Builds descriptors, reusing one Python class per distinct WIT type (params and result agree)."""

    def __init__(self) -> None:
        self._seen: list[tuple[Any, TypeDesc]] = []

    def __call__(self, vt: Any) -> TypeDesc:
        """The descriptor for `vt`."""
        if isinstance(vt, (wc.RecordType, wc.EnumType, wc.FlagsType, wc.VariantType)):
            for other, desc in self._seen:
                if type(other) is type(vt) and other == vt:
                    return desc
            made = describe(vt, self)
            self._seen.append((vt, made))
            return made
        return describe(vt, self)


def describe(vt: Any, sub: Any = None) -> TypeDesc:
    """A descriptor for the wasmtime value type `vt` (`sub` describes nested types)."""
    if sub is None:
        sub = Describer()
    prim = primitive_name(vt)
    if prim is not None:
        return PRIMITIVES[prim]
    if isinstance(vt, wc.ListType):
        elem = vt.element
        return BYTES if isinstance(elem, wc.U8) else List(sub(elem))
    if isinstance(vt, wc.TupleType):
        return Tuple(*(sub(e) for e in vt.elements))
    if isinstance(vt, wc.RecordType):
        fields = [(w, py_name(w), sub(t)) for w, t in vt.fields]
        cls = make_dataclass("Record", [a for _w, a, _d in fields])
        return Record(cls, fields)
    if isinstance(vt, wc.EnumType):
        names = vt.names
        enum_cls: type[enum.Enum] = enum.Enum("Enum", [(upper_snake(n), i) for i, n in enumerate(names)])  # type: ignore[misc]
        return Enum(enum_cls, names)
    if isinstance(vt, wc.FlagsType):
        names = vt.names
        flag_cls: type[enum.Flag] = enum.Flag("Flags", [(upper_snake(n), 1 << i) for i, n in enumerate(names)])  # type: ignore[misc]
        return Flags(flag_cls, names)
    if isinstance(vt, wc.VariantType):
        cases = []
        for name, t in vt.cases:
            case_cls = make_dataclass(pascal(name) or "Case", ["value"] if t is not None else [])
            cases.append((name, case_cls, sub(t) if t is not None else None))
        return Variant(cases)
    if isinstance(vt, wc.OptionType):
        return Option(sub(vt.payload))
    if isinstance(vt, wc.ResultType):
        ok, err = vt.ok, vt.err
        return Result(sub(ok) if ok is not None else None, sub(err) if err is not None else None)
    if isinstance(vt, wc.OwnType):
        return Own(_DYNAMIC_RESOURCE)
    if isinstance(vt, wc.BorrowType):
        return Borrow(_DYNAMIC_RESOURCE)
    raise BindingError(f"dynamic calls do not support {type(vt).__name__} values")
