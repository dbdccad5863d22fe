"""Runtime type descriptors: how WIT values map to Python values, the contract generated bindings use.

Generated bindings describe every WIT type once, as module-level constants built from the
classes here, and hand them to `Instance.func` (exports) or `ImportFunc` (imports). The runtime
turns each function's descriptors into prepared lowering and lifting steps when the function is
first looked up, so a call does no type lookups.

Python shapes (componentize-py conventions):

=========================  ===============================================================
WIT                        Python
=========================  ===============================================================
bool, u8..u64, s8..s64     `bool`, `int`
f32, f64                   `float` (an `int` is accepted when lowering)
char                       `str` of length one
string                     `str`
list<u8>                   `bytes` (descriptor `BYTES`; `bytearray`/`memoryview` accepted)
list<T>                    `list` (any sequence accepted when lowering)
tuple<...>                 `tuple`
record                     the dataclass given to `Record`, built with keyword arguments
enum                       the `enum.Enum` given to `Enum`
flags                      the `enum.Flag` given to `Flags`
variant                    one class per case; a case with a payload has a `value` field
option<T>                  `T | None`; when T is itself an option the outer `some` is `Some(x)`
result<T, E> (returned)    the function returns T and raises `Err(e)`
result<T, E> (elsewhere)   `Ok(x)` or `Err(e)` (for example inside a list or a record)
own<R>, borrow<R>          the resource's Python class (see `HostResource`, `GuestResource`)
=========================  ===============================================================
"""

from __future__ import annotations

import abc
import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

__all__ = [
    "BOOL",
    "BYTES",
    "CHAR",
    "F32",
    "F64",
    "S8",
    "S16",
    "S32",
    "S64",
    "STRING",
    "U8",
    "U16",
    "U32",
    "U64",
    "Borrow",
    "Bytes",
    "Enum",
    "Err",
    "FixedList",
    "Flags",
    "GuestResource",
    "HostResource",
    "List",
    "Ok",
    "Option",
    "Own",
    "Primitive",
    "Record",
    "ResourceDesc",
    "Result",
    "Some",
    "Tuple",
    "TypeDesc",
    "Variant",
]


# ---------------------------------------------------------------------------------------------
# Value wrappers


@dataclass(frozen=True)
class Some(Generic[T]):
    """The `some` case of an option whose payload is itself an option (`option<option<T>>`)."""

    value: T


@dataclass(frozen=True)
class Ok(Generic[T]):
    """The `ok` case of a `result` that is not a function's return value."""

    value: T = None  # type: ignore[assignment]


class Err(Exception, Generic[T]):
    """The `err` case of a `result`: raised by calls returning a result, a value elsewhere."""

    def __init__(self, value: T = None) -> None:  # type: ignore[assignment]
        super().__init__(value)
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Err) and type(other) is type(self) and other.value == self.value

    def __hash__(self) -> int:
        return hash((type(self), repr(self.value)))

    def __repr__(self) -> str:
        return f"Err({self.value!r})"


# ---------------------------------------------------------------------------------------------
# Descriptors


class TypeDesc(abc.ABC):
    """Base of every type descriptor; descriptors are immutable and compared by structure."""

    __slots__ = ()

    @abc.abstractmethod
    def _key(self) -> tuple[Any, ...]:
        """What two descriptors of the same class must share to be equal."""

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TypeDesc)
            and type(other) is type(self)
            and self._key() == other._key()
        )

    def __hash__(self) -> int:
        return hash((type(self), self._key()))


class Primitive(TypeDesc):
    """A scalar or string type: use the module constants `U32`, `STRING`, ... rather than this."""

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        if name not in _PRIMITIVE_NAMES:
            raise ValueError(f"unknown primitive WIT type {name!r}")
        self.name = name

    def _key(self) -> tuple[Any, ...]:
        return (self.name,)

    def __repr__(self) -> str:
        return self.name.upper()


_PRIMITIVE_NAMES = (
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
)

BOOL = Primitive("bool")
U8 = Primitive("u8")
U16 = Primitive("u16")
U32 = Primitive("u32")
U64 = Primitive("u64")
S8 = Primitive("s8")
S16 = Primitive("s16")
S32 = Primitive("s32")
S64 = Primitive("s64")
F32 = Primitive("f32")
F64 = Primitive("f64")
CHAR = Primitive("char")
STRING = Primitive("string")

PRIMITIVES: dict[str, Primitive] = {
    p.name: p for p in (BOOL, U8, U16, U32, U64, S8, S16, S32, S64, F32, F64, CHAR, STRING)
}
"""The constants above by WIT name."""


class Bytes(TypeDesc):
    """`list<u8>` as Python `bytes`; use the constant `BYTES`."""

    __slots__ = ()

    def _key(self) -> tuple[Any, ...]:
        return ()

    def __repr__(self) -> str:
        return "BYTES"


BYTES = Bytes()


class List(TypeDesc):
    """`list<T>` as a Python `list` (use `BYTES` for `list<u8>`)."""

    __slots__ = ("elem",)

    def __init__(self, elem: TypeDesc) -> None:
        self.elem = elem

    def _key(self) -> tuple[Any, ...]:
        return (self.elem,)

    def __repr__(self) -> str:
        return f"List({self.elem!r})"


class FixedList(TypeDesc):
    """`list<T, N>` as a Python `list` of exactly N items (not supported by wasmtime 50's C API)."""

    __slots__ = ("elem", "length")

    def __init__(self, elem: TypeDesc, length: int) -> None:
        self.elem = elem
        self.length = length

    def _key(self) -> tuple[Any, ...]:
        return (self.elem, self.length)

    def __repr__(self) -> str:
        return f"FixedList({self.elem!r}, {self.length})"


class Tuple(TypeDesc):
    """`tuple<A, B, ...>` as a Python `tuple`: `Tuple(U32, STRING)`."""

    __slots__ = ("elems",)

    def __init__(self, *elems: TypeDesc) -> None:
        self.elems = tuple(elems)

    def _key(self) -> tuple[Any, ...]:
        return self.elems

    def __repr__(self) -> str:
        return f"Tuple({', '.join(map(repr, self.elems))})"


class Record(TypeDesc):
    """A record as a dataclass: `Record(Point, [("x", "x", S32), ("max-len", "max_len", U32)])`.

    Each field is `(wit_name, python_attribute, descriptor)` in WIT order; lifting calls
    `py_class(**{python_attribute: value, ...})`, lowering reads the attributes.
    """

    __slots__ = ("fields", "py_class")

    def __init__(self, py_class: type[Any], fields: Sequence[tuple[str, str, TypeDesc]]) -> None:
        self.py_class = py_class
        self.fields = tuple((str(w), str(a), d) for w, a, d in fields)

    def _key(self) -> tuple[Any, ...]:
        return (self.py_class, self.fields)

    def __repr__(self) -> str:
        return f"Record({self.py_class.__name__})"


class _Members(TypeDesc, Generic[E]):
    """A Python enum class whose members stand, in order, for named WIT cases or flags."""

    __slots__ = ("names", "py_class")
    _what = "cases"

    def __init__(self, py_class: type[E], names: Sequence[str]) -> None:
        members = list(py_class)
        if len(members) != len(names):
            raise ValueError(
                f"{py_class.__name__} has {len(members)} members, WIT has {len(names)} {self._what}"
            )
        self.py_class = py_class
        self.names = tuple(names)

    def _key(self) -> tuple[Any, ...]:
        return (self.py_class, self.names)

    @property
    def members(self) -> tuple[E, ...]:
        """The Python members, index-aligned with `names`."""
        return tuple(self.py_class)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.py_class.__name__})"


class Enum(_Members[enum.Enum]):
    """An enum as an `enum.Enum`: `Enum(Color, ["red", "green"])`, members in WIT case order."""

    __slots__ = ()


class Flags(_Members[enum.Flag]):
    """Flags as an `enum.Flag`: `Flags(Perms, ["read", "write"])`, one single-bit member per flag, in WIT order."""

    __slots__ = ()
    _what = "flags"


class Variant(TypeDesc):
    """A variant: `Variant([("circle", Shape_Circle, F64), ("none", Shape_None, None)])`.

    Each case is `(wit_name, py_case_class, payload_descriptor_or_None)`. A case with a payload
    is built as `py_case_class(value)` and read through `.value`; a case without one is built
    as `py_case_class()`. Lowering dispatches on `type(value)`, so every case needs its own class.
    """

    __slots__ = ("cases",)

    def __init__(self, cases: Sequence[tuple[str, type[Any], TypeDesc | None]]) -> None:
        self.cases = tuple((str(n), c, d) for n, c, d in cases)
        classes = [c for _, c, _ in self.cases]
        if len(set(classes)) != len(classes):
            raise ValueError("every variant case needs its own Python class")

    def _key(self) -> tuple[Any, ...]:
        return self.cases

    def __repr__(self) -> str:
        return f"Variant({[n for n, _, _ in self.cases]})"


class Option(TypeDesc):
    """`option<T>`: `None` or the value; when T is an option the outer `some` is `Some(value)`."""

    __slots__ = ("elem",)

    def __init__(self, elem: TypeDesc) -> None:
        self.elem = elem

    @property
    def nested(self) -> bool:
        """True when the payload can itself be `None`, so `some` needs the `Some` wrapper."""
        return isinstance(self.elem, Option)

    def _key(self) -> tuple[Any, ...]:
        return (self.elem,)

    def __repr__(self) -> str:
        return f"Option({self.elem!r})"


class Result(TypeDesc):
    """`result<ok, err>` (either may be None for `_`).

    As a function's return type: the call returns the ok value (None when there is none) and
    raises `Err(err_value)`. Anywhere else: `Ok(value)` or `Err(value)` (the same `Err` class;
    an `Err` in a value position is an instance, not raised). Host imports returning a result
    return the ok value and raise `Err(...)` for the error case.
    """

    __slots__ = ("err", "ok")

    def __init__(self, ok: TypeDesc | None = None, err: TypeDesc | None = None) -> None:
        self.ok = ok
        self.err = err

    def _key(self) -> tuple[Any, ...]:
        return (self.ok, self.err)

    def __repr__(self) -> str:
        return f"Result({self.ok!r}, {self.err!r})"


_resource_ids = itertools.count(1)


class ResourceDesc(TypeDesc):
    """Base of the two resource descriptors; compared by identity."""

    __slots__ = ("identity", "name", "py_class", "type_id")

    def __init__(
        self, py_class: type[Any], name: str | None = None, identity: str | None = None
    ) -> None:
        self.py_class = py_class
        self.name = name or py_class.__name__
        self.identity = identity
        """Where the world declares it (`export ns:pkg/iface@ver#r`), for the load-time
        check (`witkit.runtime.worldcheck`); None: not compared."""
        self.type_id = next(_resource_ids)

    def _key(self) -> tuple[Any, ...]:
        return (id(self),)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


class HostResource(ResourceDesc):
    """A resource the host implements in Python and the guest imports: `HostResource(Blob, "blob")`.

    Any Python object of `py_class` lowers as a handle; the runtime keeps a per-instance handle
    table, so a handle the guest passes back lifts to the very same Python object. When the
    guest drops its last owned handle, the object leaves the table and `on_drop(obj)` runs.
    """

    __slots__ = ("on_drop",)

    def __init__(
        self,
        py_class: type[Any],
        name: str | None = None,
        on_drop: Any = None,
        identity: str | None = None,
    ) -> None:
        super().__init__(py_class, name, identity)
        self.on_drop = on_drop

    def __repr__(self) -> str:
        return f"HostResource({self.name})"


class GuestResource(ResourceDesc):
    """A resource the guest exports; `py_class` subclasses `witkit.runtime.ResourceProxy`.

    Lifting an `own` creates a proxy with `py_class._witkit_wrap(instance, handle)` (no
    `__init__` call); lowering reads the proxy's handle (an `own` moves it into the guest).
    """

    __slots__ = ("classes",)

    def __init__(
        self,
        py_class: type[Any],
        name: str | None = None,
        identity: str | None = None,
        *,
        async_class: type[Any] | None = None,
    ) -> None:
        super().__init__(py_class, name, identity)
        self.classes: tuple[type[Any], ...] = (py_class,) if async_class is None else (py_class, async_class)
        """The proxy classes a handle of this resource may be passed as: `py_class`, and the
        class of async plugins' proxies (`async_class`, generated as `Async<Resource>`)."""

    def __repr__(self) -> str:
        return f"GuestResource({self.name})"


class _Handle(TypeDesc):
    """A handle to a resource, `Own` or `Borrow`."""

    __slots__ = ("resource",)

    def __init__(self, resource: ResourceDesc) -> None:
        self.resource = resource

    def _key(self) -> tuple[Any, ...]:
        return (self.resource,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.resource!r})"


class Own(_Handle):
    """`own<R>`: the Python object of resource R; passing it to the guest gives up ownership."""

    __slots__ = ()


class Borrow(_Handle):
    """`borrow<R>`: the Python object of resource R, lent for the duration of one call."""

    __slots__ = ()
