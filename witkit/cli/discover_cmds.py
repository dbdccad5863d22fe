"""`witkit plugins list`: the plugins installed Python packages (or a folder) provide."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from witkit.cli import main


@main.group("plugins")
def plugins() -> None:
    """Plugins shipped as Python packages (entry points `witkit.plugins`) or kept in a folder."""


@plugins.command("list")
@click.option("--world", help="Keep only plugins for this world (checked against --wit if given).")
@click.option(
    "--wit",
    type=click.Path(exists=True, path_type=Path),
    help="The WIT holding --world: each plugin is checked against it.",
)
@click.option(
    "--folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also list every component in this folder.",
)
@click.option("--json", "as_json", is_flag=True, help="Print plugins and refusals as JSON.")
def list_plugins(world: str | None, wit: Path | None, folder: Path | None, as_json: bool) -> None:
    """List the installed plugins, each verified by digest; exits 1 if any was refused."""
    from witkit.plugins.discover import discover

    found = discover(world, wit=wit, folder=folder)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plugins": [
                        {
                            "name": p.name,
                            "path": str(p.path),
                            "world": p.world,
                            "sha256": p.sha256,
                            "source": p.source,
                        }
                        for p in found.plugins
                    ],
                    "refused": [
                        {"name": r.name, "source": r.source, "reason": r.reason}
                        for r in found.refused
                    ],
                },
                indent=2,
            )
        )
    else:
        for p in found.plugins:
            click.echo(f"{p.name}  {p.world or '-'}  sha256 {p.sha256[:12]}  {p.source}")
        if not found.plugins and not found.refused:
            click.echo("no plugins found", err=True)
        for r in found.refused:
            click.echo(f"refused {r}", err=True)
    if found.refused:
        sys.exit(1)
