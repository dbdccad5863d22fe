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
from witkit.wit.parser import MAX_WIT_FILE_BYTES, parse_file
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
