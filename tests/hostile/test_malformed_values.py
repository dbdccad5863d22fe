"""A guest handing the host values the canonical ABI forbids: invalid UTF-8, a list running past
the end of memory, a variant case that does not exist, an `own` handle it never had.

Each is an error of that call (a `TrapError`, as the component model makes it a trap), never a
crash and never a half-built Python object; the instance is poisoned and the runtime goes on.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.hostile.guests import healthy_after
from tests.hostile.support import Guest, Loaders
from witkit.errors import PluginError, TrapError
from witkit.runtime import HostResource, ImportInterface, ImportResource, Limits, Runtime

pytestmark = pytest.mark.timeout(60)

VALUES_WIT = """
package hostile:values@0.1.0;

interface store {
  resource blob {
    constructor(size: u32);
    size: func() -> u32;
  }
}

world values {
  import store;
  use store.{blob};

  variant shape { circle(f32), square(u32) }

  /// A string of three bytes that are not UTF-8.
  export bad-utf8: func() -> string;
  /// A list claiming a billion elements in a 64 KiB memory.
  export huge-list: func() -> list<u32>;
  /// A variant with discriminant 7 (there are two cases).
  export bad-variant: func() -> shape;
  /// An `own<blob>` with handle 42, which the guest never received.
  export forge: func() -> blob;
  /// A well-formed string, to show the same component works when it behaves.
  export fine: func() -> string;
}
"""

VALUES_WAT = r"""
(component
  (import "hostile:values/store@0.1.0" (instance $store (export "blob" (type (sub resource)))))
  (alias export $store "blob" (type $blob))
  (type $shape (variant (case "circle" f32) (case "square" u32)))
  (export $s "shape" (type $shape))
  (core module $m
    (memory (export "mem") 1)
    (data (i32.const 100) "\ff\fe\fd")
    (data (i32.const 200) "fine")
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 2048))
    (func $pair (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "bad-utf8") (result i32) (call $pair (i32.const 100) (i32.const 3)))
    (func (export "huge-list") (result i32) (call $pair (i32.const 8) (i32.const 0x3fffffff)))
    (func (export "bad-variant") (result i32)
      (i32.store8 (i32.const 16) (i32.const 7))
      (i32.const 16))
    (func (export "forge") (result i32) (i32.const 42))
    (func (export "fine") (result i32) (call $pair (i32.const 200) (i32.const 4))))
  (core instance $i (instantiate $m))
  (func (export "bad-utf8") (result string)
    (canon lift (core func $i "bad-utf8") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "huge-list") (result (list u32))
    (canon lift (core func $i "huge-list") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "bad-variant") (result $s)
    (canon lift (core func $i "bad-variant") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "forge") (result (own $blob)) (canon lift (core func $i "forge")))
  (func (export "fine") (result string)
    (canon lift (core func $i "fine") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
)
"""

VALUES = Guest("values", VALUES_WIT, "values", VALUES_WAT)


class Blob:
    """The host's blob, for the dynamic path (the generated path subclasses its own base)."""

    def __init__(self, size: int) -> None:
        self._size = size

    def size(self) -> int:
        return self._size


def _store(module: ModuleType) -> dict[str, Any]:
    store_module = module.store

    class MyBlob(store_module.Blob):  # type: ignore[misc, name-defined]
        def __init__(self, size: int) -> None:
            self._size = size

        def size(self) -> int:
            return self._size

    class MyStore(store_module.Store):  # type: ignore[misc, name-defined]
        Blob = MyBlob

    return {"store": MyStore()}


DYNAMIC_STORE = ImportInterface(
    "hostile:values/store@0.1.0", [ImportResource("blob", HostResource(Blob, "blob"))]
)


def load(loaders: Loaders, via: str, rt: Runtime) -> Any:
    return loaders.load(via, VALUES, rt, interfaces=_store, dynamic_imports=[DYNAMIC_STORE])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-utf8", "invalid utf-8 sequence"),
        ("huge-list", "list pointer/length out of bounds of memory"),
        ("bad-variant", "discriminant 7 out of range"),
        ("forge", "unknown handle index 42"),
    ],
)
def test_malformed_value_is_an_error_of_the_call(
    loaders: Loaders, via: str, name: str, message: str
) -> None:
    rt = Runtime(cache=False, limits=Limits(fuel=10_000_000))
    plugin = load(loaders, via, rt)
    with pytest.raises(TrapError) as info:
        plugin.call(name)
    text = str(info.value)
    assert text.startswith(f"{name}: the plugin broke the canonical ABI: ")
    assert message in text
    assert plugin.instance.poisoned
    with pytest.raises(PluginError, match="reload the plugin"):
        plugin.call("fine")
    healthy_after(loaders, via, rt)
    # A fresh instance of the same component serves its well-formed export.
    assert load(loaders, via, rt).call("fine") == "fine"
