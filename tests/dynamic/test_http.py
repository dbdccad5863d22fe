"""Outbound HTTP through witkit:plugin/http, bounded by an `Http` grant, against a loopback server."""

from __future__ import annotations

import gzip
import logging
import threading
import time
from typing import Any

import httpx
import pytest

from tests.dynamic.components import HTTP_FETCHER
from tests.plugins._support import LoopbackServer
from witkit.errors import GrantError, Timeout
from witkit.plugins.dynamic import DynamicPlugin, load
from witkit.runtime import Http, Limits, Runtime, Wasi
from witkit.runtime.http import host_allowed


def grant(server: LoopbackServer, **kw: Any) -> Wasi:
    """A grant allowing the loopback server's host and port."""
    return Wasi(http=Http(allowed_hosts=[f"127.0.0.1:{server.port}"], name="fetcher", **kw))


def fetcher(rt: Runtime, server: LoopbackServer, **kw: Any) -> DynamicPlugin:
    return load(HTTP_FETCHER, runtime=rt, wasi=grant(server, **kw))


def error_of(answer: dict[str, Any]) -> tuple[str, str]:
    """The (case, message) of an `err` answer; fails the test on `ok`."""
    assert "err" in answer, answer
    [(case, message)] = answer["err"].items()
    return case, message


def test_an_allowed_host_answers(rt: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/hello", b"hello", headers={"X-Kind": "greeting"})
    plugin = fetcher(rt, server)
    answer = plugin.call("fetch", "GET", url)["ok"]
    assert answer["status"] == 200
    assert answer["body"] == b"hello"
    assert ("X-Kind", "greeting") in answer["headers"]
    assert server.count("/hello") == 1


def test_without_a_grant_every_request_is_refused(rt: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/hello", b"hello")
    plugin = load(HTTP_FETCHER, runtime=rt)
    case, message = error_of(plugin.call("fetch", "GET", url))
    assert case == "denied"
    assert "no network is granted" in message
    assert server.count() == 0


@pytest.mark.parametrize(
    ("method", "url", "named"),
    [
        ("GET", "http://localhost:{port}/hello", "localhost:{port}"),  # another name
        ("GET", "http://127.0.0.1/hello", "127.0.0.1"),  # the default port is not listed
        ("POST", "http://127.0.0.1:{port}/hello", "'POST'"),  # a method not allowed
        ("GET", "ftp://127.0.0.1:{port}/hello", "'ftp'"),  # a scheme other than http(s)
    ],
)
def test_a_request_outside_the_grant_is_refused_and_the_plugin_stays_usable(
    rt1: Runtime, server: LoopbackServer, method: str, url: str, named: str
) -> None:
    ok = server.serve("/hello", b"hello")
    plugin = fetcher(rt1, server)
    case, message = error_of(plugin.call("fetch", method, url.format(port=server.port)))
    assert case == "denied"
    assert named.format(port=server.port) in message
    assert server.count() == 0
    assert plugin.call("fetch", "GET", ok)["ok"]["body"] == b"hello"


def test_a_redirect_to_a_denied_host_is_refused(rt: Runtime, server: LoopbackServer) -> None:
    target = f"http://localhost:{server.port}/secret"
    server.serve("/secret", b"secret")
    url = server.serve("/away", b"", status=302, headers={"Location": target})
    plugin = fetcher(rt, server)
    case, message = error_of(plugin.call("fetch", "GET", url))
    assert case == "denied"
    assert target in message
    assert server.count("/away") == 1
    assert server.count("/secret") == 0


def test_a_redirect_within_the_grant_is_followed(rt1: Runtime, server: LoopbackServer) -> None:
    server.serve("/hello", b"hello")
    url = server.serve("/moved", b"", status=301, headers={"Location": "/hello"})
    answer = fetcher(rt1, server).call("fetch", "GET", url)["ok"]
    assert (answer["status"], answer["body"]) == (200, b"hello")


def test_too_many_redirects_fail(rt1: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/loop", b"", status=302, headers={"Location": "/loop"})
    case, message = error_of(fetcher(rt1, server, max_redirects=2).call("fetch", "GET", url))
    assert case == "failed"
    assert "more than 2 redirects" in message
    assert server.count("/loop") == 3


@pytest.mark.parametrize(
    ("framing", "encoding"), [("length", None), ("close", None), ("chunked", None), ("length", "gzip")]
)
def test_an_over_size_response_is_refused(
    rt1: Runtime, server: LoopbackServer, framing: str, encoding: str | None
) -> None:
    body = b"x" * 5000
    headers = {}
    if encoding == "gzip":  # 5000 bytes once decoded, far fewer on the wire
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    url = server.serve("/big", body, framing=framing, headers=headers)
    small = server.serve("/small", b"small")
    plugin = fetcher(rt1, server, max_response_size=1000)
    case, message = error_of(plugin.call("fetch", "GET", url))
    assert case == "too-large"
    assert "max_response_size 1000" in message
    assert plugin.call("fetch", "GET", small)["ok"]["body"] == b"small"


def test_a_slow_server_past_the_request_timeout_is_cut(rt: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/slow", b"", hold=True)
    ok = server.serve("/hello", b"hello")
    plugin = fetcher(rt, server, timeout=0.3)
    case, message = error_of(plugin.call("fetch", "GET", url))
    assert case == "timeout"
    assert "request timeout of 0.3 s" in message
    assert plugin.call("fetch", "GET", ok)["ok"]["body"] == b"hello"


def test_a_request_in_flight_when_the_call_times_out_is_cancelled(server: LoopbackServer) -> None:
    url = server.serve("/slow", b"", hold=True)
    ok = server.serve("/hello", b"hello")
    rt = Runtime(cache=False, limits=Limits(timeout=0.5))
    plugin = fetcher(rt, server, timeout=60)
    with pytest.raises(Timeout):
        plugin.call("fetch", "GET", url)
    # The host shut the connection down at the call's deadline: the server saw the hang-up
    # while it still held its answer (it holds until the test ends otherwise).
    for _ in range(200):  # the handler notices within its 50 ms poll
        if server.hung_up:
            break
        time.sleep(0.05)
    assert server.hung_up == ["/slow"]
    # A new instance works; the timed-out one may be poisoned like after any timeout.
    again = fetcher(rt, server, timeout=60)
    assert again.call("fetch", "GET", ok)["ok"]["body"] == b"hello"


def test_too_many_requests_in_one_call_are_refused(rt: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/hello", b"hello")
    plugin = fetcher(rt, server, max_requests=1)
    case, message = error_of(plugin.call("fetch-twice", "GET", url))
    assert case == "too-many-requests"
    assert "at most 1 per call" in message
    assert server.count("/hello") == 1
    # The count starts again with each call.
    assert plugin.call("fetch", "GET", url)["ok"]["body"] == b"hello"
    assert server.count("/hello") == 2


def test_redirect_hops_count_as_requests(rt1: Runtime, server: LoopbackServer) -> None:
    server.serve("/hello", b"hello")
    url = server.serve("/moved", b"", status=302, headers={"Location": "/hello"})
    case, _ = error_of(fetcher(rt1, server, max_requests=1).call("fetch", "GET", url))
    assert case == "too-many-requests"


def test_a_refused_request_is_logged_with_the_plugin_and_the_url(
    rt1: Runtime, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = fetcher(rt1, server)
    with caplog.at_level(logging.WARNING, logger="witkit.runtime.http"):
        plugin.call("fetch", "GET", "http://denied.example/path")
    [record] = [r for r in caplog.records if r.name == "witkit.runtime.http"]
    assert "fetcher" in record.getMessage()
    assert "http://denied.example/path" in record.getMessage()


@pytest.mark.parametrize("url", ["/relative/path", "http:///no-host", "http://[::1"])
def test_a_malformed_url_is_an_invalid_request(rt1: Runtime, server: LoopbackServer, url: str) -> None:
    case, message = error_of(fetcher(rt1, server).call("fetch", "GET", url))
    assert case == "invalid-request"
    assert repr(url) in message


def test_a_closed_port_is_a_failure_not_a_crash(rt1: Runtime, server: LoopbackServer) -> None:
    with socket_closed_port() as port:
        plugin = load(HTTP_FETCHER, runtime=rt1, wasi=Wasi(http=Http(allowed_hosts=[f"127.0.0.1:{port}"])))
        case, message = error_of(plugin.call("fetch", "GET", f"http://127.0.0.1:{port}/"))
    assert case == "failed"
    assert "ConnectError" in message


class socket_closed_port:
    """A loopback port nothing listens on (bound, then closed, while the test runs)."""

    def __enter__(self) -> int:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port: int = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc: object) -> None:
        pass


def test_calls_from_threads_share_the_grant(rt1: Runtime, server: LoopbackServer) -> None:
    url = server.serve("/hello", b"hello")
    plugin = fetcher(rt1, server)
    bodies: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: bodies.append(plugin.call("fetch", "GET", url)["ok"]["body"]))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert bodies == [b"hello"] * 4


# -- the grant's patterns ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "url", "allowed"),
    [
        (["api.example.com"], "https://api.example.com/x", True),
        (["api.example.com"], "http://api.example.com/x", True),
        (["api.example.com"], "https://API.Example.com/x", True),
        (["api.example.com"], "https://api.example.com:8443/x", False),
        (["api.example.com:8443"], "https://api.example.com:8443/x", True),
        (["api.example.com:8443"], "https://api.example.com/x", False),
        (["api.example.com:*"], "http://api.example.com:1234/x", True),
        (["api.example.com"], "https://api.example.com.evil.net/x", False),
        (["*.example.org"], "https://a.b.example.org/x", True),
        (["*.example.org"], "https://example.org/x", False),
        (["*.example.org"], "https://badexample.org/x", False),
        (["[::1]:8080"], "http://[::1]:8080/x", True),
        (["[::1]"], "http://[::1]:8080/x", False),
        (["bücher.example"], "https://xn--bcher-kva.example/", True),
    ],
)
def test_host_patterns(patterns: list[str], url: str, allowed: bool) -> None:
    assert host_allowed(Http(allowed_hosts=patterns), httpx.URL(url)) is allowed


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"allowed_hosts": ["https://api.example.com"]}, "no scheme, path or user"),
        ({"allowed_hosts": ["api.example.com/v1"]}, "no scheme, path or user"),
        ({"allowed_hosts": ["api.example.com:0"]}, "the port must be 1-65535"),
        ({"allowed_hosts": ["api.example.com:"]}, "empty port"),
        ({"allowed_hosts": ["bad_host!"]}, "not a valid host name"),
        ({"allowed_hosts": [""]}, "non-empty strings"),
        ({"allowed_hosts": "api.example.com"}, "not a string"),
        ({"methods": ["TRACE"]}, "'TRACE' is not one of"),
        ({"timeout": 0}, "Http.timeout"),
        ({"max_response_size": 0}, "Http.max_response_size"),
        ({"max_requests": True}, "Http.max_requests"),
        ({"max_redirects": -1}, "Http.max_redirects"),
    ],
)
def test_a_bad_grant_is_refused_naming_the_value(kw: dict[str, Any], named: str) -> None:
    with pytest.raises(GrantError, match=named.replace("(", r"\(")):
        Http(**kw)


def test_wasi_http_takes_only_a_grant(recwarn: pytest.WarningsRecorder) -> None:
    with pytest.raises(GrantError, match=r"Wasi\.http must be an Http grant"):
        Wasi(http="everything")  # type: ignore[arg-type]
