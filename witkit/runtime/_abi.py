"""The fast path: lowering and lifting straight into wasmtime's C `wasmtime_component_val_t`.

Everything here goes through wasmtime-py's private `_ffi` module (ctypes bindings of the C
API). `check_shapes()` verifies the struct layout this module relies on; when it fails the
runtime falls back to the public `Func.__call__` path (`_portable.py`).

Converters work on raw addresses: `lower(value, addr)` writes a Python value into the
`wasmtime_component_val_t` at `addr` (which holds a zeroed, deletable value beforehand) and
`lift(addr)` reads one without taking ownership. The caller deletes values it owns.
"""

from __future__ import annotations

import array
import ctypes
import functools
import keyword
import struct
import types
from collections.abc import Callable
from ctypes import CFUNCTYPE, c_bool, c_char_p, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p
from typing import TYPE_CHECKING, Any

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi

from witkit.errors import BindingError, PluginError
from witkit.runtime.types import (
    Borrow,
    Bytes,
    Enum,
    Err,
    FixedList,
    Flags,
    GuestResource,
    HostResource,
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

if TYPE_CHECKING:
    from witkit.runtime._instance import Instance

Lower = Callable[[Any, int], None]
Lift = Callable[[int], Any]

VAL = ffi.wasmtime_component_val_t
VAL_SIZE = ctypes.sizeof(VAL)
OF = VAL.of.offset

K_BOOL = ffi.WASMTIME_COMPONENT_BOOL.value
K_S8 = ffi.WASMTIME_COMPONENT_S8.value
K_U8 = ffi.WASMTIME_COMPONENT_U8.value
K_S16 = ffi.WASMTIME_COMPONENT_S16.value
K_U16 = ffi.WASMTIME_COMPONENT_U16.value
K_S32 = ffi.WASMTIME_COMPONENT_S32.value
K_U32 = ffi.WASMTIME_COMPONENT_U32.value
K_S64 = ffi.WASMTIME_COMPONENT_S64.value
K_U64 = ffi.WASMTIME_COMPONENT_U64.value
K_F32 = ffi.WASMTIME_COMPONENT_F32.value
K_F64 = ffi.WASMTIME_COMPONENT_F64.value
K_CHAR = ffi.WASMTIME_COMPONENT_CHAR.value
K_STRING = ffi.WASMTIME_COMPONENT_STRING.value
K_LIST = ffi.WASMTIME_COMPONENT_LIST.value
K_RECORD = ffi.WASMTIME_COMPONENT_RECORD.value
K_TUPLE = ffi.WASMTIME_COMPONENT_TUPLE.value
K_VARIANT = ffi.WASMTIME_COMPONENT_VARIANT.value
K_ENUM = ffi.WASMTIME_COMPONENT_ENUM.value
K_OPTION = ffi.WASMTIME_COMPONENT_OPTION.value
K_RESULT = ffi.WASMTIME_COMPONENT_RESULT.value
K_FLAGS = ffi.WASMTIME_COMPONENT_FLAGS.value
K_RESOURCE = ffi.WASMTIME_COMPONENT_RESOURCE.value

# (kind, ctypes type of the payload, lowest, highest) per primitive.
PRIMS: dict[str, tuple[int, Any, int, int]] = {
    "bool": (K_BOOL, ctypes.c_bool, 0, 1),
    "u8": (K_U8, ctypes.c_uint8, 0, 0xFF),
    "u16": (K_U16, ctypes.c_uint16, 0, 0xFFFF),
    "u32": (K_U32, ctypes.c_uint32, 0, 0xFFFF_FFFF),
    "u64": (K_U64, ctypes.c_uint64, 0, 0xFFFF_FFFF_FFFF_FFFF),
    "s8": (K_S8, ctypes.c_int8, -0x80, 0x7F),
    "s16": (K_S16, ctypes.c_int16, -0x8000, 0x7FFF),
    "s32": (K_S32, ctypes.c_int32, -0x8000_0000, 0x7FFF_FFFF),
    "s64": (K_S64, ctypes.c_int64, -0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
    "f32": (K_F32, ctypes.c_float, 0, 0),
    "f64": (K_F64, ctypes.c_double, 0, 0),
    "char": (K_CHAR, ctypes.c_uint32, 0, 0x10FFFF),
    "string": (K_STRING, None, 0, 0),
}


def _proto(name: str, restype: Any, *argtypes: Any) -> Any:
    return CFUNCTYPE(restype, *argtypes)((name, ffi.dll))


func_call = _proto("wasmtime_component_func_call", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)
val_delete = _proto("wasmtime_component_val_delete", None, c_void_p)
val_new = _proto("wasmtime_component_val_new", c_void_p, c_void_p)
byte_vec_new = _proto("wasm_byte_vec_new", None, c_void_p, c_size_t, c_char_p)
vallist_new_uninit = _proto("wasmtime_component_vallist_new_uninit", None, c_void_p, c_size_t)
valrecord_new_uninit = _proto("wasmtime_component_valrecord_new_uninit", None, c_void_p, c_size_t)
valtuple_new_uninit = _proto("wasmtime_component_valtuple_new_uninit", None, c_void_p, c_size_t)
valflags_new_uninit = _proto("wasmtime_component_valflags_new_uninit", None, c_void_p, c_size_t)
resource_any_clone = _proto("wasmtime_component_resource_any_clone", c_void_p, c_void_p)
resource_host_new = _proto("wasmtime_component_resource_host_new", c_void_p, c_bool, c_uint32, c_uint32)
resource_host_delete = _proto("wasmtime_component_resource_host_delete", None, c_void_p)
resource_host_rep = _proto("wasmtime_component_resource_host_rep", c_uint32, c_void_p)
resource_host_to_any = _proto("wasmtime_component_resource_host_to_any", c_void_p, c_void_p, c_void_p, c_void_p)
resource_any_to_host = _proto("wasmtime_component_resource_any_to_host", c_void_p, c_void_p, c_void_p, c_void_p)
error_new = _proto("wasmtime_error_new", c_void_p, c_char_p)
context_set_fuel = _proto("wasmtime_context_set_fuel", c_void_p, c_void_p, c_uint64)
context_set_epoch_deadline = _proto("wasmtime_context_set_epoch_deadline", None, c_void_p, c_uint64)
EPOCH_CALLBACK = ctypes.CFUNCTYPE(c_void_p, c_void_p, c_void_p, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint8))
"""`wasmtime_error_t *(*)(wasmtime_context_t*, void*, uint64_t *delta, wasmtime_update_deadline_kind_t *kind)`."""
store_epoch_deadline_callback = _proto(
    "wasmtime_store_epoch_deadline_callback", None, c_void_p, c_void_p, c_void_p, c_void_p
)
add_func = _proto(
    "wasmtime_component_linker_instance_add_func",
    c_void_p, c_void_p, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p,
)
CALLBACK = CFUNCTYPE(c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)


def _noop(_data: int) -> None:
    return None


_noop_finalizer = CFUNCTYPE(None, c_void_p)(_noop)
NOOP_FINALIZER = ctypes.cast(_noop_finalizer, c_void_p).value

_u8_at = c_uint8.from_address
_bool_at = c_bool.from_address
_ptr_at = c_void_p.from_address
_memset = ctypes.memset
_string_at = ctypes.string_at
_unpack_vec = struct.Struct("<QQ").unpack


def check_shapes() -> str | None:
    """Why the fast path cannot run on this wasmtime build, or None when it can."""
    try:
        if VAL_SIZE != 32 or OF != 8:
            return f"wasmtime_component_val_t layout changed (size {VAL_SIZE}, payload at {OF})"
        if ctypes.sizeof(ffi.wasm_byte_vec_t) != 16 or ctypes.sizeof(ffi.wasmtime_component_valrecord_entry) != 48:
            return "vector or record entry layout changed"
        if ffi.wasmtime_component_valresult.val.offset != 8:  # type: ignore[attr-defined]
            return "result layout changed"
        if ffi.wasmtime_component_valvariant.val.offset != 16:  # type: ignore[attr-defined]
            return "variant layout changed"
    except Exception as e:  # pragma: no cover - depends on the installed wasmtime
        return f"wasmtime._ffi is not what witkit expects: {e}"
    return None


def zeroed_vals(n: int) -> Any:
    """An array of `n` zeroed (so deletable) values."""
    return (VAL * max(n, 1))()


def clear(addr: int) -> None:
    """Delete the value at `addr` and leave a deletable value (a `bool`) behind."""
    val_delete(addr)
    _u8_at(addr).value = K_BOOL


def read_str(vec_addr: int) -> str:
    """Decode the `wasm_name_t` at `vec_addr`."""
    size, data = _unpack_vec(_string_at(vec_addr, 16))
    return _string_at(data, size).decode("utf-8") if size else ""


class Env:
    """What converters need at call time: the store context and the owning instance."""

    __slots__ = ("ctx", "instance")

    def __init__(self, instance: Instance, ctx: int) -> None:
        self.instance = instance
        self.ctx = ctx


def char_code(v: Any) -> int:
    """The code point of a one-character `str`; surrogates are not WIT chars (wasmtime would abort)."""
    code = ord(v)
    if 0xD800 <= code <= 0xDFFF:
        raise BindingError(f"{v!r} is a surrogate, not a Unicode scalar value (WIT char)")
    return code


def _range_error(desc: TypeDesc, value: Any) -> BindingError:
    return BindingError(f"{value!r} does not fit WIT type {desc!r}")


# ---------------------------------------------------------------------------------------------
# Lowering


def lends_host_resources(desc: TypeDesc) -> bool:
    """Whether lowering `desc` may lend host objects (`borrow` of a `HostResource`)."""
    if isinstance(desc, Borrow):
        return isinstance(desc.resource, HostResource)
    if isinstance(desc, (List, FixedList, Option)):
        return lends_host_resources(desc.elem)
    if isinstance(desc, Tuple):
        return any(lends_host_resources(e) for e in desc.elems)
    if isinstance(desc, Record):
        return any(lends_host_resources(d) for _w, _a, d in desc.fields)
    if isinstance(desc, Variant):
        return any(d is not None and lends_host_resources(d) for _n, _c, d in desc.cases)
    if isinstance(desc, Result):
        return any(d is not None and lends_host_resources(d) for d in (desc.ok, desc.err))
    return False


def lowerer(desc: TypeDesc, env: Env) -> Lower:
    """A function writing a Python value of `desc` into a zeroed value at an address."""
    if isinstance(desc, Primitive):
        return _lower_primitive(desc)
    if isinstance(desc, Bytes):
        return _lower_bytes
    if isinstance(desc, List):
        numbers = _numbers(desc.elem)
        if numbers is not None:
            return _lower_numbers(*numbers)
        return _lower_list(lowerer(desc.elem, env))
    if isinstance(desc, FixedList):
        raise BindingError("fixed-size lists (list<T, N>) are not supported by wasmtime 50's C API")
    if isinstance(desc, Tuple):
        return _lower_tuple(desc, [lowerer(e, env) for e in desc.elems])
    if isinstance(desc, Record):
        return _lower_record(desc, env)
    if isinstance(desc, Enum):
        return _lower_enum(desc)
    if isinstance(desc, Flags):
        return _lower_flags(desc)
    if isinstance(desc, Variant):
        return _lower_variant(desc, env)
    if isinstance(desc, Option):
        return _lower_option(desc, env)
    if isinstance(desc, Result):
        return _lower_result(desc, env)
    if isinstance(desc, (Own, Borrow)):
        return _lower_resource(desc, env)
    raise BindingError(f"cannot lower {desc!r}")


def _lower_primitive(desc: Primitive) -> Lower:
    kind, ctype, lo, hi = PRIMS[desc.name]
    if desc.name == "string":

        def lower_string(v: Any, addr: int) -> None:
            b = v.encode("utf-8")
            byte_vec_new(addr + OF, len(b), b)
            _u8_at(addr).value = K_STRING

        return lower_string
    at = ctype.from_address
    if desc.name in ("f32", "f64"):

        def lower_float(v: Any, addr: int) -> None:
            at(addr + OF).value = v
            _u8_at(addr).value = kind

        return lower_float
    if desc.name == "char":

        def lower_char(v: Any, addr: int) -> None:
            at(addr + OF).value = char_code(v)
            _u8_at(addr).value = kind

        return lower_char
    if desc.name == "bool":

        def lower_bool(v: Any, addr: int) -> None:
            if v is not True and v is not False:
                raise BindingError(f"expected a bool, got {v!r}")
            _bool_at(addr + OF).value = v
            _u8_at(addr).value = kind

        return lower_bool

    def lower_int(v: Any, addr: int) -> None:
        if not lo <= v <= hi:
            raise _range_error(desc, v)
        at(addr + OF).value = v
        _u8_at(addr).value = kind

    return lower_int


def as_bytes(v: Any) -> bytes:
    """A `list<u8>` argument as bytes: bytes-like values and iterables of ints, never an int
    (`bytes(5)` is five zero bytes, not an error)."""
    if isinstance(v, int):
        raise TypeError(f"expected bytes, got {type(v).__name__}")
    return v if isinstance(v, bytes) else bytes(v)


def _lower_bytes(v: Any, addr: int) -> None:
    data = as_bytes(v)
    n = len(data)
    _u8_at(addr).value = K_LIST
    vallist_new_uninit(addr + OF, n)
    if n:
        # Write all n values in place at C speed: kind byte at 0, payload byte at OF, zeros elsewhere.
        base = _ptr_at(addr + OF + 8).value or 0
        _memset(base, 0, n * VAL_SIZE)
        view = memoryview((c_uint8 * (n * VAL_SIZE)).from_address(base)).cast("B")
        view[0::VAL_SIZE] = bytes((K_U8,)) * n
        view[OF::VAL_SIZE] = data


# Lists of integers and floats: wasmtime's C API holds one 32-byte value per item, so an
# item-by-item loop costs about 0.3 us per item. The items' kind bytes and payloads sit at a
# fixed stride instead, which `array` and a strided memoryview fill and read at C speed
# (out-of-range or wrongly typed items raise OverflowError / TypeError from `array`).
_NUMBER_CODES = {
    "s8": "b", "u16": "H", "s16": "h", "u32": "I", "s32": "i",
    "u64": "Q", "s64": "q", "f32": "f", "f64": "d",
}  # fmt: skip


def _numbers(elem: TypeDesc) -> tuple[int, str] | None:
    """(kind, array type code) when `elem` is an integer or float type listed in bulk."""
    if not isinstance(elem, Primitive):
        return None
    code = _NUMBER_CODES.get(elem.name)
    if code is None:
        return None
    kind, ctype, _lo, _hi = PRIMS[elem.name]
    size = array.array(code).itemsize
    if size != ctypes.sizeof(ctype) or OF % size or VAL_SIZE % size:
        return None  # a platform whose C types differ: the item-by-item path serves it
    return kind, code


def _lower_numbers(kind: int, code: str) -> Lower:
    itemsize = array.array(code).itemsize
    step, start, kinds = VAL_SIZE // itemsize, OF // itemsize, bytes((kind,))

    def lower_numbers(v: Any, addr: int) -> None:
        if isinstance(v, (str, bytes, bytearray, memoryview)):
            raise TypeError(f"expected a list, got {type(v).__name__}")
        items = array.array(code, v)
        n = len(items)
        data = _new_items(addr, K_LIST, n, vallist_new_uninit, VAL_SIZE)
        if n:
            view = memoryview((c_uint8 * (n * VAL_SIZE)).from_address(data)).cast("B")
            view[0::VAL_SIZE] = kinds * n
            view.cast(code)[start::step] = memoryview(items)  # type: ignore[call-overload]

    return lower_numbers


def _lift_numbers(code: str) -> Lift:
    itemsize = array.array(code).itemsize
    step, start = VAL_SIZE // itemsize, OF // itemsize

    def lift_numbers(addr: int) -> Any:
        size, data = _unpack_vec(_string_at(addr + OF, 16))
        if not size:
            return []
        view = memoryview((c_uint8 * (size * VAL_SIZE)).from_address(data)).cast("B").cast(code)  # type: ignore[call-overload]
        return view[start::step].tolist()

    return lift_numbers


def _new_items(addr: int, kind: int, n: int, new_uninit: Any, item_size: int) -> int:
    """Give the value at `addr` a zeroed vector of `n` items; returns the data address."""
    _u8_at(addr).value = kind
    new_uninit(addr + OF, n)
    data: int = _ptr_at(addr + OF + 8).value or 0
    if n:
        _memset(data, 0, n * item_size)
    return data


def _lower_list(elem: Lower) -> Lower:
    def lower_list(v: Any, addr: int) -> None:
        n = len(v)
        data = _new_items(addr, K_LIST, n, vallist_new_uninit, VAL_SIZE)
        for i, item in enumerate(v):
            elem(item, data + i * VAL_SIZE)

    return lower_list


def _lower_tuple(desc: Tuple, elems: list[Lower]) -> Lower:
    n = len(elems)

    def lower_tuple(v: Any, addr: int) -> None:
        if len(v) != n:
            raise BindingError(f"expected a tuple of {n} items for {desc!r}, got {len(v)}")
        data = _new_items(addr, K_TUPLE, n, valtuple_new_uninit, VAL_SIZE)
        for i, (lower, item) in enumerate(zip(elems, v, strict=True)):
            lower(item, data + i * VAL_SIZE)

    return lower_tuple


_ENTRY = ctypes.sizeof(ffi.wasmtime_component_valrecord_entry)
_ENTRY_VAL = ffi.wasmtime_component_valrecord_entry.val.offset


def _lower_record(desc: Record, env: Env) -> Lower:
    fields = [(w.encode("utf-8"), a, lowerer(d, env)) for w, a, d in desc.fields]
    n = len(fields)
    if all(_plain_name(a) for _w, a, _l in fields):
        # One straight-line function per record type: no loop, tuple unpacking or getattr
        # per field (about a third of a record's lowering cost).
        ns: dict[str, Any] = {"new_items": _new_items, "new_uninit": valrecord_new_uninit, "bvn": byte_vec_new}
        body = [f"    data = new_items(addr, {K_RECORD}, {n}, new_uninit, {_ENTRY})"]
        for i, (wit, attr, lower) in enumerate(fields):
            ns[f"w{i}"], ns[f"l{i}"] = wit, lower
            body.append(f"    bvn(data + {i * _ENTRY}, {len(wit)}, w{i})")
            body.append(f"    l{i}(v.{attr}, data + {i * _ENTRY + _ENTRY_VAL})")
        exec(compiled("def lower_record(v, addr):\n" + "\n".join(body) + "\n", "record"), ns)
        fast: Lower = ns["lower_record"]
        return fast

    def lower_record(v: Any, addr: int) -> None:
        data = _new_items(addr, K_RECORD, n, valrecord_new_uninit, _ENTRY)
        for i, (wit, attr, lower) in enumerate(fields):
            entry = data + i * _ENTRY
            byte_vec_new(entry, len(wit), wit)
            lower(getattr(v, attr), entry + _ENTRY_VAL)

    return lower_record


def _plain_name(attr: str) -> bool:
    """Whether `attr` can be written as `v.attr` in generated source."""
    return attr.isidentifier() and not keyword.iskeyword(attr)


@functools.lru_cache(maxsize=4096)
def compiled(src: str, label: str) -> types.CodeType:
    """The code object of source the runtime generates (a fast call, a record's lowerer or
    lifter), compiled once per process and shared by every instance; `label` names it in
    tracebacks (`<witkit call add>`)."""
    return compile(src, f"<witkit {label}>", "exec")


def _lower_enum(desc: Enum) -> Lower:
    names = {m: n.encode("utf-8") for m, n in zip(desc.members, desc.names, strict=True)}

    def lower_enum(v: Any, addr: int) -> None:
        try:
            name = names[v]
        except (KeyError, TypeError):
            raise BindingError(f"{v!r} is not a member of {desc.py_class.__name__}") from None
        byte_vec_new(addr + OF, len(name), name)
        _u8_at(addr).value = K_ENUM

    return lower_enum


def _lower_flags(desc: Flags) -> Lower:
    pairs = [(m, n.encode("utf-8")) for m, n in zip(desc.members, desc.names, strict=True)]
    cls = desc.py_class

    def lower_flags(v: Any, addr: int) -> None:
        if not isinstance(v, cls):
            raise BindingError(f"expected {cls.__name__} flags, got {v!r}")
        chosen = [n for m, n in pairs if m in v]
        data = _new_items(addr, K_FLAGS, len(chosen), valflags_new_uninit, 16)
        for i, name in enumerate(chosen):
            byte_vec_new(data + i * 16, len(name), name)

    return lower_flags


def _boxed(payload: Lower, v: Any) -> int:
    """A heap value (`wasmtime_component_val_new`) holding `v`; the parent owns it."""
    zero = VAL()
    ptr: int = val_new(ctypes.addressof(zero))
    try:
        payload(v, ptr)
    except BaseException:
        clear(ptr)
        ffi.wasmtime_component_val_free(ctypes.cast(ptr, ctypes.POINTER(VAL)))
        raise
    return ptr


def _lower_variant(desc: Variant, env: Env) -> Lower:
    cases = {
        cls: (name.encode("utf-8"), lowerer(d, env) if d is not None else None)
        for name, cls, d in desc.cases
    }

    def lower_variant(v: Any, addr: int) -> None:
        try:
            name, payload = cases[type(v)]
        except KeyError:
            raise BindingError(f"{v!r} is not a case of {desc!r}") from None
        box = _boxed(payload, v.value) if payload is not None else None
        _ptr_at(addr + OF + 16).value = box
        byte_vec_new(addr + OF, len(name), name)
        _u8_at(addr).value = K_VARIANT

    return lower_variant


def _lower_option(desc: Option, env: Env) -> Lower:
    payload = lowerer(desc.elem, env)
    nested = desc.nested

    def lower_option(v: Any, addr: int) -> None:
        if v is None:
            box = None
        else:
            if nested:
                if not isinstance(v, Some):
                    raise BindingError(f"{desc!r} needs Some(...) or None, got {v!r}")
                v = v.value
            box = _boxed(payload, v)
        _ptr_at(addr + OF).value = box
        _u8_at(addr).value = K_OPTION

    return lower_option


def _lower_result(desc: Result, env: Env) -> Lower:
    ok = lowerer(desc.ok, env) if desc.ok is not None else None
    err = lowerer(desc.err, env) if desc.err is not None else None

    def lower_result(v: Any, addr: int) -> None:
        if isinstance(v, Ok):
            is_ok, payload = True, ok
        elif isinstance(v, Err):
            is_ok, payload = False, err
        else:
            raise BindingError(f"{desc!r} needs Ok(...) or Err(...), got {v!r}")
        box = _boxed(payload, v.value) if payload is not None else None
        _ptr_at(addr + OF + 8).value = box
        _bool_at(addr + OF).value = is_ok
        _u8_at(addr).value = K_RESULT

    return lower_result


def lower_function_result(desc: TypeDesc, env: Env) -> Callable[[Any, BaseException | None, int], None]:
    """Lower a host function's outcome: its return value, or the `Err` it raised."""
    if not isinstance(desc, Result):
        lower = lowerer(desc, env)

        def lower_plain(v: Any, exc: BaseException | None, addr: int) -> None:
            lower(v, addr)

        return lower_plain
    lower_res = _lower_result(desc, env)

    def lower_outcome(v: Any, exc: BaseException | None, addr: int) -> None:
        lower_res(exc if exc is not None else Ok(v), addr)

    return lower_outcome


def foreign_resource(v: Any) -> BindingError:
    """A guest resource handed to an instance other than the one that made it (refused before
    wasmtime sees it, so the instance stays usable)."""
    return BindingError(
        f"{type(v).__name__} resource belongs to another plugin instance; "
        "pass a resource only to the instance that made it"
    )


def _lower_resource(desc: Own | Borrow, env: Env) -> Lower:
    res = desc.resource
    owned = isinstance(desc, Own)
    if isinstance(res, HostResource):
        type_id = res.type_id
        cls = res.py_class

        def lower_host(v: Any, addr: int) -> None:
            if not isinstance(v, cls):
                raise BindingError(f"expected a {cls.__name__} for {desc!r}, got {v!r}")
            handles = env.instance._handles
            rep = handles.give(v, res.on_drop) if owned else handles.lend(v)
            host = resource_host_new(owned, rep, type_id)
            out = c_void_p()
            try:
                error = resource_host_to_any(env.ctx, host, ctypes.addressof(out))
            finally:
                resource_host_delete(host)
            if error:
                raise PluginError(f"cannot pass {v!r} to the guest: {take_error(error)}")
            _ptr_at(addr + OF).value = out.value
            _u8_at(addr).value = K_RESOURCE

        return lower_host
    assert isinstance(res, GuestResource)
    pcls, classes = res.py_class, res.classes

    def lower_guest(v: Any, addr: int) -> None:
        if not isinstance(v, classes):
            raise BindingError(f"expected a {pcls.__name__} for {desc!r}, got {v!r}")
        if v._witkit_instance is not env.instance:
            raise foreign_resource(v)
        handle = v._witkit_live_handle()
        _ptr_at(addr + OF).value = resource_any_clone(ctypes.cast(handle.ptr(), c_void_p).value)
        _u8_at(addr).value = K_RESOURCE
        if owned:
            v._witkit_moved()

    return lower_guest


# ---------------------------------------------------------------------------------------------
# Lifting


def lifter(desc: TypeDesc, env: Env) -> Lift:
    """A function reading a Python value of `desc` from the value at an address (not consuming it)."""
    if isinstance(desc, Primitive):
        return _lift_primitive(desc)
    if isinstance(desc, Bytes):
        return _lift_bytes
    if isinstance(desc, List):
        numbers = _numbers(desc.elem)
        if numbers is not None:
            return _lift_numbers(numbers[1])
        return _lift_list(lifter(desc.elem, env))
    if isinstance(desc, FixedList):
        raise BindingError("fixed-size lists (list<T, N>) are not supported by wasmtime 50's C API")
    if isinstance(desc, Tuple):
        elems = [lifter(e, env) for e in desc.elems]

        def lift_tuple(addr: int) -> Any:
            data = _ptr_at(addr + OF + 8).value or 0
            return tuple(f(data + i * VAL_SIZE) for i, f in enumerate(elems))

        return lift_tuple
    if isinstance(desc, Record):
        return _lift_record(desc, env)
    if isinstance(desc, Enum):
        by_name = dict(zip(desc.names, desc.members, strict=True))

        def lift_enum(addr: int) -> Any:
            return by_name[read_str(addr + OF)]

        return lift_enum
    if isinstance(desc, Flags):
        return _lift_flags(desc)
    if isinstance(desc, Variant):
        return _lift_variant(desc, env)
    if isinstance(desc, Option):
        return _lift_option(desc, env)
    if isinstance(desc, Result):
        ok = lifter(desc.ok, env) if desc.ok is not None else None
        err = lifter(desc.err, env) if desc.err is not None else None

        def lift_result(addr: int) -> Any:
            is_ok = _bool_at(addr + OF).value
            box = _ptr_at(addr + OF + 8).value
            f = ok if is_ok else err
            payload = f(box) if f is not None and box else None
            return Ok(payload) if is_ok else Err(payload)

        return lift_result
    if isinstance(desc, (Own, Borrow)):
        return _lift_resource(desc, env)
    raise BindingError(f"cannot lift {desc!r}")


def _lift_primitive(desc: Primitive) -> Lift:
    _kind, ctype, _lo, _hi = PRIMS[desc.name]
    if desc.name == "string":

        def lift_string(addr: int) -> Any:
            return read_str(addr + OF)

        return lift_string
    at = ctype.from_address
    if desc.name == "char":

        def lift_char(addr: int) -> Any:
            return chr(at(addr + OF).value)

        return lift_char

    def lift_scalar(addr: int) -> Any:
        return at(addr + OF).value

    return lift_scalar


def _lift_bytes(addr: int) -> bytes:
    size, data = _unpack_vec(_string_at(addr + OF, 16))
    if not size:
        return b""
    return bytes(memoryview((c_uint8 * (size * VAL_SIZE)).from_address(data)).cast("B")[OF::VAL_SIZE])


def _lift_list(elem: Lift) -> Lift:
    def lift_list(addr: int) -> Any:
        size, data = _unpack_vec(_string_at(addr + OF, 16))
        return [elem(data + i * VAL_SIZE) for i in range(size)]

    return lift_list


def _lift_record(desc: Record, env: Env) -> Lift:
    fields = [(a, lifter(d, env)) for _w, a, d in desc.fields]
    cls = desc.py_class
    if all(_plain_name(a) for a, _f in fields):
        ns: dict[str, Any] = {"cls": cls, "ptr_at": _ptr_at}
        args = []
        for i, (attr, lift) in enumerate(fields):
            ns[f"f{i}"] = lift
            args.append(f"{attr}=f{i}(data + {i * _ENTRY + _ENTRY_VAL})")
        src = (
            "def lift_record(addr):\n"
            f"    data = ptr_at(addr + {OF + 8}).value or 0\n"
            f"    return cls({', '.join(args)})\n"
        )
        exec(compiled(src, "record"), ns)
        fast: Lift = ns["lift_record"]
        return fast

    def lift_record(addr: int) -> Any:
        data = _ptr_at(addr + OF + 8).value or 0
        return cls(**{a: f(data + i * _ENTRY + _ENTRY_VAL) for i, (a, f) in enumerate(fields)})

    return lift_record


def _lift_flags(desc: Flags) -> Lift:
    by_name = dict(zip(desc.names, desc.members, strict=True))
    cls = desc.py_class

    def lift_flags(addr: int) -> Any:
        size, data = _unpack_vec(_string_at(addr + OF, 16))
        out = cls(0)
        for i in range(size):
            out |= by_name[read_str(data + i * 16)]
        return out

    return lift_flags


def _lift_variant(desc: Variant, env: Env) -> Lift:
    cases = {name: (cls, lifter(d, env) if d is not None else None) for name, cls, d in desc.cases}

    def lift_variant(addr: int) -> Any:
        cls, payload = cases[read_str(addr + OF)]
        if payload is None:
            return cls()
        return cls(payload(_ptr_at(addr + OF + 16).value or 0))

    return lift_variant


def _lift_option(desc: Option, env: Env) -> Lift:
    payload = lifter(desc.elem, env)
    nested = desc.nested

    def lift_option(addr: int) -> Any:
        box = _ptr_at(addr + OF).value
        if not box:
            return None
        v = payload(box)
        return Some(v) if nested else v

    return lift_option


def _lift_resource(desc: Own | Borrow, env: Env) -> Lift:
    res = desc.resource
    if isinstance(res, HostResource):
        owned_lift = isinstance(desc, Own)

        def lift_host(addr: int) -> Any:
            any_ptr = _ptr_at(addr + OF).value
            out = c_void_p()
            error = resource_any_to_host(env.ctx, any_ptr, ctypes.addressof(out))
            if error:
                raise PluginError(f"guest passed an unexpected resource: {take_error(error)}")
            try:
                rep = resource_host_rep(out.value)
            finally:
                resource_host_delete(out.value)
            handles = env.instance._handles
            return handles.taken(rep) if owned_lift else handles.get(rep)

        return lift_host
    assert isinstance(res, GuestResource)
    cls = res.py_class
    owned = isinstance(desc, Own)

    def lift_guest(addr: int) -> Any:
        from wasmtime.component import ResourceAny

        clone = resource_any_clone(_ptr_at(addr + OF).value)
        handle = ResourceAny._from_ptr(ctypes.cast(clone, ctypes.POINTER(ffi.wasmtime_component_resource_any_t)))
        return cls._witkit_wrap(env.instance, handle, owned=owned)

    return lift_guest


def take_error(error: int) -> str:
    """The message of a `wasmtime_error_t*` (which this call frees)."""
    return str(WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t))))
