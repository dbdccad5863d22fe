"""`witkit wit ...`: check WIT and show what it resolves to."""

from __future__ import annotations

import json
from pathlib import Path

import click

from witkit._text import plural
from witkit.cli import main
from witkit.cli._common import feature_options, parse_features
from witkit.wit.json import to_json
from witkit.wit.model import ResolvedPackages
from witkit.wit.printer import print_wit, print_world
from witkit.wit.resolve_cache import resolve_path
from witkit.wit.select import select_world

PATH_ARG = click.Path(exists=True, path_type=Path)


@main.group()
def wit() -> None:
    """Check WIT packages and show what they resolve to."""


def _resolve(path: Path, features: str | None, all_features: bool) -> ResolvedPackages:
    return resolve_path(path, features=parse_features(features, all_features))


def summary(resolved: ResolvedPackages, world: int | None = None) -> str:
    """One line saying what a resolution holds: `ok: 3 packages, 12 interfaces, 2 worlds (ns:pkg)`."""
    r = resolved.resolve
    main_name = r.packages[resolved.main].name

    line = (
        f"ok: {plural(len(r.packages), 'package')}, {plural(len(r.interfaces), 'interface')}, "
        f"{plural(len(r.worlds), 'world')} ({main_name})"
    )
    if world is not None:
        w = r.worlds[world]
        line += (
            f"; world {r.world_id_of(world)}: {plural(len(w.imports), 'import')}, "
            f"{plural(len(w.exports), 'export')}"
        )
    return line


@wit.command()
@click.argument("path", type=PATH_ARG)
@click.option("--world", "world_name", metavar="W", help="Also check that world W can be selected.")
@feature_options
def check(path: Path, world_name: str | None, features: str | None, all_features: bool) -> None:
    """Resolve a WIT file or package folder and print a one-line summary."""
    resolved = _resolve(path, features, all_features)
    world = None
    if world_name is not None:
        world = select_world(resolved.resolve, resolved.main, world_name)
    click.echo(summary(resolved, world))


@wit.command("json")
@click.argument("path", type=PATH_ARG)
@feature_options
def json_cmd(path: Path, features: str | None, all_features: bool) -> None:
    """Print the resolved WIT as wit-parser's JSON (packages, worlds, interfaces, types)."""
    resolved = _resolve(path, features, all_features)
    click.echo(json.dumps(to_json(resolved.resolve), indent=2))


@wit.command(name="print")
@click.argument("path", type=PATH_ARG)
@click.option("--world", "world_name", metavar="W", help="Print only world W, elaborated.")
@click.option(
    "--no-deps", is_flag=True, help="Leave out the packages from deps/ (output may not re-parse)."
)
@feature_options
def print_(
    path: Path, world_name: str | None, no_deps: bool, features: str | None, all_features: bool
) -> None:
    """Print resolved WIT back as canonical, formatted WIT text."""
    resolved = _resolve(path, features, all_features)
    if world_name is not None:
        world = select_world(resolved.resolve, resolved.main, world_name)
        click.echo(print_world(resolved.resolve, world), nl=False)
        return
    click.echo(print_wit(resolved, nested_deps=not no_deps), nl=False)
