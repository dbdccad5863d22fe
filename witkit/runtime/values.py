"""Plain Python values and JSON to and from the runtime's values, checked against WIT types.

What `witkit.load(...).call` and `witkit call` take and give (see the table below), and the
pieces generated bindings and dynamic calls share to say what went wrong: `describe` (a type
descriptor in WIT syntax), `INT_RANGES` (each integer type's bounds) and `ArgumentError`.
Each converter is built once per type (`plain_in(desc)`, `json_out(desc)`, ...), so a call
only converts values.

=========================  ===============================================================
WIT                        plain Python value
=========================  ===============================================================
bool, integers, floats     `bool`, `int`, `float` (an `int` is accepted for a float)
char, string               `str` (one character for `char`)
list<u8>                   `bytes` (`bytearray`, `memoryview` or a list of ints accepted)
list<T>, tuple<...>        `list`, `tuple` (any list or tuple accepted)
record                     `dict` keyed by WIT field names (`"max-len"`; `max_len` accepted)
enum                       the case name, a `str`
flags                      a `set` of flag names (any iterable of names accepted)
variant                    `{"case": payload}`; `{"case": None}` (or `"case"`) without payload
option<T>                  `None` or the value; when T is an option, `{"some": value}`
result<T, E>               `{"ok": value}` or `{"err": value}` (None for an absent payload)
own<R>, borrow<R>          the `DynamicResource` the plugin returned
=========================  ===============================================================

JSON (what `DynamicPlugin.call_json` takes and returns) is the plain value with these changes:
integers are JSON numbers of any size (a decimal string is also accepted, for clients whose
numbers stop at 2**53); `nan`, `inf` and `-inf` floats are the strings `"nan"`, `"inf"`,
`"-inf"`; `list<u8>` is a base64 string (an array of numbers is also accepted); flags are an
array of names in WIT order; tuples are arrays. Resources have no JSON form.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from witkit.errors import ArgumentError, BindingError
from witkit.runtime._abi import PRIMS
from witkit.runtime.resources import ResourceProxy
from witkit.runtime.types import (
    Borrow,
    Bytes,
    Enum,
    Err,
    FixedList,
    Flags,
    GuestResource,
    List,
    Ok,
    Option,
    Own,
    Primitive,
    Record,
    Result,
    Some,
    Tuple,
    TypeDesc,
    Variant,
)

__all__ = [
    "INT_RANGES",
    "LOWERING_ERRORS",
    "ArgumentError",
    "ArgumentFault",
    "Lift",
    "Lower",
    "argument_fault",
    "describe",
    "find_problem",
    "json_in",
    "json_out",
    "plain_in",
    "plain_out",
    "same",
    "shown",
]

Lower = Callable[[Any, str], Any]
"""Converts a value for one type; the string says where the value sits, for error messages."""
Lift = Callable[[Any], Any]


INT_RANGES: dict[str, tuple[int, int]] = {
    name: (lo, hi)
    for name, (_kind, _ctype, lo, hi) in PRIMS.items()
    if name[0] in "su" and name[1:].isdigit()
}
"""The lowest and highest value of each integer type, from the runtime's own table."""


def describe(desc: TypeDesc | None, resource_names: bool = True) -> str:
    """A descriptor in WIT syntax, structurally (`record { x: s32 }`); None (an absent
    payload) is `_`. `resource_names=False` spells every handle's resource `resource`."""
    d = desc
    if d is None:
        return "_"
    if isinstance(d, Primitive):
        return d.name
    if isinstance(d, Bytes):
        return "list<u8>"
    if isinstance(d, List):
        return f"list<{describe(d.elem, resource_names)}>"
    if isinstance(d, FixedList):
        return f"list<{describe(d.elem, resource_names)}, {d.length}>"
    if isinstance(d, Tuple):
        return f"tuple<{', '.join(describe(e, resource_names) for e in d.elems)}>"
    if isinstance(d, Record):
        body = ", ".join(f"{w}: {describe(x, resource_names)}" for w, _, x in d.fields)
        return f"record {{ {body} }}"
    if isinstance(d, Enum):
        return "enum { " + ", ".join(d.names) + " }"
    if isinstance(d, Flags):
        return "flags { " + ", ".join(d.names) + " }"
    if isinstance(d, Variant):
        cases = [n if x is None else f"{n}({describe(x, resource_names)})" for n, _, x in d.cases]
        return "variant { " + ", ".join(cases) + " }"
    if isinstance(d, Option):
        return f"option<{describe(d.elem, resource_names)}>"
    if isinstance(d, Result):
        if d.err is None:
            return "result" if d.ok is None else f"result<{describe(d.ok, resource_names)}>"
        return f"result<{describe(d.ok, resource_names)}, {describe(d.err, resource_names)}>"
    if isinstance(d, Own | Borrow):
        kind = "own" if isinstance(d, Own) else "borrow"
        return f"{kind}<{d.resource.name if resource_names else 'resource'}>"
    return repr(d)


class _Lit(str):
    """Punctuation pushed by `_shown`, told apart from the value's own strings by its type."""


def shown(value: Any, budget: int = 60) -> str:
    """A short repr of `value` that looks at no more of it than `budget` characters show.

    `repr` of a deeply nested list recurses (RecursionError) and of a huge int hits the
    int-string limit; this one walks with its own stack and stops early on both.
    """
    parts: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= budget:
        v = stack.pop()
        if isinstance(v, _Lit):
            text = str.__str__(v)
        elif isinstance(v, list | tuple | dict):
            open_, close = ("{", "}") if isinstance(v, dict) else ("[", "]")
            pairs = list(v.items())[:budget] if isinstance(v, dict) else list(v)[:budget]
            todo: list[Any] = [_Lit(open_)]
            for i, item in enumerate(pairs):
                if i:
                    todo.append(_Lit(", "))
                todo.extend([item[0], _Lit(": "), item[1]] if isinstance(v, dict) else [item])
            todo.append(_Lit(close))
            stack.extend(reversed(todo))
            continue
        elif isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 256:
            text = f"<integer of {int(v.bit_length() * 0.30103) + 1} digits>"
        else:
            text = repr(v)
        parts.append(text)
        size += len(text)
    shown = "".join(parts)
    if stack or len(shown) > budget:
        shown = shown[: budget - 3] + "..."
    return shown


def _bad(where: str, desc: TypeDesc, value: Any, why: str = "") -> ArgumentError:
    extra = f" ({why})" if why else ""
    return ArgumentError(
        f"{where}: expected {describe(desc)}, got {type(value).__name__} {shown(value)}{extra}"
    )


# ---------------------------------------------------------------------------------------------
# plain value -> descriptor value


def plain_in(desc: TypeDesc) -> Lower:
    """A converter from a plain value to the runtime's value for `desc`, checking it on the way."""
    if isinstance(desc, Primitive):
        return _prim_in(desc)
    if isinstance(desc, Bytes):

        def bytes_in(v: Any, where: str) -> Any:
            if isinstance(v, (bytes, bytearray, memoryview)):
                return bytes(v)
            if isinstance(v, (list, tuple)) and all(
                isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in v
            ):
                return bytes(v)
            raise _bad(where, desc, v)

        return bytes_in
    if isinstance(desc, (List, FixedList)):
        elem = plain_in(desc.elem)
        length = desc.length if isinstance(desc, FixedList) else None

        def list_in(v: Any, where: str) -> Any:
            if not isinstance(v, (list, tuple)):
                raise _bad(where, desc, v)
            if length is not None and len(v) != length:
                raise _bad(where, desc, v, f"needs {length} items")
            return [elem(x, f"{where}[{i}]") for i, x in enumerate(v)]

        return list_in
    if isinstance(desc, Tuple):
        elems = [plain_in(e) for e in desc.elems]

        def tuple_in(v: Any, where: str) -> Any:
            if not isinstance(v, (list, tuple)) or len(v) != len(elems):
                raise _bad(where, desc, v, f"needs {len(elems)} items")
            return tuple(
                c(x, f"{where}[{i}]") for i, (c, x) in enumerate(zip(elems, v, strict=True))
            )

        return tuple_in
    if isinstance(desc, Record):
        return _record_in(desc)
    if isinstance(desc, Enum):
        by_name = dict(zip(desc.names, desc.members, strict=True))

        def enum_in(v: Any, where: str) -> Any:
            if isinstance(v, str) and v in by_name:
                return by_name[v]
            raise _bad(where, desc, v)

        return enum_in
    if isinstance(desc, Flags):
        flag_by_name = dict(zip(desc.names, desc.members, strict=True))
        empty = desc.py_class(0)

        def flags_in(v: Any, where: str) -> Any:
            if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Iterable):
                raise _bad(where, desc, v, "give a set of flag names")
            out = empty
            for name in v:
                member = flag_by_name.get(name) if isinstance(name, str) else None
                if member is None:
                    raise _bad(where, desc, v, f"unknown flag {shown(name)}")
                out |= member
            return out

        return flags_in
    if isinstance(desc, Variant):
        return _variant_in(desc)
    if isinstance(desc, Option):
        elem = plain_in(desc.elem)
        if desc.nested:

            def nested_option_in(v: Any, where: str) -> Any:
                if v is None:
                    return None
                if isinstance(v, Mapping) and set(v) == {"some"}:
                    return Some(elem(v["some"], f"{where}.some"))
                raise _bad(where, desc, v, 'an option of an option is None or {"some": value}')

            return nested_option_in

        def option_in(v: Any, where: str) -> Any:
            return None if v is None else elem(v, where)

        return option_in
    if isinstance(desc, Result):
        ok = plain_in(desc.ok) if desc.ok is not None else None
        err = plain_in(desc.err) if desc.err is not None else None

        def result_in(v: Any, where: str) -> Any:
            if isinstance(v, Mapping) and len(v) == 1:
                ((tag, payload),) = v.items()
                if tag == "ok":
                    return Ok(_payload(ok, payload, f"{where}.ok", desc))
                if tag == "err":
                    return Err(_payload(err, payload, f"{where}.err", desc))
            raise _bad(where, desc, v, 'give {"ok": value} or {"err": value}')

        return result_in
    if isinstance(desc, (Own, Borrow)):

        def resource_in(v: Any, where: str) -> Any:
            if isinstance(v, ResourceProxy):
                return v
            raise _bad(where, desc, v, "give a resource the plugin returned")

        return resource_in
    raise BindingError(f"dynamic calls do not support {describe(desc)}")


def _payload(conv: Lower | None, payload: Any, where: str, desc: TypeDesc) -> Any:
    if conv is None:
        if payload is not None:
            raise _bad(where, desc, payload, "this case has no payload")
        return None
    return conv(payload, where)


def _prim_in(desc: Primitive) -> Lower:
    name = desc.name
    if name == "bool":

        def bool_in(v: Any, where: str) -> Any:
            if isinstance(v, bool):
                return v
            raise _bad(where, desc, v)

        return bool_in
    if name in INT_RANGES:
        lo, hi = INT_RANGES[name]

        def int_in(v: Any, where: str) -> Any:
            if isinstance(v, int) and not isinstance(v, bool):
                if lo <= v <= hi:
                    return v
                raise _bad(where, desc, v, f"out of range {lo}..{hi}")
            raise _bad(where, desc, v)

        return int_in
    if name in ("f32", "f64"):

        def float_in(v: Any, where: str) -> Any:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                try:
                    return float(v)
                except OverflowError:
                    raise _bad(where, desc, v, "too large for a float") from None
            raise _bad(where, desc, v)

        return float_in
    if name == "char":

        def char_in(v: Any, where: str) -> Any:
            if isinstance(v, str) and len(v) == 1 and not 0xD800 <= ord(v) <= 0xDFFF:
                return v
            raise _bad(where, desc, v, "one Unicode scalar value")

        return char_in

    def string_in(v: Any, where: str) -> Any:
        if isinstance(v, str):
            return v
        raise _bad(where, desc, v)

    return string_in


def _record_in(desc: Record) -> Lower:
    fields = [(w, a, plain_in(d)) for w, a, d in desc.fields]
    known = {w for w, _, _ in fields} | {a for _, a, _ in fields}
    cls = desc.py_class

    def record_in(v: Any, where: str) -> Any:
        if not isinstance(v, Mapping):
            raise _bad(where, desc, v, "give a dict of fields")
        extra = [k for k in v if k not in known]
        if extra:
            raise _bad(where, desc, v, f"unknown field {shown(extra[0])}")
        kwargs = {}
        for w, a, conv in fields:
            if w in v:
                item = v[w]
            elif a in v:
                item = v[a]
            else:
                raise _bad(where, desc, v, f"missing field {w!r}")
            kwargs[a] = conv(item, f"{where}.{w}")
        return cls(**kwargs)

    return record_in


def _variant_in(desc: Variant) -> Lower:
    cases = {n: (c, plain_in(d) if d is not None else None) for n, c, d in desc.cases}

    def variant_in(v: Any, where: str) -> Any:
        if isinstance(v, str) and v in cases and cases[v][1] is None:
            return cases[v][0]()
        if isinstance(v, Mapping) and len(v) == 1:
            ((tag, payload),) = v.items()
            if tag in cases:
                cls, conv = cases[tag]
                if conv is None:
                    _payload(None, payload, f"{where}.{tag}", desc)
                    return cls()
                return cls(conv(payload, f"{where}.{tag}"))
            raise _bad(where, desc, v, f"unknown case {shown(tag)}")
        raise _bad(where, desc, v, 'give {"case": payload}')

    return variant_in


# ---------------------------------------------------------------------------------------------
# descriptor value -> plain value


def same(v: Any) -> Any:
    return v


def plain_out(desc: TypeDesc) -> Lift:
    """A converter from the runtime's value for `desc` to a plain value."""
    if isinstance(desc, Primitive):
        return same
    if isinstance(desc, Bytes):
        return bytes
    if isinstance(desc, (List, FixedList)):
        elem = plain_out(desc.elem)
        if elem is same:
            return list
        return lambda v: [elem(x) for x in v]
    if isinstance(desc, Tuple):
        elems = [plain_out(e) for e in desc.elems]
        return lambda v: tuple(c(x) for c, x in zip(elems, v, strict=True))
    if isinstance(desc, Record):
        fields = [(w, a, plain_out(d)) for w, a, d in desc.fields]
        return lambda v: {w: c(getattr(v, a)) for w, a, c in fields}
    if isinstance(desc, Enum):
        names: dict[enum.Enum, str] = dict(zip(desc.members, desc.names, strict=True))
        return lambda v: names[v]
    if isinstance(desc, Flags):
        pairs = list(zip(desc.members, desc.names, strict=True))
        return lambda v: {n for m, n in pairs if m in v}
    if isinstance(desc, Variant):
        by_class = {c: (n, plain_out(d) if d is not None else None) for n, c, d in desc.cases}

        def variant_out(v: Any) -> Any:
            name, conv = by_class[type(v)]
            return {name: conv(v.value) if conv is not None else None}

        return variant_out
    if isinstance(desc, Option):
        elem = plain_out(desc.elem)
        if desc.nested:
            return lambda v: None if v is None else {"some": elem(v.value)}
        return lambda v: None if v is None else elem(v)
    if isinstance(desc, Result):
        ok = plain_out(desc.ok) if desc.ok is not None else None
        err = plain_out(desc.err) if desc.err is not None else None

        def result_out(v: Any) -> Any:
            if isinstance(v, Err):
                return {"err": err(v.value) if err is not None else None}
            return {"ok": ok(v.value) if ok is not None else None}

        return result_out
    if isinstance(desc, (Own, Borrow)):
        return same
    raise BindingError(f"dynamic calls do not support {describe(desc)}")


# ---------------------------------------------------------------------------------------------
# JSON <-> plain


_DECIMAL = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


def json_in(desc: TypeDesc) -> Lower:
    """A converter from a decoded JSON value to the plain value for `desc` (see the module doc)."""
    if isinstance(desc, Primitive):
        if desc.name in INT_RANGES:

            def int_json(v: Any, where: str) -> Any:
                # ASCII digits only (str.isdigit also takes "²"); past 40 digits no WIT integer
                # fits, and int() of over 4,300 digits raises.
                if isinstance(v, str) and _DECIMAL.fullmatch(v):
                    if len(v) > 44:
                        raise _bad(where, desc, v, "out of range")
                    return int(v)
                return v

            return int_json
        if desc.name in ("f32", "f64"):

            def float_json(v: Any, where: str) -> Any:
                if isinstance(v, str) and v.strip().lower() in _FLOAT_WORDS:
                    return _FLOAT_WORDS[v.strip().lower()]
                return v

            return float_json
        return _pass
    if isinstance(desc, Bytes):

        def bytes_json(v: Any, where: str) -> Any:
            if isinstance(v, str):
                try:
                    return base64.b64decode(v, validate=True)
                except (binascii.Error, ValueError) as e:
                    raise _bad(where, desc, v, "a base64 string") from e
            return v

        return bytes_json
    if isinstance(desc, (List, FixedList)):
        elem = json_in(desc.elem)
        return lambda v, where: (
            [elem(x, f"{where}[{i}]") for i, x in enumerate(v)] if isinstance(v, list) else v
        )
    if isinstance(desc, Tuple):
        elems = [json_in(e) for e in desc.elems]

        def tuple_json(v: Any, where: str) -> Any:
            if isinstance(v, list) and len(v) == len(elems):
                return [
                    c(x, f"{where}[{i}]") for i, (c, x) in enumerate(zip(elems, v, strict=True))
                ]
            return v

        return tuple_json
    if isinstance(desc, Record):
        by_key: dict[str, Lower] = {}
        for w, a, d in desc.fields:
            by_key[w] = by_key[a] = json_in(d)

        def record_json(v: Any, where: str) -> Any:
            if isinstance(v, dict):
                return {k: by_key[k](x, f"{where}.{k}") if k in by_key else x for k, x in v.items()}
            return v

        return record_json
    if isinstance(desc, Variant):
        cases = {n: json_in(d) if d is not None else _pass for n, _c, d in desc.cases}
        return _tagged_json(cases)
    if isinstance(desc, Option):
        elem = json_in(desc.elem)
        if desc.nested:
            return _tagged_json({"some": elem})
        return lambda v, where: None if v is None else elem(v, where)
    if isinstance(desc, Result):
        return _tagged_json(
            {
                "ok": json_in(desc.ok) if desc.ok is not None else _pass,
                "err": json_in(desc.err) if desc.err is not None else _pass,
            }
        )
    if isinstance(desc, (Own, Borrow)):

        def resource_json(v: Any, where: str) -> Any:
            raise ArgumentError(f"{where}: {describe(desc)} cannot be given as JSON")

        return resource_json
    return _pass


_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
                "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}  # fmt: skip


def _pass(v: Any, where: str) -> Any:
    return v


def _tagged_json(cases: dict[str, Lower]) -> Lower:
    def tagged(v: Any, where: str) -> Any:
        if isinstance(v, dict) and len(v) == 1:
            ((tag, payload),) = v.items()
            if tag in cases:
                return {tag: cases[tag](payload, f"{where}.{tag}")}
        return v

    return tagged


def json_out(desc: TypeDesc) -> Lift:
    """A converter from the plain value for `desc` to a JSON-encodable value (see the module doc)."""
    if isinstance(desc, Primitive):
        if desc.name in ("f32", "f64"):
            return _float_json
        return same
    if isinstance(desc, Bytes):
        return lambda v: base64.b64encode(v).decode("ascii")
    if isinstance(desc, (List, FixedList)):
        elem = json_out(desc.elem)
        return lambda v: [elem(x) for x in v]
    if isinstance(desc, Tuple):
        elems = [json_out(e) for e in desc.elems]
        return lambda v: [c(x) for c, x in zip(elems, v, strict=True)]
    if isinstance(desc, Record):
        fields = {w: json_out(d) for w, _a, d in desc.fields}
        return lambda v: {k: fields[k](x) for k, x in v.items()}
    if isinstance(desc, Flags):
        order = list(desc.names)
        return lambda v: [n for n in order if n in v]
    if isinstance(desc, Variant):
        cases = {n: json_out(d) if d is not None else same for n, _c, d in desc.cases}
        return _tagged_out(cases)
    if isinstance(desc, Option):
        elem = json_out(desc.elem)
        if desc.nested:
            return _tagged_out({"some": elem})
        return lambda v: None if v is None else elem(v)
    if isinstance(desc, Result):
        return _tagged_out(
            {
                "ok": json_out(desc.ok) if desc.ok is not None else same,
                "err": json_out(desc.err) if desc.err is not None else same,
            }
        )
    if isinstance(desc, (Own, Borrow)):

        def resource_out(v: Any) -> Any:
            raise BindingError(f"a {describe(desc)} cannot be returned as JSON")

        return resource_out
    return same


def _float_json(v: Any) -> Any:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _tagged_out(cases: dict[str, Lift]) -> Lift:
    def tagged(v: Any) -> Any:
        if v is None:
            return None
        ((tag, payload),) = v.items()
        return {tag: cases[tag](payload) if payload is not None else None}

    return tagged


# ---------------------------------------------------------------------------------------------
# Naming the argument at fault: what a prepared call raises when lowering fails


LOWERING_ERRORS: tuple[type[BaseException], ...] = (
    BindingError,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    KeyError,
    ctypes.ArgumentError,
)
"""What lowering a bad argument can raise; a guest trap is a PluginError and is not among them."""

ArgumentFault = Callable[[int, Any, BaseException], ArgumentError]
"""`fault(i, value, cause)`: the error for argument `i` (`value`) whose lowering raised `cause`."""


def argument_fault(where: str, names: Sequence[str], params: Sequence[TypeDesc]) -> ArgumentFault:
    """How a prepared call of `where` (`Api.echo`, or the export's name) with parameters
    `names` of types `params` reports the argument whose lowering failed.

    The call catches the failure around that one argument, so it knows which parameter is at
    fault; what is wrong inside the value (`field `x`: expected int (s32), ...`) is read from
    that argument alone, on the error path only.
    """
    names, params = tuple(names), tuple(params)

    def fault(i: int, value: Any, cause: BaseException) -> ArgumentError:
        problem = find_problem(params[i], value)
        if problem is None:  # a refusal the type alone does not explain (a foreign resource)
            problem = str(cause)
        return ArgumentError(f"{where}(): parameter `{names[i]}`: {problem}")

    return fault


def _got(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"got {type(value).__name__} {text}"


def find_problem(desc: TypeDesc, value: Any) -> str | None:
    """Why `value` cannot be lowered as `desc` (the first problem found), or None when it can."""
    if isinstance(desc, Primitive):
        name = desc.name
        if name == "bool":
            return None if isinstance(value, bool) else f"expected bool, {_got(value)}"
        if name in INT_RANGES:
            if not isinstance(value, int) or isinstance(value, bool):
                return f"expected int ({name}), {_got(value)}"
            lo, hi = INT_RANGES[name]
            return None if lo <= value <= hi else f"{value} does not fit {name} ({lo}..{hi})"
        if name in ("f32", "f64"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return None if ok else f"expected float ({name}), {_got(value)}"
        if name == "char":
            if isinstance(value, str) and len(value) == 1 and not 0xD800 <= ord(value) <= 0xDFFF:
                return None
            return f"expected a one-character str (char), {_got(value)}"
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "the str is not valid Unicode (it holds a lone surrogate)"
            return None
        return f"expected str, {_got(value)}"
    if isinstance(desc, Bytes):
        ok = isinstance(value, (bytes, bytearray, memoryview))
        return None if ok else f"expected bytes (list<u8>), {_got(value)}"
    if isinstance(desc, (List, FixedList)):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            return f"expected a list, {_got(value)}"
        for i, item in enumerate(value):
            inner = find_problem(desc.elem, item)
            if inner is not None:
                return f"item {i}: {inner}"
        return None
    if isinstance(desc, Tuple):
        if not isinstance(value, tuple) or len(value) != len(desc.elems):
            return f"expected a tuple of {len(desc.elems)} items, {_got(value)}"
        for i, (d, item) in enumerate(zip(desc.elems, value, strict=True)):
            inner = find_problem(d, item)
            if inner is not None:
                return f"tuple item {i}: {inner}"
        return None
    if isinstance(desc, Record):
        if not isinstance(value, desc.py_class):
            return f"expected {desc.py_class.__name__}, {_got(value)}"
        for _wit, attr, d in desc.fields:
            inner = find_problem(d, getattr(value, attr, _MISSING))
            if inner is not None:
                return f"field `{attr}`: {inner}"
        return None
    if isinstance(desc, (Enum, Flags)):
        ok = isinstance(value, desc.py_class)
        return None if ok else f"expected {desc.py_class.__name__}, {_got(value)}"
    if isinstance(desc, Variant):
        for _name, cls, payload in desc.cases:
            if type(value) is cls:
                return None if payload is None else find_problem(payload, value.value)
        names = " | ".join(c.__name__ for _, c, _ in desc.cases)
        return f"expected one of {names}, {_got(value)}"
    if isinstance(desc, Option):
        if value is None:
            return None
        if desc.nested:
            if not isinstance(value, Some):
                return f"expected Some(...) or None, {_got(value)}"
            value = value.value
        return find_problem(desc.elem, value)
    if isinstance(desc, Result):
        if isinstance(value, Ok):
            return None if desc.ok is None else find_problem(desc.ok, value.value)
        if isinstance(value, Err):
            return None if desc.err is None else find_problem(desc.err, value.value)
        return f"expected Ok(...) or Err(...), {_got(value)}"
    if isinstance(desc, (Own, Borrow)):
        cls = desc.resource.py_class
        classes = desc.resource.classes if isinstance(desc.resource, GuestResource) else cls
        if not isinstance(value, classes):
            return f"expected {cls.__name__}, {_got(value)}"
        if isinstance(value, ResourceProxy) and getattr(value, "_witkit_handle", None) is None:
            return f"the {cls.__name__} was {getattr(value, '_witkit_state', 'dropped')}"
        return None
    return None


_MISSING = object()
