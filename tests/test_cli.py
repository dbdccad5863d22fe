"""The `witkit` command itself: version, help, and error reporting without tracebacks."""

from __future__ import annotations

from click.testing import CliRunner

import witkit
from witkit.cli import main


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"witkit, version {witkit.__version__}"


def test_help_lists_one_line_per_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    commands = result.output.split("Commands:", 1)[1].strip().splitlines()
    assert commands, "no command is listed"
    for line in commands:
        name, _, summary = line.strip().partition(" ")
        assert name in main.commands
        assert summary.strip(), f"command {name!r} has no one-line summary"
