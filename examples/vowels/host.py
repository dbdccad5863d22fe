"""The vowel counter's host: grants the plugin a key-value store and calls it three times.

Run `witkit generate examples/vowels/wit -o examples/vowels/bindings` and
`witkit build examples/vowels` first (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bindings"))

from vowels import Vowels, VowelsImports  # noqa: E402  (generated into bindings/)
from vowels.kv import Kv  # noqa: E402


class MemoryKv(Kv):
    """The store the host grants: a dict that outlives the plugin's calls."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self.data[key] = value


class Host(VowelsImports):
    """Everything the `vowels` world imports."""

    def __init__(self, kv: Kv) -> None:
        self.kv = kv


def main(component: Path) -> None:
    store = MemoryKv()
    plugin = Vowels.load(component, imports=Host(store))
    for text in ("Hello, world!", "WebAssembly components", "witkit"):
        result = plugin.count_vowels(text)
        print(f"{text!r}: {result.count} vowels, running total {result.total}")
    print(f"the host's store holds {store.data}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "build" / "vowels.wasm")
