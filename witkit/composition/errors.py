"""Composition errors: every problem of a plugin graph, found before anything is instantiated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from witkit.errors import PluginError

__all__ = ["CompositionError", "Problem", "ProblemKind"]

ProblemKind = Literal[
    "unknown-plugin",
    "missing-provider",
    "too-many-providers",
    "not-a-provider",
    "type-mismatch",
    "cycle",
    "not-linkable",
    "runtime-limits",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a composition."""

    kind: ProblemKind
    message: str
    plugin: str | None = None
    """The plugin (consumer) the problem is about, when there is one."""
    interface: str | None = None
    """The interface (`ns:pkg/iface@ver`, or `...#func`) the problem is about, when there is one."""

    def __str__(self) -> str:
        return self.message


class CompositionError(PluginError):
    """A plugin graph cannot be built; `problems` lists every reason, found before instantiation."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"the plugins cannot be composed:\n  {lines}")
