"""Generated async world classes on real componentize-py guests.

`witkit generate` writes `Async<World>` beside `<World>` for worlds whose exported interfaces
have no resources: `await AsyncVowels.load(...)`, `await plugin.count_vowels(...)`, and
`async func` exports (component-model async lifts), which only the async classes bind.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.guests import build_guest
from tests.support.mypy import require_mypy_strict
from witkit.codegen.host import write_host
from witkit.errors import ArgumentError, PluginError
from witkit.runtime import Runtime
from witkit.wit import resolve_path, select_world

ROOT = Path(__file__).resolve().parents[2]
ASYNC_WIT = ROOT / "tests" / "worlds" / "asyncguest"
VOWELS = ROOT / "examples" / "vowels"

pytestmark = pytest.mark.slow

ASYNC_GUEST = '''\
import wit_world
from wit_world import exports


class WitWorld(wit_world.WitWorld):
    async def double(self, x: int) -> int:
        return x * 2

    def plain(self, x: int) -> int:
        return x + 1


class Slow(exports.Slow):
    async def sum_to(self, n: int) -> int:
        return sum(range(n + 1))

    def name(self) -> str:
        return "slow"
'''


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Bindings of the async test world and of the vowels example, importable."""
    root = tmp_path_factory.mktemp("async-bindings")
    folders = []
    for wit in (ASYNC_WIT, VOWELS / "wit"):
        resolved = resolve_path(wit)
        world = select_world(resolved.resolve, resolved.packages)
        folders.append(write_host(resolved.resolve, world, root))
    require_mypy_strict(folders, root / ".mypy-cache")
    sys.path.insert(0, str(root))
    before = set(sys.modules)
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_async_func_exports_are_awaited_through_generated_bindings(bound: Path) -> None:
    mod = _module("asyncguest")
    component = build_guest(ASYNC_WIT, "asyncguest", {"app.py": ASYNC_GUEST})

    async def main() -> tuple[int, int, int, str]:
        with Runtime(cache=False, cancellable=True) as rt:
            plugin = await mod.AsyncAsyncguest.load(component, runtime=rt)
            return (
                await plugin.double(21),
                await plugin.plain(1),
                await plugin.slow.sum_to(100),
                await plugin.slow.name(),
            )

    assert asyncio.run(main()) == (42, 2, 5050, "slow")
    # The sync class binds the sync exports only; an `async func` is the async class's.
    assert not hasattr(mod.Asyncguest, "double") and hasattr(mod.Asyncguest, "plain")
    assert not hasattr(_module("asyncguest.slow").Slow, "sum_to")


def test_a_bad_argument_to_an_async_method_names_the_parameter(bound: Path) -> None:
    mod = _module("asyncguest")
    component = build_guest(ASYNC_WIT, "asyncguest", {"app.py": ASYNC_GUEST})

    async def main() -> None:
        with Runtime(cache=False, cancellable=True) as rt:
            plugin = await mod.AsyncAsyncguest.load(component, runtime=rt)
            with pytest.raises(ArgumentError, match=r"AsyncAsyncguest\.double\(\): parameter `x`: -1 does not fit u32"):
                await plugin.double(-1)
            assert await plugin.double(2) == 4  # the plugin stays usable

    asyncio.run(main())


def test_the_async_vowels_class_runs_the_example_guest_beside_other_tasks(bound: Path) -> None:
    vowels = _module("vowels")
    kv = _module("vowels.kv")
    component = build_guest(
        VOWELS / "wit", "vowels", {"app.py": (VOWELS / "app.py").read_text(encoding="utf-8")}
    )

    class Store(kv.Kv):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.data: dict[str, str] = {}

        def get(self, key: str) -> str | None:
            return self.data.get(key)

        def set(self, key: str, value: str) -> None:
            self.data[key] = value

    class Host(vowels.VowelsImports):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.kv = Store()

    async def main() -> tuple[list[int], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        ticker = asyncio.create_task(tick())
        host = Host()
        plugin = await vowels.AsyncVowels.load(component, imports=host)
        totals = [(await plugin.count_vowels(text)).total for text in ("aei", "ou", "xyz")]
        ticker.cancel()
        return totals, ticks

    totals, ticks = asyncio.run(main())
    assert totals == [3, 5, 5]
    assert ticks > 0  # the loop ran other tasks during the load and the calls


def test_a_sync_call_of_an_async_export_is_refused_naming_the_async_api(bound: Path) -> None:
    component = build_guest(ASYNC_WIT, "asyncguest", {"app.py": ASYNC_GUEST})
    with Runtime(cache=False) as rt:
        inst = rt.instantiate(component)
        from witkit.runtime import U32

        with pytest.raises(PluginError, match="is an `async func` export: call it through the async API"):
            inst.func("double", [U32], U32)(1)
        assert inst.func("plain", [U32], U32)(1) == 2  # still usable
