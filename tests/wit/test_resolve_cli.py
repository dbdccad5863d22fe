"""`witkit wit check|json`: summaries, JSON output, and bad WIT reported without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from witkit.cli import main

FIXTURES = Path(__file__).resolve().parent / "resolve-fixtures"

GOOD = """package demo:cli@0.1.0;

interface api {
  @unstable(feature = beta)
  beta: func();
  ping: func() -> string;
}

world plugin {
  export api;
}

world other {}
"""


def _write(tmp_path: Path, text: str = GOOD) -> Path:
    path = tmp_path / "demo.wit"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_prints_a_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "check", str(_write(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output == "ok: 1 package, 1 interface, 2 worlds (demo:cli@0.1.0)\n"


def test_check_with_world(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "check", str(_write(tmp_path)), "--world", "plugin"])
    assert result.exit_code == 0, result.output
    assert "world demo:cli/plugin@0.1.0: 0 imports, 1 export" in result.output


def test_check_unknown_world_is_a_user_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "check", str(_write(tmp_path)), "--world", "nope"])
    assert result.exit_code == 1
    assert "world `nope` not found in package `demo:cli@0.1.0`" in result.output
    assert "Traceback" not in result.output


def test_bad_wit_exits_1_with_the_rendered_error() -> None:
    path = FIXTURES / "type-cycle.wit"
    result = CliRunner().invoke(main, ["wit", "check", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.startswith("error: type `b` depends on itself\n")
    assert f"--> {path}:4:24" in result.output
    assert "record a { b: option<b> }" in result.output


def test_syntax_error_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["wit", "json", str(_write(tmp_path, "package a:b;\ninterface {"))]
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_json_and_features(tmp_path: Path) -> None:
    path = str(_write(tmp_path))
    plain = CliRunner().invoke(main, ["wit", "json", path])
    assert plain.exit_code == 0, plain.output
    doc = json.loads(plain.output)
    assert list(doc) == ["worlds", "interfaces", "types", "packages"]
    assert list(doc["interfaces"][0]["functions"]) == ["ping"]
    assert plain.output.startswith('{\n  "worlds"')
    beta = json.loads(CliRunner().invoke(main, ["wit", "json", path, "--features", "beta"]).output)
    assert list(beta["interfaces"][0]["functions"]) == ["beta", "ping"]
    every = json.loads(CliRunner().invoke(main, ["wit", "json", path, "--all-features"]).output)
    assert every == beta


def test_missing_path_is_rejected_by_click(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "check", str(tmp_path / "nope.wit")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
