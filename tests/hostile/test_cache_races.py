"""The compile cache under concurrent processes and after a crash: no one trusts a half-written entry.

Real processes share one cache folder: writers delete the entry and compile (so they write it
again) while readers compile (so they read it, or write it when a writer just deleted it).
A writer that wrote the entry in place would let readers read it half-written; the entry's
hash would then make them reject it, which `rejected == 0` in every process rules out.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from witkit.runtime import U32, Runtime

ROOT = Path(__file__).resolve().parents[2]

# A component whose cache entry weighs about 1 MiB (a data segment), so that writing and
# reading it takes long enough for the processes to overlap.
COMPONENT = f"""
(component
  (core module $m
    (memory 32)
    (data (i32.const 0) "{"wit" * 350_000}")
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add"))))
"""

ROLES = ("writer", "reader", "writer", "reader")
WRITER_ROUNDS = 40
READER_MAX_ROUNDS = 2_000
"""Readers go on until the writers are done (the parent then creates the stop file), at most this."""


def entry_path(rt: Runtime, cache: Path) -> Path:
    """Where `rt` keeps COMPONENT's entry in `cache`."""
    return cache / f"{rt._cache_key(COMPONENT.encode())}.cwasm"


def works(rt: Runtime, round_no: int) -> None:
    """Compile COMPONENT through the cache, instantiate it and call its export."""
    instance = rt.instantiate(rt.compile(COMPONENT))
    assert instance.func("add", [U32, U32], U32)(round_no, 1) == round_no + 1


def _child() -> None:
    """One process of the race: `python -c ... ROLE CACHE STOP`; prints its cache stats as JSON."""
    role, cache, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    rt = Runtime(cache_dir=cache)
    entry = entry_path(rt, cache)
    print("ready", flush=True)
    sys.stdin.readline()  # everyone starts together
    rounds = 0
    for rounds in range(1, (WRITER_ROUNDS if role == "writer" else READER_MAX_ROUNDS) + 1):
        if role == "writer":
            entry.unlink(missing_ok=True)
        works(rt, rounds)
        if role == "reader" and stop.exists():
            break
    print(json.dumps({"role": role, "rounds": rounds, **dataclasses.asdict(rt.cache_stats)}))


@pytest.mark.timeout(120)
def test_processes_racing_on_one_entry_never_read_it_half_written(tmp_path: Path) -> None:
    cache, stop = tmp_path / "cache", tmp_path / "stop"
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    code = "from tests.hostile.test_cache_races import _child; _child()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, role, str(cache), str(stop)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ROLES
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline() == "ready\n"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outputs: list[tuple[str, str]] = []
        for role, p in sorted(zip(ROLES, procs, strict=True), key=lambda rp: rp[0] != "writer"):
            if role == "reader":
                stop.touch()  # the writers are done
            out, err = p.communicate(timeout=90)
            assert p.returncode == 0, f"{role} failed:\n{err}"
            outputs.append((role, out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    reports = [json.loads(out.strip().splitlines()[-1]) for _, out in outputs]
    assert [r["rejected"] for r in reports] == [0] * len(ROLES), reports
    writers = [r for r in reports if r["role"] == "writer"]
    readers = [r for r in reports if r["role"] == "reader"]
    for r in reports:
        assert r["hits"] + r["misses"] == r["rounds"]
    assert all(r["rounds"] == WRITER_ROUNDS and r["writes"] > 0 for r in writers), writers
    # The race did happen: readers found entries the others wrote.
    assert all(r["hits"] > 0 for r in readers), readers
    assert not list(cache.glob(".tmp-*"))
    again = Runtime(cache_dir=cache)
    works(again, 0)
    assert (again.cache_stats.hits, again.cache_stats.rejected) == (1, 0)


@pytest.mark.parametrize("left", ["half-written", "complete"])
def test_a_crash_mid_write_leaves_nothing_that_is_trusted(tmp_path: Path, left: str) -> None:
    """A writer killed before its rename leaves its temp file; one killed earlier (or a cache
    without atomic renames) may leave a truncated entry. Neither is used; the entry is rebuilt."""
    works(Runtime(cache_dir=tmp_path), 0)
    rt = Runtime(cache_dir=tmp_path)
    entry = entry_path(rt, tmp_path)
    blob = entry.read_bytes()
    stale = tmp_path / ".tmp-crashed.cwasm"
    stale.write_bytes(blob if left == "complete" else blob[: len(blob) // 3])
    entry.write_bytes(blob[: len(blob) // 2])
    works(rt, 1)
    assert (rt.cache_stats.rejected, rt.cache_stats.misses, rt.cache_stats.writes) == (1, 1, 1)
    assert entry.read_bytes() == blob
    after = Runtime(cache_dir=tmp_path)
    works(after, 2)
    assert (after.cache_stats.hits, after.cache_stats.rejected) == (1, 0)


def test_stale_temp_files_of_killed_writers_are_swept(tmp_path: Path) -> None:
    """Temp files older than an hour are leftovers of killed writers: the next write deletes
    them; a young one may belong to a writer still at work and is kept."""
    old = tmp_path / ".tmp-killed.cwasm"
    young = tmp_path / ".tmp-working.cwasm"
    for tmp in (old, young):
        tmp.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    rt = Runtime(cache_dir=tmp_path)
    works(rt, 0)
    assert rt.cache_stats.writes == 1
    assert not old.exists()
    assert young.exists()
