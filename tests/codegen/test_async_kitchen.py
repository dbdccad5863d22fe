"""The generated async classes of the kitchen world against its WAT component.

`AsyncKitchen` binds exported resources (`await plugin.api.Counter.new(5)`, awaited methods
and statics, the sync classes' handle rules) and takes an `AsyncKitchenImports` whose methods
are `async def`. The typed host below is a real module: mypy --strict checks it with the
generated package, and the tests run it.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.conftest import Generated
from tests.codegen.kitchen_wat import KITCHEN_WAT
from tests.codegen.test_host_roundtrip import everything, host
from tests.support.mypy import require_mypy_strict
from witkit.errors import ArgumentError, BindingError, PluginError
from witkit.runtime import Runtime

HOST_MODULE = "async_kitchen_host"
HOST_SOURCE = '''\
"""A typed host of the async kitchen classes: async imports, awaited resources."""

from __future__ import annotations

import asyncio

from kitchen import AsyncKitchen, AsyncKitchenImports, store
from kitchen.api import AsyncCounter


class MyBlob(store.Blob):
    def __init__(self, init: bytes) -> None:
        self.data = bytearray(init)

    def read(self) -> bytes:
        return bytes(self.data)

    def append(self, more: bytes) -> None:
        self.data += more

    @staticmethod
    def merge(a: store.Blob, b: store.Blob) -> store.Blob:
        return MyBlob(a.read() + b.read())


class AsyncKv(store.AsyncStore):
    Blob = MyBlob

    def __init__(self) -> None:
        self.kv: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        await asyncio.sleep(0)
        return self.kv.get(key)

    async def set(self, key: str, value: bytes) -> None:
        await asyncio.sleep(0)
        self.kv[key] = value


class Host(AsyncKitchenImports):
    """`log` waits for `gate`, which another task on the loop opens."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.store = AsyncKv()
        self.gate = gate
        self.waiting = asyncio.Event()
        self.logs: list[tuple[int, str]] = []

    async def log(self, level: int, message: str) -> None:
        self.waiting.set()
        await self.gate.wait()
        self.logs.append((level, message))


async def counters(plugin: AsyncKitchen) -> list[int]:
    """The sync lifecycle test's steps, awaited: values in the order the sync test checks them."""
    Counter = plugin.api.Counter
    c: AsyncCounter = await Counter.new(5)
    out = [await c.increment(2), await c.value()]
    async with await Counter.new(1) as d:
        taken = await Counter.new(10)
        merged = await Counter.merge(c, taken)  # `c` lent, `taken` moved into the guest
        out += [await merged.value(), await d.value()]
    merged.drop()
    out.append(await c.value())
    return out
'''


@pytest.fixture(scope="module")
def typed_host(generated: Generated) -> Iterator[ModuleType]:
    """The typed host module, written beside the generated packages, checked, imported."""
    path = generated.root / f"{HOST_MODULE}.py"
    path.write_text(HOST_SOURCE, encoding="utf-8")
    require_mypy_strict(
        [generated.packages["kitchen"], path], generated.root.parent / "mypy-async-cache"
    )
    yield importlib.import_module(HOST_MODULE)


@pytest.fixture(scope="module")
def rt() -> Iterator[Runtime]:
    with Runtime(cache=False, cancellable=True) as runtime:
        yield runtime


def _sync_counters(p: Any) -> list[int]:
    c = p.api.Counter(5)
    out = [c.increment(2), c.value()]
    with p.api.Counter(1) as d:
        merged = p.api.Counter.merge(c, p.api.Counter(10))
        out += [merged.value(), d.value()]
    merged.drop()
    out.append(c.value())
    return out


def test_async_classes_give_the_sync_values(
    kitchen: ModuleType, typed_host: ModuleType, rt: Runtime
) -> None:
    component = rt.compile(KITCHEN_WAT)
    t = kitchen.types
    sync = kitchen.Kitchen.load(component, imports=host(kitchen), runtime=rt)
    value = everything(kitchen)
    items = [(t.Color.RED, t.Perms(0)), (t.Color.GREEN, t.Perms.WRITE | t.Perms.EXEC)]

    async def main() -> list[Any]:
        gate = asyncio.Event()
        gate.set()
        p = await kitchen.AsyncKitchen.load(component, imports=typed_host.Host(gate), runtime=rt)
        assert isinstance(p.api, kitchen.api.AsyncApi)
        return [
            await p.add(2, 3),
            await p.greet("bob"),
            await p.api.echo_everything(value),
            await p.api.echo_shape(t.Shape_Rect(t.Point(x=-5, y=6))),
            await p.api.echo_nested(kitchen.Some(None)),
            await p.api.echo_list(items),
            await p.api.ok_only(False),
            await p.api.both(False),
            await p.api.import_(from_=7, in_="in-text", class_=True),
            await typed_host.counters(p),
        ]

    expected = [
        sync.add(2, 3),
        sync.greet("bob"),
        sync.api.echo_everything(value),
        sync.api.echo_shape(t.Shape_Rect(t.Point(x=-5, y=6))),
        sync.api.echo_nested(kitchen.Some(None)),
        sync.api.echo_list(items),
        sync.api.ok_only(False),
        sync.api.both(False),
        sync.api.import_(from_=7, in_="in-text", class_=True),
        _sync_counters(sync),
    ]
    assert asyncio.run(main()) == expected
    assert expected[-1] == [7, 7, 17, 1, 7]


def test_an_async_import_is_awaited_while_the_guest_waits(
    kitchen: ModuleType, typed_host: ModuleType, rt: Runtime
) -> None:
    component = rt.compile(KITCHEN_WAT)

    async def main() -> tuple[Any, list[tuple[int, str]], bool]:
        gate = asyncio.Event()
        imports = typed_host.Host(gate)
        p = await kitchen.AsyncKitchen.load(component, imports=imports, runtime=rt)
        call = asyncio.create_task(p.greet("ann"))
        await imports.waiting.wait()  # the guest is inside `log`, which waits for the gate
        waited = not call.done() and imports.logs == []
        gate.set()
        return await call, imports.logs, waited

    greeting, logs, waited = asyncio.run(main())
    assert waited
    assert isinstance(greeting, kitchen.Greeting) and "ann" in greeting.text
    assert logs and logs[0][0] == 1 and "ann" in logs[0][1]


def test_async_resources_keep_the_handle_rules(
    kitchen: ModuleType, typed_host: ModuleType, rt: Runtime
) -> None:
    component = rt.compile(KITCHEN_WAT)
    sync = kitchen.Kitchen.load(component, imports=host(kitchen), runtime=rt)

    async def main() -> None:
        gate = asyncio.Event()
        gate.set()
        p = await kitchen.AsyncKitchen.load(component, imports=typed_host.Host(gate), runtime=rt)
        q = await kitchen.AsyncKitchen.load(component, imports=host(kitchen), runtime=rt)
        Counter = p.api.Counter
        assert issubclass(Counter, kitchen.api.AsyncCounter)
        c = await Counter.new(3)
        assert isinstance(c, kitchen.api.AsyncCounter) and not isinstance(c, kitchen.api.Counter)
        with pytest.raises(PluginError, match=r"cannot construct .* use `await plugin\."):
            Counter(3)
        with pytest.raises(ArgumentError, match=r"AsyncCounter\.new\(\): parameter `start`"):
            await Counter.new(-1)
        with pytest.raises(BindingError, match="another plugin"):
            await q.api.Counter.merge(await q.api.Counter.new(1), c)  # `c` is p's
        with pytest.raises(BindingError, match="another plugin"):
            await p.api.Counter.merge(c, sync.api.Counter(1))  # a sync plugin's counter
        assert await q.api.Counter.new(2) is not None  # the refusals left q usable
        taken = await Counter.new(4)
        merged = await Counter.merge(c, taken)
        assert type(merged) is Counter and await merged.value() == 7
        with pytest.raises(PluginError, match="moved into the guest"):
            await taken.value()
        c.drop()
        c.drop()
        with pytest.raises(PluginError, match="dropped"):
            await c.increment(1)
        async with await Counter.new(9) as d:
            assert await d.value() == 9
        with pytest.raises(PluginError, match="dropped"):
            await d.value()
        assert p.instance.released_resources == 2  # `c` and `d`; the moved one is the guest's
        lost = await Counter.new(1)
        del lost
        gc.collect()  # a collected proxy is released too, and the next call is not refused
        assert await merged.increment(1) == 8
        assert p.instance.released_resources == 3

    asyncio.run(main())


def test_a_sync_plugin_refuses_async_imports_and_the_async_one_names_both_bases(
    kitchen: ModuleType, typed_host: ModuleType, rt: Runtime
) -> None:
    component = rt.compile(KITCHEN_WAT)
    with pytest.raises(BindingError, match=r"imports must be an instance of kitchen\.KitchenImports, got Host$"):
        kitchen.Kitchen.load(component, imports=typed_host.Host(asyncio.Event()), runtime=rt)

    sneaky = host(kitchen)

    async def log(level: int, message: str) -> None:
        pass

    sneaky.log = log  # an `async def` on the sync base: refused at load, naming the import
    with pytest.raises(PluginError, match=r"import log is implemented by an `async def`"):
        kitchen.Kitchen.load(component, imports=sneaky, runtime=rt)

    imports = typed_host.Host(asyncio.Event())
    imports.store = None
    with pytest.raises(
        BindingError,
        match=r"imports\.store must be an instance of kitchen\.store\.Store or kitchen\.store\.AsyncStore",
    ):
        asyncio.run(kitchen.AsyncKitchen.load(component, imports=imports, runtime=rt))
