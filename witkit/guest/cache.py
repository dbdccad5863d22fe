"""The build cache: a content hash over everything that shapes a component, and its store."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from witkit import __version__
from witkit._parse import loads_json
from witkit.guest.componentize import componentize_py_version
from witkit.guest.config import ProjectConfig
from witkit.guest.sources import guest_sources

KEEP = 4
"""How many components the cache keeps per project."""


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name in {"__pycache__", "node_modules"}


def _tree(root: Path, suffixes: tuple[str, ...] | None) -> Iterator[tuple[str, Path]]:
    """Files under `root` (following links), as (relative posix path, path), sorted."""
    if root.is_file():
        yield root.name, root
        return
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not _skip_dir(d))
        for name in files:
            if suffixes is None or name.endswith(suffixes):
                path = Path(folder) / name
                found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


class FramedHash:
    """sha256 over length-prefixed parts, so no two sequences of parts hash alike."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def put(self, *parts: str | bytes) -> None:
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            self._h.update(len(data).to_bytes(8, "little"))
            self._h.update(data)

    def put_tree(self, label: str, root: Path, suffixes: tuple[str, ...] | None = None) -> None:
        """Every file under `root` (see `_tree`): its relative path and its bytes."""
        for rel, path in _tree(root, suffixes):
            self.put(label, rel, path.read_bytes())

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def _hash(config: ProjectConfig, *, sources: bool) -> str:
    h = FramedHash()
    put = h.put

    put("witkit-guest-build/2", __version__, componentize_py_version())
    put(config.world, ",".join(config.features), str(config.all_features))
    h.put_tree("wit", config.wit)
    if sources:
        put(config.module)
        for f in guest_sources(config):
            put(f"py{f.index}", f.rel, f.path.read_bytes())
    return h.hexdigest()


def cache_key(config: ProjectConfig) -> str:
    """sha256 over the WIT tree, the guest's files, the world and both tools' versions.

    The guest's files are what goes into the component (`witkit.guest.sources`): the
    app module and the local modules it imports, not the host or bindings beside it.
    """
    return _hash(config, sources=True)


def bindings_key(config: ProjectConfig) -> str:
    """sha256 over what the bindings depend on: the WIT tree, the world and the tools' versions."""
    return _hash(config, sources=False)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content, hex."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class BuildCache:
    """Components by cache key in one folder: `<key>.wasm` beside `<key>.json` (size, sha256)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.wasm", self.folder / f"{key}.json"

    def get(self, key: str) -> tuple[Path, str] | None:
        """The cached component and its sha256, when present and intact."""
        wasm, meta = self._paths(key)
        try:
            info = loads_json(meta.read_bytes())
            if wasm.stat().st_size != info["size"]:
                return None
            sha = str(info["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return wasm, sha

    @contextlib.contextmanager
    def put(self, key: str) -> Iterator[Path]:
        """Yield a temporary path to write the component to; it is stored when the block succeeds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{key[:12]}.", suffix=".wasm", dir=self.folder)
        os.close(fd)
        os.unlink(tmp_name)  # componentize-py writes the file itself
        tmp = Path(tmp_name)
        try:
            yield tmp
            wasm, meta = self._paths(key)
            info = {"size": tmp.stat().st_size, "sha256": file_sha256(tmp)}
            os.replace(tmp, wasm)
            meta_tmp = meta.with_suffix(".json.tmp")
            meta_tmp.write_text(json.dumps(info))
            os.replace(meta_tmp, meta)
        finally:
            tmp.unlink(missing_ok=True)
        self.prune()

    def prune(self, keep: int = KEEP) -> None:
        """Drop all but the `keep` most recently stored components."""
        entries = sorted(self.folder.glob("*.wasm"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)


def publish(source: Path, sha256: str, output: Path) -> bool:
    """Copy `source` to `output` atomically unless `output` already holds it; True when written."""
    same_size = output.is_file() and output.stat().st_size == source.stat().st_size
    if same_size and file_sha256(output) == sha256:
        return False
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; a component is an ordinary file
        os.replace(tmp_name, output)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return True
