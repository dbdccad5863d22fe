"""Cache folders witkit writes and later trusts: created private, checked before use, swept.

The compile cache holds native code the runtime maps and runs, the plugin cache components
whose digest was checked once, the WIT caches pickles; whoever can write one of these folders
can make witkit run code of their choosing. So they are created readable and writable by the
user alone (0700), whatever the umask, and `distrust` decides whether an existing folder (made
by an older witkit under umask 002, or pointed at a shared place) may be used:

* the folder belongs to the current user, and nobody else can write it: no write bit for
  others, and a group write bit only for the user's private group (the rule Debian's OpenSSH
  applies to `~/.ssh`: the group has the user as its only member). A temp folder that only
  ever holds files witkit created itself with `O_EXCL` may instead be a sticky shared folder
  such as `/tmp` (`sticky_ok`), where nobody can rename or delete another user's files;
* every folder above it, up to `/`, along the path as given and along its resolved path
  (symlinks followed), belongs to the user or to root and is either not writable by others
  (same group rule) or sticky. A folder inside a parent that others can write without the
  sticky bit is not safe even if it is 0700 itself: they can rename it away and put their own
  in its place between the check and the use. Checking all the way up is what OpenSSH's
  StrictModes does for `authorized_keys`, and it costs one `stat` per level (microseconds, no
  file is read); stopping at some level would need a reason to trust the levels above it,
  and there is none in general (`$WITKIT_CACHE_DIR` may point anywhere).

Root is trusted (it can do anything anyway). Where the platform has no user ids (Windows),
nothing is checked: the folder's ACLs are the user profile's. Files inside are created 0600
(`mkstemp`); a reader that opens one checks it with `file_distrust` on its `fstat`.

Writers write to a temp file and rename it into place, so a writer killed mid-write (SIGKILL,
power loss) leaves a temp file behind, tens or hundreds of MB: `sweep_stale` deletes those
older than `STALE` seconds the next time the folder is written.

The small caches of WIT reading and code generation (parsed trees, the grammar's tables,
resolved packages, compiled templates) live in `cache_folder`s, written with `keep`. This
module imports nothing of witkit's, so a cache can be looked up before anything heavy is.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import stat
import threading
import time
import warnings
from pathlib import Path
from typing import Any

STALE = 3600.0
"""Seconds after which a temp file is taken for the leftover of a killed writer."""


def private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) readable by the user alone."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def trusted_dir(
    folder: Path, what: str, *, sticky_ok: bool = False, parents: bool = True
) -> str | None:
    """Create `folder` private if it is missing, then check it (see `distrust`).

    None when it may be used; otherwise one line naming `what` (e.g. "compile cache") and the
    folder, what is wrong and the fix. A folder that cannot be created is left to the caller's
    first write (which reports or tolerates it the way it always has).
    """
    if not os.path.isdir(folder):
        try:
            private_dir(folder)
        except OSError:
            return None
    problem = distrust(folder, sticky_ok=sticky_ok, parents=parents)
    return None if problem is None else f"{what} {folder}: {problem}"


_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_untrusted(problem: str, consequence: str, stacklevel: int = 2) -> None:
    """Say once per process, as a `RuntimeWarning`, that a cache is bypassed and why."""
    with _warned_lock:
        if problem in _warned:
            return
        _warned.add(problem)
    warnings.warn(f"{problem}; {consequence}", RuntimeWarning, stacklevel=stacklevel + 1)


def distrust(folder: Path, *, sticky_ok: bool = False, parents: bool = True) -> str | None:
    """Why the existing `folder` cannot be trusted (what is wrong and the fix), or None.

    `parents=False` checks the folder alone, for a subfolder of one just checked in full.
    """
    uid = _uid()
    if uid is None:
        return None
    try:
        st = os.stat(folder)
    except OSError:
        return None  # missing: nothing in it to trust; whoever creates it makes it private
    if st.st_uid != uid:
        return (
            f"it belongs to uid {st.st_uid}, not to you (uid {uid}), who could swap what witkit "
            f"runs from it; use a folder of your own or run `chown {uid} {folder}`"
        )
    if _others_write(st, uid) and not (sticky_ok and st.st_mode & stat.S_ISVTX):
        return (
            f"others can write it (mode {stat.S_IMODE(st.st_mode):04o}) and could swap what "
            f"witkit runs from it; run `chmod 700 {folder}`"
        )
    for parent in _parents(folder) if parents else ():
        try:
            pst = os.stat(parent)
        except OSError:
            continue
        if pst.st_uid not in (uid, 0):
            return (
                f"it is inside {parent}, which belongs to uid {pst.st_uid} (not to you or root), "
                "who could replace the folder; use a folder elsewhere"
            )
        if _others_write(pst, uid) and not pst.st_mode & stat.S_ISVTX:
            return (
                f"it is inside {parent}, which others can write (mode "
                f"{stat.S_IMODE(pst.st_mode):04o}, no sticky bit) and so could replace the folder; "
                f"run `chmod go-w {parent}` or use a folder elsewhere"
            )
    return None


def file_distrust(st: os.stat_result) -> str | None:
    """Why a cached file with this `stat` cannot be trusted, or None: the folder rule for files."""
    uid = _uid()
    if uid is None:
        return None
    if st.st_uid != uid:
        return f"it belongs to uid {st.st_uid}, not to you (uid {uid})"
    if _others_write(st, uid):
        return f"others can write it (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def _uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return None if getuid is None else int(getuid())


def _parents(folder: Path) -> list[str]:
    """Every folder above `folder`, along the path as given and along its resolved path.

    Plain strings rather than `Path`s: this runs before every compile-cache lookup, and
    `Path.resolve` alone costs ten times the `stat` calls the check makes.
    """
    seen: dict[str, None] = {}
    given = os.path.abspath(folder)
    for path in (given, os.path.realpath(given)):
        parent = os.path.dirname(path)
        while parent not in seen:
            seen[parent] = None
            parent, previous = os.path.dirname(parent), parent
            if parent == previous:
                break
    return list(seen)


def _others_write(st: os.stat_result, uid: int) -> bool:
    """Whether someone other than the owner (`uid`) can write a file with this `stat`."""
    if st.st_mode & stat.S_IWOTH:
        return True
    return bool(st.st_mode & stat.S_IWGRP) and not _private_group(st.st_gid, uid)


@functools.lru_cache(maxsize=16)
def _private_group(gid: int, uid: int) -> bool:
    """Whether group `gid` holds the user `uid` and nobody else (a user private group).

    As Debian's OpenSSH decides it: no other account has `gid` as its primary group, the
    group lists no member but the user, and the user is in it one way or the other.
    """
    try:
        import grp
        import pwd

        group = grp.getgrgid(gid)
        name = pwd.getpwuid(uid).pw_name
        primary = [pw.pw_uid for pw in pwd.getpwall() if pw.pw_gid == gid]
    except (ImportError, KeyError, OSError):
        return False
    if any(other != uid for other in primary) or any(m != name for m in group.gr_mem):
        return False
    return bool(primary) or name in group.gr_mem


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


def cache_folder(name: str) -> Path | None:
    """A private folder under the user's cache folder, or None where it cannot be trusted.

    What is read from it is a pickle, so it must pass `distrust` (yours, writable by nobody
    else, and so is every folder above it); otherwise the cache is left alone, with one
    `RuntimeWarning` saying why: these caches only save time, so refusing to work would gain
    nothing. `WITKIT_CACHE=0` turns them off (None).

    It is asked once per parsed file, so a folder found trusted is re-checked by one `stat`
    of its own (same folder, owner and mode) rather than by walking every folder above it
    again (about 37 us, a fifth of reading a tree back): the folders above can change only
    at the hands of their owners, whom the first walk found to be the user or root.
    """
    if os.environ.get("WITKIT_CACHE", "").strip() == "0":
        return None
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("witkit")) / name
    key = str(folder)
    known = _trusted_folders.get(key)
    if known is not None and known == _identity(folder):
        return folder
    try:
        private_dir(folder)
    except OSError:
        return None
    problem = trusted_dir(folder, "witkit cache")
    if problem is not None:
        warn_untrusted(problem, "working without it", stacklevel=3)
        return None
    identity = _identity(folder)
    if identity is not None:
        _trusted_folders[key] = identity
    return folder


_trusted_folders: dict[str, tuple[int, int, int, int]] = {}
"""`cache_folder`s found trusted in this process: their (device, inode, mode, owner) then."""


def _identity(folder: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mode, st.st_uid


def keep(entry: Path, value: Any, max_entries: int) -> None:
    """Pickle `value` into `entry` atomically; failures are ignored (a cache is only a
    shortcut). Past `max_entries` pickles in the folder, the older half is removed."""
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except (OSError, pickle.PicklingError, RecursionError):
        with contextlib.suppress(OSError):
            tmp.unlink()
        return
    with contextlib.suppress(OSError):
        entries = list(entry.parent.glob("*.pickle"))
        if len(entries) > max_entries:
            entries.sort(key=lambda p: p.stat().st_mtime)
            for old in entries[: len(entries) // 2]:
                with contextlib.suppress(OSError):
                    old.unlink()
