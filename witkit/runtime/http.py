"""The host side of `witkit:plugin/http`: outbound requests checked against an `Http` grant.

Requests go through httpx (streamed, so the size ceiling stops reading; redirects followed
one hop at a time, each hop checked against the allow list). Each request's time is bounded by
the grant's timeout and by what is left of the plugin call's own timeout: a watchdog shuts the
connection's socket down when either expires, so a request in flight when the call times out
is cancelled. Refusals reach the guest as the `error` variant and are logged on the
`witkit.runtime.http` logger with the plugin's name and the URL. Imported only when a component
imports `witkit:plugin/http`, so loading other plugins does not import httpx.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from witkit.runtime.config import HTTP_INTERFACE, Http, http_import_name
from witkit.runtime.imports import ImportFunc, ImportInterface
from witkit.runtime.types import (
    BYTES,
    STRING,
    U16,
    Err,
    List,
    Option,
    Record,
    Result,
    Tuple,
    Variant,
)

__all__ = [
    "HTTP_INTERFACE",
    "HttpHost",
    "Request",
    "Response",
    "host_allowed",
    "http_import_name",
]

log = logging.getLogger("witkit.runtime.http")

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Request:
    """`witkit:plugin/http.request`."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None


@dataclass
class Response:
    """`witkit:plugin/http.response`."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _Case:
    value: str


class Denied(_Case):
    """The URL's host, port, scheme or the method is not allowed by the grant."""


class TooLarge(_Case):
    """The response body is larger than the grant's `max_response_size`."""


class TimedOut(_Case):
    """The request ran past the grant's timeout or the call's."""


class TooManyRequests(_Case):
    """The call made more requests than the grant's `max_requests`."""


class InvalidRequest(_Case):
    """The request is malformed: a URL that does not parse, a bad header."""


class Failed(_Case):
    """The request could not be completed: connection refused, reset, protocol error."""


HEADERS = List(Tuple(STRING, STRING))
REQUEST = Record(
    Request,
    [("method", "method", STRING), ("url", "url", STRING), ("headers", "headers", HEADERS),
     ("body", "body", Option(BYTES))],
)  # fmt: skip
RESPONSE = Record(
    Response, [("status", "status", U16), ("headers", "headers", HEADERS), ("body", "body", BYTES)]
)
ERROR = Variant(
    [("denied", Denied, STRING), ("too-large", TooLarge, STRING), ("timeout", TimedOut, STRING),
     ("too-many-requests", TooManyRequests, STRING), ("invalid-request", InvalidRequest, STRING),
     ("failed", Failed, STRING)],
)  # fmt: skip


def host_allowed(grant: Http, url: httpx.URL) -> bool:
    """Whether `url`'s host and port match one of the grant's `allowed_hosts` patterns."""
    host = url.raw_host.decode("ascii").lower()
    if ":" in host:  # httpx gives IPv6 literals without brackets
        host = f"[{host}]"
    port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)
    for pattern, pattern_port in grant.patterns:
        if pattern.startswith("*."):
            if not host.endswith(pattern[1:]):
                continue
        elif host != pattern:
            continue
        if pattern_port == "*":
            return True
        want = int(pattern_port) if pattern_port else _DEFAULT_PORTS.get(url.scheme)
        if port == want:
            return True
    return False


class _Refused(Exception):
    def __init__(self, case: _Case) -> None:
        super().__init__(case.value)
        self.case = case


class HttpHost:
    """Serves `witkit:plugin/http` for one instance under `grant` (None: refuse everything).

    `deadline` is the instance's one-item list holding when the current call's timeout expires
    (`time.monotonic()`, infinity without one); `new_call` resets the per-call request count.
    """

    def __init__(self, grant: Http | None, deadline: list[float]) -> None:
        self.grant = grant
        self._deadline = deadline
        self._count = 0
        self._methods = frozenset(m.upper() for m in grant.methods) if grant is not None else frozenset()
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def new_call(self) -> None:
        """Start counting the requests of a new call."""
        self._count = 0

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def import_interface(self, name: str) -> ImportInterface:
        """The interface to link under the component's import `name`."""
        return ImportInterface(name, [ImportFunc("send", [REQUEST], Result(RESPONSE, ERROR), self.send)])

    def send(self, request: Request) -> Response:
        """Make `request`; raises `Err(case)` (the guest's `error`) when it is refused or fails."""
        who = self.grant.name if self.grant is not None and self.grant.name else "plugin"
        try:
            return self._send(request)
        except _Refused as refused:
            kind = type(refused.case).__name__
            log.warning("%s: HTTP %s %s refused (%s): %s", who, request.method, request.url, kind, refused.case.value)
            raise Err(refused.case) from None

    def _send(self, request: Request) -> Response:
        grant = self.grant
        if grant is None:
            raise _Refused(Denied(
                "no network is granted to this plugin: grant it with "
                "Wasi(http=Http(allowed_hosts=[...])) or [plugins.<id>.http] allowed_hosts"
            ))
        method = request.method.upper()
        if method not in self._methods:
            raise _Refused(Denied(f"method {request.method!r} is not allowed (allowed: {', '.join(sorted(self._methods))})"))
        try:
            url = httpx.URL(request.url)
        except (httpx.InvalidURL, TypeError, ValueError) as e:
            raise _Refused(InvalidRequest(f"invalid URL {request.url!r}: {e}")) from None
        if not url.is_absolute_url or not url.raw_host:
            raise _Refused(InvalidRequest(f"invalid URL {request.url!r}: not an absolute http(s) URL"))
        start = time.monotonic()
        end = min(start + grant.timeout, self._deadline[0])
        client = self._ensure_client()
        try:
            built = client.build_request(method, url, headers=request.headers, content=request.body)
        except (httpx.HTTPError, TypeError, ValueError) as e:
            raise _Refused(InvalidRequest(f"invalid request to {request.url!r}: {e}")) from None
        for _hop in range(grant.max_redirects + 1):
            self._check(grant, built.url)
            response, next_request = self._exchange(client, built, end)
            if next_request is None:
                return response
            built = next_request
        raise _Refused(Failed(f"more than {grant.max_redirects} redirects from {request.url!r}"))

    def _check(self, grant: Http, url: httpx.URL) -> None:
        if url.scheme not in _DEFAULT_PORTS:
            raise _Refused(Denied(f"scheme {url.scheme!r} of {str(url)!r} is not allowed (http, https)"))
        if not host_allowed(grant, url):
            raise _Refused(Denied(f"host {url.netloc.decode('ascii')!r} of {str(url)!r} is not in allowed_hosts"))
        self._count += 1
        if self._count > grant.max_requests:
            raise _Refused(TooManyRequests(
                f"request {self._count} to {str(url)!r}: at most {grant.max_requests} per call"
            ))

    def _ensure_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                # No proxies, .netrc or other environment configuration: the grant alone decides.
                self._client = httpx.Client(follow_redirects=False, trust_env=False)
            return self._client

    def _exchange(
        self, client: httpx.Client, request: httpx.Request, end: float
    ) -> tuple[Response, httpx.Request | None]:
        """One hop: the response and, when it redirects, the next request (built by httpx)."""
        assert self.grant is not None
        ceiling = self.grant.max_response_size
        left = end - time.monotonic()
        if left <= 0:
            raise _Refused(TimedOut(self._timeout_text(request.url)))
        watchdog = _Watchdog(left)
        request.extensions["timeout"] = httpx.Timeout(left).as_dict()
        request.extensions["trace"] = watchdog.trace
        try:
            with watchdog:
                response = client.send(request, stream=True)
                try:
                    size = response.headers.get("content-length")
                    if size is not None and size.isdigit() and int(size) > ceiling:
                        raise _Refused(TooLarge(
                            f"{str(request.url)!r} announced {size} bytes, more than max_response_size {ceiling}"
                        ))
                    body = bytearray()
                    # Decoded bytes are counted, so a compressed body cannot expand past the ceiling.
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > ceiling:
                            raise _Refused(TooLarge(
                                f"the body of {str(request.url)!r} is more than max_response_size {ceiling} bytes"
                            ))
                        if time.monotonic() > end:
                            raise _Refused(TimedOut(self._timeout_text(request.url)))
                    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
                    return Response(response.status_code, headers, bytes(body)), response.next_request
                finally:
                    response.close()
        except httpx.TimeoutException:
            raise _Refused(TimedOut(self._timeout_text(request.url))) from None
        except httpx.HTTPError as e:
            if watchdog.fired:
                raise _Refused(TimedOut(self._timeout_text(request.url))) from None
            raise _Refused(Failed(f"{request.method} {str(request.url)!r} failed: {type(e).__name__}: {e}")) from None

    def _timeout_text(self, url: httpx.URL) -> str:
        assert self.grant is not None
        call_left = self._deadline[0] - time.monotonic()
        which = "the call's timeout" if call_left <= 0 or (
            math.isfinite(call_left) and call_left < self.grant.timeout
        ) else f"the request timeout of {self.grant.timeout} s"
        return f"{str(url)!r} did not answer within {which}"


class _Watchdog:
    """Shuts the request's socket down when its time is up, waking a read that is blocked."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    if self.fired:
                        _shutdown(sock)
                    else:
                        self._sockets.append(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)

