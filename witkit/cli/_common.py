"""Shared CLI plumbing: error reporting and the `--features` options."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from witkit.errors import WitError, WitkitError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1
"""Exit code for bad input (bad WIT, a plugin that does not fit, a failed download)."""


class WitkitGroup(click.Group):
    """A click group whose commands report `WitkitError`s as messages, never tracebacks."""

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
