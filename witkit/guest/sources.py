"""Which files make up a Python guest: the app module and the local modules it imports.

componentize-py bundles every file of every folder on its python path into the
component. A guest project's folder usually holds more than the guest: the host
(`host.py`), the host bindings `witkit generate` wrote, tests. So witkit follows the
guest's imports from the app module, statically, through the project's python path,
and builds from a staged copy holding only those files. The same list is the build
cache key's input and what `witkit build --check` type-checks.

A module is found the way Python finds it: the first python-path folder holding
`name.py` or a package folder `name/` wins. Besides the app module, componentize-py
imports one module by name per exported interface that has resources (`kv.py` for
`interface kv { resource store ... }`); those are followed too. A package goes in whole (its data files
too); a plain module goes in alone. Imports that no python-path folder provides
(the standard library, componentize-py's `wit_world` bindings) are not the guest's.
Modules imported by a computed name (`importlib.import_module(x)`) are not seen:
import them by name somewhere in the guest.
"""

from __future__ import annotations

import ast
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from witkit.guest.config import ProjectConfig


@dataclass(frozen=True)
class GuestFile:
    """One file of the guest: its python-path folder's index, its path inside it, the file."""

    index: int
    rel: str
    path: Path


def _skip(name: str) -> bool:
    return name.startswith(".") or name in {"__pycache__", "node_modules"}


def _package_files(folder: Path) -> Iterator[tuple[str, Path]]:
    for dirpath, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not _skip(d))
        for name in sorted(files):
            if not _skip(name) and not name.endswith((".pyc", ".pyo")):
                yield (Path(dirpath) / name).relative_to(folder.parent).as_posix(), Path(dirpath) / name


def _find(config: ProjectConfig, top: str) -> tuple[int, list[tuple[str, Path]]] | None:
    """The files of top-level module `top`, from the first python-path folder providing it."""
    for index, folder in enumerate(config.python_path):
        package = folder / top
        if package.is_dir() and not _skip(top):
            return index, sorted(_package_files(package))
        module = folder / f"{top}.py"
        if module.is_file():
            return index, [(module.name, module)]
    return None


def _imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports in a Python file (none when it does not parse)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return set()  # componentize-py reports the error, naming the file
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".", 1)[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".", 1)[0])
    return names


def _resource_modules(config: ProjectConfig) -> list[str]:
    """The modules componentize-py imports by name: one per exported interface with resources."""
    from witkit.errors import WitkitError
    from witkit.guest.plan import plan_for

    features = None if config.all_features else frozenset(config.features)
    try:
        plan = plan_for(config.wit, config.world, features=features)
    except (WitkitError, LookupError, ValueError):
        return []  # the build reports the bad WIT itself
    return [i.module.split(".", 1)[0] for i in plan.interfaces if i.resources]


def guest_sources(config: ProjectConfig) -> list[GuestFile]:
    """The guest's files, sorted: the app module, the modules of exported resources, and
    every local module they import, transitively."""
    found: dict[str, tuple[int, list[tuple[str, Path]]]] = {}
    todo = [config.module, *_resource_modules(config)]
    while todo:
        top = todo.pop()
        if top in found:
            continue
        hit = _find(config, top)
        if hit is None:
            continue
        found[top] = hit
        for _, path in hit[1]:
            if path.suffix in {".py", ".pyi"}:
                todo.extend(sorted(_imports(path) - found.keys()))
    files = [
        GuestFile(index, rel, path) for index, entries in found.values() for rel, path in entries
    ]
    return sorted(files, key=lambda f: (f.index, f.rel))


def stage(config: ProjectConfig, dest: Path) -> tuple[Path, ...]:
    """Copy the guest's files into `dest/<index>/` (one folder per python-path entry).

    Returns the staged python path, in the project's order, so a traceback's
    `/<index>/<file>` still names the project's own file.
    """
    folders = tuple(dest / str(i) for i in range(len(config.python_path)))
    for folder in folders:
        folder.mkdir(parents=True)
    for f in guest_sources(config):
        target = folders[f.index] / f.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.path, target)
    return folders
