"""Real componentize-js builds of JavaScript guests (Node.js and npm needed; skipped without).

The components come from the test cache (`tests.support.guests`), so a warm cache answers
at once; a cold one runs `npm ci` once (the pinned tools) and about ten seconds per guest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.guests import (
    build_js_project,
    cache_dir,
    js_tools,
    kitchen_js_component,
)
from witkit.cli import main
from witkit.errors import BuildError
from witkit.guest.build import build_project
from witkit.guest.diagnose import ComponentizeError
from witkit.guest.jsbuild import diagnose_js, find_tools, js_cache_key, load_js_config
from witkit.guest.jsplan import js_plan_for
from witkit.guest.scaffold import new_project

pytestmark = pytest.mark.slow

GREETER_WIT = Path(__file__).resolve().parents[2] / "examples" / "greeter" / "wit"


def test_the_kitchen_js_guest_builds() -> None:
    wasm = kitchen_js_component()
    assert wasm.read_bytes()[:8] == b"\0asm\x0d\x00\x01\x00"  # a component, not a core module
    assert wasm.stat().st_size > 1_000_000


def test_an_unchanged_project_returns_from_the_cache() -> None:
    home = kitchen_js_component().parents[1]  # the project the test cache built it in
    before = kitchen_js_component().stat()
    result = build_project(home)
    # Served from the build cache: nothing was componentized, the published file untouched.
    assert result.cached and result.path == kitchen_js_component()
    after = kitchen_js_component().stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_scaffold_builds_and_its_stubs_name_their_function(tmp_path: Path) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    from wasmtime import component

    # The TypeScript scaffold: its stubs are the JavaScript one's, compiled by tsc first, so
    # one componentize-js run covers both (the JavaScript scaffold's tools build the kitchen
    # guest above, and tsc checks its stubs in test_js_check.py).
    project = new_project("stubs", GREETER_WIT, None, tmp_path / "stubs", lang="ts")
    wasm = build_js_project(project)
    config = wasmtime.Config()
    config.cache = True
    engine = wasmtime.Engine(config)
    linker = component.Linker(engine)
    linker.add_wasip2()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.stderr_file = str(tmp_path / "stderr.txt")
    store.set_wasi(wasi)
    with linker.root() as root_instance:
        root_instance.add_func("log", lambda _store, level, message: None)
    instance = linker.instantiate(store, component.Component.from_file(engine, str(wasm)))
    greet = instance.get_func(store, "greet")
    assert greet is not None
    with pytest.raises(wasmtime.WasmtimeError):
        greet(store, "Ada")
    assert "greet: not implemented" in (tmp_path / "stderr.txt").read_text()


def _broken(tmp_path: Path, app: str) -> Path:
    project = new_project("broken", GREETER_WIT, None, tmp_path / "broken", lang="js")
    (project / "app.js").write_text(app)
    (project / "node_modules").symlink_to(js_tools(), target_is_directory=True)
    return project


def test_a_syntax_error_is_one_line_naming_the_file(tmp_path: Path) -> None:
    project = _broken(
        tmp_path, 'import log from "log";\n\nexport function greet(name {\n  return name;\n}\n'
    )
    with pytest.raises(BuildError) as info:
        build_project(project)
    assert str(info.value) == "app.js:3:28: SyntaxError: Expected `,` but found `{`"
    runner = CliRunner()
    plain = runner.invoke(main, ["build", str(project)])
    assert plain.exit_code == 1
    assert plain.stderr.splitlines()[-1] == "error: app.js:3:28: SyntaxError: Expected `,` but found `{`"
    verbose = runner.invoke(main, ["build", str(project), "--verbose"])
    assert verbose.exit_code == 1 and "componentize-js said:" in verbose.stderr
    assert "witkit-js: " in verbose.stderr  # the raw report


def _real_output(project: Path) -> str:
    """componentize-js's output for a broken project (kept in the test cache by content hash)."""
    config = load_js_config(project)
    tools = find_tools(config)
    assert tools is not None
    saved = cache_dir() / "errors" / f"js-{js_cache_key(config, tools)}.txt"
    if saved.is_file():
        return saved.read_text()
    with pytest.raises(ComponentizeError) as info:
        build_project(project)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(info.value.raw_output)
    return info.value.raw_output


def test_a_missing_export_names_the_wit_item(tmp_path: Path) -> None:
    project = _broken(tmp_path, "export function greeting(name) {\n  return name;\n}\n")
    raw = _real_output(project)
    config = load_js_config(project)
    plan = js_plan_for(config.wit, config.world)
    assert diagnose_js(raw, config, lambda: plan).message == (
        "app.js: no `export function greet` for the world's export `greet`"
    )


def test_an_exception_at_the_top_level_names_file_and_line(tmp_path: Path) -> None:
    project = _broken(tmp_path, 'export function greet(n) { return n; }\nthrow new Error("no config");\n')
    raw = _real_output(project)
    config = load_js_config(project)
    assert diagnose_js(raw, config).message == (
        "app.js:2:7: Error: no config (while componentize-js ran the guest's top level)"
    )
    assert json.loads(raw.splitlines()[-1].removeprefix("witkit-js: "))["message"]
