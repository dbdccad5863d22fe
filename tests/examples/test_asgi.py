"""examples/asgi: the Starlette app served by uvicorn on loopback, called by a real client.

A greeter service on loopback holds each request 100 ms and counts how many it holds at once:
16 concurrent client requests through a pool of 4 plugins reach it more than one at a time
(the event loop serves other requests while a plugin awaits its host import) and never more
than 4 (the pool bounds them). A request whose host import fails answers 502 naming the
error, and the pool's next plugin answers the next request.
"""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette", reason="examples/asgi needs starlette (a dev dependency)")
uvicorn = pytest.importorskip("uvicorn", reason="examples/asgi needs uvicorn (a dev dependency)")

from examples.asgi.server import make_app  # noqa: E402


class Greeter(http.server.ThreadingHTTPServer):
    """`GET /greet?name=N` -> `Hello, N!` after 100 ms; `name=fail` -> 500."""

    daemon_threads = True

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = 0
        self.most_held = 0
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(http.server.BaseHTTPRequestHandler):
        server: Greeter

        def do_GET(self) -> None:
            name = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)["name"][0]
            with self.server.lock:
                self.server.held += 1
                self.server.most_held = max(self.server.most_held, self.server.held)
            time.sleep(0.1)
            with self.server.lock:
                self.server.held -= 1
            body = (b"no" if name == "fail" else f"Hello, {name}!".encode())
            self.send_response(500 if name == "fail" else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass


@pytest.fixture
def greeter() -> Iterator[Greeter]:
    server = Greeter()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(greeter: Greeter) -> Iterator[str]:
    """The app on a loopback port, run by uvicorn in a thread; yields its base URL."""
    url = f"http://127.0.0.1:{greeter.server_address[1]}"
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(make_app(url, size=4), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_concurrent_requests_are_served_from_the_pool(served: str, greeter: Greeter) -> None:
    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=served, timeout=30) as client:
            return await asyncio.gather(*(client.get(f"/run/n{i}") for i in range(16)))

    answers = asyncio.run(main())
    assert [a.status_code for a in answers] == [200] * 16
    assert [a.json() for a in answers] == [
        {"greetings": [["greeter-service", f"Hello, n{i}!"]]} for i in range(16)
    ]
    assert 1 < greeter.most_held <= 4


def test_a_failing_host_import_answers_502_and_the_pool_serves_on(served: str) -> None:
    with httpx.Client(base_url=served, timeout=30) as client:
        failed = client.get("/run/fail")
        assert failed.status_code == 502
        assert "greet" in failed.json()["error"]
        for i in range(6):  # more than the pool's size: the failed plugin was replaced
            assert client.get(f"/run/after{i}").json() == {
                "greetings": [["greeter-service", f"Hello, after{i}!"]]
            }
