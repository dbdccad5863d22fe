"""The guest's code called in plain Python, before it is built into a component."""

from __future__ import annotations

import kv


def test_store_keeps_values_by_key() -> None:
    s = kv.Store("main")
    assert s.name() == "main"
    assert s.get("k") is None
    s.set("k", b"v")
    s.set("a", b"1")
    assert s.get("k") == b"v"
    assert s.keys() == ["a", "k"]
    assert s.delete("k") is True
    assert s.delete("k") is False


def test_merge_copies_the_lent_store() -> None:
    a, b = kv.Store("a"), kv.Store("b")
    b.set("x", b"1")
    b.set("y", b"2")
    assert a.merge(b) == 2
    assert a.keys() == ["x", "y"]
    assert b.keys() == ["x", "y"]


def test_created_counts_every_store() -> None:
    before = kv.Store.created()
    kv.Store("one")
    kv.Store("two")
    assert kv.Store.created() == before + 2
