"""Resolved packages kept between processes: `resolve_path` of unchanged WIT reads its result
back instead of parsing and resolving it again, without importing the parser or the resolver.

An entry is a pickle of the `ResolvedPackages` in the user's cache folder (`_cache`), named by
a sha256 of everything the result depends on: the path as given, the path and bytes of every
file `witkit.wit.files.layout` finds for it (so an edited, added, removed or renamed file, in
the package or its `deps/`, is a new key), the features, and the code that parses and
resolves (every module of `witkit.wit`, the grammar, the Lark and Python versions). Only
successful resolutions are kept; a path with an error is resolved anew each time, so errors
are always the resolver's own. `WITKIT_CACHE=0` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
from pathlib import Path

from witkit._cachedirs import cache_folder, keep
from witkit.wit import model as m
from witkit.wit.files import MAX_WIT_FILE_BYTES, layout

__all__ = ["resolve_path"]

MAX_KEPT = 200
"""How many resolutions are kept; past that the older half is removed."""


@functools.lru_cache(maxsize=1)
def _code_salt() -> bytes:
    """A digest of the code a resolution depends on."""
    here = Path(__file__).resolve().parent
    from witkit._resources import data_dir

    digest = hashlib.sha256(sys.version.encode())
    spec = importlib.util.find_spec("lark")
    files = sorted(here.glob("**/*.py"))
    if spec is not None and spec.origin:
        files.append(Path(spec.origin))
    files.append(data_dir("grammars") / "wit.lark")
    for file in files:
        digest.update(str(file.relative_to(file.parent.parent)).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.digest()


def _small_file(file: Path) -> bytes | None:
    """The bytes of a regular file of at most `MAX_WIT_FILE_BYTES`, else None (the parser
    refuses the rest with its own error, without reading them)."""
    try:
        info = os.stat(file)  # before opening: opening a pipe could block
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_WIT_FILE_BYTES:
            return None
        with file.open("rb") as f:
            data = f.read(MAX_WIT_FILE_BYTES + 1)
    except OSError:
        return None
    return None if len(data) > MAX_WIT_FILE_BYTES else data


def _key(path: Path, features: frozenset[str] | None) -> str | None:
    """The entry name for resolving `path`, or None where it is not kept (the cache is off,
    or finding or reading the files fails: resolving will say why)."""
    try:
        main, deps = layout(path)
    except Exception:
        return None
    digest = hashlib.sha256(_code_salt())
    digest.update(repr((str(path), None if features is None else sorted(features))).encode())
    for group in (main, *deps):
        if isinstance(group, Exception):
            return None
        digest.update(b"\1")
        for file in group:
            data = _small_file(file)
            if data is None:
                return None
            name = str(file).encode("utf-8", "surrogatepass")
            digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
            digest.update(data)
    return digest.hexdigest()[:40]


def resolve_path(
    path: str | Path, *, features: frozenset[str] | None = frozenset()
) -> m.ResolvedPackages:
    """`witkit.wit.resolve.resolve_path`, reading the result back where it was kept."""
    folder = cache_folder("resolved")
    key = None if folder is None else _key(Path(path), features)
    if folder is not None and key is not None:
        entry = folder / f"{key}.pickle"
        with contextlib.suppress(Exception), entry.open("rb") as f:
            kept_key, resolved = pickle.load(f)
            if kept_key == key and isinstance(resolved, m.ResolvedPackages):
                return resolved
    from witkit.wit.resolve import resolve_path_anew

    resolved = resolve_path_anew(path, features=features)
    if folder is not None and key is not None:
        keep(folder / f"{key}.pickle", (key, resolved), MAX_KEPT)
    return resolved
