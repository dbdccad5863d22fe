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


def test_the_javascript_vowel_counter_prints_what_the_python_one_does(tmp_path: Path) -> None:
    from tests.support.guests import build_js_project

    examples = tmp_path / "examples"
    ignore = shutil.ignore_patterns(".witkit", "build", "bindings", "node_modules")
    for name in ("vowels", "vowels-js"):
        shutil.copytree(EXAMPLES / name, examples / name, ignore=ignore)
    # What `witkit build examples/vowels-js` writes, built once per content hash for the suite.
    component = build_js_project(examples / "vowels-js")
    built = examples / "vowels-js" / "build" / "vowels-js.wasm"
    built.parent.mkdir()
    shutil.copy(component, built)

    subprocess.run(
        [sys.executable, "-m", "witkit", "generate", "examples/vowels/wit", "-o",
         "examples/vowels/bindings"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    run = subprocess.run(
        [sys.executable, "examples/vowels/host.py", "examples/vowels-js/build/vowels-js.wasm"],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    )  # fmt: skip
    readme = (EXAMPLES / "vowels-js" / "README.md").read_text()
    expected = readme.split("prints:", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    assert run.stdout == expected
    python_readme = (EXAMPLES / "vowels" / "README.md").read_text()
    assert expected in python_readme  # the same lines as the Python guest's
