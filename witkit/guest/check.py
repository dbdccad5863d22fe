"""`witkit build --check`: mypy over the guest against componentize-py's bindings, in WIT terms."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from witkit._text import plural
from witkit.errors import BuildError
from witkit.guest.config import ProjectConfig
from witkit.guest.sources import guest_sources

if TYPE_CHECKING:
    from witkit.guest.plan import GuestPlan


class CheckError(BuildError):
    """mypy found the guest's code does not match the world's bindings."""

    def __init__(self, message: str, *, problems: list[str], raw_output: str) -> None:
        super().__init__(message)
        self.problems = problems
        self.raw_output = raw_output


_LINE = re.compile(r"^(?P<file>[^:\n]+\.pyi?):(?P<line>\d+):(?:\d+:)? error: (?P<msg>.*)$")
_METHOD = re.compile(r'(?:Signature of|of) "(?P<method>\w+)"')
_SUPER = re.compile(r'supertype "(?:[\w.]*\.)?(?P<cls>\w+)"')


def guest_files(config: ProjectConfig) -> list[Path]:
    """The guest's own Python files: the app module and the local modules it imports.

    Not the host, the host bindings or tests beside it: they are not in the component.
    """
    return [f.path for f in guest_sources(config) if f.path.suffix == ".py"]


def _explain(msg: str, plan: GuestPlan | None) -> str:
    method, cls = _METHOD.search(msg), _SUPER.search(msg)
    if plan is None or method is None or cls is None:
        return msg
    wit = plan.wit_name_of(cls.group("cls"), method.group("method"))
    return f"`{wit}` does not match its WIT signature: {msg}" if wit else msg


def run_mypy(
    config: ProjectConfig, bindings: Path, plan: Callable[[], GuestPlan | None]
) -> None:
    """Type-check the guest with `mypy --strict` against `bindings`; CheckError lists mismatches."""
    try:
        import mypy  # noqa: F401
    except ImportError:
        raise BuildError("--check needs mypy (pip install mypy)") from None
    files = guest_files(config)
    if not files:
        raise BuildError(f"{config.root}: no Python files to check")
    env = dict(os.environ)
    env["MYPYPATH"] = os.pathsep.join([str(bindings), *(str(p) for p in config.python_path)])
    argv = [
        sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
        "--no-error-summary", "--hide-error-context", "--no-color-output",
        # No incremental cache: mypy trusts a cached module whose size and whole-second
        # mtime are unchanged, so an edit made within a second of the last check that
        # keeps the file's size (`str` -> `int`) would pass unseen. A fresh check costs
        # about half a second more, before a build that takes several.
        "--no-incremental",
        *(config.relative(f) for f in files),
    ]
    proc = subprocess.run(argv, cwd=config.root, env=env, capture_output=True, text=True)
    if proc.returncode == 0:
        return
    raw = (proc.stdout + proc.stderr).strip()
    problems = []
    for line in raw.splitlines():
        match = _LINE.match(line)
        if match:
            msg = re.sub(r"\s+\[[\w-]+\]$", "", match.group("msg"))
            problems.append(f"{match.group('file')}:{match.group('line')}: {_explain(msg, plan())}")
    if not problems:
        problems = [raw or f"mypy exited with {proc.returncode}"]
    count = plural(len(problems), "problem")
    raise CheckError(
        f"the guest does not match world `{config.world}` ({count}):\n  " + "\n  ".join(problems),
        problems=problems,
        raw_output=raw,
    )
