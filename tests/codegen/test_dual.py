"""A world that imports and exports the same interface: the middleware shape.

The imported side is `<package>.<iface>` (what the host implements), the exported side
`<package>.exports.<iface>` (what the host calls on the plugin); value types are one set of
classes for both, resources one class per side. Run against a real WAT component that
imports `handler`, exports it, and calls the imported one from its export.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from tests.codegen.conftest import Generated
from tests.codegen.middleware_wat import MIDDLEWARE_WAT
from witkit.codegen.host import render_host
from witkit.errors import BindingError
from witkit.wit.resolve import resolve_source, select_world


@pytest.fixture(scope="module")
def middleware(generated: Generated, mypy_errors: dict[str, list[str]]) -> ModuleType:
    assert mypy_errors["middleware"] == []
    return importlib.import_module("middleware")


def _plugin(middleware: ModuleType, seen: list[Any]) -> Any:
    h = importlib.import_module("middleware.handler")

    class HostToken(h.Token):  # type: ignore[misc]
        def __init__(self, n: int) -> None:
            self.n = n

        def value(self) -> int:
            return self.n

    class Next(h.Handler):  # type: ignore[misc]
        Token = HostToken

        def handle(self, req: Any) -> Any:
            seen.append(req)
            return h.Verdict.ALLOW if req.path.startswith("/ok") else h.Verdict.DENY

    class Imports(middleware.MiddlewareImports):  # type: ignore[misc]
        handler = Next()

    return middleware.Middleware.load(MIDDLEWARE_WAT.encode(), imports=Imports())


def test_layout_two_sides_one_set_of_value_types(
    middleware: ModuleType, generated: Generated
) -> None:
    root = generated.packages["middleware"]
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    assert files == ["__init__.py", "exports/__init__.py", "exports/handler.py", "handler.py"]
    imported = importlib.import_module("middleware.handler")
    exported = importlib.import_module("middleware.exports.handler")
    assert middleware.MiddlewareImports.__annotations__["handler"] == "_handler.Handler"
    assert middleware.Middleware.__annotations__["handler"] == "_exports_handler.Handler"
    # Value types live once, in the imported side's module.
    assert not hasattr(exported, "Request") and not hasattr(exported, "Verdict")
    assert exported._F_HANDLE.params[0][2] is imported.REQUEST_TYPE
    # Resources are distinct classes per side: the host's abstract one, the plugin's proxy.
    assert imported.Token is not exported.Token
    assert not issubclass(exported.Token, imported.Token)
    assert imported.Handler is not exported.Handler


def test_a_filter_calls_the_imported_handler_and_is_one(middleware: ModuleType) -> None:
    h = importlib.import_module("middleware.handler")
    seen: list[Any] = []
    plugin = _plugin(middleware, seen)
    assert plugin.handler.handle(h.Request("/ok", 1)) is h.Verdict.ALLOW
    assert seen == [h.Request("/ok", 2)]  # the plugin passed it on, id + 1
    assert type(seen[0]) is h.Request
    assert plugin.handler.handle(h.Request("", 5)) is h.Verdict.DENY  # filtered, host not asked
    assert len(seen) == 1
    # A value the host received from the plugin is handed straight back to the plugin.
    assert plugin.handler.handle(seen[0]) is h.Verdict.ALLOW
    assert seen[-1] == h.Request("/ok", 3)
    assert plugin.handler.handle(h.Request("/no", 0)) is h.Verdict.DENY


def test_the_plugin_side_resource_is_the_plugins(middleware: ModuleType) -> None:
    exported = importlib.import_module("middleware.exports.handler")
    plugin = _plugin(middleware, [])
    token = plugin.handler.Token(7)
    assert isinstance(token, exported.Token)
    assert token.value() == 7


DUAL_HOLDING_RESOURCE = """package t:d;
interface h {
  resource r;
  record holder { it: own<r> }
  take: func(x: holder);
}
world w { import h; export h; }
"""


def test_a_value_type_holding_a_dual_resource_is_one_line_naming_it() -> None:
    resolved = resolve_source(DUAL_HOLDING_RESOURCE)
    world = select_world(resolved.resolve, resolved.packages)
    with pytest.raises(BindingError) as info:
        render_host(resolved.resolve, world, "w")
    message = str(info.value)
    assert "\n" not in message
    assert "`t:d/h#holder` holds resource `r`" in message


def test_an_interface_named_exports_moves_the_subpackage_aside() -> None:
    resolved = resolve_source(
        "package t:e;\ninterface exports { f: func() -> u32; }\n"
        "world w { import exports; export exports; }\n"
    )
    files = render_host(resolved.resolve, select_world(resolved.resolve, resolved.packages), "w")
    assert sorted(files) == [
        "__init__.py", "exports.py", "exports_/__init__.py", "exports_/exports.py", "py.typed",
    ]  # fmt: skip
    assert "from .exports_ import exports as _exports__exports" in files["__init__.py"]
