"""The witkit exception family: every error a user can cause is one of these."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class WitkitError(Exception):
    """Root of every error witkit raises on purpose."""


@dataclass(frozen=True)
class SourceLocation:
    """A position in a WIT source file (1-based line and column)."""

    path: str
    line: int
    column: int
    source_line: str | None = None
    """The text of the line, used to draw the caret; None when unknown."""
    length: int = 1
    """How many characters the caret underlines."""


class WitError(WitkitError):
    """Bad WIT: a syntax error, an unknown or duplicate name, a cycle, a missing dependency."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    @property
    def path(self) -> str | None:
        return self.location.path if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def column(self) -> int | None:
        return self.location.column if self.location else None

    def render(self) -> str:
        """The error as wit-parser renders it: message, `-->` line and a caret snippet."""
        loc = self.location
        if loc is None:
            return f"error: {self.message}"
        lines = [f"error: {self.message}", f"  --> {loc.path}:{loc.line}:{loc.column}"]
        if loc.source_line is not None:
            gutter = " " * len(str(loc.line))
            text = loc.source_line.rstrip("\r\n")
            caret = " " * (loc.column - 1) + "^" + "-" * max(0, loc.length - 1)
            lines += [f"{gutter} |", f"{loc.line} | {text}".rstrip(), f"{gutter} | {caret}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


MAX_QUOTED_LINE = 1000
"""An error quotes its source line (with a caret under the column) only up to this many
characters: a hostile one-line file of megabytes must not become a megabyte error message."""


def location_in_file(path: str | Path, text: str, line: int, column: int, length: int = 1) -> SourceLocation:
    """Build a location, reading the source line out of `text`.

    A position just past the last line (an error at the end of the file) quotes an
    empty line, so the caret still shows where the file stopped. A line, column or length
    past `MAX_QUOTED_LINE` is not quoted.
    """
    # Lines as the parser counts them: only "\n" ends one (`splitlines` would also split at
    # U+2028, form feeds and the like, and quote the wrong line).
    lines = text.split("\n")
    source_line = lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else ""
    if max(len(source_line), column, length) > MAX_QUOTED_LINE:
        return SourceLocation(str(path), line, column, None, length)
    return SourceLocation(str(path), line, column, source_line, length)


class BindingError(WitkitError):
    """Generated bindings and a component or a Python value do not fit together."""


class PluginError(WitkitError):
    """A plugin cannot be loaded, linked, checked or called."""


class TrapError(PluginError):
    """The guest trapped; `guest_backtrace` keeps wasmtime's backtrace text."""

    def __init__(self, message: str, guest_backtrace: str = "") -> None:
        super().__init__(message)
        self.guest_backtrace = guest_backtrace


class LimitError(PluginError):
    """A resource limit stopped a call; `guest_backtrace` keeps where the guest was."""

    def __init__(self, message: str, guest_backtrace: str = "") -> None:
        super().__init__(message)
        self.guest_backtrace = guest_backtrace


class FuelExhausted(LimitError):
    """The call used up its fuel."""


class Timeout(LimitError):
    """The call ran past its wall-clock timeout."""


class MemoryLimitExceeded(LimitError):
    """The guest tried to grow its linear memory past the ceiling."""


class Cancelled(PluginError):
    """The call was stopped by `Instance.cancel()` (from another thread); `guest_backtrace`
    keeps where the guest was. The instance must be reloaded afterwards."""

    def __init__(self, message: str, guest_backtrace: str = "") -> None:
        super().__init__(message)
        self.guest_backtrace = guest_backtrace


class ArgumentError(BindingError, TypeError):
    """A Python value does not fit the WIT type of the parameter it was given for.

    Raised before the call, by generated methods and by dynamic calls alike, naming the
    function, the parameter and what was wrong with the value.
    """


class LimitsError(WitkitError, ValueError):
    """A `Limits` value that cannot mean what it says: not a number, not finite, out of range."""


class GrantError(WitkitError, ValueError):
    """A `Wasi` or `Http` grant that cannot mean what it says: a bad host pattern, method or bound."""


class LoadError(WitkitError):
    """A plugin could not be located, downloaded, verified or cached."""


class BuildError(WitkitError):
    """A guest project could not be scaffolded or built."""
