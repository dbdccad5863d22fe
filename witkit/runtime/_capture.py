"""Captured guest stdout/stderr: wasmtime writes to an unlinked temporary file, witkit reads it back.

wasmtime-py's `WasiConfig.stdout_custom` calls Python from wasmtime's tokio worker threads,
which panics ("panic in a function that cannot unwind") and often aborts the process. A plain
file written by wasmtime itself runs no Python on those threads, so capture goes through one:
the file is unlinked as soon as wasmtime has opened it and read incrementally on demand, keeping
at most `limit` bytes in memory (the rest is counted as dropped and skipped on disk).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile

from wasmtime import WasiConfig

__all__ = ["Capture"]

_log = logging.getLogger("witkit.runtime")
_CHUNK = 1 << 16


class Capture:
    """One captured stream (`name` is "stdout" or "stderr") holding at most `limit` bytes."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0
        fd, self._path = tempfile.mkstemp(prefix=f"witkit-{name}-")
        self._file = os.fdopen(fd, "rb", buffering=0)

    def attach(self, cfg: WasiConfig) -> None:
        """Make `cfg` write this stream into the capture file (wasmtime opens it right away)."""
        setattr(cfg, f"{self.name}_file", self._path)
        with contextlib.suppress(OSError):  # a platform that cannot unlink open files
            os.unlink(self._path)

    def pull(self) -> None:
        """Take what the guest wrote since the last pull."""
        f = self._file
        if f.closed:
            return
        end = os.fstat(f.fileno()).st_size
        pos = f.tell()
        while pos < end:
            room = self.limit - len(self.data)
            if room <= 0:
                if not self.dropped:
                    _log.warning(
                        "a plugin's captured %s reached its limit of %d bytes; further output is dropped",
                        self.name, self.limit,
                    )
                self.dropped += end - pos
                f.seek(end)
                return
            chunk = f.read(min(room, _CHUNK, end - pos))
            if not chunk:
                return
            self.data.extend(chunk)
            pos += len(chunk)

    def clear(self) -> None:
        """Forget what was captured so far (what the guest writes later is kept)."""
        self.pull()
        del self.data[:]
        self.dropped = 0

    def close(self) -> None:
        """Release the file; its space goes back once wasmtime lets go of it too."""
        self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self._path)
