"""`witkit generate`: typed Python host bindings for a world."""

from __future__ import annotations

from pathlib import Path

import click

from witkit.cli import main
from witkit.cli._common import AliasedOption, feature_options, parse_features
from witkit.codegen.host import write_host
from witkit.wit.resolve_cache import resolve_path
from witkit.wit.select import select_world


@main.command(short_help="Generate typed Python host bindings for a WIT world.")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--world",
    "world_name",
    metavar="W",
    help="The world to bind (needed when the package has several).",
)
@click.option(
    "-o",
    "--output",
    "--out",
    "out_dir",
    cls=AliasedOption,
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the package into.",
)
@click.option(
    "--package",
    "package_name",
    metavar="NAME",
    help="Package name (default: the world's name in snake_case).",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of templates overriding witkit's templates/host ones by file name.",
)
@feature_options
def generate(
    path: Path,
    world_name: str | None,
    out_dir: Path,
    package_name: str | None,
    templates: Path | None,
    features: str | None,
    all_features: bool,
) -> None:
    """Write typed Python host bindings for a world of the WIT at PATH as package OUTPUT/NAME."""
    resolved = resolve_path(path, features=parse_features(features, all_features))
    world = select_world(resolved.resolve, resolved.packages, world_name)
    root = write_host(resolved.resolve, world, out_dir, package_name, templates, source=str(path))
    click.echo(f"wrote {root}")
