"""Safe unpacking of the single `.wasm` inside a `.tar.gz`, `.tgz` or `.zip` release asset."""

from __future__ import annotations

import lzma
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from witkit.errors import LoadError

__all__ = [
    "ARCHIVE_SUFFIXES",
    "MAX_UNPACKED_BYTES",
    "archive_suffix",
    "extract_wasm",
    "is_archive",
    "sniff_archive",
]

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
"""File name endings treated as archives; everything else is taken as a bare `.wasm`."""

MAX_UNPACKED_BYTES = 256 * 2**20
"""The default ceiling on what an archive's entries add up to when unpacked (a decompression
bomb guard); `PluginLoader` passes its `max_download_size` instead."""


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
    key: object


def _check_name(archive: str, name: str) -> PurePosixPath:
    """Reject entry names that are empty or could land outside the extraction folder."""
    if not name:  # zipfile cuts a name at its first NUL, so a name may come out empty
        raise LoadError(f"archive {archive} has an entry with no name")
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    if not unified:
        raise LoadError(f"archive {archive} has an entry with an empty name")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise LoadError(f"archive {archive} has an entry with an absolute path: {name!r}")
    if ".." in path.parts:
        raise LoadError(f"archive {archive} has an entry that escapes its folder: {name!r}")
    return path


def _check_unpacked(archive: str, unpacked: int, max_bytes: int, name: str) -> None:
    if unpacked > max_bytes:
        raise LoadError(
            f"archive {archive} unpacks to more than the limit of {max_bytes} bytes "
            f"(at least {unpacked} bytes by entry {name!r}); refusing a likely decompression bomb"
        )


def _tar_entries(archive: str, tar: tarfile.TarFile, max_bytes: int) -> list[_Entry]:
    wasm: list[_Entry] = []
    # One header at a time: a member's data is only skipped over (which for a .tar.gz means
    # decompressing it) when the next header is read, so a bomb stops here before that.
    # `offset_data + size` is how far into the unpacked stream the member ends.
    for member in tar:
        _check_unpacked(archive, member.offset_data + member.size, max_bytes, member.name)
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
            wasm.append(_Entry(path.as_posix(), member))
    return wasm


def _zip_entries(archive: str, zf: zipfile.ZipFile, max_bytes: int) -> list[_Entry]:
    wasm: list[_Entry] = []
    unpacked = 0
    # Sizes come from the central directory; zipfile stops an entry at its stated size and
    # checks its CRC, so an entry cannot unpack to more than it claims.
    for info in zf.infolist():
        unpacked += info.file_size
        _check_unpacked(archive, unpacked, max_bytes, info.filename)
        path = _check_name(archive, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise LoadError(
                f"archive {archive} has a link entry {info.filename!r}; links are not allowed"
            )
        if info.is_dir():
            continue
        # A Unix mode of 0 means the archiver wrote none (Windows zips): a plain file.
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            raise LoadError(f"archive {archive} has a special file entry {info.filename!r}")
        if info.flag_bits & 0x1:
            raise LoadError(f"archive {archive} has an encrypted entry {info.filename!r}")
        if info.compress_type not in _ZIP_METHODS:
            raise LoadError(
                f"archive {archive} entry {info.filename!r} uses compression method "
                f"{info.compress_type}, which witkit does not unpack (stored, deflate, bzip2, lzma)"
            )
        if path.suffix == ".wasm":
            wasm.append(_Entry(path.as_posix(), info))
    return wasm


_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
"""The methods zipfile can unpack; an entry with any other (deflate64 is 9) is refused up front
rather than failing late inside zipfile."""


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
def _open_member(
    archive_path: Path, archive: str, max_bytes: int
) -> Iterator[tuple[list[_Entry], object]]:
    suffix = archive_suffix(archive)
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(archive_path) as zf:
                yield _zip_entries(archive, zf, max_bytes), zf
        else:
            with tarfile.open(archive_path, "r:gz") as tar:
                yield _tar_entries(archive, tar, max_bytes), tar
    except (
        tarfile.TarError,
        zipfile.BadZipFile,
        EOFError,
        OSError,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,
        RuntimeError,
        UnicodeDecodeError,
    ) as e:
        # zlib.error: corrupt deflate data; OSError also covers bzip2's "Invalid data stream";
        # NotImplementedError / RuntimeError: methods and flags zipfile refuses late;
        # UnicodeDecodeError: an entry name flagged UTF-8 (bit 11) that is not UTF-8.
        raise LoadError(f"archive {archive} cannot be read: {e}") from e


def extract_wasm(
    archive_path: Path,
    dest: Path,
    *,
    name: str | None = None,
    preferred_name: str | None = None,
    max_bytes: int = MAX_UNPACKED_BYTES,
) -> str:
    """Write the archive's single `.wasm` (or the one named `preferred_name`) to `dest`.

    Every entry is checked first: an absolute path, a `..` component, a link or a special
    file anywhere in the archive rejects the whole archive, and so do entries adding up to
    more than `max_bytes` unpacked. `name` (default: the file's name) decides the archive
    kind and is used in messages. Returns the chosen entry name.
    """
    archive = name if name is not None else archive_path.name
    with _open_member(archive_path, archive, max_bytes) as (entries, handle):
        entry = _choose(archive, entries, preferred_name)
        source: IO[bytes] | None
        if isinstance(handle, zipfile.ZipFile):
            assert isinstance(entry.key, zipfile.ZipInfo)
            source = handle.open(entry.key)
        else:
            assert isinstance(handle, tarfile.TarFile) and isinstance(entry.key, tarfile.TarInfo)
            source = handle.extractfile(entry.key)
        if source is None:
            raise LoadError(f"archive {archive}: {entry.name} cannot be read")
        try:
            with source, open(dest, "wb") as out:
                shutil.copyfileobj(source, out)
        except BaseException:
            dest.unlink(missing_ok=True)  # nothing half-written
            raise
        return entry.name
