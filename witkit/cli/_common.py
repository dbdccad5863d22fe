"""Shared CLI plumbing: error reporting and the `--features` options."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from witkit.errors import WitError, WitkitError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1
"""Exit code for bad input (bad WIT, a plugin that does not fit, a failed download)."""


class WitkitGroup(click.Group):
    """A click group whose commands report `WitkitError`s as messages, never tracebacks.

    `lazy_commands` maps a command name to the module that defines it; the module is
    imported (attaching the command) only when that command is used or listed, so a
    command does not pay for the imports of all the others.
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            importlib.import_module(self.lazy_commands[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WitError as e:
            click.echo(e.render(), err=True)
            sys.exit(EXIT_USER_ERROR)
        except WitkitError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USER_ERROR)


def parse_features(features: str | None, all_features: bool) -> frozenset[str] | None:
    """Turn `--features a,b` / `--all-features` into a feature set (None means all)."""
    if all_features:
        return None
    if not features:
        return frozenset()
    return frozenset(f.strip() for f in features.split(",") if f.strip())


def feature_options(func: F) -> F:
    """Add `--features` and `--all-features` to a command."""

    @click.option(
        "--features",
        metavar="A,B",
        default=None,
        help="Enable these @unstable features (comma-separated).",
    )
    @click.option("--all-features", is_flag=True, help="Enable every @unstable feature.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def parsed_option(parse: Any, value: str | None, option: str, number: type) -> Any:
    """`parse(value)` for a size or duration option (a plain number is passed as `number`);
    None stays None, and a bad value is a usage error naming `option`."""
    if value is None:
        return None
    try:
        return parse(number(value) if value.replace(".", "", 1).isdigit() else value)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint=option) from e



class AliasedOption(click.Option):
    """An option whose later long names are accepted but left out of `--help` (an older
    spelling that keeps working)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        full = self.opts
        first_long = next((o for o in full if o.startswith("--")), None)
        self.opts = [o for o in full if not o.startswith("--") or o == first_long]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = full
