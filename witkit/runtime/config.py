"""User-facing configuration objects: what a plugin may touch (`Wasi`) and how much it may use (`Limits`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Limits", "OutputMode", "Wasi"]

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


@dataclass(frozen=True)
class Limits:
    """Per-call ceilings: `fuel` units, wall-clock `timeout` in seconds, linear `memory` in bytes."""

    fuel: int | None = None
    timeout: float | None = None
    memory: int | None = None

    def __post_init__(self) -> None:
        for name in ("fuel", "timeout", "memory"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {value!r}")
