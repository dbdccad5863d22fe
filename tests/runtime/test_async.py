"""Async calls: guest calls awaited on the event loop, `async def` imports, cancellation, limits."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import witkit
from tests.runtime.components import BEHAVIOUR, WASI
from witkit.errors import Cancelled, FuelExhausted, PluginError, Timeout, TrapError
from witkit.runtime import U32, AsyncInstance, ImportFunc, Limits, Runtime, Wasi


@pytest.fixture(scope="module")
def rt() -> Iterator[Runtime]:
    with Runtime(cache=False, cancellable=True) as runtime:
        yield runtime


def behaviour(rt: Runtime, host: Callable[[int], Any] = lambda n: n * 2, **kw: Any) -> AsyncInstance:
    return rt.instantiate_async(BEHAVIOUR, [ImportFunc("host-fail", [U32], U32, host)], **kw)


class Heartbeat:
    """A task ticking every 2 ms on the loop; counts the ticks seen while `during` is set."""

    def __init__(self) -> None:
        self.during = False
        self.ticks = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.002)
            if self.during:
                self.ticks += 1


def test_calls_are_awaited_and_sync_imports_work(rt: Runtime) -> None:
    async def main() -> None:
        inst = behaviour(rt)
        add = inst.func("add", [U32, U32], U32)
        assert await add(1, 2) == 3
        assert await inst.func("call-host", [U32], U32)(21) == 42  # a sync import
        # Tasks on one instance take turns: every result is its own call's.
        got = await asyncio.gather(*(add(i, 1000) for i in range(50)))
        assert got == [i + 1000 for i in range(50)]
        assert await inst.dynamic("test:rt/math@1.0.0#add")(5, 6) == 11

    asyncio.run(main())


def test_a_long_guest_call_leaves_the_loop_running(rt: Runtime) -> None:
    async def main() -> None:
        inst = behaviour(rt)
        beat = Heartbeat()
        await asyncio.sleep(0.01)
        beat.during = True
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(inst.func("spin", [], None)(), 0.4)  # loops forever
        beat.during = False
        beat.task.cancel()
        # Ticks kept coming while the guest looped (a blocked loop would give none).
        assert beat.ticks >= 10
        # The guest was stopped mid-call: the plugin is marked for reload, by name.
        assert inst.poisoned
        with pytest.raises(PluginError, match=r"reload the plugin .*cancellation of the awaiting task in spin"):
            await inst.func("add", [U32, U32], U32)(1, 2)

    asyncio.run(main())


def test_cancel_handle_from_another_thread(rt: Runtime) -> None:
    async def main() -> None:
        inst = behaviour(rt)
        spin = inst.func("spin", [], None)
        call = asyncio.create_task(spin())
        while not inst.cancel():  # cancelling an idle instance does nothing: retry until running
            await asyncio.sleep(0.001)
        # ... and a cancel from a thread that is not the loop's.
        threading.Thread(target=inst.cancel).start()
        with pytest.raises(Cancelled, match="spin: the call was cancelled"):
            await call
        assert inst.poisoned
        with pytest.raises(PluginError, match="reload the plugin"):
            await inst.func("add", [U32, U32], U32)(1, 2)

    asyncio.run(main())


def test_limits_apply_as_in_sync_calls() -> None:
    async def main() -> None:
        fueled = Runtime(cache=False, cancellable=True, limits=Limits(fuel=100_000))
        with fueled, pytest.raises(FuelExhausted, match="spin: ran out of fuel"):
            await behaviour(fueled).func("spin", [], None)()
        with Runtime(cache=False, limits=Limits(timeout=0.2)) as timed:
            inst = behaviour(timed)
            assert await inst.func("add", [U32, U32], U32)(2, 3) == 5
            with pytest.raises(Timeout, match=r"spin: ran past its timeout of 0\.2 s"):
                await inst.func("spin", [], None)()
            assert inst.poisoned

    asyncio.run(main())


def test_async_needs_epoch_interruption() -> None:
    with Runtime(cache=False) as plain, pytest.raises(PluginError, match="cancellable=True"):
        behaviour(plain)


class _Service(http.server.BaseHTTPRequestHandler):
    """GET /N answers 3*N after 50 ms; the server counts requests in flight at once."""

    def do_GET(self) -> None:
        server: Any = self.server
        with server.lock:
            server.active += 1
            server.peak = max(server.peak, server.active)
        time.sleep(0.05)
        body = str(3 * int(self.path.strip("/"))).encode()
        with server.lock:
            server.active -= 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def service() -> Iterator[Any]:
    server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    server.lock, server.active, server.peak = threading.Lock(), 0, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def fetch(port: int, path: str) -> bytes:
    """A plain HTTP/1.0 GET over asyncio streams (the body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    return response.split(b"\r\n\r\n", 1)[1]


def test_async_imports_fetch_over_http_while_calls_interleave(rt: Runtime, service: Any) -> None:
    port = service.server_address[1]

    async def ask(n: int) -> int:
        return int(await fetch(port, f"/{n}"))

    async def main() -> None:
        plugins = [behaviour(rt, ask) for _ in range(3)]
        beat = Heartbeat()
        beat.during = True
        service.peak = 0
        got = await asyncio.gather(*(p.func("call-host", [U32], U32)(10 + i) for i, p in enumerate(plugins)))
        beat.during = False
        beat.task.cancel()
        assert got == [30, 33, 36]
        assert service.peak >= 2  # the three plugins' host calls were in flight together
        assert beat.ticks >= 5  # and the loop kept serving other tasks meanwhile

    asyncio.run(main())


def test_an_async_import_that_raises_fails_the_call(rt: Runtime) -> None:
    async def broken(n: int) -> int:
        await asyncio.sleep(0.001)
        raise ValueError(f"no answer for {n}")

    async def main() -> None:
        with pytest.raises(TrapError, match="call-host: host function raised ValueError: no answer for 7"):
            await behaviour(rt, broken).func("call-host", [U32], U32)(7)

    asyncio.run(main())


def test_an_async_import_calling_back_in_is_refused(rt: Runtime) -> None:
    holder: list[AsyncInstance] = []

    async def reenter(n: int) -> int:
        return int(await holder[0].func("add", [U32, U32], U32)(n, n))

    async def main() -> None:
        holder.append(behaviour(rt, reenter))
        with pytest.raises(TrapError, match="forbids re-entering an instance"):
            await holder[0].func("call-host", [U32], U32)(1)

    asyncio.run(main())


def test_wasi_links_for_async_instances(rt: Runtime) -> None:
    async def main() -> None:
        inst = rt.instantiate_async(WASI, wasi=Wasi(args=["a", "b"], stdout="capture"))
        assert await inst.dynamic("args")() == ["a", "b"]
        assert await inst.dynamic("print")(b"hello", False) == 0
        assert inst.stdout == "hello"

    asyncio.run(main())


def test_load_async_calls_with_plain_values(rt: Runtime) -> None:
    async def main() -> None:
        host = ImportFunc("host-fail", [U32], U32, lambda n: n + 1)
        plugin = await witkit.load_async(BEHAVIOUR, imports=[host])
        assert isinstance(plugin, witkit.AsyncDynamicPlugin)
        assert await plugin.call("add", 2, b=40) == 42
        assert await plugin.call("math/add", 1, 1) == 2
        assert await plugin.call_json("call-host", "[9]") == "10"
        with pytest.raises(PluginError, match="cached_call is not offered by async plugins"):
            plugin.cached_call("add", 1, 2)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(plugin.call("spin"), 0.05)
        with pytest.raises(PluginError, match="reload the plugin"):
            await plugin.call("add", 1, 2)

    asyncio.run(main())


def test_the_readme_async_snippet_runs_as_written(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    start = readme.index("```python\nimport asyncio\n") + len("```python\n")
    code = readme[start : readme.index("```", start)]
    shown_at = readme.index("```text\n", start) + len("```text\n")
    shown = readme[shown_at : readme.index("```", shown_at)]
    monkeypatch.chdir(root)
    exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out == shown


def test_an_async_pool_lends_each_task_its_own_plugin_and_replaces_a_trapped_one(
    rt: Runtime,
) -> None:
    loads = 0

    async def load() -> AsyncInstance:
        nonlocal loads
        loads += 1
        return behaviour(rt)

    async def main() -> None:
        async with witkit.AsyncPool(load, size=2) as pool:
            await pool.fill()
            assert (loads, pool.idle) == (2, 2)
            seen: list[int] = []

            async def use(i: int) -> int:
                async with pool.get() as inst:
                    seen.append(id(inst))
                    await asyncio.sleep(0.01)  # held across a suspension: others take the other
                    return int(await inst.func("add", [U32, U32], U32)(i, 1))

            assert await asyncio.gather(*(use(i) for i in range(6))) == [1, 2, 3, 4, 5, 6]
            assert len(set(seen)) == 2 and loads == 2
            async with pool.get() as inst:
                with pytest.raises(TrapError):
                    await inst.func("boom", [], None)()
            assert (pool.replaced, pool.idle) == (1, 1)
            assert await use(9) == 10 and loads == 2  # the healthy one serves
            held = [await pool.acquire(), await pool.acquire()]
            assert loads == 3  # the empty slot is loaded on demand
            with pytest.raises(PluginError, match=r"no plugin of the pool became free within 0\.05 s"):
                await pool.acquire(timeout=0.05)
            for inst in held:
                await pool.release(inst)
        with pytest.raises(PluginError, match="the pool is closed"):
            await pool.acquire()

    asyncio.run(main())
