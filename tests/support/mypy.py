"""One `mypy --strict` run over generated packages, for the tests that check generated code.

Every test that type-checks generated code goes through `mypy_strict`, so none can pass when
mypy did not run cleanly: a non-zero exit fails the caller with mypy's whole output, whether
mypy found errors (exit 1) or could not run at all (exit 2: a bad path, a crash).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


class MypyFailed(AssertionError):
    """mypy exited non-zero; the message is its exit code and output."""


def mypy_strict(paths: Iterable[Path], cache_dir: Path) -> str:
    """Run `mypy --strict` once over `paths`; mypy's output, or MypyFailed on a non-zero exit."""
    cmd = [
        sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-color-output",
        "--cache-dir", str(cache_dir), *(str(p) for p in paths),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise MypyFailed(f"mypy --strict exited with {proc.returncode}:\n{output}")
    return output


def require_mypy_strict(paths: Iterable[Path], cache_dir: Path) -> None:
    """`mypy_strict` for a test or fixture: a failure fails it through pytest with the output."""
    try:
        mypy_strict(paths, cache_dir)
    except MypyFailed as e:
        pytest.fail(str(e), pytrace=False)
