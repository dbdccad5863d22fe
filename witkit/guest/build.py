"""`witkit build`: turn a guest project into a component with componentize-py, cached by content."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from witkit.errors import BuildError, WitError
from witkit.guest import componentize as cpy
from witkit.guest.cache import BuildCache, bindings_key, cache_key, publish
from witkit.guest.check import run_mypy
from witkit.guest.config import ProjectConfig, load_config
from witkit.guest.diagnose import ComponentizeError, diagnose
from witkit.guest.signatures import check_arity
from witkit.guest.sources import stage

if TYPE_CHECKING:  # the WIT resolver loads only when a build needs WIT names
    from witkit.guest.plan import GuestPlan


@dataclass(frozen=True)
class BuildResult:
    """A built component: where it was written, its size and sha256, and whether it came from cache."""

    path: Path
    size: int
    sha256: str
    cached: bool


@dataclass(frozen=True)
class Progress:
    """A progress report: which step runs, for how long so far, and whether it has finished."""

    step: str
    """`bindings`, `check`, `componentize` or `cached`."""
    message: str
    elapsed: float
    done: bool = False


ProgressCallback = Callable[[Progress], None]


def default_output(config: ProjectConfig) -> Path:
    """Where a build goes without `-o`: `build/<project name>.wasm` in the project."""
    return config.root / "build" / f"{config.name}.wasm"


def cache_folder(config: ProjectConfig) -> Path:
    """The project's build cache folder."""
    return config.root / ".witkit" / "build"


def _plan(config: ProjectConfig) -> GuestPlan:
    """The plan of the project's world; bad WIT raises the rendered `WitError`."""
    from witkit.guest.plan import plan_for

    features = None if config.all_features else frozenset(config.features)
    return plan_for(config.wit, config.world, features=features)


def _planner(config: ProjectConfig) -> Callable[[], GuestPlan | None]:
    """A lazy, error-tolerant plan: only needed to translate an error into WIT names."""

    @cache
    def plan() -> GuestPlan | None:
        try:
            return _plan(config)
        except (WitError, BuildError, ImportError, LookupError, ValueError, TypeError):
            return None

    return plan


def _bindings_error(raw: str, config: ProjectConfig) -> ComponentizeError:
    lines = [ln for ln in raw.splitlines() if ln.strip() and not ln.startswith((" ", "Traceback"))]
    detail = lines[-1].removeprefix("AssertionError: ") if lines else "failed"
    return ComponentizeError(
        f"{config.relative(config.wit)}: componentize-py cannot read world `{config.world}`: {detail}",
        raw_output=raw,
        file=config.relative(config.wit),
        wit_item=config.world,
    )


def generate_bindings(config: ProjectConfig, dest: Path) -> Path:
    """Write componentize-py's bindings for the project's world into the new folder `dest`."""
    out = cpy.generate_bindings(config, dest)
    if out.returncode != 0:
        raise _bindings_error(out.text, config)
    return dest


def guest_bindings(project_dir: str | Path = ".") -> Path:
    """componentize-py's bindings for the project's world, generated once into `.witkit/bindings/`.

    Put the returned folder on `sys.path` to import the guest in plain Python (tests),
    or on `MYPYPATH` to type-check it.
    """
    config = load_config(project_dir)
    dest = config.root / ".witkit" / "bindings" / bindings_key(config)[:20]
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=dest.parent))
    try:
        generate_bindings(config, tmp / "bindings")
        try:
            os.replace(tmp / "bindings", dest)
        except OSError:
            if not dest.is_dir():  # another process may have won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _checked_bindings(config: ProjectConfig, dest: Path) -> Path:
    """Generate bindings; when componentize-py rejects the WIT, report it as `witkit wit check` does."""
    try:
        return generate_bindings(config, dest)
    except ComponentizeError:
        _plan(config)  # raises the rendered WitError
        raise


def check_project(project_dir: str | Path = ".") -> None:
    """Type-check the guest in `project_dir` (its own files only) against fresh bindings.

    What `witkit build --check` does before building; CheckError lists the mismatches. A
    JavaScript guest is checked with tsc (`witkit.guest.jscheck`).
    """
    from witkit.guest.jsbuild import is_js_project

    if is_js_project(project_dir):
        from witkit.guest.jscheck import check_js_project

        check_js_project(project_dir)
        return
    config = load_config(project_dir)
    with tempfile.TemporaryDirectory(prefix="witkit-bindings-") as tmp:
        bindings = _checked_bindings(config, Path(tmp) / "bindings")
        run_mypy(config, bindings, _planner(config))


def build_project(
    project_dir: str | Path = ".",
    output: str | Path | None = None,
    *,
    verbose: bool = False,
    check: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build the guest project in `project_dir` into a component (reusing a cached build).

    `check` runs mypy over the guest against the generated bindings first; `verbose`
    puts componentize-py's raw output into the message of a failed build. A JavaScript
    guest (a `package.json` with `"witkit"` settings) is built by `witkit.guest.jsbuild`.
    """
    from witkit.guest.jsbuild import build_js_project, is_js_project

    if is_js_project(project_dir):
        return build_js_project(
            project_dir, output, verbose=verbose, check=check, progress=progress
        )
    config = load_config(project_dir)
    out = Path(output).resolve() if output is not None else default_output(config)
    report = progress or (lambda p: None)
    plan = _planner(config)
    key = cache_key(config)
    store = BuildCache(cache_folder(config))

    try:
        hit = store.get(key)
        if check or hit is None:
            # Fresh bindings in a new temporary folder: a quick check that componentize-py
            # reads the WIT and the world, and what mypy checks the guest against.
            with tempfile.TemporaryDirectory(prefix="witkit-bindings-") as tmp:
                start = time.monotonic()
                report(Progress("bindings", "generating bindings", 0.0))
                bindings = _checked_bindings(config, Path(tmp) / "bindings")
                if check:
                    report(Progress("check", "type-checking the guest with mypy", 0.0))
                    run_mypy(config, bindings, plan)
                report(Progress("bindings", "bindings ready", time.monotonic() - start, done=True))

        if hit is not None:
            wasm, sha = hit
            publish(wasm, sha, out)
            report(Progress("cached", "unchanged since the last build", 0.0, done=True))
            return BuildResult(out, wasm.stat().st_size, sha, cached=True)

        known = plan()
        if known is not None:
            check_arity(config, known)
        message = f"componentizing {config.module} for world {config.world}"
        with store.put(key) as tmp_wasm, tempfile.TemporaryDirectory(prefix="witkit-guest-") as tmp:
            report(Progress("componentize", message, 0.0))
            # Only the guest's own files go in (not the host or bindings beside it):
            # componentize-py bundles every file of the folders it is given.
            staged = stage(config, Path(tmp))
            run = cpy.componentize(
                config,
                tmp_wasm,
                python_path=staged,
                tick=lambda t: report(Progress("componentize", message, t)),
            )
            if run.returncode != 0 or not tmp_wasm.is_file():
                raise diagnose(run.text, config, plan)
        elapsed_hit = store.get(key)
        if elapsed_hit is None:  # pragma: no cover - the store just wrote it
            raise BuildError(f"{cache_folder(config)}: the built component vanished from the cache")
        wasm, sha = elapsed_hit
        publish(wasm, sha, out)
        report(Progress("componentize", message, 0.0, done=True))
        return BuildResult(out, wasm.stat().st_size, sha, cached=False)
    except ComponentizeError as e:
        if verbose and e.raw_output:
            raise ComponentizeError(
                f"{e.message}\n\ncomponentize-py said:\n{e.raw_output}",
                raw_output=e.raw_output,
                file=e.file,
                wit_item=e.wit_item,
            ) from None
        raise
