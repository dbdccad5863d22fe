"""Writing generated files: every path stays inside its output folder, a tree appears whole or not at all.

Names that reach the file system come from WIT (interface, world and package names) or from
a command line, so they are treated as hostile: `checked_join` accepts only plain relative
names (no `..`, no absolute path, no separator other than `/`, no Windows device name) that
end up inside the root, and never a path through a symbolic link. `write_tree` writes a
package or project into a fresh temporary folder next to its target and renames it into
place, so a failure leaves the previous tree (or nothing), never a half-written one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from witkit.errors import WitkitError

__all__ = ["WINDOWS_DEVICES", "checked_join", "write_tree"]

_COMPONENT = re.compile(r"\.?[A-Za-z0-9_][A-Za-z0-9_.+-]*")
"""A plain file or folder name: identifier-ish characters, one optional leading dot."""

WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)}
)
"""Names Windows opens as devices whatever their extension (`con.py` is the console)."""

ErrorType = type[WitkitError]


def _component_problem(part: str) -> str | None:
    if not _COMPONENT.fullmatch(part):
        return "is not a plain file name"
    if part.split(".", 1)[0].lower() in WINDOWS_DEVICES:
        return "is a Windows device name"
    return None


def checked_join(root: Path, rel: str, error: ErrorType) -> Path:
    """`root / rel` for a `/`-separated relative `rel` that cannot leave `root`.

    Raises `error` for an empty, absolute or `..` path, a component that is not a plain name
    (letters, digits, `_ . + -`, optionally one leading dot), a Windows device name, or an
    existing symbolic link on the way (a generated file is never written through a link).
    """
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise error(f"refusing to write {rel!r}: not a plain relative path")
    path = root
    for part in parts:
        problem = _component_problem(part)
        if problem is not None:
            raise error(f"refusing to write {rel!r}: {part!r} {problem}")
        path = path / part
        if path.is_symlink():
            raise error(f"{path} is a symbolic link; witkit never writes through one")
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise error(f"refusing to write {rel!r}: it resolves outside {root}")
    return path


def _write_new(path: Path, content: str | bytes) -> None:
    """Create `path` (which must not exist yet, not even as a link) and write `content`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write_tree(
    target: Path,
    files: Mapping[str, str | bytes],
    error: ErrorType,
    replaceable: Callable[[Path], str | None],
    what: str = "the files",
) -> Path:
    """Write `files` (`{relative path: text or bytes}`) as the folder `target`; returns it.

    `target` itself is the caller's (a checked name, or a path the user gave); every relative
    path goes through `checked_join`. The tree is written into a new hidden folder next to
    `target` and renamed into place. An existing `target` is replaced only when
    `replaceable(target)` returns None; otherwise its answer (why not) is raised as `error`
    and nothing is written. `what` names the tree in an error: `cannot write the bindings to`.
    """

    def failed(e: OSError) -> WitkitError:
        return error(f"cannot write {what} to {target}: {e.strerror or e}")

    if target.is_symlink():
        raise error(f"{target} is a symbolic link; witkit never writes through one")
    if target.exists():
        refusal = replaceable(target)
        if refusal is not None:
            raise error(refusal)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as e:
        raise failed(e) from e
    old: Path | None = None
    try:
        for rel, content in files.items():
            path = checked_join(tmp, rel, error)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_new(path, content)
        if target.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
            )
            os.replace(target, old / target.name)
        os.replace(tmp, target)
    except BaseException as e:
        if old is not None and not target.exists():
            os.replace(old / target.name, target)
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(e, OSError):
            raise failed(e) from e
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
