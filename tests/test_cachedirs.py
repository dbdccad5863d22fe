"""`witkit._cachedirs.distrust` on real folders: owner, write bits, sticky bits, parents, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from witkit._cachedirs import distrust, file_distrust, trusted_dir

pytestmark = [
    pytest.mark.hostile,
    pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX notion"),
]
as_root = pytest.mark.skipif(
    not hasattr(os, "getuid") or os.getuid() != 0,
    reason="giving a folder to another user (os.chown) needs root",
)
STRANGER = 54321
"""A uid and gid that no account on the machine has."""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A private folder to build cache folders in (pytest's tmp_path parents are 0700 or sticky)."""
    assert distrust(tmp_path) is None
    return tmp_path


def test_a_new_folder_is_made_private_and_trusted(base: Path) -> None:
    folder = base / "a" / "b"
    assert trusted_dir(folder, "compile cache") is None
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_folder_others_can_write_is_refused_with_the_fix(base: Path) -> None:
    folder = base / "cache"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    problem = trusted_dir(folder, "compile cache")
    assert problem == (
        f"compile cache {folder}: others can write it (mode 0777) and could swap what witkit "
        f"runs from it; run `chmod 700 {folder}`"
    )
    folder.chmod(0o755)  # readable by others is fine: they cannot change what is in it
    assert distrust(folder) is None


@as_root
def test_group_write_counts_unless_the_group_is_the_users_alone(base: Path) -> None:
    folder = base / "cache"
    folder.mkdir(mode=0o770)
    folder.chmod(0o770)
    os.chown(folder, -1, STRANGER)  # a group that is not the user's private group
    assert "others can write it (mode 0770)" in (distrust(folder) or "")
    folder.chmod(0o750)
    assert distrust(folder) is None


@as_root
def test_a_folder_of_another_user_is_refused(base: Path) -> None:
    folder = base / "cache"
    folder.mkdir(mode=0o700)
    os.chown(folder, STRANGER, -1)
    assert distrust(folder) == (
        f"it belongs to uid {STRANGER}, not to you (uid 0), who could swap what witkit runs "
        f"from it; use a folder of your own or run `chown 0 {folder}`"
    )


def test_a_parent_others_can_write_without_sticky_bit_is_refused(base: Path) -> None:
    shared = base / "shared"
    shared.mkdir()
    folder = shared / "cache"
    folder.mkdir(mode=0o700)
    shared.chmod(0o777)
    problem = distrust(folder) or ""
    assert problem.startswith(f"it is inside {shared}, which others can write (mode 0777, no sticky")
    assert f"run `chmod go-w {shared}`" in problem
    shared.chmod(0o1777)  # like /tmp: nobody can rename another user's folder away
    assert distrust(folder) is None


@as_root
def test_a_parent_of_another_user_is_refused(base: Path) -> None:
    theirs = base / "theirs"
    theirs.mkdir(mode=0o755)
    folder = theirs / "cache"
    folder.mkdir(mode=0o700)
    os.chown(theirs, STRANGER, -1)
    assert f"inside {theirs}, which belongs to uid {STRANGER}" in (distrust(folder) or "")


def test_symlinks_are_checked_along_both_paths(base: Path) -> None:
    shared = base / "shared"
    shared.mkdir()
    real = base / "real"
    real.mkdir(mode=0o700)
    (shared / "link").symlink_to(real)
    shared.chmod(0o777)
    # The link lives in a folder others can write: they could point it elsewhere.
    assert f"inside {shared}" in (distrust(shared / "link") or "")
    shared.chmod(0o755)
    assert distrust(shared / "link") is None
    # The link is safe but its target's parent is not.
    target_parent = base / "open"
    target_parent.mkdir()
    (target_parent / "cache").mkdir(mode=0o700)
    (base / "link2").symlink_to(target_parent / "cache")
    target_parent.chmod(0o777)
    assert f"inside {target_parent}" in (distrust(base / "link2") or "")


def test_a_sticky_shared_folder_is_only_good_for_temp_files(base: Path) -> None:
    folder = base / "tmp"
    folder.mkdir()
    folder.chmod(0o1777)
    assert distrust(folder, sticky_ok=True) is None
    assert "others can write it (mode 1777)" in (distrust(folder) or "")


def test_files_others_can_write_are_not_trusted(base: Path) -> None:
    f = base / "entry"
    f.write_bytes(b"x")
    f.chmod(0o600)
    assert file_distrust(f.stat()) is None
    f.chmod(0o646)
    assert file_distrust(f.stat()) == "others can write it (mode 0646)"
    if os.getuid() == 0:
        f.chmod(0o600)
        os.chown(f, STRANGER, -1)
        assert file_distrust(f.stat()) == f"it belongs to uid {STRANGER}, not to you (uid 0)"
