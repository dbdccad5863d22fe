"""Resource identity in a world: which resource each handle means, named as a component holds it.

The component model compares resources by identity, not by shape. A resource is named by
the place that declares it, as a component's import or export holds it:
`import ns:pkg/iface@ver#r`, `export ns:pkg/iface@ver#r` (an exported interface's own),
`import r` (a world's own). `witkit check` and generated bindings' load-time check
(`witkit.runtime.worldcheck`) both take these names from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from witkit.wit import model as m

__all__ = ["ResourceLabel", "handle_resources", "resource_labels"]

ResourceLabel = Callable[[int], "str | None"]
"""The identity of a resource (by type id) as `check_world` names it, None when unknown."""


def handle_resources(resolve: m.Resolve, types: Sequence[m.Type]) -> list[int]:
    """The resource of every handle in `types`, in the order `handle_resources` walks a
    component's types (the order a structural WIT text spells them)."""
    out: list[int] = []
    todo = [resolve.dealias(t) for t in reversed(types)]
    while todo:
        ty = todo.pop()
        if isinstance(ty, str):
            continue
        kind = resolve.types[ty].kind
        if isinstance(kind, m.Handle):
            rid = resolve.dealias(kind.resource)
            assert isinstance(rid, int)
            out.append(rid)
            continue
        todo.extend(resolve.dealias(p) for p in reversed(m.kind_parts(kind)))
    return out


def resource_labels(
    resolve: m.Resolve, world: m.World
) -> tuple[ResourceLabel, ResourceLabel, dict[str, str]]:
    """How the world's imports and its exports name each resource (see `check_world`),
    and which resource it has at each place a component can hold one."""
    names: dict[int, str] = {}
    sides: dict[str, set[int]] = {"import": set(), "export": set()}
    for direction, items in (("import", world.imports), ("export", world.exports)):
        for key, item in items.items():
            if isinstance(item, m.WorldInterface):
                names.setdefault(item.id, resolve.world_key_name(key))
                sides[direction].add(item.id)

    def labeler(direction: str) -> ResourceLabel:
        def label(rid: int) -> str | None:
            td = resolve.types[rid]
            if td.owner is None or td.name is None:
                return None
            if td.owner.kind == "world":
                return f"import {td.name}"
            name = names.get(td.owner.id) or resolve.id_of(td.owner.id)
            if name is None:
                return None
            if direction == "export" and td.owner.id in sides["export"]:
                return f"export {name}#{td.name}"
            return f"import {name}#{td.name}" if td.owner.id in sides["import"] else None

        return label

    labels = {"import": labeler("import"), "export": labeler("export")}
    places: dict[str, str] = {}
    for direction, items in (("import", world.imports), ("export", world.exports)):
        for key, item in items.items():
            if isinstance(item, m.WorldInterface):
                found = list(resolve.interfaces[item.id].types.items())
                where = f"{direction} {resolve.world_key_name(key)}#"
            elif isinstance(item, m.WorldType):
                found, where = [(resolve.world_key_name(key), item.id)], f"{direction} "
            else:
                continue
            for tname, tid in found:
                rid = resolve.dealias(tid)
                if isinstance(rid, int) and isinstance(resolve.types[rid].kind, m.Resource):
                    identity = labels[direction](rid)
                    if identity is not None:
                        places[where + tname] = identity
    return labels["import"], labels["export"], places
