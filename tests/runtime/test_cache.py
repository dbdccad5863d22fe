"""The compile cache: hits deserialize, anything untrustworthy is recompiled and rewritten."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from wasmtime import wat2wasm

from tests.runtime.components import BEHAVIOUR
from witkit.errors import PluginError
from witkit.runtime import U32, ImportFunc, Limits, Runtime, _seal


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.cwasm"))


def works(rt: Runtime, source: object) -> None:
    inst = rt.instantiate(rt.compile(source), [ImportFunc("host-fail", [U32], U32, lambda n: n)])  # type: ignore[arg-type]
    assert inst.func("add", [U32, U32], U32)(20, 22) == 42


def test_second_compile_is_a_cache_hit(tmp_path: Path) -> None:
    first = Runtime(cache_dir=tmp_path)
    works(first, BEHAVIOUR)
    assert (first.cache_stats.misses, first.cache_stats.writes, first.cache_stats.hits) == (1, 1, 0)
    [entry] = entries(tmp_path)
    mtime = entry.stat().st_mtime_ns
    second = Runtime(cache_dir=tmp_path)  # a new engine: the entry must be deserialized
    works(second, BEHAVIOUR)
    assert (second.cache_stats.hits, second.cache_stats.misses, second.cache_stats.writes) == (1, 0, 0)
    assert entry.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.hostile
@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_entry_is_recompiled(tmp_path: Path, damage: str) -> None:
    works(Runtime(cache_dir=tmp_path), BEHAVIOUR)
    [entry] = entries(tmp_path)
    blob = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(blob[: len(blob) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"not a cache entry")
    else:
        entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    rt = Runtime(cache_dir=tmp_path)
    works(rt, BEHAVIOUR)
    assert (rt.cache_stats.rejected, rt.cache_stats.misses, rt.cache_stats.writes) == (1, 1, 1)
    again = Runtime(cache_dir=tmp_path)
    works(again, BEHAVIOUR)
    assert again.cache_stats.hits == 1


@pytest.mark.hostile
def test_foreign_entry_is_not_trusted(tmp_path: Path) -> None:
    """An intact entry written by a differently configured engine fails wasmtime's check and is recompiled."""
    fuel_rt = Runtime(cache_dir=tmp_path, limits=Limits(fuel=10**9))
    fuel_rt.compile(BEHAVIOUR)
    [foreign] = entries(tmp_path)
    plain = Runtime(cache_dir=tmp_path)
    key = plain._cache_key(BEHAVIOUR.encode())
    assert key != foreign.stem  # engine configuration is part of the key...
    (tmp_path / f"{key}.cwasm").write_bytes(foreign.read_bytes())  # ...but pretend it collided,
    (tmp_path / f"{key}.seal").write_bytes(foreign.with_suffix(".seal").read_bytes())  # sealed
    works(plain, BEHAVIOUR)
    assert plain.cache_stats.rejected == 1 and plain.cache_stats.hits == 0


def test_sources_binary_text_path_and_component(tmp_path: Path) -> None:
    rt = Runtime(cache_dir=tmp_path / "cache")
    binary = wat2wasm(BEHAVIOUR)
    works(rt, BEHAVIOUR)
    works(rt, bytes(binary))
    wasm_file = tmp_path / "plugin.wasm"
    wasm_file.write_bytes(binary)
    works(rt, wasm_file)
    assert rt.cache_stats.hits == 1  # the file has the same bytes as the binary
    component = rt.compile(wasm_file)
    assert rt.compile(component) is component


def test_cache_can_be_disabled_and_bad_input_is_a_plugin_error(tmp_path: Path) -> None:
    rt = Runtime(cache=False)
    assert rt.cache_dir is None
    works(rt, BEHAVIOUR)
    with pytest.raises(PluginError):
        rt.compile(b"\0asm garbage")
    with pytest.raises(PluginError):
        rt.compile(tmp_path / "missing.wasm")
    with pytest.raises(PluginError):
        rt.compile("(component (this is not wat")


def test_default_cache_dir_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rt = Runtime()
    assert rt.cache_dir is not None and "witkit" in str(rt.cache_dir)


def test_a_sealed_entry_is_mapped_without_hashing_once_its_seal_is_settled(tmp_path: Path) -> None:
    """A fresh seal is racy (file times tick coarsely), so the first hit hashes the entry and
    seals it again; later hits trust the seal and map the file without reading it."""
    works(Runtime(cache_dir=tmp_path), BEHAVIOUR)
    time.sleep(2 * _seal.RACY_NS / 1e9)
    first = Runtime(cache_dir=tmp_path)
    works(first, BEHAVIOUR)
    assert (first.cache_stats.hits, first.cache_stats.rehashed) == (1, 1)
    later = Runtime(cache_dir=tmp_path)
    works(later, BEHAVIOUR)
    assert (later.cache_stats.hits, later.cache_stats.rehashed, later.cache_stats.rejected) == (1, 0, 0)


@pytest.mark.hostile
def test_an_entry_changed_in_place_with_its_times_put_back_is_not_trusted(tmp_path: Path) -> None:
    """Same size, same modification time: the change time still moves, so the seal fails and
    the digest catches the flipped byte."""
    works(Runtime(cache_dir=tmp_path), BEHAVIOUR)
    time.sleep(2 * _seal.RACY_NS / 1e9)
    works(Runtime(cache_dir=tmp_path), BEHAVIOUR)  # the seal is settled now
    [entry] = entries(tmp_path)
    st = entry.stat()
    blob = bytearray(entry.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    entry.write_bytes(blob)
    os.utime(entry, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert entry.stat().st_size == st.st_size and entry.stat().st_mtime_ns == st.st_mtime_ns
    rt = Runtime(cache_dir=tmp_path)
    works(rt, BEHAVIOUR)
    assert (rt.cache_stats.rejected, rt.cache_stats.hits, rt.cache_stats.writes) == (1, 0, 1)


@pytest.mark.hostile
def test_a_source_file_changed_with_its_times_put_back_is_compiled_again(tmp_path: Path) -> None:
    """The source's digest is remembered by its seal; a change the times hide is still seen."""
    source = tmp_path / "plugin.wasm"
    source.write_bytes(wat2wasm(BEHAVIOUR))
    works(Runtime(cache_dir=tmp_path / "cache"), source)
    time.sleep(2 * _seal.RACY_NS / 1e9)
    works(Runtime(cache_dir=tmp_path / "cache"), source)  # settles the source's seal
    st = source.stat()
    other = wat2wasm(BEHAVIOUR.replace("local.get 1 i32.add", "local.get 1 i32.sub", 1))
    assert len(other) == st.st_size and other != source.read_bytes()
    source.write_bytes(other)
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    rt = Runtime(cache_dir=tmp_path / "cache")
    inst = rt.instantiate(rt.compile(source), [ImportFunc("host-fail", [U32], U32, lambda n: n)])
    assert (rt.cache_stats.misses, rt.cache_stats.hits) == (1, 0)
    assert inst.func("add", [U32, U32], U32)(20, 22) == (20 - 22) % 2**32


def test_cache_folders_are_private_to_the_user(tmp_path: Path) -> None:
    works(Runtime(cache_dir=tmp_path / "cache"), BEHAVIOUR)
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0
