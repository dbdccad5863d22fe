"""The kvstore host: opens stores the plugin owns, fills them, merges them, drops them.

Run `witkit build examples/kvstore` and
`witkit generate examples/kvstore/wit -o examples/kvstore/bindings` first (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bindings"))

from kvstore import Kvstore  # noqa: E402  (generated into bindings/)

import witkit  # noqa: E402


def main(component: Path) -> None:
    plugin = Kvstore.load(component)
    Store = plugin.kv.Store  # the guest's resource, bound to this plugin

    with Store("main") as main_store, Store("extra") as extra:
        main_store.set("greeting", b"hello")
        extra.set("answer", b"42")
        extra.set("pi", b"3.14")
        print(f"stores made by the plugin: {Store.created()}")
        copied = main_store.merge(extra)  # `extra` is lent for the call, not moved
        print(f"merged {copied} entries into {main_store.name()!r}: {main_store.keys()}")
        print(f"answer = {main_store.get('answer')!r}, missing = {main_store.get('nope')!r}")
    # Leaving the `with` block dropped both handles: using one now is an error.
    try:
        main_store.keys()
    except witkit.PluginError as e:
        print(f"after the with block: {e}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "build" / "kvstore.wasm")
