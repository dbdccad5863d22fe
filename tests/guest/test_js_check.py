"""`witkit build --check` on JavaScript guests: the project's pinned tsc over the guest against
jco's declarations of the world (Node.js and npm needed; skipped without). No component is
built: a check takes about a second once the pinned tools are in the test cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.guests import KITCHEN_JS_GUEST, KITCHEN_WIT, js_tools
from witkit.cli import main
from witkit.errors import BuildError
from witkit.guest import check_project
from witkit.guest.build import build_project
from witkit.guest.check import CheckError
from witkit.guest.jsbuild import JsTools, load_js_config
from witkit.guest.jscheck import find_typescript
from witkit.guest.scaffold import new_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UNTRACKED = shutil.ignore_patterns("build", ".witkit", "node_modules")


def _linked(project: Path) -> Path:
    (project / "node_modules").symlink_to(js_tools(), target_is_directory=True)
    return project


def _vowels(tmp_path: Path) -> Path:
    """examples/vowels-js as a fresh clone has it (its WIT is ../vowels/wit), with the tools."""
    shutil.copytree(EXAMPLES / "vowels", tmp_path / "vowels", ignore=UNTRACKED)
    return _linked(Path(shutil.copytree(EXAMPLES / "vowels-js", tmp_path / "vowels-js", ignore=UNTRACKED)))


def _problems(project: Path) -> list[str]:
    with pytest.raises(CheckError) as info:
        check_project(project)
    return info.value.problems


def test_the_example_passes_in_a_fresh_copy(tmp_path: Path) -> None:
    check_project(_vowels(tmp_path))


def test_a_scaffold_with_every_kind_of_export_passes(tmp_path: Path) -> None:
    project = _linked(new_project("k", KITCHEN_WIT, "kitchen", tmp_path / "k", lang="js"))
    check_project(project)  # the stubs: each returns the helper typed `never`
    (project / "app.js").write_text(KITCHEN_JS_GUEST.read_text())
    check_project(project)  # written: resources, interfaces, `import log from "log"`


def test_a_wrong_return_type_names_the_file_line_and_wit_item(tmp_path: Path) -> None:
    project = _vowels(tmp_path)
    app = project / "app.js"
    text = app.read_text()
    assert "export function countVowels(input) {" in text.splitlines()[7]  # line 8
    app.write_text(text.replace("return { count, total", "return { count: String(count), total"))
    assert _problems(project) == [
        "app.js:8: `count-vowels` does not match its WIT type: "
        "Type '{ count: string; total: number; vowels: string; }' is not assignable to type "
        "'VowelCount': Types of property 'count' are incompatible: "
        "Type 'string' is not assignable to type 'number'"
    ]
    runner = CliRunner()
    plain = runner.invoke(main, ["build", "--check", str(project)])
    assert plain.exit_code == 1
    assert "error: the guest does not match world `vowels` (1 problem):" in plain.stderr
    assert "tsc said:" not in plain.stderr
    assert not (project / "build").exists()  # a failed check builds nothing
    verbose = runner.invoke(main, ["build", "--check", "--verbose", str(project)])
    assert verbose.exit_code == 1 and "tsc said:" in verbose.stderr
    assert "error TS2322" in verbose.stderr  # tsc's own report


def test_a_wrong_argument_to_an_import_keeps_its_line(tmp_path: Path) -> None:
    project = _vowels(tmp_path)
    app = project / "app.js"
    lines = app.read_text().splitlines()
    at = next(n for n, ln in enumerate(lines) if "kv.set(" in ln)
    lines[at] = lines[at].replace("String(total)", "total")
    app.write_text("\n".join(lines) + "\n")
    assert _problems(project) == [
        f"app.js:{at + 1}: Argument of type 'number' is not assignable to parameter of type 'string'."
    ]


def test_interface_members_and_missing_exports_are_named_in_wit(tmp_path: Path) -> None:
    project = _linked(new_project("k", KITCHEN_WIT, "kitchen", tmp_path / "k", lang="js"))
    app = project / "app.js"
    text = KITCHEN_JS_GUEST.read_text()
    lines = text.replace("  echoShape(s) {\n    return s;", "  echoShape(s) {\n    return 'circle';").splitlines()
    shape = next(n for n, ln in enumerate(lines) if ln.startswith("  echoShape(")) + 1
    app.write_text("\n".join(lines).replace("export function add(", "export function plus(") + "\n")
    assert sorted(_problems(project)) == [
        "app.js: no `export function add` for the world's export `add`",
        f"app.js:{shape}: `witkit:kitchen/api@0.1.0#echo-shape` does not match its WIT type: "
        "Type 'string' is not assignable to type 'Shape'",
    ]


def test_a_typescript_scaffold_passes_and_a_wrong_type_fails_check_and_build(tmp_path: Path) -> None:
    project = _linked(new_project("v", EXAMPLES / "vowels" / "wit", None, tmp_path / "v", lang="ts"))
    check_project(project)
    app = project / "app.ts"
    lines = app.read_text().splitlines()
    at = next(n for n, ln in enumerate(lines) if 'return notImplemented("count-vowels")' in ln)
    lines[at] = "  return { count: 1, total: 2, vowels: 3 };"
    app.write_text("\n".join(lines) + "\n")
    assert lines[at - 1].startswith("export const countVowels: typeof world.countVowels = ")
    expected = [  # tsc names the export's definition, the line before the return
        f"app.ts:{at}: `count-vowels`: Type '(input: string) => {{ count: number; total: number; "
        "vowels: number; }' is not assignable to type '(input: string) => VowelCount': Type "
        "'{ count: number; total: number; vowels: number; }' is not assignable to type "
        "'VowelCount': Types of property 'vowels' are incompatible: Type 'number' is not "
        "assignable to type 'string'"
    ]
    assert _problems(project) == expected
    with pytest.raises(CheckError) as info:  # tsc compiles a TypeScript guest: its errors fail the build
        build_project(project)
    assert info.value.problems == expected
    assert not (project / "build").exists()
    verbose = CliRunner().invoke(main, ["build", "--verbose", str(project)])
    assert verbose.exit_code == 1 and "tsc said:" in verbose.stderr and "error TS2322" in verbose.stderr


def test_without_typescript_the_check_says_what_to_install(tmp_path: Path) -> None:
    project = new_project("g", EXAMPLES / "greeter" / "wit", None, tmp_path / "g", lang="js")
    tool = tmp_path / "node_modules" / "@bytecodealliance" / "componentize-js"
    (tool / "src").mkdir(parents=True)  # componentize-js alone, as an older lock installs it
    tools = JsTools(tool / "src" / "componentize.js", (("@bytecodealliance/componentize-js", "0.23.0"),))
    with pytest.raises(BuildError, match=r"--check and TypeScript guests need TypeScript, .*`npm install --save-dev --save-exact typescript`"):
        find_typescript(load_js_config(project), tools)


def test_without_node_the_check_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _vowels(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = CliRunner().invoke(main, ["build", "--check", str(project)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: node not found on PATH: a JavaScript guest is built on Node.js; install Node.js 20"
    )
