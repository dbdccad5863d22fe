"""User-facing configuration objects: what a plugin may touch (`Wasi`) and how much it may use (`Limits`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from witkit.errors import LimitsError

__all__ = ["MAX_FUEL", "MAX_MEMORY", "MAX_TIMEOUT", "Limits", "OutputMode", "Wasi"]

OutputMode = Literal["inherit", "capture"] | None


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

    def __post_init__(self) -> None:
        if self.capture_limit < 0:
            raise ValueError(f"Wasi.capture_limit must be >= 0, got {self.capture_limit!r}")


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
