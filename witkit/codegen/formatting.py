"""Laying generated Python out: one `ruff format` run over every module of a package.

Templates write code without caring where lines break; ruff's formatter (a dependency, so
the same ruff version on every machine) gives it the layout a reader expects, at witkit's
line length. One ruff process formats the whole package: the files are written to a
temporary folder, formatted there and read back, so generation costs one process start,
not one per module.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from witkit.errors import BindingError, WitkitError

__all__ = ["LINE_LENGTH", "format_python", "ruff_binary"]

LINE_LENGTH = 100
"""The line length generated code is laid out for (witkit's own ruff setting)."""

_RUFF_ARGS = (
    "format",
    "--isolated",
    "--no-cache",
    "--line-length",
    str(LINE_LENGTH),
    "--target-version",
    "py311",
)
"""`--isolated`: no configuration file near the temporary folder changes the layout."""


def ruff_binary() -> str:
    """The `ruff` executable of the installed `ruff` package."""
    try:
        from ruff import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError as e:  # pragma: no cover - ruff is a dependency
        raise BindingError("the `ruff` package is not installed; it formats generated code") from e
    try:
        return os.fsdecode(find_ruff_bin())
    except FileNotFoundError as e:  # ruff's RuffNotFound: the package without its executable
        raise BindingError(
            f"ruff formats generated code, but its executable is missing: {e}"
        ) from e


def format_python(
    files: Mapping[str, str],
    error: type[WitkitError] = BindingError,
    *,
    ruff: str | None = None,
) -> dict[str, str]:
    """`files` (`{relative path: text}`) with every `.py` text formatted by `ruff format`.

    Other files are returned as they are. Code ruff cannot format (a user template that
    writes invalid Python) raises `error` with ruff's message, naming the file.
    """
    python = {rel: text for rel, text in files.items() if rel.endswith(".py") and text}
    out = dict(files)
    if not python:
        return out
    with tempfile.TemporaryDirectory(prefix="witkit-format-") as tmp:
        root = Path(tmp)
        for rel, text in python.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            proc = subprocess.run(
                [ruff or ruff_binary(), *_RUFF_ARGS, "."],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as e:
            raise error(f"cannot run ruff to format the generated code: {e}") from e
        if proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().replace(f"{root}{os.sep}", "")
            raise error(f"generated code is not valid Python (ruff format failed): {message}")
        for rel in python:
            out[rel] = (root / rel).read_text(encoding="utf-8")
    return out
