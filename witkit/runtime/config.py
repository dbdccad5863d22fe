"""User-facing configuration objects: what a plugin may touch (`Wasi`) and how much it may use (`Limits`)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from witkit.errors import GrantError, LimitsError

__all__ = [
    "HTTP_INTERFACE",
    "HTTP_METHODS",
    "MAX_FUEL",
    "MAX_MEMORY",
    "MAX_TIMEOUT",
    "Http",
    "HttpGrant",
    "Limits",
    "OutputMode",
    "Wasi",
    "host_pattern",
    "http_import_name",
]

OutputMode = Literal["inherit", "capture"] | None

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""The methods an `Http` grant may allow."""

_HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def host_pattern(entry: object) -> tuple[str, str]:
    """An `allowed_hosts` entry as (host, port): host may start with `*.`, port is "", "*" or digits."""
    if not isinstance(entry, str) or not entry:
        raise GrantError(f"Http.allowed_hosts entries must be non-empty strings, got {entry!r}")
    text = entry.strip().lower()
    if "/" in text or "@" in text or "?" in text or "#" in text:
        raise GrantError(
            f"Http.allowed_hosts entry {entry!r} must be a host name with an optional port "
            "(no scheme, path or user)"
        )
    host, port = text, ""
    if text.startswith("["):  # an IPv6 literal: [::1] or [::1]:8080
        end = text.find("]")
        if end < 0 or (text[end + 1 :] and not text[end + 1 :].startswith(":")):
            raise GrantError(f"Http.allowed_hosts entry {entry!r} is not a valid IPv6 literal")
        host, port = text[: end + 1], text[end + 2 :] if text[end + 1 :] else ""
        if text[end + 1 :] == ":":
            raise GrantError(f"Http.allowed_hosts entry {entry!r} has an empty port")
    elif ":" in text:
        host, _, port = text.rpartition(":")
        if not port:
            raise GrantError(f"Http.allowed_hosts entry {entry!r} has an empty port")
    if port and port != "*" and not (port.isdigit() and 0 < int(port) < 65536):
        raise GrantError(
            f"Http.allowed_hosts entry {entry!r}: the port must be 1-65535 or *, got {port!r}"
        )
    name = host[2:] if host.startswith("*.") else host
    if not host.startswith("["):
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise GrantError(f"Http.allowed_hosts entry {entry!r} is not a valid host name") from None
        if not all(_HOST_LABEL.match(label) for label in name.split(".")):
            raise GrantError(f"Http.allowed_hosts entry {entry!r} is not a valid host name")
    return ("*." + name if host.startswith("*.") else name), port


@dataclass(frozen=True)
class Http:
    """Outbound HTTP through `witkit:plugin/http`, to the hosts listed and nowhere else.

    `allowed_hosts` entries are host names, `*.example.org` (any subdomain, not example.org
    itself) or IP literals (`127.0.0.1`, `[::1]`), each with an optional port: without one
    only the scheme's default port (80 for http, 443 for https) matches, `host:8080` matches
    that port and `host:*` any port. Names are compared as written, before DNS: a listed name
    that resolves to a private address is reached. `methods` are the HTTP methods allowed;
    `timeout` bounds each request in seconds (and the call's own timeout bounds it too);
    `max_response_size` bounds the decoded body in bytes; `max_requests` bounds the requests of
    one call (redirect hops included); `max_redirects` the hops of one request, each checked
    against the list. `name` labels the plugin in the `witkit.runtime.http` log records.
    """

    allowed_hosts: Sequence[str] = ()
    methods: Sequence[str] = ("GET", "HEAD")
    timeout: float = 30.0
    max_response_size: int = 10 * 2**20
    max_requests: int = 16
    max_redirects: int = 5
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.allowed_hosts, str):
            raise GrantError("Http.allowed_hosts must be a sequence of host names, not a string")
        for entry in self.allowed_hosts:
            host_pattern(entry)
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))
        if isinstance(self.methods, str):
            raise GrantError("Http.methods must be a sequence of method names, not a string")
        for method in self.methods:
            if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
                raise GrantError(
                    f"Http.methods: {method!r} is not one of {', '.join(HTTP_METHODS)}"
                )
        object.__setattr__(self, "methods", tuple(m.upper() for m in self.methods))
        t = self.timeout
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= MAX_TIMEOUT:
            raise GrantError(f"Http.timeout must be a positive number of seconds, got {t!r}")
        for name in ("max_response_size", "max_requests", "max_redirects"):
            value = getattr(self, name)
            low = 0 if name == "max_redirects" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise GrantError(f"Http.{name} must be an integer >= {low}, got {value!r}")

    @property
    def patterns(self) -> tuple[tuple[str, str], ...]:
        """The allowed hosts as normalised (host, port) pairs (see the class docstring)."""
        return tuple(host_pattern(entry) for entry in self.allowed_hosts)


HTTP_INTERFACE = "witkit:plugin/http"
"""The interface a guest imports to make outbound HTTP requests (unversioned name)."""


def http_import_name(import_names: Sequence[str]) -> str | None:
    """The name under which a component imports `witkit:plugin/http` (with its version), if it does."""
    for name in import_names:
        if name == HTTP_INTERFACE or name.startswith(HTTP_INTERFACE + "@"):
            return name
    return None


HttpGrant = Http | Literal["unrestricted"] | None
"""What `Wasi.http` takes: an `Http` allow list, `"unrestricted"` (wasi:http, whole) or None."""


@dataclass(frozen=True)
class Wasi:
    """WASI capabilities granted to a plugin; the default grants nothing.

    No arguments, no environment, no files, no network, empty stdin, and stdout/stderr
    discarded. `stdout="capture"` keeps the output readable as `Instance.stdout` after a call,
    up to `capture_limit` bytes per stream: the rest is dropped, counted in
    `Instance.stdout_dropped` / `stderr_dropped` and reported once on the `witkit.runtime`
    logger. `"inherit"` shares the host's stream. `preopens` maps a guest path to a host
    directory, read-only when `read_only` is set. `inherit_network` opens wasmtime's address
    check, but wasmtime-py 50's C API cannot switch TCP/UDP sockets on, so it grants no
    connection yet (a `RuntimeWarning` says so).

    `http` grants outbound HTTP: an `Http` allow list serves `witkit:plugin/http` (without one
    every request the guest makes there is refused). `http="unrestricted"` also links
    `wasi:http/outgoing-handler` for components built against `wasi:http` (componentize-py,
    jco, `wasi:http/proxy`): wasmtime-py 50 grants that interface whole, so such a guest may
    reach any host; a `RuntimeWarning` says so when the grant is made. Without it, a component
    importing `wasi:http` fails to load with a `PluginError` naming the grant.
    """

    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    preopens: Mapping[str, str | Path] = field(default_factory=dict)
    read_only: bool = False
    stdout: OutputMode = None
    stderr: OutputMode = None
    stdin: bytes | None = None
    inherit_network: bool = False
    capture_limit: int = 1 << 20
    http: HttpGrant = None

    def __post_init__(self) -> None:
        if self.capture_limit < 0:
            raise GrantError(f"Wasi.capture_limit must be >= 0, got {self.capture_limit!r}")
        if self.http == "unrestricted":
            warnings.warn(
                'Wasi(http="unrestricted") lets the plugin send wasi:http requests to any host: '
                "wasmtime-py 50 cannot filter wasi:http/outgoing-handler; use Wasi(http=Http("
                "allowed_hosts=[...])) with witkit:plugin/http for an allow list",
                RuntimeWarning,
                stacklevel=3,
            )
        elif self.http is not None and not isinstance(self.http, Http):
            raise GrantError(
                f'Wasi.http must be an Http grant, "unrestricted" or None, got {self.http!r}'
            )


MAX_FUEL = 2**64 - 1
"""The most fuel wasmtime can hold (a u64)."""

MAX_TIMEOUT = 10.0**9
"""The longest timeout in seconds (about 31 years): past it the epoch deadline would overflow."""

MAX_MEMORY = 2**63 - 1
"""The largest memory ceiling in bytes wasmtime's store limiter takes (an i64)."""


def _short(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)


@dataclass(frozen=True)
class Limits:
    """Per-call ceilings: `fuel` units, wall-clock `timeout` in seconds, linear `memory` in bytes."""

    fuel: int | None = None
    timeout: float | None = None
    memory: int | None = None

    def __post_init__(self) -> None:
        # Checked here, not at call time: fuel past u64 would wrap to a tiny budget in wasmtime,
        # a timeout of 1e300 seconds overflow the epoch deadline into an instant stop.
        for name, kind, top in (
            ("fuel", "an integer", MAX_FUEL),
            ("timeout", "a number of seconds", MAX_TIMEOUT),
            ("memory", "an integer number of bytes", MAX_MEMORY),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            numeric = int if name != "timeout" else (int, float)
            if isinstance(value, bool) or not isinstance(value, numeric):
                raise LimitsError(f"Limits.{name} must be {kind}, got {type(value).__name__}")
            if not value > 0:  # also NaN
                raise LimitsError(f"Limits.{name} must be positive, got {_short(value)}")
            if not value <= top:  # also infinity
                raise LimitsError(f"Limits.{name} must be at most {top}, got {_short(value)}")
