"""The portable path: converting between witkit's Python values and wasmtime-py's public values.

Used when `Runtime(fast_calls=False)` or when `_abi.check_shapes()` rejects the installed
wasmtime. Also home of `check_type` and `check_signature`, which match descriptors against
the component's own types so a binding that does not fit fails at load time with a `BindingError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import wasmtime.component as wc

from witkit._text import plural
from witkit.errors import BindingError
from witkit.runtime._abi import PRIMS, as_bytes, char_code, foreign_resource
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
from witkit.runtime.worldcheck import primitive_name

if TYPE_CHECKING:
    from witkit.runtime._instance import Instance

ToPub = Callable[[Any], Any]
FromPub = Callable[[Any], Any]

def check_type(desc: TypeDesc, vt: Any, where: str) -> None:
    """Raise BindingError unless descriptor `desc` describes the component's type `vt`."""

    def fail(why: str) -> BindingError:
        return BindingError(f"{where}: binding says {desc!r} but the component {why}")

    if isinstance(desc, Primitive):
        if primitive_name(vt) != desc.name:
            raise fail(f"has {type(vt).__name__}")
    elif isinstance(desc, Bytes):
        if not isinstance(vt, wc.ListType) or not isinstance(vt.element, wc.U8):
            raise fail(f"has {type(vt).__name__}")
    elif isinstance(desc, (List, FixedList)):
        if not isinstance(vt, wc.ListType):
            raise fail(f"has {type(vt).__name__}")
        check_type(desc.elem, vt.element, where + " list item")
    elif isinstance(desc, Tuple):
        if not isinstance(vt, wc.TupleType) or len(vt.elements) != len(desc.elems):
            raise fail(f"has {type(vt).__name__}")
        for i, (d, t) in enumerate(zip(desc.elems, vt.elements, strict=True)):
            check_type(d, t, f"{where} tuple item {i}")
    elif isinstance(desc, Record):
        if not isinstance(vt, wc.RecordType):
            raise fail(f"has {type(vt).__name__}")
        theirs = vt.fields
        if [n for n, _ in theirs] != [w for w, _, _ in desc.fields]:
            raise fail(f"has fields {[n for n, _ in theirs]}")
        for (w, _a, d), (_n, t) in zip(desc.fields, theirs, strict=True):
            check_type(d, t, f"{where} field {w}")
    elif isinstance(desc, Enum):
        if not isinstance(vt, wc.EnumType) or vt.names != list(desc.names):
            raise fail("has other enum cases")
    elif isinstance(desc, Flags):
        if not isinstance(vt, wc.FlagsType) or vt.names != list(desc.names):
            raise fail("has other flags")
    elif isinstance(desc, Variant):
        if not isinstance(vt, wc.VariantType):
            raise fail(f"has {type(vt).__name__}")
        cases = vt.cases
        if [n for n, _ in cases] != [n for n, _, _ in desc.cases]:
            raise fail(f"has cases {[n for n, _ in cases]}")
        for (n, _c, cd), (_m, ct) in zip(desc.cases, cases, strict=True):
            if (cd is None) != (ct is None):
                raise fail(f"disagrees on the payload of case {n}")
            if cd is not None:
                check_type(cd, ct, f"{where} case {n}")
    elif isinstance(desc, Option):
        if not isinstance(vt, wc.OptionType):
            raise fail(f"has {type(vt).__name__}")
        check_type(desc.elem, vt.payload, where + " option payload")
    elif isinstance(desc, Result):
        if not isinstance(vt, wc.ResultType):
            raise fail(f"has {type(vt).__name__}")
        for label, rd, rt in (("ok", desc.ok, vt.ok), ("err", desc.err, vt.err)):
            if (rd is None) != (rt is None):
                raise fail(f"disagrees on the {label} payload")
            if rd is not None:
                check_type(rd, rt, f"{where} {label}")
    elif isinstance(desc, Own):
        if not isinstance(vt, wc.OwnType):
            raise fail(f"has {type(vt).__name__}")
    elif isinstance(desc, Borrow):
        if not isinstance(vt, wc.BorrowType):
            raise fail(f"has {type(vt).__name__}")
    else:
        raise fail("uses a type witkit does not know")


def check_signature(where: str, params: Sequence[TypeDesc], result: TypeDesc | None, fty: Any) -> None:
    """Raise BindingError unless `params` and `result` describe the component's function type `fty`."""
    theirs = fty.params
    if len(theirs) != len(params):
        raise BindingError(f"{where}: binding has {plural(len(params), 'parameter')}, the component {len(theirs)}")
    for i, (d, (pname, vt)) in enumerate(zip(params, theirs, strict=True)):
        check_type(d, vt, f"{where} parameter {i} ({pname})")
    their_result = fty.result
    if (result is None) != (their_result is None):
        raise BindingError(f"{where}: binding and component disagree on whether it returns a value")
    if result is not None:
        check_type(result, their_result, f"{where} result")


def _classes(vt: Any) -> tuple[type[Any], ...]:
    s: set[type[Any]] = set()
    vt.add_classes(s)
    return tuple(s)


class _Cases:
    """wasmtime-py's variant-like encoding: tagged `Variant(tag, payload)` or a bare payload."""

    def __init__(self, vt: Any) -> None:
        self.tagged: bool = vt._tagged()
        self.matchers = [(name, None if t is None else _classes(t)) for name, t in vt._cases()]

    def wrap(self, tag: str, payload: Any) -> Any:
        return wc.Variant(tag, payload) if self.tagged else payload

    def unwrap(self, pv: Any) -> tuple[str, Any]:
        if self.tagged:
            return pv.tag, pv.payload
        for name, classes in self.matchers:
            if classes is None:
                if pv is None:
                    return name, None
            elif isinstance(pv, classes):
                return name, pv
        raise BindingError(f"cannot tell which case {pv!r} is")


# wasmtime-py's own conversion would take what these refuse (`float("1.5")`, any truthy value
# for a bool) or fail inside the call with a message that names no parameter.


def _float_to_pub(v: Any) -> float:
    if not isinstance(v, (int, float)):
        raise TypeError(f"expected a float, got {type(v).__name__}")
    return float(v)


def _string_to_pub(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"expected a str, got {type(v).__name__}")
    return v


def _bool_to_pub(v: Any) -> bool:
    if v is not True and v is not False:
        raise TypeError(f"expected a bool, got {type(v).__name__}")
    return v


def to_pub(desc: TypeDesc, vt: Any, inst: Instance) -> ToPub:
    """A function turning a witkit Python value into the value wasmtime-py's public API takes."""
    if isinstance(desc, Primitive):
        name = desc.name
        if name in ("f32", "f64"):
            return _float_to_pub
        if name == "char":

            def char_to_pub(v: Any) -> Any:
                char_code(v)
                return v

            return char_to_pub
        if name == "string":
            return _string_to_pub
        if name == "bool":
            return _bool_to_pub
        _k, _c, lo, hi = PRIMS[name]

        def int_to_pub(v: Any) -> Any:
            if not isinstance(v, int):  # wasmtime-py would fail inside the call on a float
                raise TypeError(f"expected an int, got {type(v).__name__}")
            if not lo <= v <= hi:
                raise BindingError(f"{v!r} does not fit WIT type {desc!r}")
            return v

        return int_to_pub
    if isinstance(desc, Bytes):
        return as_bytes
    if isinstance(desc, (List, FixedList)):
        if isinstance(desc.elem, Primitive) and desc.elem.name == "u8":
            return as_bytes
        item = to_pub(desc.elem, vt.element, inst)
        return lambda v: [item(x) for x in v]
    if isinstance(desc, Tuple):
        items = [to_pub(d, t, inst) for d, t in zip(desc.elems, vt.elements, strict=True)]
        return lambda v: tuple(f(x) for f, x in zip(items, v, strict=True))
    if isinstance(desc, Record):
        fields = [(w, a, to_pub(d, t, inst)) for (w, a, d), (_n, t) in zip(desc.fields, vt.fields, strict=True)]

        def record_to_pub(v: Any) -> Any:
            r = wc.Record()
            for w, a, f in fields:
                setattr(r, w, f(getattr(v, a)))
            return r

        return record_to_pub
    if isinstance(desc, Enum):
        names = dict(zip(desc.members, desc.names, strict=True))
        return lambda v: names[v]
    if isinstance(desc, Flags):
        pairs, flags_class = list(zip(desc.members, desc.names, strict=True)), desc.py_class

        def flags_to_pub(v: Any) -> Any:
            if not isinstance(v, flags_class):
                raise TypeError(f"expected {flags_class.__name__}, got {type(v).__name__}")
            return {n for m, n in pairs if m in v}

        return flags_to_pub
    if isinstance(desc, Variant):
        cases = _Cases(vt)
        by_class = {
            cls: (name, to_pub(d, t, inst) if d is not None else None)
            for (name, cls, d), (_n, t) in zip(desc.cases, vt.cases, strict=True)
        }

        def variant_to_pub(v: Any) -> Any:
            try:
                name, f = by_class[type(v)]
            except KeyError:
                raise BindingError(f"{v!r} is not a case of {desc!r}") from None
            return cases.wrap(name, f(v.value) if f is not None else None)

        return variant_to_pub
    if isinstance(desc, Option):
        cases = _Cases(vt)
        inner = to_pub(desc.elem, vt.payload, inst)
        nested = desc.nested

        def option_to_pub(v: Any) -> Any:
            if v is None:
                return cases.wrap("none", None)
            if nested:
                if not isinstance(v, Some):
                    raise BindingError(f"{desc!r} needs Some(...) or None, got {v!r}")
                v = v.value
            return cases.wrap("some", inner(v))

        return option_to_pub
    if isinstance(desc, Result):
        return _result_to_pub(desc, vt, inst)
    if isinstance(desc, (Own, Borrow)):
        return _resource_to_pub(desc, inst)
    raise BindingError(f"cannot convert {desc!r}")


def _result_to_pub(desc: Result, vt: Any, inst: Instance) -> ToPub:
    cases = _Cases(vt)
    ok = to_pub(desc.ok, vt.ok, inst) if desc.ok is not None else None
    err = to_pub(desc.err, vt.err, inst) if desc.err is not None else None

    def result_to_pub(v: Any) -> Any:
        if isinstance(v, Ok):
            return cases.wrap("ok", ok(v.value) if ok is not None else None)
        if isinstance(v, Err):
            return cases.wrap("err", err(v.value) if err is not None else None)
        raise BindingError(f"{desc!r} needs Ok(...) or Err(...), got {v!r}")

    return result_to_pub


def _resource_to_pub(desc: Own | Borrow, inst: Instance) -> ToPub:
    res = desc.resource
    owned = isinstance(desc, Own)
    if isinstance(res, HostResource):
        cls = res.py_class
        type_id = res.type_id

        def host_to_pub(v: Any) -> Any:
            if not isinstance(v, cls):
                raise BindingError(f"expected a {cls.__name__} for {desc!r}, got {v!r}")
            rep = inst._handles.give(v, res.on_drop) if owned else inst._handles.lend(v)
            return wc.ResourceHost.own(rep, type_id) if owned else wc.ResourceHost.borrow(rep, type_id)

        return host_to_pub
    assert isinstance(res, GuestResource)
    pcls, classes = res.py_class, res.classes

    def guest_to_pub(v: Any) -> Any:
        if not isinstance(v, classes):
            raise BindingError(f"expected a {pcls.__name__} for {desc!r}, got {v!r}")
        if v._witkit_instance._store is not inst._store:  # `inst` may be a weakref.proxy
            raise foreign_resource(v)
        handle = v._witkit_live_handle()
        if owned:
            v._witkit_moved()  # wasmtime-py consumes the handle object
        return handle

    return guest_to_pub


def from_pub(desc: TypeDesc, vt: Any, inst: Instance) -> FromPub:
    """A function turning a wasmtime-py public value into witkit's Python value."""
    if isinstance(desc, Primitive):
        return _identity
    if isinstance(desc, Bytes):
        return bytes
    if isinstance(desc, (List, FixedList)):
        if isinstance(desc.elem, Primitive) and desc.elem.name == "u8":
            return list
        item = from_pub(desc.elem, vt.element, inst)
        return lambda pv: [item(x) for x in pv]
    if isinstance(desc, Tuple):
        items = [from_pub(d, t, inst) for d, t in zip(desc.elems, vt.elements, strict=True)]
        return lambda pv: tuple(f(x) for f, x in zip(items, pv, strict=True))
    if isinstance(desc, Record):
        fields = [(w, a, from_pub(d, t, inst)) for (w, a, d), (_n, t) in zip(desc.fields, vt.fields, strict=True)]
        cls = desc.py_class
        return lambda pv: cls(**{a: f(getattr(pv, w)) for w, a, f in fields})
    if isinstance(desc, Enum):
        by_name = dict(zip(desc.names, desc.members, strict=True))
        return lambda pv: by_name[pv]
    if isinstance(desc, Flags):
        by_name_f = dict(zip(desc.names, desc.members, strict=True))
        fcls = desc.py_class

        def flags_from_pub(pv: Any) -> Any:
            out = fcls(0)
            for n in pv:
                out |= by_name_f[n]
            return out

        return flags_from_pub
    if isinstance(desc, Variant):
        cases = _Cases(vt)
        by_name_v = {
            name: (cls, from_pub(d, t, inst) if d is not None else None)
            for (name, cls, d), (_n, t) in zip(desc.cases, vt.cases, strict=True)
        }

        def variant_from_pub(pv: Any) -> Any:
            tag, payload = cases.unwrap(pv)
            cls, f = by_name_v[tag]
            return cls(f(payload)) if f is not None else cls()

        return variant_from_pub
    if isinstance(desc, Option):
        cases = _Cases(vt)
        inner = from_pub(desc.elem, vt.payload, inst)
        nested = desc.nested

        def option_from_pub(pv: Any) -> Any:
            tag, payload = cases.unwrap(pv)
            if tag == "none":
                return None
            v = inner(payload)
            return Some(v) if nested else v

        return option_from_pub
    if isinstance(desc, Result):
        unwrap = result_from_pub(desc, vt, inst)

        def value_result_from_pub(pv: Any) -> Any:
            is_ok, payload = unwrap(pv)
            return Ok(payload) if is_ok else Err(payload)

        return value_result_from_pub
    if isinstance(desc, (Own, Borrow)):
        return _resource_from_pub(desc, inst)
    raise BindingError(f"cannot convert {desc!r}")


def result_from_pub(desc: Result, vt: Any, inst: Instance) -> Callable[[Any], tuple[bool, Any]]:
    """A function turning a public result value into `(is_ok, payload)`."""
    cases = _Cases(vt)
    ok = from_pub(desc.ok, vt.ok, inst) if desc.ok is not None else None
    err = from_pub(desc.err, vt.err, inst) if desc.err is not None else None

    def unwrap(pv: Any) -> tuple[bool, Any]:
        tag, payload = cases.unwrap(pv)
        f = ok if tag == "ok" else err
        return tag == "ok", (f(payload) if f is not None else None)

    return unwrap


def _resource_from_pub(desc: Own | Borrow, inst: Instance) -> FromPub:
    res = desc.resource
    if isinstance(res, HostResource):
        owned_lift = isinstance(desc, Own)

        def host_from_pub(pv: Any) -> Any:
            rep = pv.rep if isinstance(pv, wc.ResourceHost) else pv.to_host(inst._store_like()).rep
            return inst._handles.taken(rep) if owned_lift else inst._handles.get(rep)

        return host_from_pub
    assert isinstance(res, GuestResource)
    cls = res.py_class
    owned = isinstance(desc, Own)
    return lambda pv: cls._witkit_wrap(inst, pv, owned=owned)


def _identity(v: Any) -> Any:
    return v
