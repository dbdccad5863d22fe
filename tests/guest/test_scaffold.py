"""`witkit new`: complete, deterministic projects whose stubs match componentize-py's bindings."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.corpus import require_corpus, wasi_package
from tests.support.guests import KITCHEN_GUEST, KITCHEN_WIT, build_guest, kitchen_stub_component
from witkit.errors import BuildError, WitError
from witkit.guest import guest_bindings, load_config, new_project
from witkit.guest.check import CheckError, run_mypy
from witkit.guest.plan import plan_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kitchen(tmp_path: Path) -> Path:
    return new_project("kitchen-plugin", KITCHEN_WIT, "kitchen", tmp_path / "kitchen")


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".witkit" not in p.parts
    }


def test_layout(kitchen: Path) -> None:
    assert sorted(_files(kitchen)) == [
        ".gitignore",
        "README.md",
        "api.py",
        "app.py",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/test_app.py",
        "tests/test_component.py",
        "wit/deps/witkit-plugin/plugin-config.wit",
        "wit/kitchen.wit",
    ]
    config = load_config(kitchen)
    assert (config.world, config.module, config.name) == ("kitchen", "app", "kitchen-plugin")
    assert config.wit == (kitchen / "wit").resolve()
    assert ".witkit/" in (kitchen / ".gitignore").read_text()


def test_output_is_deterministic(kitchen: Path, tmp_path: Path) -> None:
    again = new_project("kitchen-plugin", KITCHEN_WIT, "kitchen", tmp_path / "again")
    assert _files(again) == _files(kitchen)


def test_generated_python_is_valid_and_stubs_name_their_function(kitchen: Path) -> None:
    plan = plan_for(KITCHEN_WIT, "kitchen")
    wit_names = {f.wit_path for f in plan.world_functions}
    for iface in plan.interfaces:
        wit_names |= {f.wit_path for f in iface.functions}
        for res in iface.resources:
            wit_names |= {f.wit_path for f in res.functions}
    raised = set()
    for name in ("app.py", "api.py", "tests/test_app.py", "tests/conftest.py"):
        tree = ast.parse((kitchen / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                raised |= {a.value for a in node.exc.args if isinstance(a, ast.Constant)}
    assert raised == wit_names


def _protocol_methods(path: Path) -> dict[str, dict[str, list[str]]]:
    """Class -> method -> parameter names, for every class of a bindings file."""
    out: dict[str, dict[str, list[str]]] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                f.name: [a.arg for a in f.args.args]
                for f in node.body
                if isinstance(f, ast.FunctionDef) and not f.name.startswith("__e")
            }
    return out


def test_stub_names_match_the_bindings(kitchen: Path) -> None:
    bindings = guest_bindings(kitchen) / "wit_world"
    app = _protocol_methods(kitchen / "app.py")
    api = _protocol_methods(kitchen / "api.py")
    assert app["WitWorld"] == _protocol_methods(bindings / "__init__.py")["WitWorld"]
    assert app["Api"] == _protocol_methods(bindings / "exports" / "__init__.py")["Api"]
    assert api["Counter"] == _protocol_methods(bindings / "exports" / "api.py")["Counter"]


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(BuildError, match="not empty"):
        new_project("busy", KITCHEN_WIT, "kitchen", target)
    assert sorted(os.listdir(target)) == ["keep.txt"]


def test_an_empty_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert (new_project("empty", KITCHEN_WIT, "kitchen", tmp_path / "empty") / "app.py").is_file()


def test_unknown_world_is_a_wit_error(tmp_path: Path) -> None:
    with pytest.raises(WitError, match="world `nope` not found"):
        new_project("x", KITCHEN_WIT, "nope", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_user_templates_override(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "README.md.jinja").write_text("custom readme for {{ project.name }}\n")
    root = new_project("custom", KITCHEN_WIT, "kitchen", tmp_path / "p", templates=templates)
    assert (root / "README.md").read_text() == "custom readme for custom\n"
    assert "class WitWorld" in (root / "app.py").read_text()


def test_interface_named_like_the_app_module(tmp_path: Path) -> None:
    wit = tmp_path / "w.wit"
    wit.write_text(
        "package t:x;\ninterface app { resource r { constructor(); } }\n"
        "world w { export app; }\n"
    )
    root = new_project("clash", wit, None, tmp_path / "p")
    assert load_config(root).module == "guest_app"
    assert (root / "app.py").is_file() and (root / "guest_app.py").is_file()


@pytest.mark.slow
def test_scaffolded_tests_pass(kitchen: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=kitchen, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "18 passed" in proc.stdout  # 17 stubs, and the built component fits the world


@pytest.mark.slow
def test_kitchen_scaffold_passes_check(kitchen: Path) -> None:
    config = load_config(kitchen)
    run_mypy(config, guest_bindings(kitchen), lambda: None)


@pytest.mark.slow
def test_filled_in_kitchen_passes_check(kitchen: Path) -> None:
    for name in ("app.py", "api.py"):
        (kitchen / name).write_text((KITCHEN_GUEST / name).read_text())
    run_mypy(load_config(kitchen), guest_bindings(kitchen), lambda: None)


@pytest.mark.slow
def test_check_reports_mismatches_by_wit_name(kitchen: Path) -> None:
    app = kitchen / "app.py"
    app.write_text(app.read_text().replace("def add(self, a: int, b: int)", "def add(self, a: str, b: int)"))
    api = kitchen / "api.py"
    api.write_text(api.read_text().replace("def increment(self, by: int) -> int", "def increment(self, by: int) -> str"))
    config = load_config(kitchen)
    with pytest.raises(CheckError) as info:
        run_mypy(config, guest_bindings(kitchen), lambda: plan_for(config.wit, config.world))
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("app.py:") and "`add` does not match its WIT signature" in problems[0]
    assert "`witkit:kitchen/api@0.1.0#[method]counter.increment` does not match" in problems[1]


@pytest.mark.slow
def test_kitchen_stubs_build() -> None:
    assert kitchen_stub_component().stat().st_size > 1_000_000


@pytest.mark.slow
def test_wasi_cli_command_scaffold_builds(tmp_path: Path) -> None:
    require_corpus("wasi", "0.2.9", "cli")
    wit = wasi_package("0.2.9", "cli", tmp_path / "corpus")
    root = new_project("command", wit, "command", tmp_path / "command")
    app = (root / "app.py").read_text()
    assert "class Run(exports.Run):" in app and "class WitWorld" not in app
    assert (root / "wit" / "deps" / "io").is_dir()
    assert build_guest(root / "wit", "command", root).stat().st_size > 1_000_000


@pytest.mark.slow
def test_wasi_http_proxy_scaffold_passes_check(tmp_path: Path) -> None:
    require_corpus("wasi", "0.2.9", "http")
    wit = wasi_package("0.2.9", "http", tmp_path / "corpus")
    root = new_project("proxy", wit, "proxy", tmp_path / "proxy")
    app = (root / "app.py").read_text()
    assert "class IncomingHandler(exports.IncomingHandler):" in app
    assert '"""This interface defines a handler of incoming HTTP Requests."""' in app
    assert "request: types.IncomingRequest, response_out: types.ResponseOutparam" in app
    run_mypy(load_config(root), guest_bindings(root), lambda: None)


ASYNC_WIT = """package t:a;
interface api {
  resource r { constructor(); m: async func(x: u32) -> u32; s: static async func() -> r; }
  f: async func(x: u32) -> result<string, u32>;
  g: func(a: stream<u8>, b: stream<string>, c: future) -> future<list<u8>>;
}
world w { export api; export h: async func() -> u32; }
"""


def test_async_functions_streams_and_futures(tmp_path: Path) -> None:
    wit = tmp_path / "a.wit"
    wit.write_text(ASYNC_WIT)
    root = new_project("asy", wit, None, tmp_path / "p")
    app = (root / "app.py").read_text()
    assert "    async def h(self) -> int:\n" in app
    assert "    async def f(self, x: int) -> str:\n" in app
    assert (
        "    def g(\n        self, a: ByteStreamReader, b: StreamReader[str], c: FutureReader[None]\n"
        "    ) -> FutureReader[bytes]:\n"
    ) in app
    assert "from componentize_py_async_support.streams import ByteStreamReader, StreamReader" in app
    api = (root / "api.py").read_text()
    assert "    @classmethod\n    async def s(cls) -> Self:\n" in api
    tests = (root / "tests" / "test_app.py").read_text()
    assert "asyncio.run(app.WitWorld().h())" in tests
    assert "if sys.version_info < (3, 12):" in tests


@pytest.mark.slow
def test_wasi_0_3_command_scaffold_passes_check(tmp_path: Path) -> None:
    require_corpus("wasi", "0.3.0", "cli")
    wit = wasi_package("0.3.0", "cli", tmp_path / "corpus")
    root = new_project("command", wit, "command", tmp_path / "command")
    assert "    async def run(self) -> None:\n" in (root / "app.py").read_text()
    run_mypy(load_config(root), guest_bindings(root), lambda: None)
