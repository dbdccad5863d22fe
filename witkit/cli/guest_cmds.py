"""`witkit new` and `witkit build`: scaffold a guest plugin (Python or JavaScript) from a world, and build it."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import click

from witkit.cli import main
from witkit.guest.build import Progress, build_project


class _Spinner:
    """Shows the slow step on stderr: an animated line on a terminal, one line otherwise."""

    _FRAMES = "|/-\\"

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._frames = itertools.cycle(self._FRAMES)
        self._step: str | None = None
        self._width = 0

    def __call__(self, p: Progress) -> None:
        if p.done:
            self._clear()
            self._step = None
            return
        if not self._tty:
            if p.step != self._step:
                click.echo(f"{p.message} ...", err=True)
            self._step = p.step
            return
        self._step = p.step
        line = f"{next(self._frames)} {p.message} ({p.elapsed:.0f} s)"
        self._width = max(self._width, len(line))
        click.echo("\r" + line.ljust(self._width), err=True, nl=False)

    def _clear(self) -> None:
        if self._tty and self._width:
            click.echo("\r" + " " * self._width + "\r", err=True, nl=False)
            self._width = 0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@main.command("build")
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the component (default: build/NAME.wasm in the project).",
)
@click.option(
    "--check", is_flag=True, help="Type-check the guest against the bindings first (mypy)."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show componentize-py's (or componentize-js's) raw output on failure."
)
@click.option("--json", "as_json", is_flag=True, help="Print path, size, sha256 and cached as JSON.")
def build(project_dir: Path, output: Path | None, check: bool, verbose: bool, as_json: bool) -> None:
    """Build the guest project in PROJECT_DIR into a component (cached)."""
    spinner = _Spinner()
    try:
        result = build_project(project_dir, output, verbose=verbose, check=check, progress=spinner)
    finally:
        spinner._clear()
    if as_json:
        click.echo(
            json.dumps(
                {"path": str(result.path), "size": result.size, "sha256": result.sha256,
                 "cached": result.cached},
                indent=2,
            )
        )
        return
    note = ", unchanged" if result.cached else ""
    click.echo(f"wrote {_shown(result.path)} ({_size(result.size)}, sha256 {result.sha256}{note})")


@main.command("new")
@click.argument("name")
@click.option(
    "--wit",
    "wit_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="The WIT file or package folder (with deps/).",
)
@click.option("--world", help="The world to implement (default: the package's only world).")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The project folder to create (default: ./NAME).",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of templates overriding witkit's (templates/guest, or templates/guest-js).",
)
@click.option(
    "--package",
    is_flag=True,
    help="Also make it a Python package carrying the built component (hatchling, an entry "
    "point witkit.plugins): `witkit build && pip install .` makes it discoverable.",
)
@click.option(
    "--lang",
    type=click.Choice(["python", "js", "ts"]),
    default="python",
    show_default=True,
    help="The guest's language. python: built with componentize-py (installed with witkit). "
    "js: built with componentize-js, which needs Node.js 20 or newer and npm on PATH; the "
    "project pins it in package.json and package-lock.json, and the first `witkit build` "
    "installs it with `npm ci`. ts: TypeScript, the same tools (the lock pins tsc too), "
    "compiled by tsc against the world's types before componentize-js.",
)
def new(
    name: str,
    wit_path: Path,
    world: str | None,
    out_dir: Path | None,
    templates: Path | None,
    package: bool,
    lang: str,
) -> None:
    """Create a buildable guest project NAME for a WIT world (Python; JavaScript or TypeScript
    with --lang js or ts)."""
    from witkit.guest.scaffold import new_project

    folder = new_project(name, wit_path, world, out_dir, templates, package=package, lang=lang)
    then = " && pip install ." if package else ""
    click.echo(
        f"created {_shown(folder.resolve())}; next: cd {_shown(folder.resolve())} "
        f"&& witkit build{then}"
    )
