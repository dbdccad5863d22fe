"""`Pool` and `AsyncPool`: N ready instances of one plugin shared by threads (or by asyncio
tasks), with trapped ones replaced.

An `Instance` runs one call at a time; a pool gives each concurrent caller an instance of its
own. Instances are made by a `load` callable (a generated `World.load(...)`, `witkit.load(...)`,
or `Runtime.instantiate(...)`), so imports, WASI grants and per-instance limits are whatever that
call gives. Before an instance goes back to the pool it is checked: one that trapped, ran out of
fuel or time, was cancelled or closed is discarded and a fresh one is loaded in its place.

`AsyncPool` is the same for one event loop: its `load` is a coroutine function (a generated
`AsyncWorld.load(...)` or `witkit.load_async(...)`), and waiting for an idle plugin awaits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Generic, TypeVar

from witkit.errors import PluginError
from witkit.runtime._instance import Instance

__all__ = ["AsyncPool", "Pool"]

P = TypeVar("P")


def instance_of(plugin: object) -> Instance:
    """The `Instance` behind a plugin object (generated world class, DynamicPlugin, Instance)."""
    if isinstance(plugin, Instance):
        return plugin
    inst = getattr(plugin, "instance", None)
    if not isinstance(inst, Instance):
        raise PluginError(
            f"Pool: load() returned {type(plugin).__name__}, which has no witkit Instance "
            "(return a generated plugin, a witkit.load() plugin or an Instance)"
        )
    return inst


def _put_back(pool: Pool[Any] | AsyncPool[Any], plugin: Any, inst: Instance) -> bool:
    """Return `plugin` to `pool` (its lock held): True when it is kept idle; False when it is
    to be closed, its slot then empty (and counted as replaced if it was poisoned)."""
    if not inst.poisoned and not pool._closed:
        pool._idle.append(plugin)
        return True
    pool._unloaded += 1
    if inst.poisoned:
        pool.replaced += 1
    return False


class Pool(Generic[P]):
    """`size` plugins made by `load()`, lent to one caller at a time.

    `with pool.get() as plugin: plugin.fn(...)` waits for an idle plugin (at most `timeout`
    seconds, then `PluginError`). All `size` are loaded up front (`eager=True`) or on first
    demand. A plugin given back poisoned (it trapped, hit a limit, was cancelled) is replaced.
    """

    def __init__(self, load: Callable[[], P], size: int, *, eager: bool = True) -> None:
        if size < 1:
            raise ValueError("Pool size must be at least 1")
        self._load = load
        self.size = size
        self._idle: list[P] = []
        self._unloaded = size
        """Slots with no plugin yet (never loaded, or discarded after a trap)."""
        self._cond = threading.Condition()
        self._closed = False
        self.replaced = 0
        """How many poisoned plugins were discarded and reloaded."""
        if eager:
            for _ in range(size):
                self._idle.append(self._fresh())
                self._unloaded -= 1

    def _fresh(self) -> P:
        plugin = self._load()
        instance_of(plugin)
        return plugin

    def acquire(self, timeout: float | None = None) -> P:
        """An idle plugin, loading one into an empty slot if needed; give it back with `release`."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._closed:
                    raise PluginError("the pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._unloaded:
                    self._unloaded -= 1
                    break
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise PluginError(f"no plugin of the pool became free within {timeout} s (all {self.size} busy)")
                self._cond.wait(left)
        try:
            return self._fresh()  # outside the lock: other callers keep being served
        except BaseException:
            with self._cond:
                self._unloaded += 1
                self._cond.notify()
            raise

    def release(self, plugin: P) -> None:
        """Give `plugin` back; a poisoned one is discarded (its slot is reloaded on demand)."""
        inst = instance_of(plugin)
        with self._cond:
            keep = _put_back(self, plugin, inst)
            self._cond.notify()
        if not keep:
            inst.close()

    @contextmanager
    def get(self, timeout: float | None = None) -> Iterator[P]:
        """Borrow a plugin for the `with` block."""
        plugin = self.acquire(timeout)
        try:
            yield plugin
        finally:
            self.release(plugin)

    def call(self, fn: Callable[[P], Any], timeout: float | None = None) -> Any:
        """`fn(plugin)` on a borrowed plugin: `pool.call(lambda p: p.count_vowels(text))`."""
        with self.get(timeout) as plugin:
            return fn(plugin)

    @property
    def idle(self) -> int:
        """Plugins loaded and not lent out."""
        return len(self._idle)

    def close(self) -> None:
        """Close the idle plugins; plugins lent out are closed when they come back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for plugin in idle:
            instance_of(plugin).close()

    def __enter__(self) -> Pool[P]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPool(Generic[P]):
    """`size` async plugins made by `await load()`, lent to one task at a time.

    `async with pool.get() as plugin: await plugin.fn(...)` waits for an idle plugin (at most
    `timeout` seconds, then `PluginError`); plugins are loaded on first demand, or all at once
    by `await pool.fill()`. A plugin given back poisoned (it trapped, hit a limit, its call
    was cancelled) is closed and its slot loaded again on demand. Use it from one event loop.
    """

    def __init__(self, load: Callable[[], Awaitable[P]], size: int) -> None:
        if size < 1:
            raise ValueError("AsyncPool size must be at least 1")
        self._load = load
        self.size = size
        self._idle: list[P] = []
        self._unloaded = size
        self._cond = asyncio.Condition()
        self._closed = False
        self.replaced = 0
        """How many poisoned plugins were discarded and reloaded."""

    async def fill(self) -> None:
        """Load every empty slot now (concurrently), so the first callers do not wait for it."""
        async with self._cond:
            todo, self._unloaded = self._unloaded, 0
        try:
            plugins = await asyncio.gather(*(self._fresh() for _ in range(todo)))
        except BaseException:
            async with self._cond:
                self._unloaded += todo
                self._cond.notify_all()
            raise
        async with self._cond:
            self._idle.extend(plugins)
            self._cond.notify_all()

    async def _fresh(self) -> P:
        plugin = await self._load()
        instance_of(plugin)
        return plugin

    async def acquire(self, timeout: float | None = None) -> P:
        """An idle plugin, loading one into an empty slot if needed; give it back with `release`."""
        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    while True:
                        if self._closed:
                            raise PluginError("the pool is closed")
                        if self._idle:
                            return self._idle.pop()
                        if self._unloaded:
                            self._unloaded -= 1
                            break
                        await self._cond.wait()
        except TimeoutError:
            raise PluginError(
                f"no plugin of the pool became free within {timeout} s (all {self.size} busy)"
            ) from None
        try:
            return await self._fresh()
        except BaseException:
            async with self._cond:
                self._unloaded += 1
                self._cond.notify()
            raise

    async def release(self, plugin: P) -> None:
        """Give `plugin` back; a poisoned one is discarded (its slot is reloaded on demand)."""
        inst = instance_of(plugin)
        async with self._cond:
            keep = _put_back(self, plugin, inst)
            self._cond.notify()
        if not keep:
            inst.close()

    @asynccontextmanager
    async def get(self, timeout: float | None = None) -> AsyncIterator[P]:
        """Borrow a plugin for the `async with` block."""
        plugin = await self.acquire(timeout)
        try:
            yield plugin
        finally:
            await self.release(plugin)

    @property
    def idle(self) -> int:
        """Plugins loaded and not lent out."""
        return len(self._idle)

    async def close(self) -> None:
        """Close the idle plugins; plugins lent out are closed when they come back."""
        async with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for plugin in idle:
            instance_of(plugin).close()

    async def __aenter__(self) -> AsyncPool[P]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
