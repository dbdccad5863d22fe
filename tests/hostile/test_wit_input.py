"""Hostile input to the WIT reader: whatever the files say, a `WitError` in bounded time and memory.

Each test names the protection it proves and fails if that protection goes: the error's
message and place are asserted, and `pytest.mark.timeout` is a generous guard against a hang
(a test never asserts on elapsed time).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from witkit.cli import main
from witkit.errors import WitError
from witkit.wit import parser
from witkit.wit.ast import MAX_QUOTED_LINE
from witkit.wit.parser import MAX_TYPE_NESTING, MAX_WIT_FILE_BYTES, parse_file
from witkit.wit.resolve import resolve_path

LIMIT_TEXT = f"more than the {MAX_WIT_FILE_BYTES // (1024 * 1024)} MiB a WIT file may be"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def wit_error(path: Path) -> WitError:
    """Resolve `path`, which must fail with a `WitError` (anything else fails the test)."""
    with pytest.raises(WitError) as info:
        resolve_path(path)
    return info.value


def check_cli(path: Path) -> str:
    """`witkit wit check PATH` must exit 1 with an `error: ...` message and no traceback."""
    result = CliRunner().invoke(main, ["wit", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[0]


# --------------------------------------------------------------------------- huge files


@pytest.mark.timeout(60)
def test_a_file_over_the_ceiling_fails_on_its_size_without_being_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.wit"
    with big.open("wb") as f:  # sparse: no disk is used
        f.truncate(4 << 30)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened although its size is over the ceiling")

    monkeypatch.setattr(parser, "open", never, raising=False)
    error = wit_error(big)
    assert error.message == f"{big}: {4 << 30} bytes, {LIMIT_TEXT}"
    assert (error.path, error.line, error.column) == (str(big), 1, 1)


@pytest.mark.timeout(60)
def test_a_file_one_byte_over_the_ceiling_fails_and_one_at_it_is_read(tmp_path: Path) -> None:
    over = write(tmp_path / "over.wit", " " * (MAX_WIT_FILE_BYTES + 1))
    assert wit_error(over).message == f"{over}: {MAX_WIT_FILE_BYTES + 1} bytes, {LIMIT_TEXT}"
    at = write(tmp_path / "at.wit", "package a:b;".ljust(MAX_WIT_FILE_BYTES))
    assert parse_file(at).package is not None


@pytest.mark.timeout(60)
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_read_no_further_than_the_ceiling() -> None:
    # /dev/zero says it is 0 bytes long and never ends: only the bounded read stops it.
    error = wit_error(Path("/dev/zero"))
    assert error.message == f"/dev/zero: {LIMIT_TEXT}"
    assert check_cli(Path("/dev/zero")) == f"error: /dev/zero: {LIMIT_TEXT}"


def test_text_over_the_ceiling_is_refused_by_parse() -> None:
    with pytest.raises(WitError) as info:
        parser.parse(" " * (MAX_WIT_FILE_BYTES + 1), "given.wit")
    assert info.value.message == f"given.wit: {MAX_WIT_FILE_BYTES + 1} characters, {LIMIT_TEXT}"


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_in_deps_is_refused_not_read(tmp_path: Path) -> None:
    # Reading a pipe nobody writes to would block forever.
    pkg = tmp_path / "pkg"
    write(pkg / "main.wit", "package a:b;\nworld w { import a:c/i; }\n")
    (pkg / "deps").mkdir()
    os.mkfifo(pkg / "deps" / "c.wit")
    assert stat.S_ISFIFO(os.stat(pkg / "deps" / "c.wit").st_mode)
    error = wit_error(pkg)
    assert error.message == f"cannot read {pkg / 'deps' / 'c.wit'}: not a regular file"


def test_an_error_on_a_long_line_does_not_quote_it(tmp_path: Path) -> None:
    line = "package a:b; interface i { type t = " + "list<" * 2000 + "u8" + ">" * 2000 + "; }"
    path = write(tmp_path / "one-line.wit", line)
    error = wit_error(path)
    assert error.message == "type nesting too deep"
    assert (error.line, error.column) == (1, 37 + 5 * 100)
    assert error.location is not None and error.location.source_line is None
    assert check_cli(path) == "error: type nesting too deep"
    assert len(error.render()) < 200
    assert len(line) > MAX_QUOTED_LINE


# --------------------------------------------------------------------------- deep nesting


def nested(kind: str, depth: int) -> str:
    """`depth` levels of `kind<...>` around `u8` (`result<T, u8>` and `tuple<T, u8>` for two)."""
    close = {"list": ">", "option": ">", "result": ", u8>", "tuple": ", u8>"}[kind]
    return f"{kind}<" * depth + "u8" + close * depth


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["list", "option", "result", "tuple"])
@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_deep_type_nesting_fails_at_the_first_level_too_deep(
    tmp_path: Path, kind: str, depth: int
) -> None:
    path = write(
        tmp_path / "deep.wit",
        f"package a:b;\ninterface i {{\n  type t = {nested(kind, depth)};\n}}\n",
    )
    error = wit_error(path)
    assert error.message == "type nesting too deep"
    assert (error.path, error.line) == (str(path), 3)
    assert error.column == len("  type t = ") + 1 + (len(kind) + 1) * MAX_TYPE_NESTING
    assert check_cli(path) == "error: type nesting too deep"


def test_the_nesting_limit_is_wit_parsers_and_real_wit_is_far_below_it(tmp_path: Path) -> None:
    ok = f"package a:b;\ninterface i {{ type t = {nested('list', MAX_TYPE_NESTING)}; }}\n"
    assert resolve_path(write(tmp_path / "ok.wit", ok)).resolve.types
    deep = ok.replace("list<u8>", "list<list<u8>>")
    assert wit_error(write(tmp_path / "deep.wit", deep)).message == "type nesting too deep"


@pytest.mark.timeout(120)
def test_too_deep_nesting_is_found_without_parsing_what_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Megabytes of `list<` are refused after parsing only the text in front of the nesting.
    lark = parser._parser()
    parsed: list[int] = []

    class Recording:
        def parse(self, text: str) -> object:
            parsed.append(len(text))
            return lark.parse(text)

    monkeypatch.setattr(parser, "_parser", Recording)
    body = nested("list", (MAX_WIT_FILE_BYTES - 100) // 6)
    path = write(tmp_path / "deep.wit", f"package a:b;\ninterface i {{ type t = {body}; }}\n")
    assert wit_error(path).message == "type nesting too deep"
    assert parsed and max(parsed) < 1000


def test_a_syntax_error_before_too_deep_nesting_is_reported_first(tmp_path: Path) -> None:
    # wit-parser reads a file in order: the first problem in the text is the one reported.
    text = f"package a:b;\ninterface i {{ type = u8; type t = {nested('list', 200)}; }}\n"
    error = wit_error(write(tmp_path / "bad.wit", text))
    assert (error.message, error.line, error.column) == (
        "expected an identifier or string, found '='",
        2,
        20,
    )
