"""Parsed files are kept in a private user folder keyed by text, path and parser code: a hit
gives the very tree a fresh parse gives, anything unusable is parsed again, errors are never
kept, and the folder stays bounded."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from witkit.errors import WitError
from witkit.wit import driver, parser
from witkit.wit.parser import parse, parse_file

SOURCE = "package a:b;\n/// Docs.\ninterface i { f: func(x: u32) -> string; }\n"


@pytest.fixture
def trees(witkit_cache: Path) -> Path:
    return witkit_cache / "trees"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str, path: str) -> None:
        raise AssertionError("the text was parsed although its tree was kept")

    monkeypatch.setattr(driver, "parse_text", refuse)


def _fresh(source: str, path: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as m:
        m.setenv("WITKIT_CACHE", "0")
        return parse(source, path)


def test_a_second_parse_reads_the_kept_tree(trees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = parse(SOURCE, "a.wit")
    [entry] = _entries(trees)
    assert trees.stat().st_mode & 0o777 == 0o700
    _no_parsing(monkeypatch)
    again = parse(SOURCE, "a.wit")
    assert again == first
    assert again.items[0].docs.contents == "Docs."  # type: ignore[union-attr]
    assert _entries(trees) == [entry]
    assert not list(trees.glob(".*.tmp"))


def test_the_kept_tree_equals_a_fresh_parse_of_the_corpus(
    trees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted((Path(__file__).parent / "fixtures").rglob("*.wit"))
    assert files
    fresh = [_fresh(f.read_text(), str(f), monkeypatch) for f in files]
    for f in files:
        parse_file(f)
    _no_parsing(monkeypatch)
    assert [parse_file(f) for f in files] == fresh


def test_another_path_or_text_is_parsed_anew(trees: Path) -> None:
    parse(SOURCE, "a.wit")
    b = parse(SOURCE, "b.wit")
    assert b.path == "b.wit"
    assert b.package is not None and b.package.span.path == "b.wit"
    changed = parse(SOURCE.replace("u32", "u64"), "a.wit")
    assert "u64" in changed.source
    assert len(_entries(trees)) == 3


def test_a_corrupt_or_foreign_entry_is_parsed_again_and_replaced(
    trees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse(SOURCE, "a.wit")
    [entry] = _entries(trees)
    entry.write_bytes(b"not a pickle")
    assert parse(SOURCE, "a.wit") == _fresh(SOURCE, "a.wit", monkeypatch)
    # An entry holding another file's tree (a hash collision, or a stray write) is not used.
    entry.write_bytes(pickle.dumps(parse("package x:y;\n", "a.wit")))
    assert parse(SOURCE, "a.wit").package.name.namespace.name == "a"  # type: ignore[union-attr]
    with entry.open("rb") as f:
        assert pickle.load(f).source == SOURCE


def test_errors_are_never_kept(trees: Path) -> None:
    bad = "package a:b;\ninterface i { f: func(; }\n"
    for _ in range(2):
        with pytest.raises(WitError, match="expected"):
            parse(bad, "bad.wit")
    assert _entries(trees) == []


def test_witkit_cache_0_keeps_nothing(trees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITKIT_CACHE", "0")
    parse(SOURCE, "a.wit")
    assert not trees.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership checks")
def test_a_folder_others_can_write_is_not_used(trees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trees.mkdir(parents=True)
    trees.chmod(0o777)
    with pytest.warns(RuntimeWarning, match=rf"witkit cache {trees}: .*; working without it"):
        parse(SOURCE, "a.wit")
    assert _entries(trees) == []
    planted = trees / "planted.pickle"
    planted.write_bytes(b"")
    _no_parsing(monkeypatch)
    with pytest.raises(AssertionError, match="was parsed"):
        parse(SOURCE, "a.wit")


def test_the_folder_is_kept_bounded(trees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser, "MAX_CACHED_TREES", 10)
    for i in range(25):
        parse(SOURCE, f"f{i}.wit")
    assert 5 <= len(_entries(trees)) <= 10
