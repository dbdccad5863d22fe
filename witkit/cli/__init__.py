"""The `witkit` command line: a thin layer over the library API."""

from __future__ import annotations

import click

from witkit import __version__
from witkit.cli._common import WitkitGroup

# Each command family lives in its own module; importing it attaches its commands to
# `main`. A module is imported only when one of its commands is used or listed.
LAZY_COMMANDS = {
    "build": "witkit.cli.guest_cmds",
    "call": "witkit.cli.plugin_run_cmds",
    "check": "witkit.cli.plugin_run_cmds",
    "fetch": "witkit.cli.plugin_cmds",
    "generate": "witkit.cli.codegen_cmds",
    "inspect": "witkit.cli.plugin_run_cmds",
    "new": "witkit.cli.guest_cmds",
    "plugins": "witkit.cli.discover_cmds",
    "push": "witkit.cli.plugin_cmds",
    "wit": "witkit.cli.wit_cmds",
}


@click.group(
    cls=WitkitGroup,
    lazy_commands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="witkit")
def main() -> None:
    """witkit: WIT tooling, typed Python bindings and a plugin runtime for WebAssembly components."""
