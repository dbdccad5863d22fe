"""Cache folders witkit writes and later trusts: created private, swept of dead writers' files.

The compile cache holds native code the runtime maps and runs, and the plugin cache holds
components a digest was checked for once; both are created readable and writable by the user
alone (0700), whatever the umask. Writers write to a temp file and rename it into place, so a
writer killed mid-write (SIGKILL, power loss) leaves a temp file behind, tens or hundreds of
MB: `sweep_stale` deletes those older than `STALE` seconds the next time the folder is written.
"""

from __future__ import annotations

import time
from pathlib import Path

STALE = 3600.0
"""Seconds after which a temp file is taken for the leftover of a killed writer."""


def private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) readable by the user alone."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def sweep_stale(folder: Path, pattern: str) -> int:
    """Delete the files of `folder` matching `pattern` last changed over `STALE` seconds ago;
    returns how many went (another process may have swept or renamed one first)."""
    cutoff = time.time() - STALE
    swept = 0
    for tmp in folder.glob(pattern):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                swept += 1
        except OSError:
            pass
    return swept
