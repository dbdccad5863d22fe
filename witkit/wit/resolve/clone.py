"""Copying what an included world owns into the world that includes it (wit-parser's
`resolve/clone.rs`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from witkit.wit import model as m
from witkit.wit.resolve.arena import Global


class Cloner:
    """Copies what a world owns into a world that includes it (wit-parser's `Cloner`).

    Types owned by the included world (or, for an inline interface, by that interface)
    and every anonymous type reached from them are copied once each for the new owner;
    types owned by anyone else are shared.
    """

    def __init__(
        self, g: Global, prev: m.TypeOwner, new: m.TypeOwner, charge: Callable[[int], None]
    ) -> None:
        self.g = g
        self.prev = prev
        self.new = new
        self.charge = charge
        """Told how much each copy costs: a type or function, and its fields or parameters."""
        self.map: dict[int, int] = {}

    def interface(self, iid: int, package: int) -> int:
        """Copy an anonymous interface, and the types it owns, as a new interface."""
        old = self.g.interfaces[iid]
        new_id = len(self.g.interfaces)
        owners = m.TypeOwner("interface", iid), m.TypeOwner("interface", new_id)
        inner = Cloner(self.g, *owners, self.charge)
        types = {n: inner.type_id(t) for n, t in old.types.items()}
        funcs = {n: inner.function(f, f.name) for n, f in old.functions.items()}
        self.g.interfaces.append(
            dataclasses.replace(old, types=types, functions=funcs, package=package)
        )
        return new_id

    def type_id(self, tid: int, name: str | None = None) -> int:
        if tid in self.map:
            return self.map[tid]
        td = self.g.types[tid]
        if td.owner is not None and td.owner != self.prev:
            return tid
        kind = td.kind
        # The type and its parts (a record's fields); a variant's cases without a type too.
        parts = kind.cases if isinstance(kind, m.Variant) else m.kind_parts(kind)
        self.charge(1 + len(parts))
        match kind:
            case m.Alias():
                if isinstance(kind.type, int) and self.g.types[kind.type].owner == self.prev:
                    kind = m.Alias(self.type_id(kind.type))
            case m.Handle():
                kind = m.Handle(kind.kind, self.type_id(kind.resource))
            case m.Record():
                kind = m.Record(
                    tuple(dataclasses.replace(f, type=self.ty(f.type)) for f in kind.fields)
                )
            case m.Variant():
                kind = m.Variant(
                    tuple(dataclasses.replace(c, type=self.opt(c.type)) for c in kind.cases)
                )
            case m.Tuple():
                kind = m.Tuple(tuple(self.ty(t) for t in kind.types))
            case m.Option():
                kind = m.Option(self.ty(kind.type))
            case m.List():
                kind = m.List(self.ty(kind.type))
            case m.FixedLengthList():
                kind = m.FixedLengthList(self.ty(kind.type), kind.size)
            case m.Map():
                kind = m.Map(self.ty(kind.key), self.ty(kind.value))
            case m.Result():
                kind = m.Result(self.opt(kind.ok), self.opt(kind.err))
            case m.Future():
                kind = m.Future(self.opt(kind.type))
            case m.Stream():
                kind = m.Stream(self.opt(kind.type))
            case _:
                pass
        owner = None if td.owner is None else self.new
        new_name = td.name if name is None or td.name is None else name
        self.g.types.append(dataclasses.replace(td, kind=kind, owner=owner, name=new_name))
        self.map[tid] = len(self.g.types) - 1
        return self.map[tid]

    def ty(self, t: m.Type) -> m.Type:
        return t if isinstance(t, str) else self.type_id(t)

    def opt(self, t: m.Type | None) -> m.Type | None:
        return None if t is None else self.ty(t)

    def function(self, f: m.Function, name: str) -> m.Function:
        self.charge(1 + len(f.params))
        resource = None if f.resource is None else self.type_id(f.resource)
        if resource is not None:
            rname = self.g.types[resource].name
            item = f.item_name
            if f.kind == "constructor":
                name = f"[constructor]{rname}"
            elif f.kind in ("method", "async-method"):
                name = f"[method]{rname}.{item}"
            else:
                name = f"[static]{rname}.{item}"
        return dataclasses.replace(
            f,
            name=name,
            resource=resource,
            params=tuple(dataclasses.replace(p, type=self.ty(p.type)) for p in f.params),
            result=self.opt(f.result),
        )


# --------------------------------------------------------------------------- one package
