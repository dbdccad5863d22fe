"""`witkit build --check` on the examples as a fresh clone has them: the guest alone is checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from witkit.guest import check_project
from witkit.guest.check import CheckError, guest_files
from witkit.guest.config import load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GUESTS = sorted(p.parent.name for p in EXAMPLES.glob("*/pyproject.toml"))
UNTRACKED = shutil.ignore_patterns("build", "bindings", ".witkit", "__pycache__", ".mypy_cache")


def _fresh(name: str, tmp_path: Path) -> Path:
    """The example as a fresh clone has it: no build, no generated host bindings."""
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name, ignore=UNTRACKED))


def test_every_example_is_covered() -> None:
    assert {"greeter", "kvstore", "vowels"} <= set(GUESTS)


@pytest.mark.parametrize("name", GUESTS)
def test_check_passes_on_a_fresh_example(name: str, tmp_path: Path) -> None:
    root = _fresh(name, tmp_path)
    assert (root / "host.py").is_file()  # imports bindings that do not exist yet
    checked = {p.name for p in guest_files(load_config(root))}
    assert "app.py" in checked and "host.py" not in checked
    check_project(root)


def test_check_still_sees_the_guests_own_modules(tmp_path: Path) -> None:
    root = _fresh("kvstore", tmp_path)
    kv = root / "kv.py"  # found through the exported resource, not through an import
    assert "kv.py" in {p.name for p in guest_files(load_config(root))}
    kv.write_text(kv.read_text().replace("def keys(self) -> list[str]:", "def keys(self) -> list[int]:", 1))
    with pytest.raises(CheckError, match=r"kv\.py:\d+"):
        check_project(root)
