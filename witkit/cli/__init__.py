"""The `witkit` command line: a thin layer over the library API."""

from __future__ import annotations

import click

from witkit import __version__
from witkit.cli._common import WitkitGroup


@click.group(cls=WitkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="witkit")
def main() -> None:
    """witkit: WIT tooling, typed Python bindings and a plugin runtime for WebAssembly components."""


def _register() -> None:
    # Each command family lives in its own module; importing it attaches its commands.
    import witkit.cli.codegen_cmds
    import witkit.cli.plugin_cmds
    import witkit.cli.plugin_run_cmds
    import witkit.cli.wit_cmds  # noqa: F401
    from witkit.cli import guest_cmds  # noqa: F401


_register()
