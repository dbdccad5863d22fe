"""WIT types spelled in TypeScript the way jco declares them for a guest.

jco's declarations (`witkit.guest.jscheck`) are the reference: `--check` and TypeScript
builds check against them. witkit spells a type itself only where jco's declarations give
no name to point at: the functions a world imports by itself (`import log from "log"`),
which jco leaves out, and the parameters of resource methods in a TypeScript scaffold.
A named type is referred to by its declaration (`import("ns:pkg/iface@1.0.0").Point`); what
witkit cannot name that way is `any`, which never rejects a guest jco's types accept.
"""

from __future__ import annotations

import json

from witkit.guest.jsplan import upper_camel
from witkit.wit import model as m

_PRIMITIVES = {
    "bool": "boolean",
    "char": "string",
    "string": "string",
    "u64": "bigint",
    "s64": "bigint",
    **{t: "number" for t in ("u8", "u16", "u32", "s8", "s16", "s32", "f32", "f64")},
}
_TYPED_ARRAYS = {
    "u8": "Uint8Array", "u16": "Uint16Array", "u32": "Uint32Array", "u64": "BigUint64Array",
    "s8": "Int8Array", "s16": "Int16Array", "s32": "Int32Array", "s64": "BigInt64Array",
    "f32": "Float32Array", "f64": "Float64Array",
}  # fmt: skip
"""jco's `list<T>` of a number type: a typed array."""


def ts_type(resolve: m.Resolve, ty: m.Type) -> str:
    """`ty` as jco spells it for a guest; `any` for what has no declaration to point at (a
    world's own types, which jco declares only where an export uses them)."""
    ty = resolve.dealias(ty)
    if isinstance(ty, str):
        return _PRIMITIVES.get(ty, "any")
    td = resolve.types[ty]
    kind = td.kind
    if isinstance(kind, m.Handle):
        return ts_type(resolve, kind.resource)
    if td.name is not None:
        owner = td.owner
        where = resolve.id_of(owner.id) if owner is not None and owner.kind == "interface" else None
        return "any" if where is None else f"import({json.dumps(where)}).{upper_camel(td.name)}"
    match kind:
        case m.List(type=item):
            inner = resolve.dealias(item)
            if isinstance(inner, str) and inner in _TYPED_ARRAYS:
                return _TYPED_ARRAYS[inner]
            return f"Array<{ts_type(resolve, item)}>"
        case m.Option(type=inner) if not _is_option(resolve, inner):
            return f"{ts_type(resolve, inner)} | undefined"
        case m.Tuple(types=types):
            return "[" + ", ".join(ts_type(resolve, t) for t in types) + "]"
    return "any"


def _is_option(resolve: m.Resolve, ty: m.Type) -> bool:
    ty = resolve.dealias(ty)
    return isinstance(ty, int) and isinstance(resolve.types[ty].kind, m.Option)


def ts_returns(resolve: m.Resolve, f: m.Function) -> str:
    """What a guest function returns: a `result`'s ok type (its error is thrown), or `void`."""
    if f.result is None:
        return "void"
    result = resolve.dealias(f.result)
    if isinstance(result, int):
        kind = resolve.types[result].kind
        if isinstance(kind, m.Result):
            return "void" if kind.ok is None else ts_type(resolve, kind.ok)
    return ts_type(resolve, f.result)
