"""The parser tables are cached in a private user folder, written atomically, never trusted
from a folder others can write, and rebuilt from the grammar whenever the file is unusable."""

from __future__ import annotations

import os
from pathlib import Path

import lark
import pytest

from witkit.wit import parser

SOURCE = "package a:b;\ninterface i { f: func(x: u32) -> string; }\n"


@pytest.fixture
def cache_home(witkit_cache: Path) -> Path:
    return witkit_cache / "grammar"


def _build() -> lark.Lark:
    return parser._parser.__wrapped__()  # type: ignore[attr-defined,no-any-return]


def _tables(folder: Path) -> list[Path]:
    return sorted(folder.glob("wit-grammar-*.lark"))


def _no_grammar_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grammar was compiled although a cached parser was there")

    monkeypatch.setattr(lark.lark, "load_grammar", refuse)


def test_a_second_build_loads_the_cached_tables(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _build()
    [table] = _tables(cache_home)
    assert cache_home.stat().st_mode & 0o777 == 0o700
    _no_grammar_build(monkeypatch)
    second = _build()
    assert second.parse(SOURCE) == first.parse(SOURCE)
    assert _tables(cache_home) == [table]
    assert not list(cache_home.glob(".*.tmp"))


def test_a_corrupt_table_is_rebuilt_and_replaced(cache_home: Path) -> None:
    reference = _build().parse(SOURCE)
    [table] = _tables(cache_home)
    table.write_bytes(b"\x80\x04not a pickle at all")
    assert _build().parse(SOURCE) == reference
    assert table.read_bytes() != b"\x80\x04not a pickle at all"


def test_tables_for_another_grammar_are_swept(cache_home: Path) -> None:
    cache_home.mkdir(parents=True, mode=0o700)
    old = cache_home / "wit-grammar-0123456789abcdef0123456789abcdef.lark"
    old.write_bytes(b"tables of an older grammar")
    dead_writer = cache_home / ".wit-grammar-x.lark.99999.tmp"
    dead_writer.write_bytes(b"half")
    _build()
    assert not old.exists() and not dead_writer.exists()
    assert len(_tables(cache_home)) == 1


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX notion")
def test_a_folder_others_can_write_is_not_trusted(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build()
    [table] = _tables(cache_home)
    os.chmod(cache_home, 0o777)
    table.write_bytes(b"planted by another user")
    with pytest.warns(RuntimeWarning, match=rf"witkit cache {cache_home}: others can write it \(mode 0777\)"):
        assert _build().parse(SOURCE) is not None
    assert table.read_bytes() == b"planted by another user"  # neither read nor rewritten


def test_witkit_cache_0_writes_nothing(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITKIT_CACHE", "0")
    assert _build().parse(SOURCE) is not None
    assert not cache_home.exists()
