"""The compile cache is read and written only while its folder can be trusted.

A serialized component is native code the runtime maps and runs; a writer of the cache folder
can swap an entry and its seal together, which no seal can detect. These tests make that swap
for real and check that an untrusted folder (others can write it or a folder above it, or it
is another user's) is bypassed: the right code runs, nothing is written, one warning says why.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

from witkit.runtime import U32, Runtime, _seal

pytestmark = [
    pytest.mark.hostile,
    pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX notion"),
]

CALC = """
(component
  (core module $m (func (export "f") (param i32 i32) (result i32) local.get 0 local.get 1 i32.{op}))
  (core instance $i (instantiate $m))
  (func (export "f") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "f")))
)
"""
ADD, MUL = CALC.format(op="add"), CALC.format(op="mul")


def _call(rt: Runtime, source: str) -> int:
    inst = rt.instantiate(source)
    try:
        return int(inst.func("f", [U32, U32], U32)(6, 7))
    finally:
        inst.close()


def _swap_add_for_mul(cache: Path) -> None:
    """Do what a writer of the folder can: put MUL's compiled code under ADD's key, sealed."""
    rt = Runtime(cache_dir=cache)
    add_entry = cache / f"{rt._cache_key(ADD.encode())}.cwasm"
    mul_entry = cache / f"{rt._cache_key(MUL.encode())}.cwasm"
    shutil.copyfile(mul_entry, add_entry)
    os.chmod(add_entry, 0o600)
    seal = _seal.read_seal(mul_entry.with_suffix(".seal"))
    assert seal is not None
    _seal.write_seal(add_entry.with_suffix(".seal"), _seal.Seal.of(add_entry.stat(), seal.sha256))


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A compile cache holding ADD and MUL, with MUL's code swapped in under ADD's key."""
    folder = tmp_path / "cache"
    rt = Runtime(cache_dir=folder)
    assert (_call(rt, ADD), _call(rt, MUL)) == (13, 42)
    _swap_add_for_mul(folder)
    return folder


def test_the_swap_is_what_a_trusted_folder_cannot_detect(cache: Path) -> None:
    # Why the folder must be private: the seal vouches for whatever a writer put there.
    rt = Runtime(cache_dir=cache)
    assert _call(rt, ADD) == 42
    assert rt.cache_stats.hits == 1


def test_a_folder_others_can_write_is_bypassed_with_one_warning(cache: Path) -> None:
    cache.chmod(0o777)
    before = sorted(p.name for p in cache.iterdir())
    rt = Runtime(cache_dir=cache)
    with pytest.warns(RuntimeWarning) as caught:
        assert _call(rt, ADD) == 13
        assert _call(rt, ADD) == 13
    assert [str(w.message) for w in caught] == [
        f"compile cache {cache}: others can write it (mode 0777) and could swap what witkit "
        f"runs from it; run `chmod 700 {cache}`; compiling without the cache"
    ]
    assert (rt.cache_stats.hits, rt.cache_stats.writes, rt.cache_stats.untrusted) == (0, 0, 2)
    assert sorted(p.name for p in cache.iterdir()) == before  # nothing read, nothing written
    cache.chmod(0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _call(rt, MUL) == 42
    assert rt.cache_stats.hits == 1  # trusted again: used again


def test_a_writable_sources_folder_is_bypassed(cache: Path) -> None:
    (cache / "sources").mkdir(exist_ok=True)
    (cache / "sources").chmod(0o777)
    rt = Runtime(cache_dir=cache)
    with pytest.warns(RuntimeWarning, match=r"compile cache .*sources: others can write it"):
        assert _call(rt, ADD) == 13


def test_a_parent_others_can_write_is_bypassed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    folder = shared / "cache"
    rt = Runtime(cache_dir=folder)
    assert _call(rt, ADD) == 13 and rt.cache_stats.writes == 1
    _call(rt, MUL)
    _swap_add_for_mul(folder)
    shared.chmod(0o777)
    rt = Runtime(cache_dir=folder)
    with pytest.warns(RuntimeWarning, match=rf"inside {shared}, which others can write .*no sticky bit"):
        assert _call(rt, ADD) == 13


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="os.chown needs root")
def test_a_folder_or_entry_of_another_user_is_not_used(cache: Path) -> None:
    os.chown(cache, 54321, -1)
    rt = Runtime(cache_dir=cache)
    with pytest.warns(RuntimeWarning, match="belongs to uid 54321, not to you"):
        assert _call(rt, ADD) == 13
    os.chown(cache, 0, -1)
    # The folder is fine again but the swapped entry is a stranger's file: rejected, recompiled.
    entry = cache / f"{rt._cache_key(ADD.encode())}.cwasm"
    os.chown(entry, 54321, -1)
    rt = Runtime(cache_dir=cache)
    assert _call(rt, ADD) == 13
    assert (rt.cache_stats.hits, rt.cache_stats.rejected) == (0, 1)


def test_an_entry_others_can_write_is_rejected(cache: Path) -> None:
    rt = Runtime(cache_dir=cache)
    entry = cache / f"{rt._cache_key(ADD.encode())}.cwasm"
    entry.chmod(0o666)
    assert _call(rt, ADD) == 13
    assert (rt.cache_stats.hits, rt.cache_stats.rejected) == (0, 1)
