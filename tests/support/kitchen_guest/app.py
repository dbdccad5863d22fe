"""The kitchen world's guest: every export echoes its input, so a host can check each value round-trips.

This is the scaffold of `witkit new` for `witkit:kitchen/kitchen` with every stub filled in.
"""

from __future__ import annotations

import wit_world
from componentize_py_types import Err, Some
from wit_world import exports
from wit_world.imports import store, types


class WitWorld(wit_world.WitWorld):
    """The world-level exports of `witkit:kitchen/kitchen`."""

    def add(self, a: int, b: int) -> int:
        """World-level exports."""
        return (a + b) & 0xFFFF_FFFF

    def greet(self, name: str) -> wit_world.Greeting:
        wit_world.log(1, f"greeting {name}")
        return wit_world.Greeting(text=f"Hello, {name}!", count=len(name))


class Api(exports.Api):
    """What the plugin offers."""

    def echo_everything(self, e: types.Everything) -> types.Everything:
        return e

    def echo_shape(self, s: types.Shape) -> types.Shape:
        return s

    def echo_nested(self, x: Some[int | None] | None) -> Some[int | None] | None:
        return x

    def echo_list(
        self, items: list[tuple[types.Color, types.Perms]]
    ) -> list[tuple[types.Color, types.Perms]]:
        return items

    def unit_result(self, fail: bool) -> None:
        """`result` in all four shapes; each fails when `fail` is true."""
        if fail:
            raise Err(None)

    def ok_only(self, fail: bool) -> int:
        if fail:
            raise Err(None)
        return 42

    def err_only(self, fail: bool) -> None:
        if fail:
            raise Err("failed")

    def both(self, fail: bool) -> types.Point:
        if fail:
            raise Err(types.Color.BLUE)
        return types.Point(x=1, y=-2)

    def import_(self, from_: int, in_: str, class_: bool) -> str:
        """Keyword-named function and parameters."""
        return f"{from_}:{in_}:{class_}"

    def blob_size(self, b: store.Blob) -> int:
        """Reads a host blob the caller lends."""
        return len(b.read())

    def make_blob(self, data: bytes) -> store.Blob:
        """Makes a host blob and hands it over."""
        return store.Blob(data)
