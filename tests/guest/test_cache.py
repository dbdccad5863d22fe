"""The build cache: a second build with nothing changed never runs componentize-py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.guest.conftest import FakeComponentize, MakeProject
from tests.guest.test_diagnose import recorded
from witkit.guest import ComponentizeError, Progress, build_project
from witkit.guest import cache as cache_mod
from witkit.guest.build import cache_folder
from witkit.guest.config import load_config


def test_second_build_is_cached(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    first = build_project(root)
    assert (first.cached, fake.runs) == (False, 1)
    assert first.path == root.resolve() / "build" / "proj.wasm"
    assert first.size == first.path.stat().st_size
    before = first.path.stat()

    second = build_project(root)
    assert (second.cached, fake.runs) == (True, 1)
    assert (second.sha256, second.size) == (first.sha256, first.size)
    after = second.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_cached_build_to_another_output(make_project: MakeProject, fake: FakeComponentize,
                                        tmp_path: Path) -> None:
    root = make_project()
    first = build_project(root)
    other = build_project(root, tmp_path / "out" / "other.wasm")
    assert other.cached and fake.runs == 1
    assert other.path.read_bytes() == first.path.read_bytes()


@pytest.mark.parametrize(
    "change",
    ["source", "new-module", "imported-module", "wit", "world-module"],
)
def test_changes_rebuild(make_project: MakeProject, fake: FakeComponentize, change: str) -> None:
    root = make_project()
    build_project(root)
    if change == "source":
        (root / "app.py").write_text((root / "app.py").read_text() + "\n# changed\n")
    elif change == "new-module":
        (root / "helpers" / "util.py").parent.mkdir()
        (root / "helpers" / "util.py").write_text("X = 1\n")
        (root / "app.py").write_text("import helpers.util\n" + (root / "app.py").read_text())
    elif change == "imported-module":
        (root / "util.py").write_text("X = 1\n")
        (root / "app.py").write_text("from util import X\n" + (root / "app.py").read_text())
        build_project(root)
        (root / "util.py").write_text("X = 2\n")
        assert not build_project(root).cached
        assert fake.runs == 3
        return
    elif change == "wit":
        wit = root / "wit" / "world.wit"
        wit.write_text(wit.read_text() + "\n")
    else:
        (root / "guest.py").write_text((root / "app.py").read_text())
        text = (root / "pyproject.toml").read_text()
        (root / "pyproject.toml").write_text(text + 'module = "guest"\n')
    assert not build_project(root).cached
    assert fake.runs == 2


def test_unrelated_files_do_not_rebuild(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    build_project(root)
    (root / "README.md").write_text("hello\n")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "x.py").write_text("")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "app.cpython-311.py").write_text("")
    assert build_project(root).cached
    assert fake.runs == 1


def test_host_side_files_do_not_rebuild(make_project: MakeProject, fake: FakeComponentize) -> None:
    """The host, its bindings (`witkit generate` into the project) and tests are not the guest."""
    from click.testing import CliRunner

    from witkit.cli import main

    root = make_project()
    first = build_project(root)
    (root / "host.py").write_text("from greeter import Greeter\nprint(Greeter)\n")
    out = CliRunner().invoke(main, ["generate", str(root / "wit"), "-o", str(root / "bindings")])
    assert out.exit_code == 0, out.output
    assert any((root / "bindings").rglob("*.py"))
    (root / "tests").mkdir()
    (root / "tests" / "test_app.py").write_text("import app\n")
    second = build_project(root)
    assert second.cached and second.sha256 == first.sha256
    assert fake.runs == 1
    (root / ".witkit").joinpath("build").rename(root / "old-cache")
    build_project(root)
    assert fake.staged == ["0/app.py"]


def test_componentize_py_version_is_in_the_key(
    make_project: MakeProject, fake: FakeComponentize, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project()
    build_project(root)
    monkeypatch.setattr(cache_mod, "componentize_py_version", lambda: "99.0.0")
    assert not build_project(root).cached


def test_damaged_cache_entry_rebuilds(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    build_project(root)
    for wasm in cache_folder(load_config(root)).glob("*.wasm"):
        wasm.write_bytes(b"truncated")
    assert not build_project(root).cached
    assert fake.runs == 2


def test_cache_keeps_a_few_builds(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    for i in range(cache_mod.KEEP + 3):
        (root / "app.py").write_text(f"# version {i}\n")
        build_project(root)
    folder = cache_folder(load_config(root))
    assert len(list(folder.glob("*.wasm"))) == cache_mod.KEEP
    assert len(list(folder.glob("*.json"))) == cache_mod.KEEP


def test_failed_build_caches_nothing(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    fake.fail_with = recorded("AttributeError: module 'app' has no attribute 'WitWorld'")
    with pytest.raises(ComponentizeError) as info:
        build_project(root)
    assert info.value.message.startswith("app.py: no class `WitWorld`")
    assert "componentize-py said" not in str(info.value)
    assert not (root / "build").exists()
    folder = cache_folder(load_config(root))
    assert not list(folder.glob("*.wasm")) and not list(folder.glob(".*"))
    with pytest.raises(ComponentizeError) as verbose:
        build_project(root, verbose=True)
    assert "componentize-py said:" in str(verbose.value)
    assert "Caused by:" in str(verbose.value)
    assert fake.runs == 2


def test_progress_reports_the_slow_step(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    seen: list[Progress] = []
    build_project(root, progress=seen.append)
    assert [(p.step, p.done) for p in seen] == [
        ("bindings", False), ("bindings", True),
        ("componentize", False), ("componentize", False), ("componentize", True),
    ]
    assert seen[3].elapsed == 0.5
    seen.clear()
    build_project(root, progress=seen.append)
    assert [(p.step, p.done) for p in seen] == [("cached", True)]


def test_output_is_written_atomically(make_project: MakeProject, fake: FakeComponentize,
                                      tmp_path: Path) -> None:
    root = make_project()
    out = tmp_path / "o" / "x.wasm"
    build_project(root, out)
    assert sorted(os.listdir(out.parent)) == ["x.wasm"]
