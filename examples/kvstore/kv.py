"""Resources of the exported interface `example:kvstore/kv@0.1.0`.

componentize-py looks for these classes in a module named `kv`.
"""

from __future__ import annotations

from typing import Self

from wit_world.exports import kv as kv_exports


class Store(kv_exports.Store):
    """A named store of byte values; the plugin owns its data, the host holds a handle."""

    made = 0

    def __init__(self, name: str) -> None:
        """A new, empty store called `name`."""
        self._name = name
        self._data: dict[str, bytes] = {}
        Store.made += 1

    def name(self) -> str:
        """The store's name."""
        return self._name

    def get(self, key: str) -> bytes | None:
        """The value stored under `key`, if any."""
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        """Store `value` under `key`."""
        self._data[key] = value

    def delete(self, key: str) -> bool:
        """Remove `key`; says whether it was there."""
        return self._data.pop(key, None) is not None

    def keys(self) -> list[str]:
        """Every key, sorted."""
        return sorted(self._data)

    def merge(self, other: Self) -> int:
        """Copy every entry of `other` (lent for the call) into this store; returns how many."""
        self._data.update(other._data)
        return len(other._data)

    @classmethod
    def created(cls) -> int:
        """How many stores the plugin has made so far."""
        return cls.made
