"""World shapes of real plugin systems bind, import and pass mypy --strict; what still cannot
be bound fails in one line naming the item and why."""

from __future__ import annotations

import importlib
import inspect

import pytest

from tests.codegen.conftest import SHAPES_WORLDS, Generated
from witkit.codegen.host import render_host
from witkit.errors import BindingError
from witkit.wit.resolve import resolve_source, select_world


@pytest.mark.parametrize("world", SHAPES_WORLDS)
def test_shapes_import_and_pass_mypy(
    generated: Generated, mypy_errors: dict[str, list[str]], world: str
) -> None:
    assert mypy_errors[world] == []
    importlib.import_module(world)


def test_relay_world_use_of_a_dual_resource_is_the_imported_side(generated: Generated) -> None:
    relay = importlib.import_module("relay")
    imported = importlib.import_module("relay.things")
    exported = importlib.import_module("relay.exports.things")
    assert relay.Thing is imported.Thing
    assert inspect.isabstract(imported.Thing) and not inspect.isabstract(exported.Thing)
    assert set(relay.RelayImports.__annotations__) == {"things"}
    assert set(relay.Relay.__annotations__) == {"things"}
    assert relay.RelayImports.up.__isabstractmethod__
    assert callable(relay.Relay.down)
    spec = {s.name: s for _, specs in relay.WORLD.exports for s in specs}
    assert spec["down"].params[0][2].resource is imported.THING_TYPE  # world `use`: import side
    assert dict(relay.WORLD.resources) == {"test:shapes/things": ("thing",)}


def test_editor_world_resource_and_types(generated: Generated) -> None:
    editor = importlib.import_module("editor")
    assert inspect.isabstract(editor.Worktree)
    # Methods only: the host makes its worktrees itself, so the imports name no class for it.
    assert "Worktree" not in editor.EditorImports.__annotations__
    assert editor.Os is importlib.import_module("editor.platform").Os
    assert {"Command", "Status", "Status_Checking", "Status_Failed", "Worktree"} <= set(
        editor.__all__
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "interface i { f: async func() -> u32; }\nworld w { import i; }",
            "t:a/i#f: async functions are bound only as freestanding exports",
        ),
        (
            "interface i { resource r { m: async func(); } }\nworld w { export i; }",
            "t:a/i#[method]r.m: async functions are bound only as freestanding exports",
        ),
        (
            "interface i { f: func() -> stream<u8>; }\nworld w { import i; }",
            "t:a/i#f: WIT type `stream<u8>` has no Python binding yet",
        ),
        (
            "world w { export f: func(x: future<u32>); }",
            "t:a/w#f: WIT type `future<u32>` has no Python binding yet",
        ),
        (
            "interface i { record x { s: stream<u8> } f: func(x: x); }\nworld w { import i; }",
            "t:a/i#x: WIT type `stream<u8>` has no Python binding yet",
        ),
        (
            "world w { resource r { m: async func(); } }",
            "t:a/w#[method]r.m: async functions are bound only as freestanding exports",
        ),
    ],
)
def test_what_cannot_be_bound_is_one_line_naming_the_item(source: str, message: str) -> None:
    resolved = resolve_source(f"package t:a;\n{source}\n")
    world = select_world(resolved.resolve, resolved.packages)
    with pytest.raises(BindingError) as info:
        render_host(resolved.resolve, world, "w")
    text = str(info.value)
    assert message in text
    assert "\n" not in text


def test_an_async_func_beside_exported_resources_is_bound_by_the_async_class() -> None:
    source = "interface i { resource r { constructor(); m: func() -> r; } f: async func(x: r) -> u32; }"
    resolved = resolve_source(f"package t:a;\n{source}\nworld w {{ export i; }}\n")
    files = render_host(resolved.resolve, select_world(resolved.resolve, resolved.packages), "w")
    module = files["i.py"]
    sync_class, async_class = module.split("\nclass I:")[1].split("\nclass AsyncI:")
    assert "def f(" not in sync_class
    assert "async def f(self, x: AsyncR) -> int:" in async_class
    assert "r: type[AsyncR]" not in async_class and "R: type[AsyncR]" in async_class
    assert "async def m(self) -> AsyncR:" in module and "def m(self) -> R:" in module
