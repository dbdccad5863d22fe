"""Safe unpacking of the single `.wasm` inside a `.tar.gz`, `.tgz` or `.zip` release asset."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from witkit.errors import LoadError

__all__ = [
    "ARCHIVE_SUFFIXES",
    "MAX_WASM_BYTES",
    "archive_suffix",
    "extract_wasm",
    "is_archive",
    "sniff_archive",
]

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
"""File name endings treated as archives; everything else is taken as a bare `.wasm`."""

MAX_WASM_BYTES = 1 << 30
"""The largest `.wasm` an archive may unpack to (guards against decompression bombs)."""


def archive_suffix(name: str) -> str | None:
    """The archive ending of a file name (`.tar.gz`, `.tgz`, `.zip`), or None."""
    lower = name.lower()
    return next((s for s in ARCHIVE_SUFFIXES if lower.endswith(s)), None)


def sniff_archive(path: Path) -> str | None:
    """The archive ending matching a file's first bytes (gzip -> `.tar.gz`, zip), or None."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] == b"\x1f\x8b":
        return ".tar.gz"
    if head == b"PK\x03\x04":
        return ".zip"
    return None


def is_archive(name: str) -> bool:
    """Whether a file name ends like an archive witkit can unpack."""
    return archive_suffix(name) is not None


@dataclass(frozen=True)
class _Entry:
    name: str
    size: int
    key: object


def _check_name(archive: str, name: str) -> PurePosixPath:
    """Reject entry names that could land outside the extraction folder."""
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise LoadError(f"archive {archive} has an entry with an absolute path: {name!r}")
    if ".." in path.parts:
        raise LoadError(f"archive {archive} has an entry that escapes its folder: {name!r}")
    return path


def _tar_entries(archive: str, tar: tarfile.TarFile) -> list[_Entry]:
    wasm: list[_Entry] = []
    for member in tar.getmembers():
        path = _check_name(archive, member.name)
        if member.issym() or member.islnk():
            raise LoadError(
                f"archive {archive} has a link entry {member.name!r} -> {member.linkname!r}; "
                "links are not allowed"
            )
        if member.isdir():
            continue
        if not member.isfile():
            raise LoadError(f"archive {archive} has a special file entry {member.name!r}")
        if path.suffix == ".wasm":
            wasm.append(_Entry(path.as_posix(), member.size, member))
    return wasm


def _zip_entries(archive: str, zf: zipfile.ZipFile) -> list[_Entry]:
    wasm: list[_Entry] = []
    for info in zf.infolist():
        path = _check_name(archive, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise LoadError(
                f"archive {archive} has a link entry {info.filename!r}; links are not allowed"
            )
        if info.is_dir():
            continue
        if path.suffix == ".wasm":
            wasm.append(_Entry(path.as_posix(), info.file_size, info))
    return wasm


def _choose(archive: str, entries: list[_Entry], preferred: str | None) -> _Entry:
    if not entries:
        raise LoadError(f"archive {archive} holds no .wasm file")
    if len(entries) == 1:
        return entries[0]
    if preferred is not None:
        named = [e for e in entries if PurePosixPath(e.name).name == preferred]
        if len(named) == 1:
            return named[0]
    names = ", ".join(sorted(e.name for e in entries))
    want = f" and none is named {preferred!r}" if preferred else ""
    raise LoadError(f"archive {archive} holds several .wasm files ({names}){want}")


@contextmanager
def _open_member(archive_path: Path, archive: str) -> Iterator[tuple[list[_Entry], object]]:
    suffix = archive_suffix(archive)
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(archive_path) as zf:
                yield _zip_entries(archive, zf), zf
        else:
            with tarfile.open(archive_path, "r:gz") as tar:
                yield _tar_entries(archive, tar), tar
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
        raise LoadError(f"archive {archive} cannot be read: {e}") from e


def extract_wasm(
    archive_path: Path, dest: Path, *, name: str | None = None, preferred_name: str | None = None
) -> str:
    """Write the archive's single `.wasm` (or the one named `preferred_name`) to `dest`.

    Every entry is checked first: an absolute path, a `..` component, a link or a special
    file anywhere in the archive rejects the whole archive. `name` (default: the file's name)
    decides the archive kind and is used in messages. Returns the chosen entry name.
    """
    archive = name if name is not None else archive_path.name
    with _open_member(archive_path, archive) as (entries, handle):
        entry = _choose(archive, entries, preferred_name)
        if entry.size > MAX_WASM_BYTES:
            raise LoadError(
                f"archive {archive}: {entry.name} is larger than {MAX_WASM_BYTES} bytes"
            )
        source: IO[bytes] | None
        if isinstance(handle, zipfile.ZipFile):
            assert isinstance(entry.key, zipfile.ZipInfo)
            source = handle.open(entry.key)
        else:
            assert isinstance(handle, tarfile.TarFile) and isinstance(entry.key, tarfile.TarInfo)
            source = handle.extractfile(entry.key)
        if source is None:
            raise LoadError(f"archive {archive}: {entry.name} cannot be read")
        with source, open(dest, "wb") as out:
            shutil.copyfileobj(source, out)
        return entry.name
