"""Build Python guest components for tests, once per content hash, shared by every test suite.

`build_guest(wit_dir, world, sources)` lays out a throwaway guest project, hashes it
the way `witkit build` does (WIT tree, sources, world, componentize-py and witkit
versions) and returns `<cache>/<hash>.wasm`, building it only when absent. The cache is
`$WITKIT_TEST_CACHE` or `~/.cache/witkit-tests/guests/`, so a warm cache makes every
guest-using test fast, across sessions too.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from witkit.guest.build import build_project
from witkit.guest.cache import cache_key
from witkit.guest.config import load_config

SUPPORT = Path(__file__).resolve().parent
KITCHEN_WIT = SUPPORT.parent / "worlds" / "kitchen"
KITCHEN_GUEST = SUPPORT / "kitchen_guest"
"""The kitchen world's guest implementation: every export echoes its input."""


def cache_dir() -> Path:
    """Where built test guests are kept."""
    env = os.environ.get("WITKIT_TEST_CACHE")
    root = Path(env) if env else Path.home() / ".cache" / "witkit-tests"
    return root / "guests"


def _sources(sources: dict[str, str] | Path) -> dict[str, str]:
    if isinstance(sources, dict):
        return dict(sources)
    return {
        p.relative_to(sources).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(sources.rglob("*.py"))
        if "__pycache__" not in p.parts and p.parts[len(sources.parts)] != "tests"
    }


def _write_project(folder: Path, wit_dir: Path, world: str, sources: dict[str, str]) -> None:
    (folder / "pyproject.toml").write_text(
        "[project]\nname = \"test-guest\"\n\n"
        f"[tool.witkit]\nwit = {json.dumps(str(wit_dir.resolve()))}\nworld = {json.dumps(world)}\n"
    )
    for rel, text in sources.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build_guest(wit_dir: Path, world: str, sources: dict[str, str] | Path) -> Path:
    """The component for `sources` (file name -> text, or a folder of .py files) and `world`."""
    files = _sources(sources)
    with tempfile.TemporaryDirectory(prefix="witkit-test-guest-") as tmp:
        project = Path(tmp)
        _write_project(project, wit_dir, world, files)
        key = cache_key(load_config(project))
        out = cache_dir() / f"{key}.wasm"
        if out.is_file():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        build_project(project, out)
        shutil.rmtree(project / ".witkit", ignore_errors=True)
    return out


def kitchen_component() -> Path:
    """The kitchen world's echoing guest, built (or taken from the cache)."""
    return build_guest(KITCHEN_WIT, "kitchen", KITCHEN_GUEST)


def kitchen_stub_component() -> Path:
    """The kitchen world's scaffold exactly as `witkit new` writes it (every export a stub), built."""
    from witkit.guest.scaffold import new_project

    with tempfile.TemporaryDirectory(prefix="witkit-kitchen-stubs-") as tmp:
        project = new_project("kitchen-stubs", KITCHEN_WIT, "kitchen", Path(tmp) / "p")
        return build_guest(KITCHEN_WIT, "kitchen", project)
