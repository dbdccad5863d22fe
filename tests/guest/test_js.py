"""JavaScript guests without building: what `witkit new --lang js` writes, the settings in
package.json, what the cache key covers, and how componentize-js's errors read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.guests import JS_TOOLS, KITCHEN_WIT, prune_js_tools
from witkit.cli import main
from witkit.errors import BuildError
from witkit.guest.build import build_project
from witkit.guest.jsbuild import (
    MARK,
    JsTools,
    diagnose_js,
    is_js_project,
    js_cache_key,
    js_sources,
    load_js_config,
    node_path,
)
from witkit.guest.jsplan import js_plan_for
from witkit.guest.scaffold import new_project

GREETER_WIT = Path(__file__).resolve().parents[2] / "examples" / "greeter" / "wit"


def _node_check(path: Path) -> None:
    """`node --check`: the file parses as an ES module (the project says `"type": "module"`)."""
    if shutil.which("node") is None:
        return
    run = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new_project("Kitchen-JS", KITCHEN_WIT, "kitchen", tmp_path_factory.mktemp("k") / "p", lang="js")


def test_new_js_writes_a_project_pinning_its_tools(kitchen: Path) -> None:
    files = sorted(p.relative_to(kitchen).as_posix() for p in kitchen.rglob("*") if p.is_file())
    assert files == [
        ".gitignore", "README.md", "app.js", "package-lock.json", "package.json",
        "tests/test_component.py", "wit/deps/witkit-plugin/plugin-config.wit", "wit/kitchen.wit",
    ]  # fmt: skip
    package = json.loads((kitchen / "package.json").read_text())
    assert package["name"] == "kitchen-js" and package["type"] == "module"
    assert package["witkit"] == {"wit": "wit", "world": "kitchen", "source": "app.js"}
    tools = json.loads((JS_TOOLS / "package.json").read_text())
    assert package["devDependencies"] == tools["devDependencies"]
    assert all(v[0].isdigit() for v in package["devDependencies"].values())  # exact versions
    lock = json.loads((kitchen / "package-lock.json").read_text())
    pinned = json.loads((JS_TOOLS / "package-lock.json").read_text())
    assert lock["name"] == lock["packages"][""]["name"] == "kitchen-js"
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]
    # The same packages at the same versions and hashes as the lock the tests install.
    assert {k: v for k, v in lock["packages"].items() if k} == {
        k: v for k, v in pinned["packages"].items() if k
    }
    assert not any("hasInstallScript" in v for v in lock["packages"].values())
    assert "node_modules/" in (kitchen / ".gitignore").read_text()


def test_every_export_is_a_stub_naming_its_wit_item(kitchen: Path) -> None:
    app = (kitchen / "app.js").read_text()
    plan = js_plan_for(KITCHEN_WIT, "kitchen")
    paths = [f.wit_path for f in plan.functions]
    for i in plan.interfaces:
        paths += [f.wit_path for f in i.functions]
        paths += [f.wit_path for r in i.resources for f in r.functions]
    assert len(paths) == 17
    for path in paths:
        assert f'  return notImplemented("{path}");' in app
    assert app.count("return notImplemented(") == len(paths)
    # one helper throws, typed `never` so the stubs pass `witkit build --check`
    assert app.count("throw new Error(") == 1 and " * @returns {never}" in app
    for line in (
        'import * as store from "witkit:kitchen/store@0.1.0"; // get, set, Blob',
        'import log from "log"; // log: func(level: u8, message: string)',
        "export function add(a, b) {",
        "export function greet(name) {",
        "class Counter {",
        "  constructor(start) {",
        "  static merge(a, b) {",
        "export const api = {",
        "  echoEverything(e) {",
        "  import(from, in_, class_) {",  # keyword-named function and parameters
        "  Counter,",
        "   * WIT: `both: func(fail: bool) -> result<point, color>`",
    ):
        assert line in app.splitlines(), line
    _node_check(kitchen / "app.js")


CLASHES = """package test:clash@0.1.0;

interface names { get: func() -> u32; }

world clash {
    import names;
    import delete: func();
    export delete: func(in: string) -> string;
    export names;
    export api: interface { resource class { constructor(); } }
    export class-two: func();
}
"""


def test_names_a_module_cannot_bind_are_escaped(tmp_path: Path) -> None:
    wit = tmp_path / "clash.wit"
    wit.write_text(CLASHES)
    project = new_project("clash", wit, "clash", tmp_path / "p", lang="js")
    app = (project / "app.js").read_text()
    assert "function delete_(in_) {" in app.splitlines()
    assert "export { delete_ as delete };" in app.splitlines()
    assert 'import delete__ from "delete";' in app  # the import's binding stays clear of it
    assert "export const names = {" in app  # imported and exported: the namespace moves aside
    assert 'import * as names_ from "test:clash/names@0.1.0";' in app
    assert "const api = {" in app or "export const api = {" in app
    assert "export function classTwo() {" in app
    _node_check(project / "app.js")


def test_new_ts_writes_typed_stubs_from_the_worlds_declarations(tmp_path: Path) -> None:
    project = new_project("k-ts", KITCHEN_WIT, "kitchen", tmp_path / "p", lang="ts")
    assert not (project / "app.js").exists()
    package = json.loads((project / "package.json").read_text())
    assert package["witkit"]["source"] == "app.ts"
    assert package["devDependencies"]["typescript"] == "7.0.2"  # the tsc that compiles it
    app = (project / "app.ts").read_text().splitlines()
    api = 'import("witkit:kitchen/api@0.1.0")'
    for line in (
        'import type * as world from "witkit:kitchen/kitchen@0.1.0";',
        "function notImplemented(item: string): never {",
        # world-level exports and interface members: typed by jco's declarations
        "export const add: typeof world.add = (a, b) => {",
        f"export const api: typeof {api} = {{",
        "  echoShape(s) {",
        # resource methods: spelled by witkit, named types pointing at jco's
        "  constructor(start: number) {",
        "  increment(by: number): number {",
        f"  static merge(a: {api}.Counter, b: {api}.Counter): {api}.Counter {{",
        "  Counter,",
    ):
        assert line in app, line
    assert "witkit new --lang ts" in (project / "tests" / "test_component.py").read_text()
    assert "written in TypeScript" in (project / "README.md").read_text()


def test_python_stays_the_default(tmp_path: Path) -> None:
    project = new_project("py", GREETER_WIT, None, tmp_path / "p")
    assert (project / "app.py").is_file() and (project / "pyproject.toml").is_file()
    assert not (project / "package.json").exists()
    assert not is_js_project(project)


def test_cli_lists_the_languages_and_what_they_need(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = " ".join(runner.invoke(main, ["new", "--help"]).output.split()).replace("- ", "-")
    assert "--lang [python|js|ts]" in help_text
    assert "componentize-py" in help_text and "Node.js 20 or newer and npm" in help_text
    assert "ts: TypeScript, the same tools (the lock pins tsc too)" in help_text
    made = runner.invoke(main, ["new", "g", "--wit", str(GREETER_WIT), "--lang", "js", "-o", str(tmp_path / "g")])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "g" / "app.js").is_file()
    refused = runner.invoke(
        main, ["new", "h", "--wit", str(GREETER_WIT), "--lang", "js", "--package", "-o", str(tmp_path / "h")]
    )
    assert refused.exit_code == 1 and refused.output.startswith("error: --package")


# -- settings ---------------------------------------------------------------------------------


def _project(tmp_path: Path, settings: dict[str, object], files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "p"
    shutil.copytree(GREETER_WIT, root / "wit")
    (root / "package.json").write_text(json.dumps({"name": "@acme/greeter", "witkit": settings}))
    for rel, text in (files if files is not None else {"app.js": "export function greet(n) { return n; }\n"}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_settings_are_read_and_checked(tmp_path: Path) -> None:
    config = load_js_config(_project(tmp_path, {"world": "greeter"}))
    assert (config.name, config.world, config.source.name) == ("greeter", "greeter", "app.js")
    assert config.wasi == ("stdio", "random", "clocks")
    for settings, problem in (
        ({}, '"witkit" > "world": missing (required)'),
        ({"world": "greeter", "nope": 1}, '"witkit" > "nope": unknown key'),
        ({"world": "greeter", "wasi": ["sockets"]}, '"witkit" > "wasi": expected a list of'),
        ({"world": "greeter", "source": "src/main.js"}, '"witkit" > "source":'),
    ):
        shutil.rmtree(tmp_path / "p")
        with pytest.raises(BuildError, match=re.escape(problem)):
            load_js_config(_project(tmp_path, settings))


def test_both_kinds_of_settings_are_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, {"world": "greeter"})
    assert is_js_project(root)
    (root / "pyproject.toml").write_text('[tool.witkit]\nworld = "greeter"\n')
    with pytest.raises(BuildError, match="keep one"):
        build_project(root)


def test_without_tools_or_lock_the_build_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"no package-lock\.json .* `npm install --save-dev --save-exact @bytecodealliance/componentize-js`"):
        build_project(_project(tmp_path, {"world": "greeter"}))


def test_without_node_the_build_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BuildError, match=r"node not found on PATH: .* install Node\.js 20 or newer with npm"):
        node_path()
    root = _project(tmp_path, {"world": "greeter"})
    (root / "package-lock.json").write_text("{}")
    with pytest.raises(BuildError, match=r"npm not found on PATH .*apt-get install nodejs npm"):
        build_project(root)


# -- the cache key ----------------------------------------------------------------------------

TOOLS = JsTools(Path("componentize.js"), (("@bytecodealliance/componentize-js", "0.23.0"),))


def test_the_key_covers_the_module_and_what_it_imports_only(tmp_path: Path) -> None:
    root = _project(tmp_path, {"world": "greeter"}, {
        "app.js": 'import { shout } from "./lib/util.js";\nimport log from "log";\n'
                  "export function greet(n) { return shout(n); }\n",
        "lib/util.js": "export const shout = (s) => s.toUpperCase();\n",
        "host.js": "console.log('not the guest');\n",
        "tests/app.test.js": "",
    })  # fmt: skip
    config = load_js_config(root)
    assert [rel for rel, _ in js_sources(config)] == ["app.js", "lib/util.js"]
    key = js_cache_key(config, TOOLS)
    (root / "host.js").write_text("changed")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "x.js").write_text("")
    assert js_cache_key(config, TOOLS) == key
    (root / "lib" / "util.js").write_text("export const shout = (s) => s;\n")
    changed = js_cache_key(config, TOOLS)
    assert changed != key
    newer = JsTools(TOOLS.module, (("@bytecodealliance/componentize-js", "0.24.0"),))
    assert js_cache_key(config, newer) != changed


def test_an_import_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, {"world": "greeter"}, {"app.js": 'import "../shared.js";\n'})
    with pytest.raises(BuildError, match=r"app\.js: imports '\.\./shared\.js', outside the project"):
        js_sources(load_js_config(root))


# -- componentize-js's errors, as it prints them (recorded from real runs) ----------------------


def _diagnose(tmp_path: Path, raw: str) -> str:
    root = tmp_path / "k"
    if not root.exists():
        new_project("k", KITCHEN_WIT, "kitchen", root, lang="js")
    config = load_js_config(root)
    plan = js_plan_for(config.wit, config.world)
    return diagnose_js(raw, config, lambda: plan).message


def _reported(message: str) -> str:
    return MARK + json.dumps({"message": message})


def test_missing_exports_name_the_wit_item(tmp_path: Path) -> None:
    def missing(what: str) -> str:
        return _reported(
            f'Unable to extract expected exports list\nError: "app.js" does not export a {what} '
            "as expected by the world.\n  Try defining it:\n  export function greet() {};"
        )

    assert _diagnose(tmp_path, missing('"greet" function')) == (
        "app.js: no `export function greet` for the world's export `greet`"
    )
    assert _diagnose(tmp_path, missing('"api" interface')) == (
        "app.js: no exported object for interface `witkit:kitchen/api@0.1.0` "
        "(`export const api = { ... }`)"
    )
    assert _diagnose(tmp_path, missing('"witkit:kitchen/api@0.1.0" blobSize function')) == (
        "app.js: the object `api` (exported for `witkit:kitchen/api@0.1.0`) has no function "
        "`blobSize` for `witkit:kitchen/api@0.1.0#blob-size`"
    )
    assert _diagnose(tmp_path, missing('"witkit:kitchen/api@0.1.0" Counter resource')) == (
        "app.js: the object `api` (exported for `witkit:kitchen/api@0.1.0`) has no class "
        "`Counter` for `witkit:kitchen/api@0.1.0#counter`"
    )


def test_top_level_errors_and_modules(tmp_path: Path) -> None:
    init = "Failed to initialize component (wizer (/x/wizer)):\nException while evaluating top-level script\n"
    assert _diagnose(tmp_path, _reported(
        init + "app.js:3:11 ReferenceError: undefinedThing is not defined\n"
        "Additionally, some promises were rejected, but the rejection never handled:"
    )) == (
        "app.js:3:11: ReferenceError: undefinedThing is not defined "
        "(while componentize-js ran the guest's top level)"
    )  # fmt: skip
    assert _diagnose(tmp_path, _reported(
        init + "util.js:1:21 SyntaxError: missing ) after formal parameters:\n"
        "util.js:1:21 export function g(a { }"
    )) == (
        "util.js:1:21: SyntaxError: missing ) after formal parameters "
        "(while componentize-js ran the guest's top level)"
    )  # fmt: skip
    assert _diagnose(tmp_path, _reported(
        init + 'ReferenceError: Error loading module "lodash" (resolved path "lodash"): '
        "No such file or directory"
    )) == (
        "app.js: cannot import 'lodash': not a module the world imports (the world's imports: "
        "`witkit:kitchen/store@0.1.0`, `log`); componentize-js does not read node_modules "
        "(bundle packages first)"
    )  # fmt: skip
    syntax = MARK + json.dumps(
        {"file": "app.js", "line": 16, "column": 26, "message": "SyntaxError: Expected `,` but found `{`"}
    )
    assert _diagnose(tmp_path, syntax) == "app.js:16:26: SyntaxError: Expected `,` but found `{`"
    assert _diagnose(tmp_path, "something odd\n") == "app.js: componentize-js failed: something odd"


def test_node_modules_of_a_parent_folder_are_found(tmp_path: Path) -> None:
    from witkit.guest.jsbuild import find_tools

    root = _project(tmp_path, {"world": "greeter"})
    assert find_tools(load_js_config(root)) is None
    tool = tmp_path / "node_modules" / "@bytecodealliance" / "componentize-js"
    tool.mkdir(parents=True)
    (tool / "package.json").write_text(json.dumps(
        {"version": "0.23.0", "exports": {"types": "./t.d.ts", "import": "./src/componentize.js"}}
    ))  # fmt: skip
    found = find_tools(load_js_config(root))
    assert found is not None and found.module == tool / "src" / "componentize.js"
    assert found.version == "0.23.0"
    pinned = json.loads((root / "package.json").read_text())
    pinned["devDependencies"] = {"@bytecodealliance/componentize-js": "0.22.0"}
    (root / "package.json").write_text(json.dumps(pinned))
    with pytest.raises(BuildError, match=r"is componentize-js 0\.23\.0, but package\.json pins 0\.22\.0: run `npm ci`"):
        find_tools(load_js_config(root))
    assert os.environ.get("PATH")  # the machine's PATH is untouched by the other tests


def test_tools_of_other_locks_are_pruned_once_unused(tmp_path: Path) -> None:
    node = tmp_path / "node"
    for name in ("current", "old", "recent", ".tmp-killed", ".tmp-running"):
        (node / name / "node_modules").mkdir(parents=True)
    for name in ("current", "old", "recent"):
        (node / name / "complete").write_text("")
    hours_ago = time.time() - 2 * 3600
    for stale in (node / "old" / "complete", node / ".tmp-killed"):
        os.utime(stale, (hours_ago, hours_ago))
    os.utime(node / "current" / "complete", (hours_ago, hours_ago))  # kept: its lock is current
    assert prune_js_tools(node, keep="current") == [".tmp-killed", "old"]
    assert sorted(p.name for p in node.iterdir()) == [".tmp-running", "current", "recent"]
