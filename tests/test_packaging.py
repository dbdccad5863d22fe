"""The wheel ships the grammar and templates and runs from a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("witkit-*.whl")
    return whl


def test_wheel_contains_grammar_templates_and_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "witkit/_data/grammars/wit.lark" in names
    assert "witkit/py.typed" in names
    assert any(n.startswith("witkit/_data/templates/") for n in names)
    # JavaScript guests: the driver run on Node.js, and the pinned tools scaffolds copy.
    assert "witkit/guest/componentize_js.mjs" in names
    assert "witkit/_data/templates/guest-js/tools/package-lock.json" in names


def test_cli_runs_from_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # A checkout on PYTHONPATH would be imported instead of the wheel: the venv runs without it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # The fresh environment gets witkit from the wheel alone; its dependencies are borrowed
    # from the test environment (a plain path line, so no editable install leaks in).
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_borrowed_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--quiet", str(wheel)],
        check=True,
    )
    # Run from an empty folder, so the checkout itself is not on the import path.
    where = subprocess.run(
        [str(python), "-c", "import witkit, witkit._resources as r; "
         "print(witkit.__file__); print(r.data_dir('grammars'))"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.splitlines()
    assert where[0].startswith(str(env_dir)), "witkit was not imported from the wheel"
    assert where[1].startswith(str(env_dir)), "the grammar was not loaded from the wheel"
    version = subprocess.run(
        [str(env_dir / "bin" / "witkit"), "--version"], check=True, capture_output=True, text=True,
        env=env,
    )
    assert "witkit, version" in version.stdout
    fixture = tmp_path / "hello.wit"
    fixture.write_text("package demo:hello;\n\nworld hello {\n  export greet: func(name: string) -> string;\n}\n")
    check = subprocess.run(
        [str(env_dir / "bin" / "witkit"), "wit", "check", str(fixture)],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert check.returncode == 0, check.stderr
    bad = tmp_path / "bad.wit"
    bad.write_text("package demo:bad;\n\nworld w {\n  export f: func() -> nope;\n}\n")
    failed = subprocess.run(
        [str(env_dir / "bin" / "witkit"), "wit", "check", str(bad)],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert f"--> {bad}:4:" in failed.stderr
