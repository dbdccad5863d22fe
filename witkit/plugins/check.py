"""Can a component stand in for a WIT world? Its own types compared with the resolved world.

A component fits a world when it exports every function the world exports, with the same
type, and imports nothing beyond what the world imports (with the same types) and what the
host provides anyway (WASI and `witkit:plugin/config`). Types are compared structurally, as
the component model does: names of records and variants do not matter, their shapes do;
resources compare as `own`/`borrow` of some resource.

Generated bindings call `check_component` at load time (see `require_world`); `witkit check`
is `check_plugin`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import wasmtime
import wasmtime.component as wc

from witkit.errors import PluginError
from witkit.plugins.inspect import component_type_text, func_text, result_text, type_engine
from witkit.wit import model as m

__all__ = [
    "HOST_PROVIDED",
    "Mismatch",
    "MismatchKind",
    "WorldMismatch",
    "check_against_wit",
    "check_component",
    "check_plugin",
    "model_func_text",
    "model_type_text",
    "require_world",
    "require_world_wit",
]

HOST_PROVIDED: tuple[str, ...] = ("wasi:", "witkit:plugin/config")
"""Import name prefixes the host satisfies whatever the world says."""

MismatchKind = Literal["missing-export", "wrong-type", "wrong-kind", "unexpected-import"]


@dataclass(frozen=True)
class Mismatch:
    """One difference between a component and a world, named the way WIT names it."""

    kind: MismatchKind
    direction: Literal["import", "export"]
    name: str
    """`ns:pkg/iface@ver#func`, `ns:pkg/iface@ver` or a world-level `func`."""
    expected: str | None
    """What the world has there (WIT text), None when the world has nothing."""
    found: str | None
    """What the component has there (WIT text), None when it has nothing."""

    def __str__(self) -> str:
        where = f"{self.direction} `{self.name}`"
        expected = _shown(self.expected)
        found = _shown(self.found)
        if self.kind == "missing-export":
            return f"{where}: missing; the world expects {expected}"
        if self.kind == "unexpected-import":
            return f"{where}: not provided by the world or by WASI (the component imports {found})"
        return f"{where}: the world has {expected}, the component {found}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-encodable form."""
        return {
            "kind": self.kind,
            "direction": self.direction,
            "name": self.name,
            "expected": self.expected,
            "found": self.found,
            "message": str(self),
        }


def _shown(text: str | None) -> str:
    if text is None:
        return "nothing"
    if text == "interface":
        return "an interface"
    if text.startswith(("func(", "resource ")):
        return f"`{text}`"
    return text


class WorldMismatch(PluginError):
    """A component does not fit a world; `mismatches` lists every difference."""

    def __init__(
        self, world: str, mismatches: Sequence[Mismatch], what: str = "the component"
    ) -> None:
        self.world = world
        self.mismatches = list(mismatches)
        lines = "\n  ".join(str(x) for x in self.mismatches)
        super().__init__(f"{what} does not match world `{world}`:\n  {lines}")


# ---------------------------------------------------------------------------------------------
# WIT text of model types, in the same structural spelling as `component_type_text`


def model_type_text(resolve: m.Resolve, ty: m.Type | None) -> str:
    """A resolved WIT type spelled structurally, exactly as `component_type_text` spells the same type."""
    if ty is None:
        return "_"
    ty = resolve.dealias(ty)
    if isinstance(ty, str):
        return ty

    def t(x: m.Type | None) -> str:
        return model_type_text(resolve, x)

    k = resolve.types[ty].kind
    match k:
        case m.Record():
            return "record { " + ", ".join(f"{f.name}: {t(f.type)}" for f in k.fields) + " }"
        case m.Enum():
            return "enum { " + ", ".join(c.name for c in k.cases) + " }"
        case m.Flags():
            return "flags { " + ", ".join(f.name for f in k.flags) + " }"
        case m.Variant():
            cases = [c.name if c.type is None else f"{c.name}({t(c.type)})" for c in k.cases]
            return "variant { " + ", ".join(cases) + " }"
        case m.Tuple():
            return f"tuple<{', '.join(t(x) for x in k.types)}>"
        case m.List():
            return f"list<{t(k.type)}>"
        case m.FixedLengthList():
            return f"list<{t(k.type)}, {k.size}>"
        case m.Option():
            return f"option<{t(k.type)}>"
        case m.Result():
            return result_text(
                None if k.ok is None else t(k.ok), None if k.err is None else t(k.err)
            )
        case m.Handle():
            return f"{k.kind}<resource>"
        case m.Map():
            return f"map<{t(k.key)}, {t(k.value)}>"
        case m.Future():
            return "future" if k.type is None else f"future<{t(k.type)}>"
        case m.Stream():
            return "stream" if k.type is None else f"stream<{t(k.type)}>"
        case m.Resource():
            return "resource"
        case _:
            return resolve.type_name(ty)


def model_func_text(resolve: m.Resolve, func: m.Function) -> str:
    """A resolved function's type spelled like `witkit.plugins.inspect.func_text`."""
    params = ", ".join(f"{p.name}: {model_type_text(resolve, p.type)}" for p in func.params)
    result = "" if func.result is None else f" -> {model_type_text(resolve, func.result)}"
    return f"func({params}){result}"


def _same_func(resolve: m.Resolve, func: m.Function, fty: Any) -> bool:
    ours = [model_type_text(resolve, p.type) for p in func.params]
    theirs = [component_type_text(vt) for _, vt in fty.params]
    if ours != theirs:
        return False
    if (func.result is None) != (fty.result is None):
        return False
    return func.result is None or model_type_text(resolve, func.result) == component_type_text(
        fty.result
    )


def _kind_of(ty: Any) -> str:
    if isinstance(ty, wc.FuncType):
        return "a function"
    if isinstance(ty, wc.ComponentInstanceType):
        return "an interface"
    if isinstance(ty, wc.ResourceType):
        return "a resource"
    if isinstance(ty, wc.ModuleType):
        return "a core module"
    if isinstance(ty, wc.ComponentType):
        return "a component"
    return "a type"


# ---------------------------------------------------------------------------------------------
# The check


@dataclass
class _WorldSide:
    """One direction of a world, by the names a component uses for it."""

    interfaces: dict[str, m.Interface]
    functions: dict[str, m.Function]


def _world_side(resolve: m.Resolve, world: m.World, direction: str) -> _WorldSide:
    items = world.imports if direction == "import" else world.exports
    side = _WorldSide({}, {})
    for key, item in items.items():
        if isinstance(item, m.WorldInterface):
            name = resolve.world_key_name(key) if isinstance(key, int) else key
            side.interfaces[name] = resolve.interfaces[item.id]
        elif isinstance(item, m.WorldFunction):
            side.functions[resolve.world_key_name(key)] = item.function
    return side


def check_component(
    component_type: wc.ComponentType | wc.Component,
    resolve: m.Resolve,
    world_id: int,
    *,
    engine: wasmtime.Engine | None = None,
    host_provided: Sequence[str] = HOST_PROVIDED,
) -> list[Mismatch]:
    """Every difference between the component and world `world_id` of `resolve` (empty: it fits).

    `component_type` is `Component.type` (a compiled `Component` is accepted too); `engine`
    is any wasmtime engine (types are read through it; a shared one is used when omitted).
    `host_provided` lists import-name prefixes the host satisfies outside the world.
    """
    ctype = component_type.type if isinstance(component_type, wc.Component) else component_type
    eng = engine if engine is not None else type_engine()
    world = resolve.worlds[world_id]
    out: list[Mismatch] = []
    _check_exports(resolve, _world_side(resolve, world, "export"), ctype.exports(eng), eng, out)
    _check_imports(
        resolve, _world_side(resolve, world, "import"), ctype.imports(eng), eng, host_provided, out
    )
    return out


def _instance_parts(ty: Any, engine: wasmtime.Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    funcs: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for n, e in ty.exports(engine).items():
        (funcs if isinstance(e.ty, wc.FuncType) else others)[n] = e.ty
    return funcs, others


def _check_exports(
    resolve: m.Resolve,
    side: _WorldSide,
    exports: Mapping[str, Any],
    engine: wasmtime.Engine,
    out: list[Mismatch],
) -> None:
    for name, iface in side.interfaces.items():
        ext = exports.get(name)
        if ext is None:
            out.append(Mismatch("missing-export", "export", name, "interface", None))
            continue
        if not isinstance(ext.ty, wc.ComponentInstanceType):
            out.append(Mismatch("wrong-kind", "export", name, "an interface", _kind_of(ext.ty)))
            continue
        funcs, others = _instance_parts(ext.ty, engine)
        for tname, tid in iface.types.items():
            if isinstance(resolve.types[tid].kind, m.Resource):
                found = others.get(tname)
                if found is None:
                    out.append(
                        Mismatch(
                            "missing-export", "export", f"{name}#{tname}", f"resource {tname}", None
                        )
                    )
                elif not isinstance(found, wc.ResourceType):
                    out.append(
                        Mismatch(
                            "wrong-kind", "export", f"{name}#{tname}", "a resource", _kind_of(found)
                        )
                    )
        for fname, func in iface.functions.items():
            _check_export_func(
                resolve, f"{name}#{fname}", func, funcs.get(fname, others.get(fname)), out
            )
    for name, func in side.functions.items():
        ext = exports.get(name)
        _check_export_func(resolve, name, func, None if ext is None else ext.ty, out)


def _check_export_func(
    resolve: m.Resolve, label: str, func: m.Function, found: Any, out: list[Mismatch]
) -> None:
    want = model_func_text(resolve, func)
    if found is None:
        out.append(Mismatch("missing-export", "export", label, want, None))
    elif not isinstance(found, wc.FuncType):
        out.append(Mismatch("wrong-kind", "export", label, "a function", _kind_of(found)))
    elif not _same_func(resolve, func, found):
        out.append(Mismatch("wrong-type", "export", label, want, func_text(found)))


def _check_imports(
    resolve: m.Resolve,
    side: _WorldSide,
    imports: Mapping[str, Any],
    engine: wasmtime.Engine,
    host_provided: Sequence[str],
    out: list[Mismatch],
) -> None:
    for name, ext in imports.items():
        ty = ext.ty
        if isinstance(ty, wc.FuncType):
            func = side.functions.get(name)
            if func is None:
                if name in side.interfaces:
                    out.append(Mismatch("wrong-kind", "import", name, "an interface", "a function"))
                else:
                    out.append(Mismatch("unexpected-import", "import", name, None, func_text(ty)))
            elif not _same_func(resolve, func, ty):
                out.append(
                    Mismatch(
                        "wrong-type", "import", name, model_func_text(resolve, func), func_text(ty)
                    )
                )
            continue
        if not isinstance(ty, wc.ComponentInstanceType):
            continue  # imported types and resources come with the functions that use them
        iface = side.interfaces.get(name)
        if iface is None:
            if name.startswith(tuple(host_provided)):
                continue
            if name in side.functions:
                out.append(Mismatch("wrong-kind", "import", name, "a function", "an interface"))
            else:
                out.append(Mismatch("unexpected-import", "import", name, None, "interface"))
            continue
        funcs, _others = _instance_parts(ty, engine)
        for fname, fty in funcs.items():
            label = f"{name}#{fname}"
            func = iface.functions.get(fname)
            if func is None:
                out.append(Mismatch("unexpected-import", "import", label, None, func_text(fty)))
            elif not _same_func(resolve, func, fty):
                out.append(
                    Mismatch(
                        "wrong-type",
                        "import",
                        label,
                        model_func_text(resolve, func),
                        func_text(fty),
                    )
                )


def require_world(
    component_type: wc.ComponentType | wc.Component,
    resolve: m.Resolve,
    world_id: int,
    *,
    engine: wasmtime.Engine | None = None,
    what: str = "the component",
) -> None:
    """Raise `WorldMismatch` (a PluginError) listing every difference, unless the component fits."""
    found = check_component(component_type, resolve, world_id, engine=engine)
    if found:
        world = resolve.worlds[world_id]
        pkg = resolve.packages[world.package].name if world.package is not None else None
        raise WorldMismatch(f"{pkg}/{world.name}" if pkg is not None else world.name, found, what)


def check_plugin(
    plugin: str | os.PathLike[str] | bytes | wc.Component,
    wit: str | os.PathLike[str],
    world: str | None = None,
    *,
    features: frozenset[str] | None = frozenset(),
) -> tuple[str, list[Mismatch]]:
    """Compile `plugin` (not instantiated), resolve `wit`, select `world`: (world name, mismatches)."""
    from witkit.runtime import Runtime
    from witkit.wit import resolve_path, select_world

    resolved = resolve_path(os.fspath(wit), features=features)
    world_id = select_world(resolved.resolve, resolved.main, world)
    rt = Runtime()
    component = rt.compile(os.fspath(plugin) if isinstance(plugin, os.PathLike) else plugin)
    w = resolved.resolve.worlds[world_id]
    pkg = resolved.resolve.packages[w.package].name if w.package is not None else None
    label = f"{pkg}/{w.name}" if pkg is not None else w.name
    return label, check_component(component.type, resolved.resolve, world_id, engine=rt.engine)


@functools.lru_cache(maxsize=32)
def _resolve_text(wit_text: str, world: str | None) -> tuple[m.Resolve, int]:
    from witkit.wit import resolve_source, select_world

    resolved = resolve_source(wit_text)
    return resolved.resolve, select_world(resolved.resolve, resolved.main, world)


def check_against_wit(
    component_type: wc.ComponentType | wc.Component,
    wit_text: str,
    world: str | None = None,
    *,
    engine: wasmtime.Engine | None = None,
) -> list[Mismatch]:
    """`check_component` against a world given as WIT text (resolved once per distinct text).

    Meant for generated bindings, which carry their world as text: embed
    `witkit.wit.printer.print_wit(resolved)` and the world's qualified name.
    """
    resolve, world_id = _resolve_text(wit_text, world)
    return check_component(component_type, resolve, world_id, engine=engine)


def require_world_wit(
    component_type: wc.ComponentType | wc.Component,
    wit_text: str,
    world: str | None = None,
    *,
    engine: wasmtime.Engine | None = None,
    what: str = "the component",
) -> None:
    """`require_world` against a world given as WIT text: raise `WorldMismatch` unless the component fits."""
    resolve, world_id = _resolve_text(wit_text, world)
    require_world(component_type, resolve, world_id, engine=engine, what=what)
