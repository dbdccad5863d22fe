"""Seals: a file's digest, and the file-system facts that let a later reader skip re-hashing it.

The compile cache maps its entries (wasmtime's `deserialize_file`) instead of reading them, and
hashing a 34 MB entry costs more than mapping it. A seal, kept beside the file it vouches for,
records the file's sha256 and its `stat` as they were when the digest was last checked: device,
inode, size, modification and change times. A reader whose `fstat` of the open file matches
the seal in every field knows the bytes are the ones that were hashed, because any write,
truncation or replacement changes the change time (`st_ctime_ns`), which no user can set.

A seal whose check ran within `RACY_NS` of the file's last change is *racy*, as git calls it:
file times tick coarsely (a few milliseconds), so a write in the same tick as the check would
leave the times unchanged. Racy seals are not trusted; the reader hashes the file again and,
if the digest holds, writes a fresh seal that later readers can trust. So a new entry is hashed
once more on its first use and mapped without hashing from then on.

What a seal does not cover: a writer with access to the cache folder can rewrite a file and
its seal together (it could equally recompute the digest the seal holds), and a bit flipped by
the disk without any write. For the first, cache folders are created private to the user and
used only while nobody else can write them, and a seal or entry file that is not the user's
own, or that others can write, is not trusted (`witkit._cachedirs`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from witkit._cachedirs import file_distrust

RACY_NS = 50_000_000
"""A seal checked less than this long (50 ms) after its file's last change is re-checked."""

_FIELDS = ("dev", "ino", "size", "mtime_ns", "ctime_ns")


@dataclass(frozen=True)
class Seal:
    """A file's sha256 (hex), its `stat` when the digest was checked, and when that was."""

    sha256: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int
    checked_ns: int

    @classmethod
    def of(cls, st: os.stat_result, sha256: str) -> Seal:
        """The seal of a file whose `fstat` is `st` and whose digest was just checked."""
        return cls(
            sha256, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, time.time_ns()
        )

    def trusts(self, st: os.stat_result) -> bool:
        """Whether a file with this `fstat` holds the sealed bytes without hashing it again."""
        now = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        return now == tuple(getattr(self, f) for f in _FIELDS) and (
            self.checked_ns - st.st_ctime_ns >= RACY_NS
        )


def read_seal(path: Path) -> Seal | None:
    """The seal stored at `path`, or None if it is missing, not a seal, or not the user's own
    (see `witkit._cachedirs.file_distrust`)."""
    try:
        with open(path, "rb") as f:
            if file_distrust(os.fstat(f.fileno())) is not None:
                return None
            data = json.loads(f.read())
        dev, ino, size, mtime_ns, ctime_ns = (int(data[f]) for f in _FIELDS)
        return Seal(str(data["sha256"]), dev, ino, size, mtime_ns, ctime_ns, int(data["checked_ns"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_seal(path: Path, seal: Seal) -> None:
    """Store `seal` at `path` atomically (a reader sees the old seal or the new one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".seal")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(seal), f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(f: int) -> tuple[str, bytearray]:
    """The hex sha256 of the open file `f` (from its start) and its bytes, read once."""
    st = os.fstat(f)
    blob = bytearray(st.st_size)
    view = memoryview(blob)
    got = 0
    while got < len(blob):
        n = os.preadv(f, [view[got:]], got)
        if n == 0:
            break
        got += n
    del view
    del blob[got:]
    return hashlib.sha256(blob).hexdigest(), blob
