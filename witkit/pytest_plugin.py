"""witkit's pytest plugin (entry point `pytest11`): fixtures and assertions for testing plugins.

Fixtures:

- `witkit_build(project_dir, **options)`: build a guest project with `witkit build`'s
  content-hash cache, once per session per project; returns the component's path.
- `witkit_plugin(source, *, wasi=None, limits=None, config=None, imports=())`: load a
  component (a `.wasm`/`.wat` path, or a guest project folder, built first) for dynamic
  calls with the given grants and limits; closed when the test ends.

Assertions (importable from `witkit.pytest_plugin`):

- `assert_traps(plugin, export, *args, match=None)`: the call traps (`witkit.TrapError`).
- `assert_fuel_under(plugin, fuel, export, *args)`: the call succeeds using at most `fuel`.
- `assert_satisfies(component, wit, world=None)`: the component fits the world; every
  difference is listed otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from witkit.plugins.dynamic import DynamicPlugin
    from witkit.runtime import Limits, Wasi

__all__ = ["assert_fuel_under", "assert_satisfies", "assert_traps"]


@pytest.fixture(scope="session")
def witkit_build() -> Callable[..., Path]:
    """Build a guest project (cached by content, and once per session); returns the `.wasm`."""
    from witkit.guest.build import build_project

    built: dict[tuple[Path, tuple[tuple[str, Any], ...]], Path] = {}

    def build(project_dir: str | os.PathLike[str], **options: Any) -> Path:
        key = (Path(project_dir).resolve(), tuple(sorted(options.items())))
        if key not in built:
            built[key] = build_project(key[0], **options).path
        return built[key]

    return build


@pytest.fixture
def witkit_plugin(witkit_build: Callable[..., Path]) -> Iterator[Callable[..., DynamicPlugin]]:
    """Load a component or a guest project (built first) with the given grants and limits."""
    from witkit.plugins.dynamic import load

    loaded: list[DynamicPlugin] = []

    def make(
        source: str | os.PathLike[str],
        *,
        wasi: Wasi | None = None,
        limits: Limits | None = None,
        config: Mapping[str, str] | None = None,
        imports: Sequence[Any] = (),
    ) -> DynamicPlugin:
        path = Path(source)
        if path.is_dir():
            path = witkit_build(path)
        plugin = load(path, wasi=wasi, limits=limits, config=config, imports=imports)
        loaded.append(plugin)
        return plugin

    yield make
    for plugin in loaded:
        plugin.close()


def assert_traps(
    plugin: DynamicPlugin, export: str, *args: Any, match: str | None = None
) -> BaseException:
    """Call `export` and fail unless it traps (a `witkit.TrapError`, message matching `match`)."""
    __tracebackhide__ = True
    from witkit.errors import TrapError

    try:
        result = plugin.call(export, *args)
    except TrapError as e:
        if match is not None and not re.search(match, str(e)):
            pytest.fail(f"{export} trapped, but {str(e)!r} does not match {match!r}")
        return e
    pytest.fail(f"{export} did not trap: it returned {result!r}")


def assert_fuel_under(plugin: DynamicPlugin, fuel: int, export: str, *args: Any) -> Any:
    """Call `export` and fail unless it returns having used at most `fuel`; returns its result.

    The plugin must be loaded with a fuel limit (`limits=witkit.Limits(fuel=...)`), which is
    what measures the call.
    """
    __tracebackhide__ = True
    from witkit.errors import FuelExhausted

    try:
        result = plugin.call(export, *args)
    except FuelExhausted as e:
        pytest.fail(f"{export} ran out of fuel (its limit, not {fuel}, ended it): {e}")
    used = plugin.instance.fuel_used
    if used is None:
        pytest.fail(
            f"cannot measure {export}'s fuel: load the plugin with a fuel limit "
            "(limits=witkit.Limits(fuel=...))"
        )
    if used > fuel:
        pytest.fail(f"{export} used {used} fuel, more than {fuel}")
    return result


def assert_satisfies(
    component: str | os.PathLike[str],
    wit: str | os.PathLike[str],
    world: str | None = None,
) -> None:
    """Fail unless the component at `component` can stand in for `world` of `wit`, listing
    every difference."""
    __tracebackhide__ = True
    from witkit.plugins.check import check_plugin

    label, mismatches = check_plugin(component, wit, world)
    if mismatches:
        lines = "\n  ".join(str(m) for m in mismatches)
        pytest.fail(f"{component} does not satisfy world `{label}`:\n  {lines}")
