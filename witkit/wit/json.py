"""The resolved model as JSON, in the schema wit-parser's `Resolve` serializes to (`*.wit.json`)."""

from __future__ import annotations

from typing import Any

from witkit.wit import model as m
from witkit.wit._gc import gc_paused

__all__ = ["to_json"]

JSON = dict[str, Any]


def _stability(s: m.Stability) -> JSON | None:
    if isinstance(s, m.Stable):
        body: JSON = {"since": s.since}
        if s.deprecated is not None:
            body["deprecated"] = s.deprecated
        return {"stable": body}
    if isinstance(s, m.Unstable):
        body = {"feature": s.feature}
        if s.deprecated is not None:
            body["deprecated"] = s.deprecated
        return {"unstable": body}
    return None


def _extras(out: JSON, docs: str | None, stability: m.Stability) -> JSON:
    if docs is not None:
        out["docs"] = {"contents": docs}
    st = _stability(stability)
    if st is not None:
        out["stability"] = st
    return out


def _kind(k: m.TypeDefKind) -> Any:
    match k:
        case m.Resource():
            return "resource"
        case m.Alias():
            return {"type": k.type}
        case m.Handle():
            return {"handle": {k.kind: k.resource}}
        case m.Record():
            return {
                "record": {
                    "fields": [
                        _extras({"name": f.name, "type": f.type}, f.docs, None) for f in k.fields
                    ]
                }
            }
        case m.Variant():
            return {
                "variant": {
                    "cases": [
                        _extras({"name": c.name, "type": c.type}, c.docs, None) for c in k.cases
                    ]
                }
            }
        case m.Enum():
            return {"enum": {"cases": [_extras({"name": c.name}, c.docs, None) for c in k.cases]}}
        case m.Flags():
            return {"flags": {"flags": [_extras({"name": f.name}, f.docs, None) for f in k.flags]}}
        case m.Tuple():
            return {"tuple": {"types": list(k.types)}}
        case m.Option():
            return {"option": k.type}
        case m.Result():
            return {"result": {"ok": k.ok, "err": k.err}}
        case m.List():
            return {"list": k.type}
        case m.FixedLengthList():
            return {"fixed-length-list": [k.type, k.size]}
        case m.Map():
            return {"map": [k.key, k.value]}
        case m.Future():
            return {"future": k.type}
        case m.Stream():
            return {"stream": k.type}
    raise AssertionError(f"unknown type kind {k!r}")


def function_json(f: m.Function) -> JSON:
    """One function in the reference schema."""
    kind: Any = f.kind if f.resource is None else {f.kind: f.resource}
    out: JSON = {
        "name": f.name,
        "kind": kind,
        "params": [{"name": p.name, "type": p.type} for p in f.params],
    }
    if f.result is not None:
        out["result"] = f.result
    return _extras(out, f.docs, f.stability)


def _world_key(key: m.WorldKey) -> str:
    return key if isinstance(key, str) else f"interface-{key}"


def _world_item(item: m.WorldItem) -> JSON:
    if isinstance(item, m.WorldInterface):
        return {"interface": _extras({"id": item.id}, item.docs, item.stability)}
    if isinstance(item, m.WorldFunction):
        return {"function": function_json(item.function)}
    return {"type": item.id}


def to_json(resolve: m.Resolve) -> JSON:
    """`resolve` as the reference JSON: `worlds`, `interfaces`, `types`, `packages`, by index."""
    with gc_paused():  # a dict per type, function and item: see `gc_paused`
        return _to_json(resolve)


def _to_json(resolve: m.Resolve) -> JSON:
    worlds = []
    for w in resolve.worlds:
        out: JSON = {
            "name": w.name,
            "imports": {_world_key(k): _world_item(v) for k, v in w.imports.items()},
            "exports": {_world_key(k): _world_item(v) for k, v in w.exports.items()},
            "package": w.package,
        }
        worlds.append(_extras(out, w.docs, w.stability))
    interfaces = []
    for i in resolve.interfaces:
        out = {
            "name": i.name,
            "types": dict(i.types),
            "functions": {n: function_json(f) for n, f in i.functions.items()},
        }
        _extras(out, i.docs, i.stability)
        out["package"] = i.package
        interfaces.append(out)
    types = []
    for t in resolve.types:
        owner = None if t.owner is None else {t.owner.kind: t.owner.id}
        types.append(
            _extras({"name": t.name, "kind": _kind(t.kind), "owner": owner}, t.docs, t.stability)
        )
    packages = []
    for p in resolve.packages:
        out = {"name": str(p.name)}
        if p.docs is not None:
            out["docs"] = {"contents": p.docs}
        out["interfaces"] = dict(p.interfaces)
        out["worlds"] = dict(p.worlds)
        packages.append(out)
    return {"worlds": worlds, "interfaces": interfaces, "types": types, "packages": packages}
