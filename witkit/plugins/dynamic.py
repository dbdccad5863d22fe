"""Dynamic calls without generated bindings: `load(path).call("iface/func", *plain_values)`.

The function types are read from the compiled component; each export's converters are built
once, at load, so a call only converts values. Plain values (what `DynamicPlugin.call` takes and returns):

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

import asyncio
import base64
import binascii
import copy
import enum
import json
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

import wasmtime
import wasmtime.component as wc

from witkit._parse import loads_json
from witkit._text import plural
from witkit.errors import BindingError, PluginError
from witkit.plugins.config import config_import, config_import_name, validate_config
from witkit.plugins.loader import PluginLoader
from witkit.plugins.manifest import PluginSpec
from witkit.runtime._abi import PRIMS
from witkit.runtime._instance import Instance, PreparedFunc
from witkit.runtime._rewrite import hidden
from witkit.runtime._runtime import Runtime, shared_runtime
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import, ImportInterface
from witkit.runtime.resources import ResourceProxy
from witkit.runtime.types import (
    Borrow,
    Bytes,
    Enum,
    Err,
    FixedList,
    Flags,
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
    "ArgumentError",
    "AsyncDynamicPlugin",
    "CacheInfo",
    "DynamicPlugin",
    "Lower",
    "PluginSource",
    "desc_text",
    "json_in",
    "json_out",
    "load",
    "load_async",
    "plain_in",
    "plain_out",
    "spec_limits",
    "spec_wasi",
]

Lower = Callable[[Any, str], Any]
"""Converts a value for one type; the string says where the value sits, for error messages."""
Lift = Callable[[Any], Any]


class ArgumentError(BindingError, TypeError):
    """A value does not fit the WIT type of the parameter it was given for."""


INT_RANGES: dict[str, tuple[int, int]] = {
    name: (lo, hi)
    for name, (_kind, _ctype, lo, hi) in PRIMS.items()
    if name[0] in "su" and name[1:].isdigit()
}
"""The lowest and highest value of each integer type, from the runtime's own table."""


def desc_text(desc: TypeDesc | None) -> str:
    """A descriptor in WIT syntax, structurally (`record { x: s32 }`)."""
    d = desc
    if d is None:
        return "_"
    if isinstance(d, Primitive):
        return d.name
    if isinstance(d, Bytes):
        return "list<u8>"
    if isinstance(d, List):
        return f"list<{desc_text(d.elem)}>"
    if isinstance(d, FixedList):
        return f"list<{desc_text(d.elem)}, {d.length}>"
    if isinstance(d, Tuple):
        return f"tuple<{', '.join(desc_text(e) for e in d.elems)}>"
    if isinstance(d, Record):
        return "record { " + ", ".join(f"{w}: {desc_text(x)}" for w, _, x in d.fields) + " }"
    if isinstance(d, Enum):
        return "enum { " + ", ".join(d.names) + " }"
    if isinstance(d, Flags):
        return "flags { " + ", ".join(d.names) + " }"
    if isinstance(d, Variant):
        cases = [n if x is None else f"{n}({desc_text(x)})" for n, _, x in d.cases]
        return "variant { " + ", ".join(cases) + " }"
    if isinstance(d, Option):
        return f"option<{desc_text(d.elem)}>"
    if isinstance(d, Result):
        if d.err is None:
            return "result" if d.ok is None else f"result<{desc_text(d.ok)}>"
        return f"result<{desc_text(d.ok)}, {desc_text(d.err)}>"
    if isinstance(d, Own):
        return f"own<{d.resource.name}>"
    if isinstance(d, Borrow):
        return f"borrow<{d.resource.name}>"
    return repr(d)


class _Lit(str):
    """Punctuation pushed by `_shown`, told apart from the value's own strings by its type."""


def _shown(value: Any, budget: int = 60) -> str:
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
    shown = _shown(value)
    extra = f" ({why})" if why else ""
    return ArgumentError(
        f"{where}: expected {desc_text(desc)}, got {type(value).__name__} {shown}{extra}"
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
                    raise _bad(where, desc, v, f"unknown flag {_shown(name)}")
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
    raise BindingError(f"dynamic calls do not support {desc_text(desc)}")


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
            raise _bad(where, desc, v, f"unknown field {_shown(extra[0])}")
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
            raise _bad(where, desc, v, f"unknown case {_shown(tag)}")
        raise _bad(where, desc, v, 'give {"case": payload}')

    return variant_in


# ---------------------------------------------------------------------------------------------
# descriptor value -> plain value


def _same(v: Any) -> Any:
    return v


def plain_out(desc: TypeDesc) -> Lift:
    """A converter from the runtime's value for `desc` to a plain value."""
    if isinstance(desc, Primitive):
        return _same
    if isinstance(desc, Bytes):
        return bytes
    if isinstance(desc, (List, FixedList)):
        elem = plain_out(desc.elem)
        if elem is _same:
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
        return _same
    raise BindingError(f"dynamic calls do not support {desc_text(desc)}")


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
            raise ArgumentError(f"{where}: {desc_text(desc)} cannot be given as JSON")

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
        return _same
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
        cases = {n: json_out(d) if d is not None else _same for n, _c, d in desc.cases}
        return _tagged_out(cases)
    if isinstance(desc, Option):
        elem = json_out(desc.elem)
        if desc.nested:
            return _tagged_out({"some": elem})
        return lambda v: None if v is None else elem(v)
    if isinstance(desc, Result):
        return _tagged_out(
            {
                "ok": json_out(desc.ok) if desc.ok is not None else _same,
                "err": json_out(desc.err) if desc.err is not None else _same,
            }
        )
    if isinstance(desc, (Own, Borrow)):

        def resource_out(v: Any) -> Any:
            raise BindingError(f"a {desc_text(desc)} cannot be returned as JSON")

        return resource_out
    return _same


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
# The dynamic plugin


class CacheInfo(NamedTuple):
    """What `DynamicPlugin.cached_call`'s memo did (like `functools.lru_cache`'s `cache_info`)."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


class _Export:
    """One export with its converters, built once at load."""

    __slots__ = ("canon", "fn", "ins", "invoke", "json_ins", "json_out", "name", "param_index",
                 "param_names", "params", "result", "signature")  # fmt: skip

    def __init__(self, name: str, fn: PreparedFunc, param_names: Sequence[str]) -> None:
        self.name = name
        self.fn = fn
        self.params = tuple(fn.params)
        self.result = fn.result
        self.param_names = tuple(param_names)
        index: dict[str, int] = {}
        for i, p in enumerate(self.param_names):
            index[p] = i
            index.setdefault(p.replace("-", "_"), i)
        self.param_index = index
        self.ins = tuple(plain_in(d) for d in self.params)
        self.canon = tuple(plain_out(d) for d in self.params)
        self.invoke = _invoker(fn, self.result)
        params = ", ".join(
            f"{n}: {desc_text(d)}" for n, d in zip(self.param_names, self.params, strict=True)
        )
        self.signature = f"func({params})" + (
            "" if self.result is None else f" -> {desc_text(self.result)}"
        )
        self.json_ins: tuple[Lower, ...] | None = None
        self.json_out: Lift | None = None

    def arrange(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Any]:
        """Positional and keyword arguments in parameter order."""
        n = len(self.params)
        if len(args) > n:
            raise ArgumentError(f"{self.name}() takes {plural(n, 'argument')}, got {len(args)}")
        values: list[Any] = list(args) + [_MISSING] * (n - len(args))
        for key, v in kwargs.items():
            i = self.param_index.get(key)
            if i is None:
                raise ArgumentError(f"{self.name}() has no parameter {_shown(key)}")
            if values[i] is not _MISSING:
                raise ArgumentError(
                    f"{self.name}() got two values for parameter `{self.param_names[i]}`"
                )
            values[i] = v
        missing = [self.param_names[i] for i, v in enumerate(values) if v is _MISSING]
        if missing:
            raise ArgumentError(
                f"{self.name}() is missing parameter `{missing[0]}` (takes {plural(n, 'argument')})"
            )
        return values

    def lower(self, values: Sequence[Any]) -> list[Any]:
        """Check and convert plain values in parameter order."""
        name = self.name
        return [
            conv(v, f"{name}() parameter `{p}`")
            for conv, v, p in zip(self.ins, values, self.param_names, strict=True)
        ]

    def prepare_json(self) -> tuple[tuple[Lower, ...], Lift]:
        """The JSON converters (built on first use)."""
        if self.json_ins is None or self.json_out is None:
            self.json_ins = tuple(json_in(d) for d in self.params)
            self.json_out = json_out(self.result) if self.result is not None else _same
        return self.json_ins, self.json_out


_MISSING = object()


def _invoker(fn: PreparedFunc, result: TypeDesc | None) -> Callable[[Sequence[Any]], Any]:
    if result is None:

        def call_unit(values: Sequence[Any]) -> Any:
            fn(*values)
            return None

        return call_unit
    if isinstance(result, Result):
        ok = plain_out(result.ok) if result.ok is not None else None
        err = plain_out(result.err) if result.err is not None else None

        def call_result(values: Sequence[Any]) -> Any:
            try:
                v = fn(*values)
            except Err as e:
                return {"err": err(e.value) if err is not None else None}
            return {"ok": ok(v) if ok is not None else None}

        return call_result
    out = plain_out(result)

    def call_value(values: Sequence[Any]) -> Any:
        return out(fn(*values))

    return call_value


def _json_args(ex: _Export, json_text: str) -> list[Any]:
    """The lowered arguments of a JSON call of `ex` (an array, or an object by parameter name)."""
    try:
        decoded = loads_json(json_text)
    except ValueError as e:
        raise ArgumentError(f"{ex.name}(): the arguments are not valid JSON: {e}") from None
    ins, _out = ex.prepare_json()
    if isinstance(decoded, list):
        values = ex.arrange(decoded, {})
    elif isinstance(decoded, dict):
        values = ex.arrange((), decoded)
    else:
        raise ArgumentError(
            f"{ex.name}(): give the arguments as a JSON array or an object by parameter name"
        )
    plain = [
        conv(v, f"{ex.name}() parameter `{p}`")
        for conv, v, p in zip(ins, values, ex.param_names, strict=True)
    ]
    return ex.lower(plain)


def _json_result(ex: _Export, result: Any) -> str:
    _ins, out = ex.prepare_json()
    return json.dumps(out(result) if result is not None else None, allow_nan=False, ensure_ascii=False)


def _replay(raw: Any, err: Err[Any] | None) -> Any:
    """Hand back a result an awaited call produced (to reuse a sync invoker's conversions)."""
    if err is not None:
        raise err
    return raw


def _async_invoker(fn: Any, result: TypeDesc | None) -> Callable[[Sequence[Any]], Awaitable[Any]]:
    """`_invoker` for an async prepared call: await it, then convert as the sync one does."""
    convert = _invoker(cast(PreparedFunc, _replay), result)

    async def invoke(values: Sequence[Any]) -> Any:
        err: Err[Any] | None = None
        raw: Any = None
        try:
            raw = await fn(*values)
        except Err as e:
            err = e
        return convert([raw, err])

    return invoke


def _freeze(v: Any) -> Hashable:
    """A hashable stand-in for a plain value, equal for equal values (for the call cache)."""
    if isinstance(v, Mapping):
        return ("d", tuple(sorted(((k, _freeze(x)) for k, x in v.items()), key=repr)))
    if isinstance(v, (list, tuple)):
        return ("l", tuple(_freeze(x) for x in v))
    if isinstance(v, (set, frozenset)):
        return ("s", frozenset(_freeze(x) for x in v))
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, float):
        return ("f", v.hex())  # nan equals itself, 0.0 and -0.0 stay apart
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, ResourceProxy):
        return ("r", id(v))
    if isinstance(v, Hashable):
        return v
    raise ArgumentError(f"cannot use a {type(v).__name__} as a cached-call argument")


class DynamicPlugin:
    """A loaded plugin called by export name with plain Python values (see the module doc).

    Export names: `func` for a world-level function, `ns:pkg/iface@1.0.0#func` in full; the
    short forms `iface/func`, `iface#func`, `ns:pkg/iface/func` and `ns:pkg/iface#func`
    (without the version) work too, as does a bare `func` when only one interface has it.
    Calls from several threads are serialised (see `Instance`); `cancel()` stops a running one.
    """

    def __init__(
        self,
        instance: Instance,
        component: wc.Component,
        engine: wasmtime.Engine,
        *,
        config: Mapping[str, str] | None = None,
        cache_size: int | None = 256,
    ) -> None:
        self.instance = instance
        self.component = component
        self.config: Mapping[str, str] = dict(config or {})
        self._exports: dict[str, _Export] = {}
        self._unsupported: dict[str, str] = {}
        self._aliases: dict[str, str | None] = {}
        # One walk of the component's type gives every exported function (in the component's
        # order, as `Instance.exports` lists them) with its parameter names.
        for name, names in _param_names(component, engine).items():
            try:
                self._exports[name] = _Export(name, instance.dynamic(name), names)
            except BindingError as e:
                self._unsupported[name] = str(e)
        self._build_aliases([*self._exports, *self._unsupported])
        if cache_size is not None and cache_size < 0:
            raise ValueError("cache_size must be None (unbounded) or >= 0")
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._hits = 0
        self._misses = 0

    def _build_aliases(self, names: Sequence[str]) -> None:
        aliases: dict[str, str | None] = {}

        def add(alias: str, target: str) -> None:
            if alias in names and alias != target:
                return  # a real export's own name always wins
            if alias in aliases and aliases[alias] != target:
                aliases[alias] = None  # ambiguous
            else:
                aliases[alias] = target

        for name in names:
            iface, sep, func = name.rpartition("#")
            if not sep:
                continue
            unversioned = iface.split("@", 1)[0]
            short = unversioned.rpartition("/")[2]
            for prefix in {iface, unversioned, short}:
                add(f"{prefix}#{func}", name)
                add(f"{prefix}/{func}", name)
            add(func, name)
        self._aliases = aliases

    # -- lookups ------------------------------------------------------------------------------

    def _find(self, name: str) -> _Export:
        ex = self._exports.get(name)
        if ex is not None:
            return ex
        target = self._aliases.get(name, name)
        if target is None:
            options = sorted(
                n
                for n in self._exports
                if n.endswith(("#" + name, "/" + name)) or n.split("#")[-1] == name
            )
            raise PluginError(f"{name!r} is ambiguous; say which: {', '.join(options)}")
        ex = self._exports.get(target)
        if ex is not None:
            return ex
        if target in self._unsupported:
            raise PluginError(f"{target}: {self._unsupported[target]}")
        known = ", ".join(self.exports()) or "none"
        raise PluginError(f"the plugin exports no function {_shown(name)} (exports: {known})")

    def exports(self) -> list[str]:
        """Every exported function's full name, in the component's order."""
        return [*self._exports, *self._unsupported]

    def signature(self, name: str) -> str:
        """The export's type in WIT syntax: `func(name: string) -> string`."""
        return self._find(name).signature

    # -- calls ----------------------------------------------------------------------------------

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call export `name` with plain values (keywords by parameter name); returns a plain value."""
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        return ex.invoke(ex.lower(values))

    def call_json(self, name: str, json_text: str) -> str:
        """Call export `name` with a JSON array of arguments (or an object by parameter name); returns JSON."""
        ex = self._find(name)
        return _json_result(ex, ex.invoke(_json_args(ex, json_text)))

    def cached_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """`call`, memoized by function and arguments: only for pure exports (same input, same output).

        The memo is an LRU of `cache_size` entries (given to `load`); results are deep-copied
        out of it, so changing a returned value does not change the next one. Traps are not cached.
        """
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        lowered = ex.lower(values)
        # The key is built from the checked values in their canonical plain form, so
        # `["read"]` and `{"read"}` for flags, or a tuple and a list, share an entry.
        key = (ex.name, tuple(_freeze(c(v)) for c, v in zip(ex.canon, lowered, strict=True)))
        cache = self._cache
        with self._cache_lock:  # threads share the memo; the call itself runs outside the lock
            hit = cache.get(key, _MISSING)
            if hit is not _MISSING:
                self._hits += 1
                cache.move_to_end(key)
                return copy.deepcopy(hit)
            self._misses += 1
        result = ex.invoke(lowered)
        if self._cache_size != 0:
            kept = copy.deepcopy(result)
            with self._cache_lock:
                cache[key] = kept
                if self._cache_size is not None and len(cache) > self._cache_size:
                    cache.popitem(last=False)
        return result

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the `cached_call` memo."""
        return CacheInfo(self._hits, self._misses, self._cache_size, len(self._cache))

    def cache_clear(self) -> None:
        """Forget every memoized result."""
        self._cache.clear()
        self._hits = self._misses = 0

    # -- the instance -----------------------------------------------------------------------------

    @property
    def stdout(self) -> str:
        """What the plugin wrote to a captured stdout."""
        return self.instance.stdout

    @property
    def stderr(self) -> str:
        """What the plugin wrote to a captured stderr."""
        return self.instance.stderr

    def cancel(self) -> bool:
        """Stop the running call from another thread (see `Instance.cancel`); it raises `Cancelled`."""
        return self.instance.cancel()

    def close(self) -> None:
        """Release the instance; later calls raise PluginError."""
        self.instance.close()
        self._cache.clear()

    def __enter__(self) -> DynamicPlugin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _param_names(component: wc.Component, engine: wasmtime.Engine) -> dict[str, tuple[str, ...]]:
    """Every exported function's full name, in the component's order, with its parameter names."""
    out: dict[str, tuple[str, ...]] = {}
    for name, ext in component.type.exports(engine).items():
        ty = ext.ty
        if hidden(name):
            continue
        if isinstance(ty, wc.FuncType):
            out[name] = tuple(n for n, _ in ty.params)
        elif isinstance(ty, wc.ComponentInstanceType):
            for fname, fext in ty.exports(engine).items():
                if isinstance(fext.ty, wc.FuncType):
                    out[f"{name}#{fname}"] = tuple(n for n, _ in fext.ty.params)
    return out


PluginSource = str | os.PathLike[str] | bytes | bytearray | wc.Component
"""What `load` accepts: a `.wasm`/`.wat` path, component bytes, WAT text or a compiled component."""


def spec_wasi(spec: PluginSpec) -> Wasi:
    """The `Wasi` grants of a manifest entry (its fields map one-for-one)."""
    g = spec.wasi
    return Wasi(
        args=g.args,
        env=dict(g.env),
        preopens=dict(g.preopens),
        read_only=g.read_only,
        stdout=g.stdout,
        stderr=g.stderr,
        inherit_network=g.network,
        http=spec.http,
    )


def spec_limits(spec: PluginSpec) -> Limits:
    """The `Limits` of a manifest entry."""
    return Limits(fuel=spec.limits.fuel, timeout=spec.limits.timeout, memory=spec.limits.memory)


class AsyncDynamicPlugin(DynamicPlugin):
    """A plugin from `load_async`: `await p.call(name, ...)`, `await p.call_json(name, text)`.

    Calls from several tasks take turns (one call runs per plugin at a time); cancelling the
    awaiting task (`asyncio.wait_for`, `task.cancel()`) or `cancel()` stops the guest, after
    which the plugin must be reloaded. Limits apply as in sync calls.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._async_invokers: dict[str, Callable[[Sequence[Any]], Awaitable[Any]]] = {}

    def _invoke(self, ex: _Export) -> Callable[[Sequence[Any]], Awaitable[Any]]:
        invoke = self._async_invokers.get(ex.name)
        if invoke is None:
            invoke = self._async_invokers[ex.name] = _async_invoker(ex.fn, ex.result)
        return invoke

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call export `name` with plain values (keywords by parameter name); returns a plain value."""
        ex = self._find(name)
        values = ex.arrange(args, kwargs) if kwargs or len(args) != len(ex.params) else args
        return await self._invoke(ex)(ex.lower(values))

    async def call_json(self, name: str, json_text: str) -> str:  # type: ignore[override]
        """Call export `name` with a JSON array of arguments (or an object by parameter name); returns JSON."""
        ex = self._find(name)
        return _json_result(ex, await self._invoke(ex)(_json_args(ex, json_text)))

    def cached_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Not offered for async plugins (the cache would hold coroutines); raises `PluginError`."""
        raise PluginError("cached_call is not offered by async plugins; use `await plugin.call(...)`")


def load(
    source: PluginSource | PluginSpec,
    *,
    runtime: Runtime | None = None,
    wasi: Wasi | None = None,
    limits: Limits | None = None,
    config: Mapping[str, str] | None = None,
    imports: Sequence[Import] = (),
    cache_size: int | None = 256,
    loader: PluginLoader | None = None,
    base: str | os.PathLike[str] | None = None,
) -> DynamicPlugin:
    """Compile and instantiate a plugin for dynamic calls.

    `config` is served to the guest through `witkit:plugin/config` whenever the component
    imports it (empty when not given); `imports` adds host functions. Without `runtime` the
    shared runtime able to enforce `limits` is used (`witkit.runtime.shared_runtime`, as by
    generated `load()`); with one, `wasi` and `limits` override its defaults.

    `source` may be a manifest entry (`load_manifest().plugins["id"]`): it is fetched through
    `loader` (relative `file:` paths start at `base`) and its config, WASI grants and limits
    are used unless given here.
    """
    if isinstance(source, PluginSpec):
        spec = source
        where = Path(base) if base is not None else None
        if loader is not None:
            source = loader.load(spec.id, spec.locator, base=where)
        else:
            with PluginLoader() as fetcher:
                source = fetcher.load(spec.id, spec.locator, base=where)
        config = {**spec.config, **(config or {})}
        wasi = wasi if wasi is not None else spec_wasi(spec)
        limits = limits if limits is not None else spec_limits(spec)
    cfg = validate_config(config)
    if runtime is None:
        runtime = shared_runtime(limits)
    component, linked = _linked(runtime, source, imports, cfg)
    try:
        instance = runtime.instantiate(component, linked, wasi=wasi, limits=limits)
    except PluginError as e:
        raise _missing_import_hint(e) from e
    return DynamicPlugin(instance, component, runtime.engine, config=cfg, cache_size=cache_size)


def _linked(
    runtime: Runtime, source: PluginSource, imports: Sequence[Import], cfg: dict[str, str]
) -> tuple[wc.Component, list[Import]]:
    """The compiled component and its imports, `witkit:plugin/config` added when it needs one."""
    component = runtime.compile(os.fspath(source) if isinstance(source, os.PathLike) else source)
    linked = list(imports)
    name = config_import_name(component.type, runtime.engine)
    if name is not None and not any(
        isinstance(i, ImportInterface) and i.name == name for i in linked
    ):
        linked.append(config_import(name, cfg))
    return component, linked


async def load_async(
    source: PluginSource,
    *,
    runtime: Runtime | None = None,
    wasi: Wasi | None = None,
    limits: Limits | None = None,
    config: Mapping[str, str] | None = None,
    imports: Sequence[Import] = (),
) -> AsyncDynamicPlugin:
    """Compile and instantiate a plugin whose calls are awaited on the running event loop.

    As `load` (for a path, WAT text or bytes); imports may be `async def` functions, awaited
    on the loop while the guest waits. Compiling runs in a worker thread (`asyncio.to_thread`),
    so the loop is not blocked by it either. A given `runtime` needs epoch interruption
    (`Runtime(cancellable=True)` or a timeout limit); without one a shared runtime with it
    is used.
    """
    cfg = validate_config(config)
    if runtime is None:
        runtime = shared_runtime(limits, epoch=True)
    rt = runtime
    component, linked = await asyncio.to_thread(_linked, rt, source, imports, cfg)
    try:
        instance = rt.instantiate_async(component, linked, wasi=wasi, limits=limits)
    except PluginError as e:
        raise _missing_import_hint(e) from e
    return AsyncDynamicPlugin(instance, component, rt.engine, config=cfg, cache_size=None)


_MISSING_IMPORT = re.compile(
    r"imports (?:instance|function|resource) `([^`]+)`, but a matching implementation was not found"
)


def _missing_import_hint(error: PluginError) -> PluginError:
    """wasmtime's "implementation was not found in the linker", with what is linked and how
    to provide the rest; other errors unchanged."""
    found = _MISSING_IMPORT.search(str(error))
    if found is None:
        return error
    return PluginError(
        f"{error}; witkit.load (and `witkit call`) link only WASI and witkit:plugin/config: "
        f"provide `{found.group(1)}` from Python with witkit.load(..., imports=[...]) "
        "(witkit.runtime.ImportInterface / ImportFunc), with generated bindings' imports "
        "class (witkit generate), or from another plugin with witkit.compose"
    )
