"""Name resolution: WIT syntax trees in, the resolved `witkit.wit.model.Resolve` out.

This follows wit-parser (bytecodealliance/wasm-tools) step for step so that the
result, including the order of every arena, matches the reference. One module a step:

1. `fs` reads a file or a package folder with its `deps/`; `source` groups files into
   packages (a folder is one package, nested `package x { }` blocks are their own).
2. `toposort` orders packages dependencies-first (`sort_unresolved_packages`).
3. `package` resolves each package on its own into a local arena (`local`; wit-parser's
   `ast/resolve.rs`): interfaces and worlds in dependency order, types in dependency
   order, anonymous types shared.
4. `remap` appends the local arena to the global one (`arena`; wit-parser's
   `Remap::append`): `@unstable` items whose feature is off are dropped, resource names
   in parameter position become `own<r>` handles, and `world` merges each world's
   `include`s (copying with `clone`) and elaborates it.
5. `witkit.wit.select` picks the world a caller asks for.

This module holds the entry points; `resolve_path` reads a kept result back where it can
(`witkit.wit.resolve_cache`). Every user error is a `WitError` pointing at the
offending identifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from witkit.wit import ast
from witkit.wit import model as m
from witkit.wit._gc import gc_paused
from witkit.wit.parser import parse
from witkit.wit.resolve.arena import Global
from witkit.wit.resolve.fs import is_wit_file, read_path
from witkit.wit.resolve.package import MAP_KEY_TYPES, PackageResolver
from witkit.wit.resolve.remap import append
from witkit.wit.resolve.source import PackageSource, Sources, for_each_path, group_files, pkg_name
from witkit.wit.resolve.toposort import dfs_packages
from witkit.wit.resolve.world import MAX_IMPLIED_IMPORTS, MAX_INCLUDE_COPIES
from witkit.wit.select import select_world

__all__ = [
    "MAP_KEY_TYPES",
    "MAX_IMPLIED_IMPORTS",
    "MAX_INCLUDE_COPIES",
    "is_wit_file",
    "resolve_files",
    "resolve_path",
    "resolve_source",
    "select_world",
]


def _resolve_groups(
    main: list[PackageSource],
    deps: list[PackageSource],
    sources: Sources,
    features: frozenset[str] | None,
) -> m.ResolvedPackages:
    by_name: dict[m.PackageName, PackageSource] = {}
    for src in main + deps:
        prev = by_name.get(src.name)
        if prev is not None:
            loc1 = f"{src.span.path}:{src.span.line}:{src.span.column}"
            loc2 = f"{prev.span.path}:{prev.span.line}:{prev.span.column}"
            raise sources.error(
                f"package `{src.name}` is defined in two different locations:\n"
                f"  * {loc1}\n  * {loc2}",
                src.span,
            )
        by_name[src.name] = src
    # Foreign dependencies, in the order wit-parser first meets them.
    foreign: dict[m.PackageName, list[tuple[m.PackageName, ast.Span]]] = {}
    for name, src in by_name.items():
        seen: dict[m.PackageName, ast.Span] = {}
        for decl in src.decls:
            for _cur, path, _kind, _attrs in for_each_path(decl):
                if isinstance(path, ast.ForeignPath):
                    seen.setdefault(pkg_name(path.package), path.package.span)
        foreign[name] = list(seen.items())
    order = dfs_packages(list(by_name), lambda n: foreign[n])
    if isinstance(order, tuple):
        dep, span = order
        raise sources.error(f"package `{dep}` creates a dependency cycle", span)
    glob = Global(features, sources)
    ids: dict[m.PackageName, int] = {}
    with gc_paused():  # once for all packages: see `gc_paused`
        for name in order:
            try:
                ids[name] = append(PackageResolver(glob, by_name[name]).run())
            except RecursionError:
                # Every walk over WIT that can be long has a stack of its own, and types nest
                # at most MAX_TYPE_NESTING deep, so this is a bug; still a WitError, not a crash.
                raise sources.error(
                    f"internal error: WIT too deeply nested to resolve package `{name}`",
                    by_name[name].span,
                ) from None
    return m.ResolvedPackages(glob.freeze(), tuple(ids[s.name] for s in main))


# --------------------------------------------------------------------------- public API


def resolve_files(
    files: Sequence[ast.File],
    deps: Sequence[Sequence[ast.File]] = (),
    *,
    features: frozenset[str] | None = frozenset(),
) -> m.ResolvedPackages:
    """Resolve already-parsed files: `files` make the main package (plus nested ones),
    each element of `deps` is the files of one dependency package."""
    sources = Sources()
    main = group_files(files, sources)
    dep_pkgs = [p for d in deps for p in group_files(d, sources)]
    return _resolve_groups(main, dep_pkgs, sources, features)


def resolve_source(
    text: str, path: str = "<string>", *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """Parse and resolve one WIT document given as a string (no dependencies)."""
    return resolve_files([parse(text, path)], features=features)


def resolve_path(
    path: str | Path, *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """Parse and resolve a `.wit` file or a package folder (with its `deps/` folder).

    A folder is one package made of all its `.wit` files; `deps/` holds the
    dependencies, each a package folder or a single `.wit` file, and the
    dependencies of dependencies too (wit-parser's layout). `features` enables
    `@unstable` items (None enables all of them). A result kept from an earlier
    resolution of the same files is read back (`witkit.wit.resolve_cache`).
    """
    from witkit.wit.resolve_cache import resolve_path as kept

    return kept(path, features=features)


def resolve_path_anew(
    path: str | Path, *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """`resolve_path` without the resolve cache: always parses and resolves."""
    sources = Sources()
    main, deps = read_path(Path(path), sources)
    return _resolve_groups(main, deps, sources, features)
