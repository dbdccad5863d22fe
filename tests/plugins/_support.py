"""Helpers for plugin tests: a real HTTP server on loopback that also stands in for GitHub's API."""

from __future__ import annotations

import hashlib
import io
import json
import ssl
import sys
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WASM = b"\0asm\x0d\x00\x01\x00" + b"witkit test component" * 10
"""Bytes that pass the loader's WebAssembly magic check."""


def sha256(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None
    """Announce this Content-Length instead of the real one (then close the connection)."""
    framing: str = "length"
    """`length` (a Content-Length), `close` (none: the body ends when the connection closes)
    or `chunked` (Transfer-Encoding: chunked)."""
    stall_after: int | None = None
    """Send this many body bytes, then nothing more until the server is reset or closed."""
    hold: bool = False
    """Answer nothing until the client hangs up (recorded in `LoopbackServer.hung_up`) or the
    server is reset or closed."""


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    method: str = "GET"


class LoopbackServer:
    """A `ThreadingHTTPServer` on 127.0.0.1 serving configured routes and counting requests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """Plain http, or https with `tls` (a server-side context holding the certificate)."""
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.hung_up: list[str] = []
        """Paths of `hold` routes whose client hung up while the server held the answer."""
        self._lock = threading.Lock()
        self._unstall = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(Seen(self.path, dict(self.headers.items()), self.command))
                route = server.routes.get(self.path)
                if route is None:
                    route = Route(b'{"message": "Not Found"}', 404)
                if route.hold:
                    self._hold()
                    return
                self.send_response(route.status)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                announced = route.content_length
                if route.framing == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                elif route.framing == "length":
                    self.send_header(
                        "Content-Length",
                        str(announced if announced is not None else len(route.body)),
                    )
                if announced is not None or route.framing == "close":
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                body = route.body
                if route.stall_after is not None:
                    body = body[: route.stall_after]
                if route.framing == "chunked":
                    step = 16 * 1024
                    for i in range(0, len(body), step):
                        part = body[i : i + step]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    if route.stall_after is None:
                        self.wfile.write(b"0\r\n\r\n")
                else:
                    self.wfile.write(body)
                self.wfile.flush()
                if route.stall_after is not None:
                    server._unstall.wait(30)
                    self.close_connection = True

            do_POST = do_GET

            def _hold(self) -> None:
                unstall = server._unstall
                self.connection.settimeout(0.05)
                while not unstall.is_set():
                    try:
                        if self.connection.recv(1) == b"":  # the client hung up
                            server.hung_up.append(self.path)
                            break
                    except TimeoutError:
                        continue
                    except OSError:
                        server.hung_up.append(self.path)
                        break
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.errors: list[BaseException] = []

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                # A client hanging up early is normal (a refused redirect, a cut download).
                error = sys.exc_info()[1]
                if error is not None and not isinstance(error, ConnectionError):
                    server.errors.append(error)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls is not None else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base + path

    def serve(self, path: str, body: bytes, **kw: object) -> str:
        """Serve `body` at `path`; returns its URL."""
        self.routes[path] = Route(body, **kw)  # type: ignore[arg-type]
        return self.url(path)

    def count(self, path: str | None = None) -> int:
        """How many requests arrived (for one path, or in all)."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    def release(
        self,
        org: str,
        repo: str,
        tag: str,
        assets: dict[str, bytes],
        *,
        latest: bool = True,
        digests: dict[str, str] | None = None,
    ) -> None:
        """Publish a release: its assets are served and the API answers for its tag (and latest)."""
        entries = []
        for name, data in assets.items():
            url = self.serve(f"/download/{org}/{repo}/{tag}/{name}", data)
            entry = {"name": name, "browser_download_url": url, "size": len(data)}
            if digests and name in digests:
                entry["digest"] = digests[name]
            entries.append(entry)
        payload = json.dumps({"tag_name": tag, "assets": entries}).encode()
        headers = {"Content-Type": "application/json"}
        self.serve(f"/api/repos/{org}/{repo}/releases/tags/{tag}", payload, headers=headers)
        if latest:
            self.serve(f"/api/repos/{org}/{repo}/releases/latest", payload, headers=headers)

    def reset(self) -> None:
        """Forget every route and recorded request."""
        self._unstall.set()  # let go of handlers still stalling for an earlier test
        self._unstall = threading.Event()
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.hung_up.clear()
            self.errors.clear()

    def close(self) -> None:
        """Stop serving."""
        self._unstall.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def files_in(folder: Path) -> list[str]:
    """The names in a folder (a loader's plugins_dir or temp_dir), none when it does not exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def tar_gz(entries: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    """A .tar.gz of (name, data) files and raw TarInfo entries (links, odd names)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                name, data = entry
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """A .zip of (name, data) files, names written as given."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()
