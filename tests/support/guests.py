"""Build guest components for tests, once per content hash, shared by every test suite.

`build_guest(wit_dir, world, sources)` lays out a throwaway guest project, hashes it
the way `witkit build` does (WIT tree, sources, world, componentize-py and witkit
versions) and returns `<cache>/<hash>.wasm`, building it only when absent. The cache is
`$WITKIT_TEST_CACHE` or `~/.cache/witkit-tests/guests/`, so a warm cache makes every
guest-using test fast, across sessions too.

JavaScript guests the same way: `build_js_guest(wit_dir, world, sources)` or
`build_js_project(folder)`. Their tools are the ones `witkit new --lang js` pins
(`templates/guest-js/tools/`), installed once by `npm ci` into `<cache>/../node/<hash>/`
(`js_tools()`, keyed by the lock's content; installing one for a new lock deletes those of
other locks unused for an hour); without Node.js and npm the test is skipped.
Each JavaScript build keeps its project in `<cache>/js/<hash>/`, so its own `witkit build`
cache answers a second build there.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from witkit.guest.build import build_project
from witkit.guest.cache import cache_key
from witkit.guest.config import load_config

SUPPORT = Path(__file__).resolve().parent
KITCHEN_WIT = SUPPORT.parent / "worlds" / "kitchen"
KITCHEN_GUEST = SUPPORT / "kitchen_guest"
"""The kitchen world's guest implementation: every export echoes its input."""
KITCHEN_JS_GUEST = SUPPORT / "kitchen_guest_js" / "app.js"
"""The same in JavaScript, written over the module `witkit new --lang js` scaffolds."""
JS_TOOLS = SUPPORT.parents[1] / "templates" / "guest-js" / "tools"
"""The package.json and package-lock.json every scaffolded JavaScript guest pins."""


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


# -- JavaScript guests ------------------------------------------------------------------------


def js_tools() -> Path:
    """A `node_modules` holding the pinned componentize-js, installed by `npm ci` from
    `templates/guest-js/tools` once per lock content; skips the test without node and npm."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("JavaScript guests need Node.js 20+ and npm on PATH (apt-get install nodejs npm)")
    files = {n: (JS_TOOLS / n).read_bytes() for n in ("package.json", "package-lock.json")}
    digest = hashlib.sha256(b"".join(files.values())).hexdigest()[:20]
    home = cache_dir().parent / "node" / digest
    if (home / "complete").is_file():
        os.utime(home / "complete")  # its last use, which keeps `prune_js_tools` off it
        return home / "node_modules"
    home.parent.mkdir(parents=True, exist_ok=True)
    prune_js_tools(home.parent, keep=digest)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=home.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        run = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=tmp, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if run.returncode != 0:
            raise RuntimeError(f"npm ci in {JS_TOOLS} failed:\n{run.stdout}{run.stderr}"[-3000:])
        (tmp / "complete").write_text("")
        try:
            os.replace(tmp, home)
        except OSError:
            if not (home / "complete").is_file():  # another process may have won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return home / "node_modules"


def prune_js_tools(folder: Path, keep: str) -> list[str]:
    """Delete the tools installed for other locks (about 400 MB each) unused for `STALE`
    seconds, and `npm ci` runs killed as long ago; returns the names deleted. A lock another
    checkout tests with stays while that checkout's tests use it (each use marks `complete`)."""
    from witkit._cachedirs import STALE

    cutoff = time.time() - STALE
    deleted = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        if entry.name == keep or not entry.is_dir():
            continue
        mark = entry / "complete"
        try:
            used = (mark if mark.is_file() else entry).stat().st_mtime
        except OSError:
            continue
        if used < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            deleted.append(entry.name)
    return deleted


_UNTRACKED = shutil.ignore_patterns("node_modules", ".witkit", "build")


def build_js_project(project: Path) -> Path:
    """The component of the JavaScript guest project `project`, built in a copy kept in the
    test cache by content hash (with the pinned tools linked in as its `node_modules`)."""
    from witkit.guest.jsbuild import find_tools, js_cache_key, load_js_config

    modules = js_tools()
    with tempfile.TemporaryDirectory(prefix="witkit-test-js-") as tmp:
        staged = Path(tmp) / "p"
        shutil.copytree(project, staged, ignore=_UNTRACKED)
        package = json.loads((staged / "package.json").read_text())
        wit = (project / package["witkit"].get("wit", "wit")).resolve()
        if not wit.is_relative_to(project.resolve()):  # WIT beside the project: name it whole
            package["witkit"]["wit"] = str(wit)
            (staged / "package.json").write_text(json.dumps(package))
        (staged / "node_modules").symlink_to(modules, target_is_directory=True)
        config = load_js_config(staged)
        tools = find_tools(config)
        assert tools is not None, f"{modules} holds no componentize-js"
        key = js_cache_key(config, tools)
        home = cache_dir() / "js" / key[:32]
        out = home / "build" / f"{config.name}.wasm"
        if out.is_file():
            return out
        if home.exists():  # a build that did not finish
            shutil.rmtree(home)
        home.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, home, symlinks=True)
    build_project(home)
    return out


def build_js_guest(
    wit_dir: Path, world: str, sources: dict[str, str], settings: dict[str, object] | None = None
) -> Path:
    """The component for the JavaScript `sources` (file name -> text; `app.js` is the module)."""
    with tempfile.TemporaryDirectory(prefix="witkit-test-js-guest-") as tmp:
        project = Path(tmp)
        package = {
            "name": "test-js-guest",
            "type": "module",
            "witkit": {"wit": str(wit_dir.resolve()), "world": world, **(settings or {})},
        }
        (project / "package.json").write_text(json.dumps(package))
        for rel, text in sources.items():
            path = project / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return build_js_project(project)


def kitchen_js_component() -> Path:
    """The kitchen world's echoing JavaScript guest: the scaffold of `witkit new --lang js`
    with its module replaced by `kitchen_guest_js/app.js`, built (or taken from the cache)."""
    from witkit.guest.scaffold import new_project

    with tempfile.TemporaryDirectory(prefix="witkit-kitchen-js-") as tmp:
        project = new_project("kitchen-js", KITCHEN_WIT, "kitchen", Path(tmp) / "p", lang="js")
        (project / "app.js").write_text(KITCHEN_JS_GUEST.read_text(encoding="utf-8"))
        return build_js_project(project)
