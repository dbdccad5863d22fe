"""Choosing the world to work with out of resolved packages (wit-parser's `select_world`)."""

from __future__ import annotations

from collections.abc import Sequence

from witkit.errors import WitError
from witkit.wit import model as m


def select_world(
    resolve: m.Resolve, main_package: int | Sequence[int], name: str | None = None
) -> int:
    """Pick a world the way wit-parser's `select_world` does.

    With `name` None the main package must hold exactly one world. `name` may be
    a world of the main package (`my-world`) or fully qualified (`ns:pkg/world`,
    `ns:pkg/world@1.0.0`; without a version it matches the only version present).
    """
    mains = (main_package,) if isinstance(main_package, int) else tuple(main_package)
    if name is None:
        if not mains:
            raise WitError("no main packages defined")
        if len(mains) > 1:
            raise WitError(
                f"there are multiple packages defined ({_package_list(resolve, mains)}); "
                "please specify which world to use with `--world`"
            )
        pkg = resolve.packages[mains[0]]
        if not pkg.worlds:
            raise WitError(f"the main package `{pkg.name}` contains no worlds")
        if len(pkg.worlds) > 1:
            raise WitError(
                f"there are multiple worlds in `{pkg.name}` ({', '.join(pkg.worlds)}); "
                "please specify which world to use with `--world`"
            )
        return next(iter(pkg.worlds.values()))
    if "/" not in name:
        if not mains:
            raise WitError("no main packages defined")
        if len(mains) > 1:
            raise WitError(
                "there are multiple packages defined; please specify a fully-qualified "
                "package name, e.g. `foo:bar/baz`"
            )
        pkg_id = mains[0]
        world_name = name
    else:
        pkg_text, world_name = name.split("/", 1)
        version = None
        if "@" in world_name:
            world_name, version = world_name.split("@", 1)
        if ":" not in pkg_text:
            raise WitError(f"failed to parse world specifier `{name}`")
        ns, pname = pkg_text.split(":", 1)
        wanted = m.PackageName(ns, pname, version)
        candidates = [
            i
            for i, p in enumerate(resolve.packages)
            if p.name == wanted
            or (version is None and (p.name.namespace, p.name.name) == (ns, pname))
        ]
        exact = [i for i in candidates if resolve.packages[i].name == wanted]
        if exact:
            pkg_id = exact[0]
        elif len(candidates) > 1:
            vs = [resolve.packages[i].name.version for i in candidates]
            raise WitError(
                f"package name `{wanted}` is available at both versions {vs[0]} and {vs[1]} "
                "but which is not specified"
            )
        elif candidates:
            pkg_id = candidates[0]
        else:
            raise WitError(f"unknown package `{wanted}`")
    pkg = resolve.packages[pkg_id]
    if world_name not in pkg.worlds:
        have = ", ".join(pkg.worlds) or "none"
        raise WitError(
            f"world `{world_name}` not found in package `{pkg.name}` (its worlds: {have})"
        )
    return pkg.worlds[world_name]


def _package_list(resolve: m.Resolve, ids: Sequence[int]) -> str:
    return ", ".join(str(resolve.packages[i].name) for i in ids)
