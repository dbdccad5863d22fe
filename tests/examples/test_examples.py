"""The examples run as their READMEs say: typed host bindings calling a Python guest.

Each example's README shows two commands (`witkit build ... && witkit generate ...`,
then `python examples/NAME/host.py`) and what the second prints; this runs them on a
copy of the example and compares the output with the README.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.guests import build_guest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("name", "world"), [("vowels", "vowels"), ("greeter", "greeter"), ("kvstore", "kvstore")]
)
def test_example_prints_what_its_readme_says(name: str, world: str, tmp_path: Path) -> None:
    source = EXAMPLES / name
    example = tmp_path / name
    shutil.copytree(source, example, ignore=shutil.ignore_patterns(".witkit", "build", "bindings"))
    # What `witkit build examples/NAME` writes, built once per content hash for the suite.
    component = build_guest(
        source / "wit",
        world,
        {p.name: p.read_text() for p in source.glob("*.py") if p.name != "host.py"},
    )
    (example / "build").mkdir()
    shutil.copy(component, example / "build" / f"{name}.wasm")

    subprocess.run(
        [sys.executable, "-m", "witkit", "generate", "wit", "-o", "bindings"],
        cwd=example,
        check=True,
        capture_output=True,
    )
    run = subprocess.run(
        [sys.executable, "host.py"], cwd=example, check=True, capture_output=True, text=True
    )
    readme = (source / "README.md").read_text()
    # The first fenced block after "prints:" (a snippet directive may stand between).
    expected = readme.split("prints:", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    assert run.stdout == expected
