"""Load-time rewrite of a component binary: integer-typed twins of its lifted exports.

wasmtime's component C API carries a `list<u8>` as one 32-byte value per byte. To move bulk
data at memory speed the host lowers such values itself (see `_bulk`), which needs the guest's
allocator and the export's core function callable with plain integers. This module appends,
at the end of the OUTER component, one type, one canon and one export section that lift again
(with integer-only types and no canon options) the core functions an export already lifts:

* `witkit-bulk-x<hex>-call`: the export's core function, its flattened parameters in, its one
  flat result (or the return-area pointer) out;
* `witkit-bulk-x<hex>-post`: its post-return function, when it has one;
* `witkit-bulk-x<hex>-realloc`: the lift's `cabi_realloc`, `func(u32, u32, u32, u32) -> u32`;

where `<hex>` spells the export's name (`func` or `ns:pkg/iface@v#func`) in hexadecimal, so the
plan can be read back from the compiled component's export names alone (a compile-cache hit
does not rewrite again). Only the outer component's index spaces are counted; an interface
export is followed through the nested component it is exported from. Sections this module does
not need are skipped by their sizes; anything it does not understand (an unknown canon form, a
type it cannot read, an alias where a lift was expected, async or non-UTF-8 lifts, resources)
leaves that export, or the whole component, as it was: the normal call path then serves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PREFIX", "VERSION", "Plan", "hidden", "plan_from_exports", "rewrite", "rewrite_source"]

PREFIX = "witkit-bulk-x"
VERSION = 1
"""Part of the compile-cache key of rewritten components: bump when the output changes."""
_MAX_FLAT_PARAMS = 16

# Primitive value types (their byte in the binary) and their flat core type.
_PRIM_FLAT = {
    0x7F: "i32", 0x7E: "i32", 0x7D: "i32", 0x7C: "i32", 0x7B: "i32", 0x7A: "i32", 0x79: "i32",
    0x78: "i64", 0x77: "i64", 0x76: "f32", 0x75: "f64", 0x74: "i32",
}
_STRING = 0x73
# Component-level spelling of each flat core type in the twin lifts.
_CORE_TO_VAL = {"i32": 0x79, "i64": 0x77, "f32": 0x76, "f64": 0x75}  # u32, u64, f32, f64


class _Unsupported(Exception):
    """Something the rewriter does not understand; the export (or component) is left alone."""


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | memoryview, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7
            if shift > 35:
                raise _Unsupported("LEB128 too long")

    def s33(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result
            if shift > 35:
                raise _Unsupported("LEB128 too long")

    def name(self) -> str:
        n = self.u32()
        raw = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return raw.decode("utf-8")


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return _leb(len(raw)) + raw


# A parsed value type: ("prim", byte) | ("string",) | ("list", t) | ("record", [t]) |
# ("tuple", [t]) | ("variant", [t|None]) | ("enum", n) | ("flags", n) | ("option", t) |
# ("result", t|None, t|None); ("func", [(name, t)], t|None) for function types.
Ty = tuple[Any, ...]


@dataclass
class _Lift:
    core_func: int
    type_index: int
    memory: int | None = None
    realloc: int | None = None
    post_return: int | None = None
    encoding: str = "utf8"
    other: bool = False
    """An option the rewriter does not lower for (async, callback, ...)."""


@dataclass
class _Space:
    """The outer component's index spaces, as far as the rewriter follows them."""

    types: list[Ty | None] = field(default_factory=list)
    funcs: list[_Lift | None] = field(default_factory=list)
    components: list[dict[str, str] | None] = field(default_factory=list)
    """Per nested component: its exported function names -> the import they re-export."""
    instances: list[dict[str, int] | None] = field(default_factory=list)
    """Per instance: its exported function names -> outer function index."""
    exports: dict[str, int] = field(default_factory=dict)
    """Top-level function exports: name -> outer function index (and interface#func)."""


def _valtype(r: _Reader, space: _Space) -> Ty:
    v = r.s33()
    if v < 0:
        code = v & 0x7F
        if code == _STRING:
            return ("string",)
        if code in _PRIM_FLAT:
            return ("prim", code)
        raise _Unsupported(f"primitive {code:#x}")
    if v >= len(space.types) or space.types[v] is None:
        raise _Unsupported(f"type {v} not understood")
    t = space.types[v]
    assert t is not None
    return t


def _opt_valtype(r: _Reader, space: _Space) -> Ty | None:
    flag = r.byte()
    if flag == 0:
        return None
    if flag != 1:
        raise _Unsupported("bad option flag")
    return _valtype(r, space)


def _deftype(r: _Reader, space: _Space) -> Ty:
    tag = r.byte()
    if tag == 0x40:  # func
        params = [(r.name(), _valtype(r, space)) for _ in range(r.u32())]
        kind = r.byte()
        if kind == 0x00:
            result: Ty | None = _valtype(r, space)
        elif kind == 0x01 and r.byte() == 0x00:
            result = None
        else:
            raise _Unsupported("named results")
        return ("func", params, result)
    if tag == 0x72:
        return ("record", [(r.name(), _valtype(r, space))[1] for _ in range(r.u32())])
    if tag == 0x70:
        return ("list", _valtype(r, space))
    if tag == 0x6F:
        return ("tuple", [_valtype(r, space) for _ in range(r.u32())])
    if tag == 0x71:
        cases = []
        for _ in range(r.u32()):
            r.name()
            cases.append(_opt_valtype(r, space))
            if r.byte() != 0x00:
                raise _Unsupported("variant refines")
        return ("variant", cases)
    if tag == 0x6E:
        n = r.u32()
        for _ in range(n):
            r.name()
        return ("flags", n)
    if tag == 0x6D:
        n = r.u32()
        for _ in range(n):
            r.name()
        return ("enum", n)
    if tag == 0x6B:
        return ("option", _valtype(r, space))
    if tag == 0x6A:
        return ("result", _opt_valtype(r, space), _opt_valtype(r, space))
    if tag in _PRIM_FLAT:
        return ("prim", tag)
    if tag == _STRING:
        return ("string",)
    raise _Unsupported(f"type form {tag:#x}")  # resources, own/borrow, component/instance types


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def flatten(t: Ty) -> list[str]:
    """The canonical ABI's flat core types of a value type."""
    tag = t[0]
    if tag == "prim":
        return [_PRIM_FLAT[t[1]]]
    if tag in ("string", "list"):
        return ["i32", "i32"]
    if tag in ("record", "tuple"):
        return [c for e in t[1] for c in flatten(e)]
    if tag == "enum":
        return ["i32"]
    if tag == "flags":
        return ["i32"] * ((t[1] + 31) // 32) if t[1] else []
    if tag in ("option", "result", "variant"):
        cases = [None, t[1]] if tag == "option" else [t[1], t[2]] if tag == "result" else t[1]
        flat: list[str] = []
        for c in cases:
            if c is None:
                continue
            for i, ft in enumerate(flatten(c)):
                if i < len(flat):
                    flat[i] = _join(flat[i], ft)
                else:
                    flat.append(ft)
        return ["i32", *flat]
    raise _Unsupported(f"cannot flatten {tag}")


def _externdesc_sort(r: _Reader) -> int:
    """Read an externdesc; returns its sort byte (0 module, 1 func, 3 type, 4 component, 5 instance)."""
    kind = r.byte()
    if kind == 0x00:
        if r.byte() != 0x11:
            raise _Unsupported("core extern")
        r.u32()
    elif kind in (0x01, 0x04, 0x05):
        r.u32()
    elif kind == 0x02:
        r.byte()
        r.u32()
    elif kind == 0x03:
        if r.byte() == 0x00:
            r.u32()
    else:
        raise _Unsupported(f"extern kind {kind:#x}")
    return kind


def _sortidx(r: _Reader) -> tuple[int, int]:
    sort = r.byte()
    if sort == 0x00:
        r.byte()
        return (0x100, r.u32())  # a core sort: not followed
    return (sort, r.u32())


def _export_name(r: _Reader) -> str:
    tag = r.byte()
    if tag not in (0x00, 0x01):
        raise _Unsupported("export name form")
    return r.name()


def _nested_component(data: memoryview) -> dict[str, str]:
    """A nested component's re-exports: function export name -> the name of the import it is."""
    r = _Reader(data, 8)
    imports: list[str | None] = []  # func index space of the nested component: import name or None
    out: dict[str, str] = {}
    while r.pos < len(data):
        sid = r.byte()
        size = r.u32()
        end = r.pos + size
        if sid == 10:  # imports
            for _ in range(r.u32()):
                iname = _export_name(r)
                if _externdesc_sort(r) == 0x01:
                    imports.append(iname)
        elif sid == 11:
            for _ in range(r.u32()):
                name = _export_name(r)
                sort, idx = _sortidx(r)
                if r.byte() == 0x01:
                    _externdesc_sort(r)
                if sort == 0x01:
                    target = imports[idx] if idx < len(imports) else None
                    imports.append(target)
                    if target is not None:
                        out[name] = target
        elif sid in (6, 8):  # aliases and canons may add functions: stop following
            return out
        r.pos = end
    return out


def _scan(data: bytes) -> _Space:
    view = memoryview(data)
    r = _Reader(view, 8)
    space = _Space()
    while r.pos < len(view):
        sid = r.byte()
        size = r.u32()
        end = r.pos + size
        if end > len(view):
            raise _Unsupported("truncated section")
        if sid == 4:  # nested component
            try:
                space.components.append(_nested_component(view[r.pos : end]))
            except (_Unsupported, IndexError, UnicodeDecodeError):
                space.components.append(None)
        elif sid == 7:
            count = r.u32()
            for i in range(count):
                try:
                    space.types.append(_deftype(r, space))
                except (_Unsupported, IndexError, UnicodeDecodeError):
                    # This entry cannot be read, so neither can the rest of the section be walked.
                    space.types.extend([None] * (count - i))
                    break
        elif sid == 8:
            for _ in range(r.u32()):
                op = r.byte()
                if op == 0x00:
                    if r.byte() != 0x00:
                        raise _Unsupported("lift form")
                    core = r.u32()
                    lift = _Lift(core, 0)
                    for _o in range(r.u32()):
                        opt = r.byte()
                        if opt in (0x01, 0x02):
                            lift.encoding = "other"
                        elif opt == 0x03:
                            lift.memory = r.u32()
                        elif opt == 0x04:
                            lift.realloc = r.u32()
                        elif opt == 0x05:
                            lift.post_return = r.u32()
                        elif opt == 0x06:
                            lift.other = True
                        elif opt == 0x07:
                            r.u32()
                            lift.other = True
                        elif opt != 0x00:
                            raise _Unsupported(f"canon option {opt:#x}")
                    lift.type_index = r.u32()
                    space.funcs.append(lift)
                elif op == 0x01:
                    if r.byte() != 0x00:
                        raise _Unsupported("lower form")
                    r.u32()
                    for _o in range(r.u32()):
                        opt = r.byte()
                        if opt in (0x03, 0x04, 0x05, 0x07):
                            r.u32()
                        elif opt > 0x07:
                            raise _Unsupported(f"canon option {opt:#x}")
                elif op in (0x02, 0x03, 0x04, 0x07):
                    r.u32()
                else:
                    raise _Unsupported(f"canon form {op:#x}")
        elif sid == 6:
            for _ in range(r.u32()):
                sort = r.byte()
                if sort == 0x00:
                    r.byte()
                target = r.byte()
                if target in (0x00, 0x01):
                    inst = r.u32()
                    name = r.name()
                    if sort == 0x01 and target == 0x00:
                        mapping = space.instances[inst] if inst < len(space.instances) else None
                        idx = mapping.get(name) if mapping else None
                        space.funcs.append(space.funcs[idx] if idx is not None else None)
                        continue
                elif target == 0x02:
                    r.u32()
                    r.u32()
                else:
                    raise _Unsupported("alias target")
                _count_other(space, sort)
        elif sid == 10:
            for _ in range(r.u32()):
                _export_name(r)
                kind = _externdesc_sort(r)
                _count_other(space, kind)
        elif sid == 5:
            for _ in range(r.u32()):
                form = r.byte()
                if form == 0x00:
                    comp = r.u32()
                    args: dict[str, int] = {}
                    for _a in range(r.u32()):
                        arg = r.name()
                        sort, idx = _sortidx(r)
                        if sort == 0x01:
                            args[arg] = idx
                    reexports = space.components[comp] if comp < len(space.components) else None
                    made: dict[str, int] | None = None
                    if reexports is not None:
                        made = {f: args[i] for f, i in reexports.items() if i in args}
                    space.instances.append(made)
                elif form == 0x01:
                    inline: dict[str, int] = {}
                    for _e in range(r.u32()):
                        name = _export_name(r)
                        sort, idx = _sortidx(r)
                        if sort == 0x01:
                            inline[name] = idx
                    space.instances.append(inline)
                else:
                    raise _Unsupported("instance form")
        elif sid == 11:
            for _ in range(r.u32()):
                name = _export_name(r)
                sort, idx = _sortidx(r)
                if r.byte() == 0x01:
                    _externdesc_sort(r)
                if sort == 0x01:
                    space.exports[name] = idx
                    space.funcs.append(space.funcs[idx] if idx < len(space.funcs) else None)
                elif sort == 0x03:
                    space.types.append(space.types[idx] if idx < len(space.types) else None)
                elif sort == 0x05:
                    mapping = space.instances[idx] if idx < len(space.instances) else None
                    if mapping:
                        for fname, fidx in mapping.items():
                            space.exports[f"{name}#{fname}"] = fidx
                    space.instances.append(mapping)
                elif sort == 0x04:
                    space.components.append(space.components[idx] if idx < len(space.components) else None)
        r.pos = end
    return space


def _count_other(space: _Space, sort: int) -> None:
    if sort == 0x01:
        space.funcs.append(None)
    elif sort == 0x03:
        space.types.append(None)
    elif sort == 0x04:
        space.components.append(None)
    elif sort == 0x05:
        space.instances.append(None)


@dataclass(frozen=True)
class Plan:
    """What the twin exports of one export look like (read back from the export names)."""

    name: str
    call: str
    realloc: str
    post: str | None


def _hex(name: str) -> str:
    return name.encode("utf-8").hex()


def rewrite(data: bytes) -> bytes:
    """`data` with integer-typed twins of its lifted exports appended; `data` itself when none apply."""
    if not data.startswith(b"\0asm") or data[4:8] != b"\x0d\x00\x01\x00":
        return data
    try:
        space = _scan(data)
    except (_Unsupported, IndexError, UnicodeDecodeError, KeyError):
        return data
    memories = {lift.memory for lift in space.funcs if lift is not None and lift.memory is not None}
    if len(memories) != 1:
        return data
    types = bytearray()
    canons = bytearray()
    exports = bytearray()
    ntypes = 0
    nfuncs = 0
    next_type = len(space.types)
    next_func = len(space.funcs)

    def add_lift(core: int, params: list[str], results: list[str], export: str) -> None:
        nonlocal ntypes, nfuncs, next_type, next_func
        ft = bytearray(b"\x40") + _leb(len(params))
        for i, p in enumerate(params):
            ft += _name(f"p{i}") + bytes([_CORE_TO_VAL[p]])
        ft += b"\x00" + bytes([_CORE_TO_VAL[results[0]]]) if results else b"\x01\x00"
        types.extend(ft)
        canons.extend(b"\x00\x00" + _leb(core) + b"\x00" + _leb(next_type))
        exports.extend(b"\x00" + _name(export) + b"\x01" + _leb(next_func) + b"\x00")
        ntypes += 1
        nfuncs += 1
        next_type += 1
        next_func += 1  # the exports come after all the lifts

    existing = set(space.exports)
    for name, idx in sorted(space.exports.items()):
        lift = space.funcs[idx] if idx < len(space.funcs) else None
        if lift is None or lift.other or lift.encoding != "utf8" or lift.memory is None or lift.realloc is None:
            continue
        ftype = space.types[lift.type_index] if lift.type_index < len(space.types) else None
        if ftype is None or ftype[0] != "func":
            continue
        try:
            flat_params = [c for _n, t in ftype[1] for c in flatten(t)]
            flat_results = flatten(ftype[2]) if ftype[2] is not None else []
        except _Unsupported:
            continue
        if len(flat_params) > _MAX_FLAT_PARAMS:
            continue
        core_results = flat_results if len(flat_results) <= 1 else ["i32"]
        stem = PREFIX + _hex(name)
        if any(e.startswith(stem) for e in existing):
            continue
        add_lift(lift.core_func, flat_params, core_results, stem + "-call")
        add_lift(lift.realloc, ["i32"] * 4, ["i32"], stem + "-realloc")
        if lift.post_return is not None:
            add_lift(lift.post_return, core_results, [], stem + "-post")
    if not nfuncs:
        return data
    out = bytearray(data)
    for sid, count, body in ((7, ntypes, types), (8, nfuncs, canons), (11, nfuncs, exports)):
        content = _leb(count) + body
        out += bytes([sid]) + _leb(len(content)) + content
    return bytes(out)


def rewrite_source(data: bytes) -> bytes:
    """`rewrite` of a component given as binary or WAT text (text that does not parse is left
    alone: compiling it then reports the error)."""
    if not data.startswith(b"\0asm"):
        try:
            import wasmtime

            data = bytes(wasmtime.wat2wasm(data.decode("utf-8")))
        except (wasmtime.WasmtimeError, UnicodeDecodeError):
            return data
    return rewrite(data)


def hidden(name: str) -> bool:
    """Whether an export name is one of the twins this module adds."""
    return name.startswith(PREFIX)


def plan_from_exports(names: Iterable[str]) -> dict[str, Plan]:
    """The twin exports of each rewritten export, from the component's export names."""
    plans: dict[str, Plan] = {}
    present = set(names)
    for n in present:
        if not (n.startswith(PREFIX) and n.endswith("-call")):
            continue
        stem = n[: -len("-call")]
        try:
            name = bytes.fromhex(stem[len(PREFIX) :]).decode("utf-8")
        except ValueError:
            continue
        realloc = stem + "-realloc"
        if realloc not in present:
            continue
        post = stem + "-post"
        plans[name] = Plan(name, n, realloc, post if post in present else None)
    return plans
