"""Worlds after their items are in the global arena: `include` merged (wit-parser's
`merge_world_item`), case-insensitive name clashes refused, and elaboration, which imports
what the imports and exports use (wit-parser's `elaborate_world`)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit.resolve.arena import Global
from witkit.wit.resolve.clone import Cloner

MAX_INCLUDE_COPIES = 100_000
"""How much `include` may copy in one resolution, all includes together: world items, plus
each type copied with them and its fields (or cases, or elements), plus each function and
its parameters.

Each `include` copies the included world's items, so worlds that each include the one
before copy quadratically much out of linearly much text: 1,000 such worlds in 50 KB of WIT
copy half a million items, and a world holding a 20,000-element tuple, included down a chain
of 2,000 worlds, 40 million elements. Resolving any WASI package copies at most 66 (its
worlds include interfaces only); this ceiling is 1,500 times that, reached in about a second."""

MAX_IMPLIED_IMPORTS = 100_000
"""How many interfaces worlds may import, all worlds together, only because what they import
or export uses them (wit-parser's world elaboration writes these imports out).

Worlds that each import the end of a chain of interfaces, each using the one before, import
the whole chain each: 2,000 interfaces and 2,000 worlds in 127 KB of WIT made four million
imports. Resolving any WASI package implies 24 at most; this ceiling is 4,000 times that."""


def merge_include(
    g: Global,
    world_id: int,
    include_id: int,
    names: tuple[ast.IncludeName, ...],
    span: ast.Span,
    pkg: int,
) -> None:
    world = g.worlds[world_id]
    inc = g.worlds[include_id]
    external = inc.package != pkg
    present = {key for key in itertools.chain(inc.imports, inc.exports) if isinstance(key, str)}
    missing = [n.name.name for n in names if n.name.name not in present]
    if missing:
        raise g.sources.error(
            f"no import or export kebab-name `{missing[0]}`. "
            "Note that an ID does not support renaming",
            span,
        )

    def charge(copies: int) -> None:
        """Count what `include` copies (see MAX_INCLUDE_COPIES); stop at the ceiling."""
        g.include_copies += copies
        if g.include_copies > MAX_INCLUDE_COPIES:
            raise g.sources.error(
                f"`include` copies too much: with this include of `{inc.name}`, all "
                f"includes together copy more than {MAX_INCLUDE_COPIES} world items, "
                "types, fields and parameters",
                span,
            )

    charge(len(inc.imports) + len(inc.exports))
    renames = {n.name.name: n.alias.name for n in names}
    cloner = Cloner(g, m.TypeOwner("world", include_id), m.TypeOwner("world", world_id), charge)
    imports = dict(world.imports)
    exports = dict(world.exports)
    for items, src, desc in (
        (imports, inc.imports, "import"),
        (exports, inc.exports, "export"),
    ):
        for key, item in src.items():
            if isinstance(key, str):
                new = renames.get(key, key)
                if isinstance(item, m.WorldType):
                    item = m.WorldType(cloner.type_id(item.id, new))
                elif isinstance(item, m.WorldFunction):
                    func = cloner.function(item.function, new)
                    new = func.name
                    item = m.WorldFunction(func)
                elif g.interfaces[item.id].name is None:
                    # An inline `import x: interface { }` is copied with its types.
                    item = m.WorldInterface(
                        cloner.interface(item.id, pkg), item.stability, item.docs
                    )
                if new in items:
                    raise g.sources.error(
                        f"{desc} of `{new}` shadows previously {desc}ed items", span
                    )
                items[new] = item
                continue
            assert isinstance(item, m.WorldInterface)
            prev = items.setdefault(key, item)
            assert isinstance(prev, m.WorldInterface)
            # wit-parser's `merge_include_stability`: an external `@since` is dropped.
            if external and isinstance(item.stability, m.Stable):
                merged: m.Stability = None
            else:
                try:
                    merged = update_stability(item.stability, prev.stability)
                except ValueError as e:
                    raise g.sources.error(str(e), span) from None
            items[key] = m.WorldInterface(prev.id, merged, prev.docs)
    g.worlds[world_id] = dataclasses.replace(world, imports=imports, exports=exports)


def check_case_insensitive_names(g: Global, world_id: int, span: ast.Span) -> None:
    """Kebab-case names are case-insensitive: `foo` and `FOO` may not both be imported
    (or both exported), including through `include`."""
    world = g.worlds[world_id]
    for items, desc in ((world.imports, "import"), (world.exports, "export")):
        seen: dict[str, str] = {}
        for key in items:
            if not isinstance(key, str):
                continue
            prev = seen.setdefault(key.lower(), key)
            if prev != key:
                raise g.sources.error(
                    f"{desc} `{key}` in world `{world.name}` conflicts with {desc} "
                    f"`{prev}` (kebab-case identifiers are case-insensitive)",
                    span,
                )


def elaborate_world(g: Global, world_id: int, span: ast.Span) -> None:
    world = g.worlds[world_id]
    new_imports: dict[m.WorldKey, m.WorldItem] = {}

    def deps_of(iid: int) -> Iterator[int]:
        deps = g.direct_deps.get(iid)
        if deps is None:
            deps = tuple(m.interface_direct_deps_in(g.types, g.interfaces, iid))
            g.direct_deps[iid] = deps
        return iter(deps)

    def implied() -> None:
        """Count an interface imported only because another uses it: worlds that each
        import the end of a long chain of interfaces import quadratically many."""
        g.implied_imports += 1
        if g.implied_imports > MAX_IMPLIED_IMPORTS:
            raise g.sources.error(
                f"too many implied imports: with world `{world.name}`, worlds import more "
                f"than {MAX_IMPLIED_IMPORTS} interfaces only because what they import or "
                "export uses them",
                span,
            )

    def import_iface(key: m.WorldKey, iid: int, stability: m.Stability) -> None:
        """Import `iid` under `key`, after what it uses (depth first, with a stack of its
        own: a chain of interfaces each using the last can be thousands long)."""
        if key in new_imports:
            return
        stack = [(key, iid, deps_of(iid))]
        while stack:
            key, iid, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop()
                new_imports[key] = m.WorldInterface(iid, stability)
                if stack:
                    implied()
            elif dep not in new_imports:
                stack.append((dep, dep, deps_of(dep)))

    # wit-parser sorts by "class" (the order a WIT printer uses): interfaces, then
    # types brought in with `use`, then types defined here, then freestanding
    # functions, then resource functions; stable within a class.
    def sort_key(item: m.WorldItem) -> int:
        if isinstance(item, m.WorldInterface):
            return 0
        if isinstance(item, m.WorldType):
            td = g.types[item.id]
            k = td.kind
            if (
                isinstance(k, m.Alias)
                and isinstance(k.type, int)
                and g.types[k.type].owner != td.owner
            ):
                return 1
            return 2
        return 3 if item.function.resource is None else 4

    for key, item in sorted(world.imports.items(), key=lambda kv: sort_key(kv[1])):
        if isinstance(item, m.WorldInterface):
            import_iface(key, item.id, item.stability)
            continue
        if isinstance(item, m.WorldType):
            dep = m.type_interface_dep_in(g.types, item.id)
            if dep is not None:
                import_iface(dep, dep, g.types[item.id].stability)
        new_imports[key] = item

    new_exports: dict[m.WorldKey, m.WorldItem] = {}
    export_ifaces: dict[int, tuple[m.WorldKey, m.Stability]] = {}
    for key, item in world.exports.items():
        if isinstance(item, m.WorldInterface):
            export_ifaces[item.id] = (key, item.stability)
        else:
            new_exports[key] = item

    required: set[int] = set()

    def add_export(iid: int, key: m.WorldKey, add: bool, stability: m.Stability) -> bool:
        """wit-parser's `add_world_export` (exported after, or imported before, what it
        uses), depth first with a stack of its own; False on a conflict."""
        stack: list[tuple[int, m.WorldKey, bool, Iterator[int]]] = []

        def enter(iid: int, key: m.WorldKey, add: bool) -> bool | None:
            """The answer for `iid` when known without visiting its dependencies."""
            if key in new_exports:
                return add
            if not add and iid in required:
                return True
            stack.append((iid, key, add, deps_of(iid)))
            return None

        answer = enter(iid, key, add)
        while stack:
            iid, key, add, deps = stack[-1]
            dep = next(deps, None)
            if dep is not None:
                if enter(dep, dep, add and dep in export_ifaces) is False:
                    return False
                continue
            stack.pop()
            if stack:
                implied()
            item = m.WorldInterface(iid, stability)
            if add:
                if iid in required:
                    return False
                new_exports[key] = item
            else:
                required.add(iid)
                new_imports[key] = item
        return True if answer is None else answer

    for iid, (key, stability) in export_ifaces.items():
        if not add_export(iid, key, True, stability):
            raise g.sources.error(
                f"interface `{g.world_key_name(key)}` transitively depends on an "
                "interface in incompatible ways",
                span,
            )
    # Sorted again: interfaces found above may follow types and functions.
    new_imports = dict(sorted(new_imports.items(), key=lambda kv: sort_key(kv[1])))
    # The items the world names itself keep their doc comments.
    for old, new in ((world.imports, new_imports), (world.exports, new_exports)):
        for key, item in old.items():
            moved = new.get(key)
            if (
                isinstance(item, m.WorldInterface)
                and item.docs is not None
                and isinstance(moved, m.WorldInterface)
            ):
                new[key] = dataclasses.replace(moved, docs=item.docs)
    g.worlds[world_id] = dataclasses.replace(world, imports=new_imports, exports=new_exports)


def update_stability(src: m.Stability, into: m.Stability) -> m.Stability:
    """Merge the stability of an included item into an existing one (wit-parser's `update_stability`)."""
    if src == into or src is None:
        return into
    if into is None:
        return src
    raise ValueError(f"mismatch in stability from '{src}' to '{into}'")
