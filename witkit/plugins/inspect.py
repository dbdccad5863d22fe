"""A compiled component's imports and exports, read from its own types, as WIT text or JSON.

Component types are structural: a record or a variant carries no name of its own. The WIT
text therefore names each one after where it is first met (`greet-result`, `point`'s field
`pos` -> `point-pos`) and declares it once per interface; resources take the names the
component exports them under. Interfaces are printed as nested `package ns:pkg@ver { }`
blocks, so the text is a WIT file that witkit's resolver reads back.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import wasmtime
import wasmtime.component as wc

from witkit.runtime.worldcheck import component_type_text, primitive_name, result_text
from witkit.runtime.worldcheck import func_type_text as func_text
from witkit.wit.printer import ident

__all__ = [
    "ComponentItemInfo",
    "ComponentSummary",
    "FuncInfo",
    "component_type_text",
    "func_text",
    "summarize",
    "summary_json",
    "summary_wit",
    "type_json",
]


# ---------------------------------------------------------------------------------------------
# A small model of what a component imports and exports


@dataclass
class FuncInfo:
    """One function: its component-model name (`[method]r.m` included) and its type."""

    name: str
    type: Any
    """The wasmtime `FuncType`."""


@dataclass
class ComponentItemInfo:
    """One import or export: a function, an interface (instance), a resource type or something else."""

    name: str
    kind: str
    """`"function"`, `"interface"`, `"resource"`, `"module"`, `"component"` or `"type"`."""
    functions: list[FuncInfo] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    """Resource types by name (an interface's own, or the item itself for a root resource)."""
    types: dict[str, Any] = field(default_factory=dict)
    """Value types the interface exports by name (or the item itself for a root type export)."""


@dataclass
class ComponentSummary:
    """What a component imports and exports, in the component's order."""

    imports: list[ComponentItemInfo]
    exports: list[ComponentItemInfo]


def _items(table: Mapping[str, Any], engine: wasmtime.Engine) -> list[ComponentItemInfo]:
    out: list[ComponentItemInfo] = []
    for name, ext in table.items():
        ty = ext.ty
        if isinstance(ty, wc.FuncType):
            out.append(ComponentItemInfo(name, "function", [FuncInfo(name, ty)]))
        elif isinstance(ty, wc.ComponentInstanceType):
            item = ComponentItemInfo(name, "interface")
            for n, e in ty.exports(engine).items():
                if isinstance(e.ty, wc.FuncType):
                    item.functions.append(FuncInfo(n, e.ty))
                elif isinstance(e.ty, wc.ResourceType):
                    item.resources[n] = e.ty
                elif _is_named_kind(e.ty):
                    item.types[n] = e.ty
            out.append(item)
        elif isinstance(ty, wc.ResourceType):
            out.append(ComponentItemInfo(name, "resource", resources={name: ty}))
        elif isinstance(ty, wc.ModuleType):
            out.append(ComponentItemInfo(name, "module"))
        elif isinstance(ty, wc.ComponentType):
            out.append(ComponentItemInfo(name, "component"))
        else:
            out.append(
                ComponentItemInfo(name, "type", types={name: ty} if _is_named_kind(ty) else {})
            )
    return out


def _is_named_kind(vt: Any) -> bool:
    return isinstance(vt, (wc.RecordType, wc.VariantType, wc.EnumType, wc.FlagsType))


@functools.cache
def type_engine() -> wasmtime.Engine:
    """An engine for reading component types when the caller has none at hand (one per process)."""
    return wasmtime.Engine()


def summarize(
    component: wc.Component | wc.ComponentType, engine: wasmtime.Engine | None = None
) -> ComponentSummary:
    """The imports and exports of a compiled component (or of its `ComponentType`)."""
    ctype = component.type if isinstance(component, wc.Component) else component
    eng = engine if engine is not None else type_engine()
    return ComponentSummary(_items(ctype.imports(eng), eng), _items(ctype.exports(eng), eng))


# ---------------------------------------------------------------------------------------------
# JSON


def type_json(vt: Any, resource_name: Callable[[Any], str | None] | None = None) -> Any:
    """A component value type as JSON: a primitive's name, or an object with a `kind`."""
    prim = primitive_name(vt)
    if prim is not None:
        return prim

    def j(x: Any) -> Any:
        return type_json(x, resource_name)

    if isinstance(vt, wc.ListType):
        return {"kind": "list", "element": j(vt.element)}
    if isinstance(vt, wc.TupleType):
        return {"kind": "tuple", "types": [j(e) for e in vt.elements]}
    if isinstance(vt, wc.RecordType):
        return {"kind": "record", "fields": [{"name": n, "type": j(x)} for n, x in vt.fields]}
    if isinstance(vt, wc.EnumType):
        return {"kind": "enum", "names": list(vt.names)}
    if isinstance(vt, wc.FlagsType):
        return {"kind": "flags", "names": list(vt.names)}
    if isinstance(vt, wc.VariantType):
        cases = [{"name": n, "type": None if x is None else j(x)} for n, x in vt.cases]
        return {"kind": "variant", "cases": cases}
    if isinstance(vt, wc.OptionType):
        return {"kind": "option", "type": j(vt.payload)}
    if isinstance(vt, wc.ResultType):
        ok = None if vt.ok is None else j(vt.ok)
        return {"kind": "result", "ok": ok, "err": None if vt.err is None else j(vt.err)}
    if isinstance(vt, (wc.OwnType, wc.BorrowType)):
        kind = "own" if isinstance(vt, wc.OwnType) else "borrow"
        return {"kind": kind, "resource": resource_name(vt.ty) if resource_name else None}
    if isinstance(vt, (wc.FutureType, wc.StreamType)):
        kind = "future" if isinstance(vt, wc.FutureType) else "stream"
        return {"kind": kind, "type": None if vt.payload is None else j(vt.payload)}
    return {"kind": component_type_text(vt)}


def summary_json(summary: ComponentSummary) -> dict[str, Any]:
    """The summary as a JSON-encodable dict: `{"imports": [...], "exports": [...]}`."""

    def item(i: ComponentItemInfo) -> dict[str, Any]:
        resources = list(i.resources.items())

        def rname(rt: Any) -> str | None:
            return next((n for n, t in resources if t == rt), None)

        out: dict[str, Any] = {"name": i.name, "kind": i.kind}
        if i.kind in ("interface", "function"):
            out["functions"] = [
                {
                    "name": f.name,
                    "params": [{"name": n, "type": type_json(x, rname)} for n, x in f.type.params],
                    "result": None if f.type.result is None else type_json(f.type.result, rname),
                }
                for f in i.functions
            ]
        if i.resources:
            out["resources"] = list(i.resources)
        return out

    return {
        "imports": [item(i) for i in summary.imports],
        "exports": [item(i) for i in summary.exports],
    }


# ---------------------------------------------------------------------------------------------
# WIT text


class _Scope:
    """Named types of one interface or world, declared once each, in first-use order."""

    def __init__(
        self, resources: Mapping[str, Any], types: Mapping[str, Any] | None = None
    ) -> None:
        self.decls: list[str] = []
        self.named: list[tuple[Any, str]] = []
        self.taken: set[str] = set(resources)
        self.resources: list[tuple[Any, str]] = [(t, n) for n, t in resources.items()]
        self.extra_resources: list[str] = []
        self.pending: list[tuple[Any, str]] = []
        for name, vt in (types or {}).items():
            if name not in self.taken and not any(
                type(o) is type(vt) and o == vt for o, _ in self.pending
            ):
                self.taken.add(name)
                self.pending.append((vt, name))

    def declare_exported(self) -> None:
        """Declare the types the interface exports under their own names."""
        for vt, _name in list(self.pending):
            self.ref(vt, "")

    def _fresh(self, hint: str) -> str:
        base = hint or "t"
        if base[0].isdigit():
            base = "t-" + base
        name, i = base, 2
        while name in self.taken:
            name = f"{base}-{i}"
            i += 1
        self.taken.add(name)
        return name

    def resource(self, rt: Any) -> str:
        """The name of resource type `rt` here, declaring an anonymous one on first use."""
        for t, n in self.resources:
            if t == rt:
                return n
        name = self._fresh("resource")
        self.resources.append((rt, name))
        self.extra_resources.append(name)
        return name

    def ref(self, vt: Any, hint: str) -> str:
        """`vt` as a type reference, declaring named types (called after `hint`) on first use."""
        prim = primitive_name(vt)
        if prim is not None:
            return prim
        if isinstance(vt, wc.ListType):
            return f"list<{self.ref(vt.element, hint)}>"
        if isinstance(vt, wc.TupleType):
            return (
                f"tuple<{', '.join(self.ref(e, f'{hint}-{i}') for i, e in enumerate(vt.elements))}>"
            )
        if isinstance(vt, wc.OptionType):
            return f"option<{self.ref(vt.payload, hint)}>"
        if isinstance(vt, wc.ResultType):
            ok = None if vt.ok is None else self.ref(vt.ok, f"{hint}-ok")
            err = None if vt.err is None else self.ref(vt.err, f"{hint}-error")
            return result_text(ok, err)
        if isinstance(vt, wc.OwnType):
            return self.resource(vt.ty)
        if isinstance(vt, wc.BorrowType):
            return f"borrow<{self.resource(vt.ty)}>"
        if isinstance(vt, (wc.FutureType, wc.StreamType)):
            kind = "future" if isinstance(vt, wc.FutureType) else "stream"
            return kind if vt.payload is None else f"{kind}<{self.ref(vt.payload, hint)}>"
        if isinstance(vt, (wc.RecordType, wc.VariantType, wc.EnumType, wc.FlagsType)):
            for other, name in self.named:
                if type(other) is type(vt) and other == vt:
                    return ident(name)
            for i, (other, pending_name) in enumerate(self.pending):
                if type(other) is type(vt) and other == vt:
                    del self.pending[i]
                    name = pending_name
                    break
            else:
                name = self._fresh(hint)
            self.named.append((vt, name))
            self.decls.append(self._declare(vt, name))
            return ident(name)
        return component_type_text(vt)

    def _declare(self, vt: Any, name: str) -> str:
        if isinstance(vt, wc.RecordType):
            body = "".join(f"  {ident(n)}: {self.ref(x, f'{name}-{n}')},\n" for n, x in vt.fields)
            return f"record {ident(name)} {{\n{body}}}"
        if isinstance(vt, wc.VariantType):
            lines = []
            for n, x in vt.cases:
                lines.append(
                    f"  {ident(n)},\n"
                    if x is None
                    else f"  {ident(n)}({self.ref(x, f'{name}-{n}')}),\n"
                )
            return f"variant {ident(name)} {{\n{''.join(lines)}}}"
        if isinstance(vt, wc.EnumType):
            return f"enum {ident(name)} {{\n" + "".join(f"  {ident(n)},\n" for n in vt.names) + "}"
        return f"flags {ident(name)} {{\n" + "".join(f"  {ident(n)},\n" for n in vt.names) + "}"

    def func(self, name: str, fty: Any) -> str:
        """One function item: `greet: func(name: string) -> string;` (or a constructor/static)."""
        hint = name.rsplit(".", 1)[-1].rsplit("]", 1)[-1]
        params = [(n, self.ref(x, n)) for n, x in fty.params]
        result = None if fty.result is None else self.ref(fty.result, f"{hint}-result")
        if name.startswith("[method]"):
            params = params[1:]  # the implicit `self`
        text = ", ".join(f"{ident(n)}: {t}" for n, t in params)
        if name.startswith("[constructor]"):
            return f"constructor({text});"
        arrow = "" if result is None else f" -> {result}"
        prefix = "static " if name.startswith("[static]") else ""
        return f"{ident(hint)}: {prefix}func({text}){arrow};"


def _indent(text: str, by: str) -> str:
    return "".join(by + line if line.strip() else line for line in text.splitlines(keepends=True))


def _body(item: ComponentItemInfo, scope: _Scope) -> list[str]:
    """The interface's items: resources (with their functions), then free functions."""
    scope.declare_exported()
    funcs: list[str] = []
    by_resource: dict[str, list[str]] = {}
    for f in item.functions:
        owner = _resource_of(f.name)
        line = scope.func(f.name, f.type)
        if owner is not None:
            by_resource.setdefault(owner, []).append(line)
        else:
            funcs.append(line)
    out = []
    for r in [
        *item.resources,
        *scope.extra_resources,
        *[r for r in by_resource if r not in item.resources],
    ]:
        methods = by_resource.get(r, [])
        if methods:
            out.append(f"resource {ident(r)} {{\n" + "".join(f"  {m}\n" for m in methods) + "}")
        else:
            out.append(f"resource {ident(r)};")
    return [*scope.decls, *out, *funcs]


def _resource_of(name: str) -> str | None:
    if name.startswith("[constructor]"):
        return name[len("[constructor]") :]
    if name.startswith(("[method]", "[static]")):
        return name.split("]", 1)[1].split(".", 1)[0]
    return None


def _split_interface(name: str) -> tuple[str, str, str] | None:
    """`ns:pkg/iface@ver` -> (`ns:pkg`, `iface`, `@ver` or ``); None when not of that shape."""
    if ":" not in name or "/" not in name:
        return None
    pkg, _, rest = name.partition("/")
    iface, _, version = rest.partition("@")
    return pkg, iface, f"@{version}" if version else ""


def summary_wit(
    summary: ComponentSummary, world: str = "plugin", package: str = "witkit:inspected"
) -> str:
    """The summary as a WIT file: a world of the imports and exports, its interfaces in nested packages."""
    packages: dict[str, dict[str, str]] = {}
    world_lines: list[str] = []
    root_resources = {
        n: t
        for i in summary.imports + summary.exports
        for n, t in i.resources.items()
        if i.kind == "resource"
    }
    root_types = {
        n: t
        for i in summary.imports + summary.exports
        for n, t in i.types.items()
        if i.kind == "type"
    }
    world_scope = _Scope(root_resources, root_types)
    world_scope.declare_exported()
    root_funcs: list[tuple[str, ComponentItemInfo]] = []
    for direction, items in (("import", summary.imports), ("export", summary.exports)):
        for item in items:
            if item.kind == "interface":
                parts = _split_interface(item.name)
                scope = _Scope(item.resources, item.types)
                body = "\n".join(_body(item, scope))
                text = "{\n" + (_indent(body, "  ") + "\n" if body else "") + "}"
                if parts is None:
                    world_lines.append(f"{direction} {ident(item.name)}: interface {text}")
                    continue
                pkg, iface, version = parts
                defined = packages.setdefault(pkg + version, {})
                key = iface
                if key in defined and defined[key] != f"interface {ident(key)} {text}":
                    # Imported and exported with different types: two interfaces, one renamed.
                    key = f"{direction}ed-{iface}"
                    world_lines.append(
                        f"// `{key}` is what the component {direction}s as `{item.name}`"
                    )
                defined[key] = f"interface {ident(key)} {text}"
                world_lines.append(f"{direction} {pkg}/{key}{version};")
            elif item.kind == "function":
                root_funcs.append((direction, item))
            elif item.kind in ("resource", "type"):
                continue  # declared with the world's types
            else:
                world_lines.append(
                    f"// {direction}s {item.kind} `{item.name}` (not expressible in WIT)"
                )
    for direction, item in root_funcs:
        text = world_scope.func(item.name, item.functions[0].type)
        if _resource_of(item.name) is not None:
            # WIT has no syntax for a world-level resource function: show it as a comment.
            world_lines.append(f"// {direction} `{item.name}`: {text}")
        else:
            world_lines.append(f"{direction} {text}")
    lines = [
        "// Read from the compiled component's types; type names are made up.",
        f"package {package};",
        "",
    ]
    for pkg, ifaces in packages.items():
        lines.append(f"package {pkg} {{")
        lines.append(_indent("\n\n".join(ifaces.values()), "  "))
        lines.append("}")
        lines.append("")
    world_resources = [*root_resources, *world_scope.extra_resources]
    decls = [*world_scope.decls, *(f"resource {ident(r)};" for r in world_resources)]
    inner = [*decls, *world_lines]
    lines.append(f"world {ident(world)} {{")
    lines += [_indent(x, "  ") for x in inner]
    lines.append("}")
    return "\n".join(lines) + "\n"


def inspect_path(path: str | os.PathLike[str]) -> ComponentSummary:
    """Compile the component at `path` (no instantiation) and summarize it."""
    from witkit.runtime import Runtime

    rt = Runtime()
    return summarize(rt.compile(os.fspath(path)), rt.engine)


def dumps(summary: ComponentSummary) -> str:
    """The summary's JSON as indented text."""
    return json.dumps(summary_json(summary), indent=2)


def iter_functions(summary: ComponentSummary, direction: str) -> Iterator[tuple[str, FuncInfo]]:
    """Every function of the imports or exports, as (`iface#func` or `func`, info)."""
    for item in summary.imports if direction == "imports" else summary.exports:
        for f in item.functions:
            yield (f.name if item.kind == "function" else f"{item.name}#{f.name}"), f
