"""Import bookkeeping of generated host modules: which fixed names each one writes.

Annotations record what they use in the module's `Imports` while the views are built
(`witkit.codegen.spelling`); the functions here add what the templates write on their own
(`dataclass`, `ABC`, the runtime modules) once a module's view is complete, so a module
imports exactly what it uses, each under a local name none of its classes takes.
"""

from __future__ import annotations

from witkit.codegen.pytypes import Imports
from witkit.codegen.views import RT, H, ModuleView, TypeView, WorldView

__all__ = ["fixed_names", "module_imports", "world_imports"]

_FIXED_IMPORTS = {
    "dataclass": "dataclasses",
    "Enum": "enum",
    "Flag": "enum",
    "auto": "enum",
    "ClassVar": "typing",
    "ABC": "abc",
    "abstractmethod": "abc",
    "Callable": "collections.abc",
    "Awaitable": "collections.abc",
    "Err": "witkit.runtime",
    "Some": "witkit.runtime",
}
"""Names the templates write, and where they come from. Each is imported under a local name that
no class of the module takes (`Enum as _Enum` where a WIT type is named `enum`), and the
templates write that local name (`n.Enum`)."""


def _fixed(imports: Imports, *wanted: str) -> None:
    for name in wanted:
        imports.name(_FIXED_IMPORTS[name], name)


def fixed_names(imports: Imports) -> dict[str, str]:
    """The local name of each fixed import `imports` holds (`Enum` -> `_Enum` when a class takes it)."""
    return {
        name: local
        for local, (module, name) in imports.names.items()
        if _FIXED_IMPORTS.get(name) == module
    }


def _type_imports(types: list[TypeView], imports: Imports) -> None:
    """Record the imports the classes of `types` are written with."""
    kinds = {t.kind for t in types}
    if kinds & {"record", "variant"}:
        _fixed(imports, "dataclass")
    if "enum" in kinds:
        _fixed(imports, "Enum")
    if "flags" in kinds:
        _fixed(imports, "Flag", "auto")


def _runtime_imports(imports: Imports, runtime: bool, bindings: bool) -> None:
    # Written literally as `_rt` and `_h`: no module alias or class can take those names.
    if runtime:
        assert imports.name("witkit", "runtime", RT) == RT
    if bindings:
        assert imports.name("witkit.runtime", "bindings", H) == H


def module_imports(mv: ModuleView) -> None:
    """Record the fixed imports a module's template writes, on top of what its annotations used."""
    imports = mv.imports
    imports.name("__future__", "annotations")
    _type_imports(mv.types, imports)
    if mv.side == "import" and mv.has_class:
        _fixed(imports, "ABC", "abstractmethod")
    if mv.side == "export" and mv.has_class:
        _fixed(imports, "Callable")
        if mv.async_class and mv.all_functions:
            _fixed(imports, "Awaitable")
        if mv.resources:
            _fixed(imports, "ClassVar")
    _runtime_imports(
        imports, bool(mv.types or mv.all_functions), bool(mv.all_functions or mv.resources)
    )


def world_imports(world: WorldView) -> None:
    """Record the fixed imports `__init__.py` writes, on top of what its annotations used."""
    imports = world.imports
    imports.name("__future__", "annotations")
    _type_imports(world.types, imports)
    _fixed(imports, "ABC")
    if world.imported_functions or any(r.functions for r in world.resources):
        _fixed(imports, "abstractmethod")
    if world.exported_functions:
        _fixed(imports, "Callable")
        if world.async_class:
            _fixed(imports, "Awaitable")
    _runtime_imports(imports, True, True)
    # Re-exported for users, unless a world-level type of the same name takes their place.
    _fixed(imports, *(n for n in ("Err", "Some") if n not in imports.taken))
