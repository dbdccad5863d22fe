"""`witkit new` and `witkit build` on the command line: short messages, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.guest.conftest import FakeComponentize, MakeProject
from tests.guest.test_diagnose import recorded
from tests.support.guests import KITCHEN_WIT
from witkit.cli import main
from witkit.guest import componentize as cpy


def test_new_creates_a_project(tmp_path: Path) -> None:
    out = tmp_path / "plug"
    result = CliRunner().invoke(main, ["new", "plug", "--wit", str(KITCHEN_WIT), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "witkit build" in result.output
    assert (out / "app.py").is_file()


def test_new_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("")
    result = CliRunner().invoke(main, ["new", "x", "--wit", str(KITCHEN_WIT), "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "not empty" in result.output
    assert "Traceback" not in result.output


def test_new_reports_a_bad_world_like_wit_check(tmp_path: Path) -> None:
    runner = CliRunner()
    new = runner.invoke(main, ["new", "x", "--wit", str(KITCHEN_WIT), "--world", "nope",
                               "-o", str(tmp_path / "x")])
    check = runner.invoke(main, ["wit", "check", str(KITCHEN_WIT), "--world", "nope"])
    assert new.exit_code == check.exit_code == 1
    assert new.output == check.output
    assert "world `nope` not found" in new.output


def test_new_reports_bad_wit_like_wit_check(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_text("package a:b;\nworld w {\n  export f: func() -> nope;\n}\n")
    runner = CliRunner()
    new = runner.invoke(main, ["new", "x", "--wit", str(bad), "-o", str(tmp_path / "x")])
    check = runner.invoke(main, ["wit", "check", str(bad)])
    assert new.exit_code == 1
    assert new.output == check.output
    assert "-->" in new.output


def test_build_prints_size_and_sha256(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    runner = CliRunner()
    first = runner.invoke(main, ["build", str(root)])
    assert first.exit_code == 0, first.output
    line = first.output.strip().splitlines()[-1]
    assert line.startswith("wrote ") and "build/proj.wasm (" in line and "kB, sha256 " in line
    second = runner.invoke(main, ["build", str(root), "-o", str(root / "x.wasm")])
    assert second.exit_code == 0
    assert second.output.strip().endswith(", unchanged)")
    assert fake.runs == 1


def test_build_error_is_short(make_project: MakeProject, fake: FakeComponentize) -> None:
    root = make_project()
    fake.fail_with = recorded(
        "TypeError: Can't instantiate abstract class WitWorld without an implementation for "
        "abstract method 'greet'"
    )
    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "error: app.py: class `WitWorld` does not implement `greet`"
    )
    assert "Traceback" not in result.output and "Caused by" not in result.output
    verbose = CliRunner().invoke(main, ["build", str(root), "--verbose"])
    assert verbose.exit_code == 1
    assert "Caused by:" in verbose.output


def test_build_without_a_project(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 1
    assert "pyproject.toml: not found" in result.output


def test_build_reports_bad_wit_like_wit_check(make_project: MakeProject) -> None:
    root = make_project(wit="package a:b;\nworld greeter {\n  export f: func() -> nope;\n}\n")
    runner = CliRunner()
    build = runner.invoke(main, ["build", str(root)])
    check = runner.invoke(main, ["wit", "check", str(root / "wit")])
    assert build.exit_code == check.exit_code == 1
    assert build.output.endswith(check.output)
    assert "-->" in build.output and "Traceback" not in build.output


@pytest.mark.slow
def test_build_check_reports_by_wit_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeComponentize()
    monkeypatch.setattr(cpy, "componentize", fake)
    out = tmp_path / "plug"
    assert CliRunner().invoke(main, ["new", "plug", "--wit", str(KITCHEN_WIT), "-o", str(out)]).exit_code == 0
    ok = CliRunner().invoke(main, ["build", str(out), "--check"])
    assert ok.exit_code == 0, ok.output
    app = out / "app.py"
    before = app.stat()
    app.write_text(app.read_text().replace("def greet(self, name: str)", "def greet(self, name: int)"))
    # Same size, same mtime: the edit a cache trusting size and mtime would miss.
    assert app.stat().st_size == before.st_size
    os.utime(app, ns=(before.st_atime_ns, before.st_mtime_ns))
    bad = CliRunner().invoke(main, ["build", str(out), "--check"])
    assert bad.exit_code == 1
    assert "error: the guest does not match world `kitchen` (1 problem):" in bad.output
    assert "`greet` does not match its WIT signature" in bad.output
    assert fake.runs == 1
