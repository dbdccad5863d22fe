"""`witkit inspect`, `witkit check` and `witkit call` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.compose.components import ENGLISH
from tests.dynamic.components import CHECK_TABLE, CONFIG_READER, GREETER_WIT
from tests.runtime.components import BEHAVIOUR, WASI
from witkit.cli import main


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in {
        "english.wat": ENGLISH,
        "good.wat": CHECK_TABLE["fits"][0],
        "bad.wat": CHECK_TABLE["everything-wrong"][0],
        "config.wat": CONFIG_READER,
        "wasi.wat": WASI,
        "behaviour.wat": BEHAVIOUR,
        "world.wit": GREETER_WIT,
        "junk.wasm": "\0asm not really",
    }.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "data").mkdir()
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_inspect(files: Path) -> None:
    code, out, _ = run("inspect", str(files / "good.wat"))
    assert code == 0
    assert "greet: func(name: string) -> string;" in out and "export version: func() -> u32;" in out
    code, out, _ = run("inspect", str(files / "good.wat"), "--json")
    assert code == 0
    assert [e["name"] for e in json.loads(out)["exports"]] == ["example:greet/greeter", "version"]


def test_check(files: Path) -> None:
    code, out, _ = run("check", str(files / "good.wat"), "--wit", str(files / "world.wit"))
    assert code == 0 and "can stand in for world `example:greet/greeter-plugin`" in out
    code, out, _ = run(
        "check",
        str(files / "bad.wat"),
        "--wit",
        str(files / "world.wit"),
        "--world",
        "greeter-plugin",
    )
    assert code == 1
    assert (
        "export `example:greet/greeter#greet`: the world has `func(name: string) -> string`" in out
    )
    assert "export `version`: missing" in out
    assert "import `example:other/thing`: not provided by the world or by WASI" in out
    code, out, _ = run("check", str(files / "bad.wat"), "--wit", str(files / "world.wit"), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["fits"] is False and len(data["mismatches"]) == 4


def test_check_bad_world(files: Path) -> None:
    code, _, err = run(
        "check", str(files / "good.wat"), "--wit", str(files / "world.wit"), "--world", "nope"
    )
    assert code == 1 and "error:" in err


def test_call(files: Path) -> None:
    code, out, _ = run("call", str(files / "english.wat"), "greeter/greet", '"Ada"')
    assert (code, out) == (0, '"Hello, Ada!"\n')
    code, out, _ = run("call", str(files / "behaviour.wat"), "math/add", "2", "40")
    assert code == 1  # needs a host import the shell cannot give
    code, out, _ = run("call", str(files / "config.wat"), "setting", '"who"', "--config", "who=me")
    assert (code, out) == (0, '"me"\n')


def test_call_with_wasi_grants_and_limits(files: Path) -> None:
    code, out, _ = run("call", str(files / "wasi.wat"), "env", "--env", "A=1", "--env", "B=two")
    assert code == 0 and json.loads(out) == [["A", "1"], ["B", "two"]]
    code, out, _ = run(
        "call", str(files / "wasi.wat"), "dirs", "--wasi-dir", f"{files / 'data'}:/data"
    )
    assert code == 0 and json.loads(out) == ["/data"]
    code, out, _ = run(
        "call",
        str(files / "english.wat"),
        "greet",
        '"x"',
        "--fuel",
        "100000",
        "--timeout",
        "2s",
        "--memory",
        "1MiB",
    )
    assert (code, out) == (0, '"Hello, x!"\n')
    code, _, err = run("call", str(files / "english.wat"), "greet", '"x"', "--fuel", "5")
    assert code == 1 and "fuel" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["english.wat", "greet", '"Ada'], 2, "argument 1 is not valid JSON"),
        (["english.wat", "greet", "3"], 1, "parameter `name`: expected string, got int 3"),
        (["english.wat", "greet"], 1, "missing parameter `name`"),
        (["english.wat", "nope"], 1, "exports no function 'nope'"),
        (["missing.wat", "f"], 2, "no such file"),
        (["junk.wasm", "f"], 1, "cannot compile component"),
        (["english.wat", "greet", '"x"', "--env", "novalue"], 2, "expected KEY=VALUE"),
        (["english.wat", "greet", '"x"', "--memory", "lots"], 2, "is not a size"),
        (["english.wat", "greet", '"x"', "--wasi-dir", "/no/such/dir"], 2, "no such directory"),
    ],
)
def test_call_bad_input_has_no_traceback(
    files: Path, args: list[str], code: int, message: str
) -> None:
    args = [str(files / args[0]), *args[1:]]
    got, out, err = run("call", *args)
    assert got == code
    assert message in err
    assert out == ""
