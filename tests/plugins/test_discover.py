"""Plugins shipped in wheels (entry points `witkit.plugins`) and kept in folders.

A wheel carrying a plugin is built with hatchling and installed into a fresh virtual
environment that also sees this environment's packages (so witkit and wasmtime come from
here and nothing is downloaded); `witkit.discover()` runs there.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import wasmtime
from click.testing import CliRunner

from witkit.cli import main
from witkit.errors import LoadError
from witkit.plugins.discover import discover, discover_folder

ROOT = Path(__file__).resolve().parents[2]

GREET_WIT = """\
package example:greet;

interface greeter {
  greet: func(name: string) -> string;
}

world greeting {
  export greeter;
}

world counting {
  export count: func(text: string) -> u32;
}
"""


def _plugin_project(root: Path, dist: str, wasm: bytes, sha256: str) -> Path:
    module = dist.replace("-", "_")
    (root / module).mkdir(parents=True)
    (root / module / "english.wasm").write_bytes(wasm)
    (root / module / "__init__.py").write_text(
        "WITKIT_PLUGIN = "
        + repr({"component": "english.wasm", "world": "example:greet/greeting", "sha256": sha256})
        + "\n"
    )
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{dist}"\nversion = "0.1.0"\n\n'
        f'[project.entry-points."witkit.plugins"]\n{dist} = "{module}:WITKIT_PLUGIN"\n\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["{module}"]\n'
    )
    return root


def _run(*argv: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, cwd=cwd
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def english() -> bytes:
    return wasmtime.wat2wasm((ROOT / "examples/compose/english.wat").read_text())


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory, english: bytes) -> Path:
    """A fresh venv holding two plugin wheels: `english-greeter` and a tampered copy."""
    base = tmp_path_factory.mktemp("discover")
    good = hashlib.sha256(english).hexdigest()
    projects = [
        _plugin_project(base / "good", "english-greeter", english, good),
        _plugin_project(base / "bad", "tampered-greeter", english, "0" * 64),
    ]
    wheels = base / "wheels"
    for project in projects:
        _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
             "--no-index", "-w", wheels, project)  # fmt: skip
    built = sorted(wheels.glob("*.whl"))
    assert len(built) == 2, built
    venv = base / "venv"
    _child_venv(venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", *built)
    return venv


def _child_venv(path: Path) -> Path:
    """A new venv at `path` whose interpreter also sees this interpreter's packages.

    `--system-site-packages` would not do: it reaches the base Python's packages, not this
    virtual environment's (where pytest installed witkit's dependencies).
    """
    _run(sys.executable, "-m", "venv", path)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    ours = sysconfig.get_paths()["purelib"]
    (path / "lib" / version / "site-packages" / "_parent_env.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n"
    )
    return path


def _in_venv(venv: Path, code: str, tmp_path: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WITKIT_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "greet.wit").write_text(GREET_WIT)
    return _run(venv / "bin" / "python", "-c", code, env=env, cwd=tmp_path)


def test_a_wheel_carries_a_plugin_that_discover_finds_verifies_and_calls(
    venv: Path, tmp_path: Path
) -> None:
    out = _in_venv(
        venv,
        "import json, witkit\n"
        "found = witkit.discover('greeting', wit='greet.wit')\n"
        "print(json.dumps({'names': found.names(),\n"
        "  'call': found['english-greeter'].load().call('greeter/greet', 'Ada'),\n"
        "  'refused': {r.name: r.reason for r in found.refused}}))\n",
        tmp_path,
    )
    result = json.loads(out)
    assert result["names"] == ["english-greeter"]
    assert result["call"] == "Hello, Ada!"
    # The tampered digest is refused by name, with both digests.
    reason = result["refused"]["tampered-greeter"]
    assert reason.startswith("sha256 mismatch") and "declared " + "0" * 64 in reason


def test_a_world_it_does_not_fit_names_each_mismatch(venv: Path, tmp_path: Path) -> None:
    out = _in_venv(
        venv,
        "import json, witkit\n"
        "found = witkit.discover('counting', wit='greet.wit')\n"
        "print(json.dumps({'names': found.names(),\n"
        "  'refused': {r.name: r.reason for r in found.refused}}))\n",
        tmp_path,
    )
    result = json.loads(out)
    assert result["names"] == []
    reason = result["refused"]["english-greeter"]
    assert "does not match world `example:greet/counting`" in reason
    assert "count" in reason


def test_plugins_list_in_the_venv(venv: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WITKIT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "witkit", "plugins", "list", "--json"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # something was refused
    listed = json.loads(done.stdout)
    assert [p["name"] for p in listed["plugins"]] == ["english-greeter"]
    assert listed["plugins"][0]["world"] == "example:greet/greeting"
    assert [r["name"] for r in listed["refused"]] == ["tampered-greeter"]


def test_folder_discovery_keeps_what_satisfies_the_world(english: bytes, tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "english.wasm").write_bytes(english)
    (folder / "counter.wasm").write_bytes(wasmtime.wat2wasm("(component)"))
    (tmp_path / "greet.wit").write_text(GREET_WIT)
    found = discover_folder(folder, "greeting", wit=tmp_path / "greet.wit")
    assert found.names() == ["english"]
    assert [r.name for r in found.refused] == ["counter"]
    assert "missing export `example:greet/greeter`" in found.refused[0].reason or (
        "example:greet/greeter" in found.refused[0].reason
    )
    assert found["english"].load().call("greeter/greet", "Bo") == "Hello, Bo!"
    assert [p.name for p in found] == ["english"]  # iterating gives the usable plugins
    # Without a world every component is listed.
    assert discover_folder(folder).names() == ["counter", "english"]
    with pytest.raises(LoadError, match="needs the world's WIT"):
        discover_folder(folder, "greeting")


def test_cli_plugins_list_of_a_folder(english: bytes, tmp_path: Path) -> None:
    (tmp_path / "english.wasm").write_bytes(english)
    result = CliRunner().invoke(main, ["plugins", "list", "--folder", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "english" in result.output and hashlib.sha256(english).hexdigest()[:12] in result.output


def test_no_entry_points_here_is_an_empty_discovery() -> None:
    # The test environment itself installs no plugin packages.
    assert discover().plugins == []


def test_witkit_new_package_makes_a_pip_installable_plugin(
    english: bytes, tmp_path: Path
) -> None:
    (tmp_path / "greet.wit").write_text(GREET_WIT)
    project = tmp_path / "english-plugin"
    made = CliRunner().invoke(
        main,
        ["new", "english-plugin", "--wit", str(tmp_path / "greet.wit"), "--world", "greeting",
         "-o", str(project), "--package"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "pip install ." in made.output
    # Packaging before a build is one clear error from the hook.
    failed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(tmp_path / "w0"), str(project)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert failed.returncode != 0 and "run `witkit build` before packaging" in failed.stderr
    # A stand-in for `witkit build`: a WAT component where the build puts the real one.
    (project / "build").mkdir()
    (project / "build" / "english-plugin.wasm").write_bytes(english)
    venv = tmp_path / "venv"
    _child_venv(venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--no-build-isolation", project)  # fmt: skip
    out = _in_venv(
        venv,
        "import json, witkit\n"
        "found = witkit.discover('greeting', wit='greet.wit')\n"
        "p = found['english-plugin']\n"
        "print(json.dumps([found.names(), p.world, p.load().call('greeter/greet', 'Cy')]))\n",
        tmp_path,
    )
    assert json.loads(out) == [["english-plugin"], "example:greet/greeting", "Hello, Cy!"]
