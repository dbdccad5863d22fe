"""Run componentize-py: generate bindings and build components, in a child process.

A child process (rather than the in-process `componentize_py.componentize`) lets witkit
switch off Rust backtraces for that run only, capture all output, and show progress
while the slow step runs. Both interfaces report the same error text.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from witkit.errors import BuildError
from witkit.guest.config import ProjectConfig

WORLD_CLASS = "WitWorld"
"""The class componentize-py looks up in the app module for world-level exports."""
WORLD_MODULE = "wit_world"
"""The top-level package of componentize-py's bindings."""

_SCRIPT = (
    "import sys; from componentize_py import script; "
    "sys.argv[0] = 'componentize-py'; sys.exit(script())"
)


@lru_cache(maxsize=1)
def componentize_py_version() -> str:
    """The installed componentize-py's version (part of every build's cache key)."""
    try:
        return metadata.version("componentize-py")
    except metadata.PackageNotFoundError:
        raise BuildError("componentize-py is not installed (pip install componentize-py)") from None


@dataclass(frozen=True)
class RunOutput:
    """What one componentize-py run printed, and how it ended."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """Standard output and standard error together (the raw output shown by `--verbose`)."""
        return "\n".join(part for part in (self.stdout.strip(), self.stderr.strip()) if part)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # componentize-py reports errors through anyhow; with a backtrace enabled it appends
    # a Rust stack trace that means nothing to a Python developer.
    env["RUST_BACKTRACE"] = "0"
    env["RUST_LIB_BACKTRACE"] = "0"
    return env


def qualified_world(config: ProjectConfig) -> str:
    """The project's world as `ns:pkg/world@version`.

    componentize-py 0.25 resolves a bare world name against its bundled WIT (Spin's, WASI's)
    as well as the project's, and fails with "Unable to resolve" even when the project's own
    package holds the world; the qualified name is found.
    """
    if ":" in config.world:
        return config.world
    from witkit.guest.plan import resolve_world

    features = None if config.all_features else frozenset(config.features)
    resolve, world_id = resolve_world(config.wit, config.world, features=features)
    world = resolve.worlds[world_id]
    if world.package is None:
        return config.world
    name = resolve.packages[world.package].name
    version = f"@{name.version}" if name.version else ""
    return f"{name.namespace}:{name.name}/{world.name}{version}"


def wit_args(config: ProjectConfig) -> list[str]:
    """The options naming the WIT, the world and the features."""
    args = ["-d", str(config.wit), "-w", qualified_world(config)]
    if config.all_features:
        args.append("--all-features")
    elif config.features:
        args += ["--features", ",".join(config.features)]
    return args


def run(
    args: list[str], *, tick: Callable[[float], None] | None = None, interval: float = 0.1
) -> RunOutput:
    """Run componentize-py with `args`; `tick(elapsed_seconds)` is called while it runs."""
    componentize_py_version()
    return run_process([sys.executable, "-c", _SCRIPT, *args], env=_env(), tick=tick, interval=interval)


def run_process(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    tick: Callable[[float], None] | None = None,
    interval: float = 0.1,
) -> RunOutput:
    """Run `argv` with its output captured; `tick(elapsed_seconds)` is called while it runs."""
    start = time.monotonic()
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as proc:
        if tick is None:
            stdout, stderr = proc.communicate()
        else:
            while True:
                try:
                    stdout, stderr = proc.communicate(timeout=interval)
                    break
                except subprocess.TimeoutExpired:
                    tick(time.monotonic() - start)
    return RunOutput(tuple(argv), proc.returncode, stdout, stderr)


def generate_bindings(config: ProjectConfig, dest: Path) -> RunOutput:
    """Write componentize-py's bindings for the project's world into `dest` (must not exist)."""
    if dest.exists():
        # componentize-py fails with "File exists (os error 17)" on an existing folder.
        raise BuildError(f"bindings folder {dest} already exists")
    return run([*wit_args(config), "-q", "bindings", str(dest)])


def componentize(
    config: ProjectConfig,
    output: Path,
    *,
    python_path: tuple[Path, ...] | None = None,
    tick: Callable[[float], None] | None = None,
) -> RunOutput:
    """Build the component for the project into `output`.

    `python_path` replaces the project's (witkit passes a staged copy of the guest's files).
    """
    args = [*wit_args(config), "-q", "componentize"]
    for folder in config.python_path if python_path is None else python_path:
        args += ["-p", str(folder)]
    args += [config.module, "-o", str(output)]
    return run(args, tick=tick)
