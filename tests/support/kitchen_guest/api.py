"""Resources of the exported interface `witkit:kitchen/api`: the plugin's own counter."""

from __future__ import annotations

from typing import Self

from wit_world.exports import api as api_exports


class Counter(api_exports.Counter):
    """A counter owned by the plugin."""

    def __init__(self, start: int) -> None:
        self._value = start

    def increment(self, by: int) -> int:
        self._value = (self._value + by) & 0xFFFF_FFFF
        return self._value

    def value(self) -> int:
        return self._value

    @classmethod
    def merge(cls, a: Self, b: Self) -> Self:
        """Sums two counters into a new one; takes the second."""
        return cls(a.value() + b.value())
