"""The vowel-counter example runs as its README says: typed bindings, a host kv store, a Python guest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.guests import build_guest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vowels"

pytestmark = pytest.mark.slow


def test_vowels_example_keeps_running_total_in_host_store(tmp_path: Path) -> None:
    example = tmp_path / "vowels"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns(".witkit", "build", "bindings"))
    # The component `witkit build examples/vowels` writes (built once per content hash).
    component = build_guest(EXAMPLE / "wit", "vowels", {"app.py": (EXAMPLE / "app.py").read_text()})
    (example / "build").mkdir()
    shutil.copy(component, example / "build" / "vowels.wasm")

    subprocess.run(
        [sys.executable, "-m", "witkit", "generate", "wit", "-o", "bindings"],
        cwd=example, check=True, capture_output=True,
    )
    run = subprocess.run(
        [sys.executable, "host.py"], cwd=example, check=True, capture_output=True, text=True
    )
    expected = (EXAMPLE / "README.md").read_text().split("prints:\n\n```\n", 1)[1].split("```")[0]
    assert run.stdout == expected
