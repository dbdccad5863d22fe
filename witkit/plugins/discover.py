"""Plugin discovery: components shipped in installed Python packages, or kept in a folder.

A package ships plugins through the entry-point group `witkit.plugins`. Each entry point
names a mapping in one of the package's modules:

```toml
[project.entry-points."witkit.plugins"]
greeter = "greeter_plugin:WITKIT_PLUGIN"
```

```python
# greeter_plugin/__init__.py
WITKIT_PLUGIN = {"component": "greeter.wasm", "world": "example:greeter/greeter", "sha256": "..."}
```

`component` is relative to the module's folder. `discover()` finds every such plugin,
checks the file's digest against the declared one, and, given a world, keeps those that
satisfy it: declared for it, and (given its WIT) checked against it with every mismatch
named. What is left out is reported in `Discovery.refused`, each with its reason.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from witkit.errors import LoadError, PluginError, WitkitError

if TYPE_CHECKING:
    from witkit.plugins.dynamic import DynamicPlugin

__all__ = [
    "ENTRY_POINT_GROUP",
    "DiscoveredPlugin",
    "Discovery",
    "Refusal",
    "discover",
    "discover_folder",
]

ENTRY_POINT_GROUP = "witkit.plugins"


@dataclass(frozen=True)
class DiscoveredPlugin:
    """A plugin found and verified: its name, component file, declared world and digest."""

    name: str
    path: Path
    world: str | None
    sha256: str
    source: str
    """Where it came from: `package NAME VERSION` or the folder."""

    def load(self, **kwargs: Any) -> DynamicPlugin:
        """`witkit.load(self.path, **kwargs)`: grants, limits and config as keywords."""
        from witkit.plugins.dynamic import load

        return load(self.path, **kwargs)


@dataclass(frozen=True)
class Refusal:
    """A plugin left out, and why (a digest that does not match, a world it does not fit)."""

    name: str
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.source}): {self.reason}"


@dataclass
class Discovery:
    """What discovery found: the usable plugins, and every one it refused with the reason."""

    plugins: list[DiscoveredPlugin] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def __getitem__(self, name: str) -> DiscoveredPlugin:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        why = [r.reason for r in self.refused if r.name == name]
        detail = f": refused, {why[0]}" if why else ""
        have = ", ".join(p.name for p in self.plugins) or "none"
        raise PluginError(f"no usable plugin named {name!r}{detail} (found: {have})")

    def __iter__(self) -> Iterator[DiscoveredPlugin]:
        """The usable plugins (`for plugin in witkit.discover(...)`)."""
        return iter(self.plugins)

    def names(self) -> list[str]:
        """The usable plugins' names."""
        return [p.name for p in self.plugins]

    def load_all(self, **kwargs: Any) -> dict[str, DynamicPlugin]:
        """Load every usable plugin with the same keywords (`wasi=`, `limits=`, ...)."""
        return {p.name: p.load(**kwargs) for p in self.plugins}


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _world_matches(declared: str | None, wanted: str) -> bool:
    """`wanted` is `ns:pkg/world[@version]` or a bare world name."""
    if declared is None:
        return False
    if declared == wanted:
        return True
    bare = declared.split("/", 1)[-1].split("@", 1)[0]
    return "/" not in wanted and bare == wanted


class _WorldCheck:
    """The structural check against a world of a WIT file or folder, resolved once."""

    def __init__(self, wit: str | os.PathLike[str], world: str | None, features: Any) -> None:
        from witkit.runtime import Runtime
        from witkit.wit import resolve_path, select_world

        self.resolved = resolve_path(os.fspath(wit), features=features)
        self.world_id = select_world(self.resolved.resolve, self.resolved.main, world)
        self.label = self.resolved.resolve.world_id_of(self.world_id)
        self.runtime = Runtime()

    def mismatches(self, path: Path) -> str | None:
        from witkit.plugins.check import check_component

        component = self.runtime.compile(str(path))
        found = check_component(
            component.type, self.resolved.resolve, self.world_id, engine=self.runtime.engine
        )
        if not found:
            return None
        return f"does not match world `{self.label}`: " + "; ".join(str(m) for m in found)


def _entry(ep: metadata.EntryPoint) -> tuple[str, str | None, str, Path]:
    """(component file, world, sha256, module folder) of an entry point; LoadError if bad."""
    try:
        value = ep.load()
    except Exception as e:  # an installed package's import failing is its own bug, reported
        raise LoadError(f"cannot import {ep.value}: {type(e).__name__}: {e}") from None
    if not isinstance(value, Mapping):
        raise LoadError(f"{ep.value} is a {type(value).__name__}, not a mapping")
    component, world, digest = value.get("component"), value.get("world"), value.get("sha256")
    if not isinstance(component, str) or not component:
        raise LoadError(f"{ep.value} has no 'component' (the .wasm file, relative to the module)")
    if not isinstance(digest, str):
        raise LoadError(f"{ep.value} has no 'sha256' of its component")
    if world is not None and not isinstance(world, str):
        raise LoadError(f"{ep.value}: 'world' must be a string like 'ns:pkg/world'")
    module = __import__(ep.module, fromlist=["_"])
    where = getattr(module, "__file__", None)
    if where is None:
        raise LoadError(f"module {ep.module} has no file to find {component} next to")
    return component, world, digest, Path(where).parent


def _accept(
    found: Discovery,
    name: str,
    source: str,
    path: Path,
    world: str | None,
    declared_sha256: str | None,
    wanted: str | None,
    check: _WorldCheck | None,
) -> None:
    if not path.is_file():
        found.refused.append(Refusal(name, source, f"its component {path} does not exist"))
        return
    actual = _sha256(path)
    if declared_sha256 is not None:
        from witkit.plugins.locators import normalize_sha256

        try:
            expected = normalize_sha256(declared_sha256)
        except LoadError as e:
            found.refused.append(Refusal(name, source, str(e)))
            return
        if expected != actual:
            found.refused.append(
                Refusal(
                    name,
                    source,
                    f"sha256 mismatch for {path}: declared {expected}, the file has {actual}",
                )
            )
            return
    if wanted is not None and check is None and not _world_matches(world, wanted):
        said = f"world `{world}`" if world else "no world"
        found.refused.append(Refusal(name, source, f"it declares {said}, not `{wanted}`"))
        return
    if check is not None:
        try:
            reason = check.mismatches(path)
        except WitkitError as e:
            reason = str(e)
        if reason is not None:
            found.refused.append(Refusal(name, source, reason))
            return
    found.plugins.append(DiscoveredPlugin(name, path, world, actual, source))


def discover(
    world: str | None = None,
    *,
    wit: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
    features: frozenset[str] | None = frozenset(),
    entry_points: Iterable[metadata.EntryPoint] | None = None,
) -> Discovery:
    """Find the plugins of installed packages (and of `folder`, if given), verified.

    With `wit`, each plugin is checked structurally against `world` of that WIT (its only
    world when `world` is None) and kept only if it fits; with `world` alone, a plugin is
    kept when it declares that world (`ns:pkg/world` or the bare name). A refused plugin
    is listed in `.refused` with the reason: a digest that does not match, a missing file,
    an entry point that is not a plugin, or each difference from the world.
    """
    check = _WorldCheck(wit, world, features) if wit is not None else None
    found = Discovery()
    eps = (
        entry_points
        if entry_points is not None
        else metadata.entry_points(group=ENTRY_POINT_GROUP)
    )
    seen: set[tuple[str, str]] = set()
    for ep in sorted(eps, key=lambda e: (e.name, e.value)):
        dist = getattr(ep, "dist", None)
        source = f"package {dist.name} {dist.version}" if dist is not None else f"{ep.value}"
        if (ep.name, ep.value) in seen:  # one distribution seen twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        try:
            component, declared, digest, base = _entry(ep)
        except LoadError as e:
            found.refused.append(Refusal(ep.name, source, str(e)))
            continue
        _accept(found, ep.name, source, base / component, declared, digest, world, check)
    if folder is not None:
        more = discover_folder(folder, world, wit=wit, features=features, _check=check)
        found.plugins += more.plugins
        found.refused += more.refused
    return found


def discover_folder(
    folder: str | os.PathLike[str],
    world: str | None = None,
    *,
    wit: str | os.PathLike[str] | None = None,
    features: frozenset[str] | None = frozenset(),
    _check: _WorldCheck | None = None,
) -> Discovery:
    """Every `*.wasm` component in `folder` (not its subfolders), named by file stem.

    With `wit`, only those satisfying `world` of it are kept, the others refused with each
    mismatch; a folder has no declarations, so a world needs its WIT here.
    """
    root = Path(folder)
    if not root.is_dir():
        raise LoadError(f"plugin folder {root} does not exist")
    if world is not None and wit is None and _check is None:
        raise LoadError(
            f"discovering plugins in {root} for world {world!r} needs the world's WIT (wit=...)"
        )
    check = _check if _check is not None else (
        _WorldCheck(wit, world, features) if wit is not None else None
    )
    found = Discovery()
    for path in sorted(root.glob("*.wasm")):
        if path.is_file():
            _accept(found, path.stem, str(root), path.resolve(), None, None, None, check)
    return found
