"""One spelling per option, --json where a command reports something, counted nouns, and
errors that list the choices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wasmtime
from click.testing import CliRunner

import witkit
from witkit.cli import main

ROOT = Path(__file__).resolve().parents[1]

TWO_WORLDS = """\
package demo:two;

interface api {
  add: func(a: u32) -> u32;
}

world first {
  import api;
  export run: func() -> u32;
}

world second {
  export api;
}
"""


@pytest.fixture
def two_worlds(tmp_path: Path) -> Path:
    path = tmp_path / "two.wit"
    path.write_text(TWO_WORLDS)
    return path


@pytest.mark.parametrize("spelling", ["-o", "--output", "--out"])
def test_generate_takes_output_under_every_spelling(
    two_worlds: Path, tmp_path: Path, spelling: str
) -> None:
    out = tmp_path / spelling.strip("-")
    result = CliRunner().invoke(
        main, ["generate", str(two_worlds), "--world", "second", spelling, str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "second" / "__init__.py").is_file()


def test_help_documents_one_spelling() -> None:
    text = CliRunner().invoke(main, ["generate", "--help"]).output
    assert "-o, --output DIRECTORY" in text and "--out " not in text


def test_the_multi_world_error_lists_the_worlds(two_worlds: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", str(two_worlds), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "multiple worlds in `demo:two` (first, second)" in result.output
    nope = CliRunner().invoke(main, ["wit", "check", str(two_worlds), "--world", "nope"])
    assert "(its worlds: first, second)" in nope.output


def test_counts_are_spelled_in_the_singular_for_one(two_worlds: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "check", str(two_worlds), "--world", "first"])
    assert result.exit_code == 0, result.output
    assert "1 package, 1 interface, 2 worlds" in result.output
    assert "1 import, 1 export" in result.output


def test_a_wrong_argument_count_says_argument_for_one(tmp_path: Path) -> None:
    path = tmp_path / "english.wasm"
    path.write_bytes(wasmtime.wat2wasm((ROOT / "examples/compose/english.wat").read_text()))
    from witkit.errors import ArgumentError

    with pytest.raises(ArgumentError, match=r"takes 1 argument, got 2"):
        witkit.load(path).call("greeter/greet", "a", "b")


def test_fetch_json_and_an_empty_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WITKIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "witkit.toml").write_text("[plugins]\n")
    empty = CliRunner().invoke(main, ["fetch"])
    assert empty.exit_code == 0
    assert "nothing to fetch:" in empty.output and "declares no plugins" in empty.output
    wasm = tmp_path / "english.wasm"
    wasm.write_bytes(wasmtime.wat2wasm((ROOT / "examples/compose/english.wat").read_text()))
    (tmp_path / "witkit.toml").write_text('[plugins.english]\nlocator = "file:english.wasm"\n')
    listed = CliRunner().invoke(main, ["fetch", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == {"english": str(wasm.resolve())}
    one = CliRunner().invoke(main, ["fetch", "--json", "english", f"file:{wasm}"])
    assert json.loads(one.output) == {"english": str(wasm.resolve())}


def test_call_explains_what_it_links_when_an_import_is_missing() -> None:
    result = CliRunner().invoke(main, ["call", str(ROOT / "examples/compose/app.wat"), "run", '"x"'])
    assert result.exit_code == 1
    assert result.output.count("error:") == 1
    assert "link only WASI and witkit:plugin/config" in result.output
    assert "provide `example:greet/greeter`" in result.output
    assert "witkit.compose" in result.output


def test_shell_completion_as_the_readme_documents_it() -> None:
    readme = (ROOT / "README.md").read_text()
    assert 'eval "$(_WITKIT_COMPLETE=bash_source witkit)"' in readme
    env = {"_WITKIT_COMPLETE": "bash_complete", "COMP_WORDS": "witkit pu", "COMP_CWORD": "1"}
    result = CliRunner().invoke(main, [], prog_name="witkit", env=env)
    assert result.output.split() == ["plain,push"]


@pytest.mark.parametrize(("shell", "marker"), [("zsh", "compdef"), ("fish", "complete")])
def test_the_zsh_and_fish_completion_scripts_the_readme_names_are_written(
    shell: str, marker: str
) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"_WITKIT_COMPLETE={shell}_source witkit" in readme
    result = CliRunner().invoke(
        main, [], prog_name="witkit", env={"_WITKIT_COMPLETE": f"{shell}_source"}
    )
    assert result.exit_code == 0 and marker in result.output and "witkit" in result.output
