"""The resolve cache: a resolution of unchanged files is read back, in a later process without
the parser or the resolver imported, and any change to what it depends on resolves anew."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from witkit.errors import WitError
from witkit.wit.resolve import resolve_path, resolve_path_anew

REPO = Path(__file__).resolve().parents[2]

MAIN = """package t:a;

interface i {
  use t:b/j.{x};
  f: func(v: x);
  @unstable(feature = extra)
  g: func();
}

world w {
  export i;
}
"""
DEP = "package t:b;\n\ninterface j {\n  type x = u32;\n}\n"


def _package(root: Path) -> Path:
    pkg = root / "pkg"
    (pkg / "deps" / "b").mkdir(parents=True)
    (pkg / "a.wit").write_text(MAIN)
    (pkg / "deps" / "b" / "b.wit").write_text(DEP)
    return pkg


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "resolved").glob("*.pickle"))


def test_a_resolution_is_kept_and_read_back_equal(witkit_cache: Path, tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    first = resolve_path(pkg)
    assert len(_entries(witkit_cache)) == 1
    assert resolve_path(pkg) == first == resolve_path_anew(pkg)
    assert len(_entries(witkit_cache)) == 1


def test_a_later_wit_check_imports_neither_parser_nor_resolver(
    witkit_cache: Path, tmp_path: Path
) -> None:
    pkg = _package(tmp_path)
    script = (
        "import sys\n"
        "from witkit.cli import main\n"
        f"sys.argv = ['witkit', 'wit', 'check', {str(pkg)!r}, '--world', 'w']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('witkit.wit.', 'lark'))))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(witkit_cache.parent))
    env.pop("WITKIT_CACHE", None)

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert "ok: 2 packages" in done.stdout
        return done.stdout

    assert "witkit.wit.parser" in run()  # the first process parses and resolves
    second = run()
    assert "witkit.wit.parser" not in second and "witkit.wit.ast" not in second
    assert "witkit.wit.resolve_cache" in second


def _edit(path: str, text: str) -> Callable[[Path], None]:
    return lambda pkg: (pkg / path).write_text(text)


CHANGES: dict[str, Callable[[Path], None]] = {
    "a main file edited": _edit("a.wit", MAIN.replace("f: func", "f2: func")),
    "a dependency edited": _edit("deps/b/b.wit", DEP.replace("u32", "string")),
    "a main file added": _edit("extra.wit", "package t:a;\n\ninterface k {}\n"),
    "a dependency added": lambda pkg: (
        (pkg / "deps" / "c").mkdir(),
        (pkg / "deps" / "c" / "c.wit").write_text("package t:c;\n"),
    ),
    "a main file renamed": lambda pkg: (pkg / "a.wit").rename(pkg / "z.wit"),
    "a dependency file renamed": lambda pkg: (pkg / "deps" / "b" / "b.wit").rename(
        pkg / "deps" / "b" / "other.wit"
    ),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_change_is_never_served_stale(witkit_cache: Path, tmp_path: Path, change: str) -> None:
    pkg = _package(tmp_path)
    before = resolve_path(pkg)
    CHANGES[change](pkg)
    after = resolve_path(pkg)
    assert after == resolve_path_anew(pkg)
    if "renamed" not in change:  # a renamed file resolves the same, under a new key
        assert after != before
    assert len(_entries(witkit_cache)) == 2


def test_features_and_the_path_as_given_are_part_of_the_key(
    witkit_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = _package(tmp_path)
    plain = resolve_path(pkg)
    extra = resolve_path(pkg, features=frozenset({"extra"}))
    assert extra != plain
    assert extra == resolve_path_anew(pkg, features=frozenset({"extra"}))
    monkeypatch.chdir(tmp_path)
    assert resolve_path(Path("pkg")) == resolve_path_anew(Path("pkg"))
    assert len(_entries(witkit_cache)) == 3


def test_an_error_is_resolved_anew_each_time_and_never_kept(
    witkit_cache: Path, tmp_path: Path
) -> None:
    pkg = _package(tmp_path)
    (pkg / "deps" / "b" / "b.wit").write_text("package t:b;\n")  # `j` is gone
    for _ in range(2):
        with pytest.raises(WitError, match="interface 'j' not found"):
            resolve_path(pkg)
    assert _entries(witkit_cache) == []


def test_a_damaged_entry_is_resolved_anew(witkit_cache: Path, tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    first = resolve_path(pkg)
    (entry,) = _entries(witkit_cache)
    entry.write_bytes(entry.read_bytes()[:50])
    assert resolve_path(pkg) == first


def test_witkit_cache_0_keeps_nothing(
    witkit_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITKIT_CACHE", "0")
    pkg = _package(tmp_path)
    assert resolve_path(pkg) == resolve_path_anew(pkg)
    assert not (witkit_cache / "resolved").exists()
