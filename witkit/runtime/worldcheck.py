"""Can a component stand in for a world? The one comparison, against an abstract expected world.

A component fits a world when it exports every function (and resource) the world exports,
with the same type, and imports nothing beyond what the world imports (with the same types)
and what the host provides anyway (`host_provided` import-name prefixes, WASI at least).
Types are compared structurally, as the component model does: names of records and
variants do not matter, their shapes do. Resources compare by identity: each handle in a
function's type must be of the resource the world means, named by where it is declared
(`import ns:pkg/iface@ver#r`, `export ns:pkg/iface@ver#r`, `import r` for a world's own),
and the handle's resource must sit in the component at a place where the world has that
resource (imported resources are bound by place, as a host instantiating it would).

The expected world is built by whoever knows it: `witkit.plugins.check.expected_world` from
the resolved WIT model (`witkit check`), `witkit.runtime.bindings.WorldSpec.expected` from
what generated bindings embed (`Plugin.load`). Both report through `check_world`, so both
name the same differences the same way. This module imports neither the WIT parser nor the
plugin machinery: generated bindings load it on every start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import wasmtime
import wasmtime.component as wc

from witkit.errors import BindingError, PluginError
from witkit.runtime import _rewrite

__all__ = [
    "HOST_PROVIDED",
    "WASI",
    "ExpectedFunc",
    "ExpectedInterface",
    "ExpectedWorld",
    "Mismatch",
    "MismatchKind",
    "WorldMismatch",
    "check_world",
    "component_type_text",
    "func_type_text",
    "handle_resources",
    "handle_types",
    "require_world",
    "result_text",
]

WASI: tuple[str, ...] = (
    "wasi:cli/", "wasi:clocks/", "wasi:filesystem/", "wasi:io/", "wasi:random/", "wasi:sockets/",
    "wasi:http/",
)  # fmt: skip
"""Import-name prefixes every witkit runtime satisfies: wasmtime-py 50's WASI 0.2 linker, and
wasi:http once granted. The other `wasi:` proposals (keyvalue, config, logging, messaging, nn,
blobstore, ...) it does not implement: a world's host serves those like any import."""

HOST_PROVIDED: tuple[str, ...] = (*WASI, "witkit:plugin/config", "witkit:plugin/http")
"""Import-name prefixes the dynamic plugin host satisfies whatever the world says."""

MismatchKind = Literal[
    "missing-export", "wrong-type", "wrong-kind", "unexpected-import", "wrong-resource"
]


# ---------------------------------------------------------------------------------------------
# WIT text of wasmtime's component types


_PRIMS: tuple[tuple[type[Any], str], ...] = (
    (wc.Bool, "bool"), (wc.U8, "u8"), (wc.U16, "u16"), (wc.U32, "u32"), (wc.U64, "u64"),
    (wc.S8, "s8"), (wc.S16, "s16"), (wc.S32, "s32"), (wc.S64, "s64"),
    (wc.F32, "f32"), (wc.F64, "f64"), (wc.Char, "char"), (wc.String, "string"),
)  # fmt: skip


def primitive_name(vt: Any) -> str | None:
    """The WIT name of a primitive wasmtime component type (`u32`, `string`), else None."""
    for cls, name in _PRIMS:
        if isinstance(vt, cls):
            return name
    return None


def result_text(ok: str | None, err: str | None) -> str:
    """`result`, `result<T>`, `result<_, E>` or `result<T, E>` from the spelled payloads."""
    if err is None:
        return "result" if ok is None else f"result<{ok}>"
    return f"result<{ok or '_'}, {err}>"


def component_type_text(vt: Any) -> str:
    """A wasmtime component value type in WIT syntax, structurally (`record { x: s32 }`, `own<resource>`).

    Two types are the same WIT type (resources aside) exactly when their texts are equal;
    `witkit.wit.printer.type_text(..., "structural")` spells a resolved WIT type the same way.
    """
    prim = primitive_name(vt)
    if prim is not None:
        return prim
    t = component_type_text
    if isinstance(vt, wc.ListType):
        return f"list<{t(vt.element)}>"
    if isinstance(vt, wc.TupleType):
        return f"tuple<{', '.join(t(e) for e in vt.elements)}>"
    if isinstance(vt, wc.RecordType):
        return "record { " + ", ".join(f"{n}: {t(x)}" for n, x in vt.fields) + " }"
    if isinstance(vt, wc.EnumType):
        return "enum { " + ", ".join(vt.names) + " }"
    if isinstance(vt, wc.FlagsType):
        return "flags { " + ", ".join(vt.names) + " }"
    if isinstance(vt, wc.VariantType):
        cases = [n if x is None else f"{n}({t(x)})" for n, x in vt.cases]
        return "variant { " + ", ".join(cases) + " }"
    if isinstance(vt, wc.OptionType):
        return f"option<{t(vt.payload)}>"
    if isinstance(vt, wc.ResultType):
        return result_text(
            None if vt.ok is None else t(vt.ok), None if vt.err is None else t(vt.err)
        )
    if isinstance(vt, wc.OwnType):
        return "own<resource>"
    if isinstance(vt, wc.BorrowType):
        return "borrow<resource>"
    if isinstance(vt, wc.FutureType):
        return "future" if vt.payload is None else f"future<{t(vt.payload)}>"
    if isinstance(vt, wc.StreamType):
        return "stream" if vt.payload is None else f"stream<{t(vt.payload)}>"
    if isinstance(vt, wc.ErrorContext):
        return "error-context"
    return type(vt).__name__


def handle_resources(types: Sequence[Any]) -> list[Any]:
    """The resource type of every `own`/`borrow` in `types`, in the order a WIT text spells them."""
    return [h.ty for h in handle_types(types)]


def handle_types(types: Sequence[Any]) -> list[Any]:
    """Every `own`/`borrow` type anywhere inside `types` (wasmtime value types; None entries,
    a function without a result, are skipped), in the order a WIT text spells them."""
    out: list[Any] = []
    todo = [vt for vt in reversed(types) if vt is not None]
    while todo:
        vt = todo.pop()
        if isinstance(vt, (wc.OwnType, wc.BorrowType)):
            out.append(vt)
            continue
        if isinstance(vt, wc.ListType):
            parts = [vt.element]
        elif isinstance(vt, wc.TupleType):
            parts = list(vt.elements)
        elif isinstance(vt, wc.RecordType):
            parts = [x for _, x in vt.fields]
        elif isinstance(vt, wc.VariantType):
            parts = [x for _, x in vt.cases if x is not None]
        elif isinstance(vt, (wc.OptionType, wc.FutureType, wc.StreamType)):
            parts = [vt.payload] if vt.payload is not None else []
        elif isinstance(vt, wc.ResultType):
            parts = [x for x in (vt.ok, vt.err) if x is not None]
        else:
            parts = []
        todo.extend(reversed(parts))
    return out


def func_type_text(fty: Any) -> str:
    """A wasmtime function type in WIT syntax, structurally: `func(name: string) -> string`."""
    params = ", ".join(f"{n}: {component_type_text(x)}" for n, x in fty.params)
    result = "" if fty.result is None else f" -> {component_type_text(fty.result)}"
    return f"func({params}){result}"


# ---------------------------------------------------------------------------------------------
# The expected world


@dataclass(frozen=True)
class ExpectedFunc:
    """What a world expects of one function: its parameters and result, spelled structurally.

    `params` are (WIT name, structural type text); texts are those of `component_type_text`,
    so comparing them is comparing the types the way the component model does.
    """

    params: tuple[tuple[str, str], ...]
    result: str | None
    resources: tuple[str | None, ...] = ()
    """The identity of each handle's resource, in the order the texts spell `own`/`borrow`
    (`import ns:pkg/iface@ver#r`, `export ns:pkg/iface@ver#r`, `import r`); None where
    unknown. Empty: resources are not compared."""

    def matches(self, fty: Any) -> bool:
        """True when the wasmtime `FuncType` has these parameter and result types."""
        if len(fty.params) != len(self.params):
            return False
        if (fty.result is None) != (self.result is None):
            return False
        for (_, want), (_, vt) in zip(self.params, fty.params, strict=True):
            if component_type_text(vt) != want:
                return False
        return fty.result is None or component_type_text(fty.result) == self.result

    def wit(self) -> str:
        """The signature as WIT: `func(a: u32, b: u32) -> u32`."""
        params = ", ".join(f"{n}: {ty}" for n, ty in self.params)
        return f"func({params})" + ("" if self.result is None else f" -> {self.result}")


@dataclass(frozen=True)
class ExpectedInterface:
    """One interface of the world, or the world's own functions."""

    functions: Mapping[str, ExpectedFunc]
    """By component-model name (`[method]counter.value` included)."""
    resources: tuple[str, ...] = ()
    """Resources an exported interface must export (imported ones come with their functions)."""


@dataclass(frozen=True)
class ExpectedWorld:
    """What a world expects of a component, by the names a component uses.

    `exports`/`imports` map an interface name (`ns:pkg/iface@ver`, or an inline
    interface's world key) to what it holds; the key None holds world-level functions.
    """

    name: str
    exports: Mapping[str | None, ExpectedInterface] = field(default_factory=dict)
    imports: Mapping[str | None, ExpectedInterface] = field(default_factory=dict)
    resources: Mapping[str, str] = field(default_factory=dict)
    """Which resource the world has at each place a component can hold one
    (`import ns:pkg/iface@ver#r` -> `import ns:pkg/other@ver#r` when `use`d from there).
    A place not listed is taken as naming the resource declared there."""


# ---------------------------------------------------------------------------------------------
# Differences


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
    detail: str | None = None
    """Where in the item the difference is (`parameter `x``), when it is inside a type."""

    def __str__(self) -> str:
        where = f"{self.direction} `{self.name}`"
        if self.kind == "wrong-resource":
            return (
                f"{where}: {self.detail or 'a handle'} is of resource {self.expected} in the "
                f"world, of {self.found} in the component"
            )
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
            "detail": self.detail,
            "message": str(self),
        }


def _shown(text: str | None) -> str:
    if text is None:
        return "nothing"
    if text == "interface":
        return "an interface"
    if text.startswith(("func(", "async func(", "resource ")):
        return f"`{text}`"
    return text


class WorldMismatch(BindingError, PluginError):
    """A component does not fit a world; `mismatches` lists every difference.

    Both a BindingError (generated bindings refused it) and a PluginError (a plugin that
    cannot be loaded).
    """

    def __init__(
        self, world: str, mismatches: Sequence[Mismatch], what: str = "the component"
    ) -> None:
        self.world = world
        self.mismatches = list(mismatches)
        lines = "\n  ".join(str(x) for x in self.mismatches)
        super().__init__(f"{what} does not match world `{world}`:\n  {lines}")


# ---------------------------------------------------------------------------------------------
# The check


def check_world(
    component_type: wc.ComponentType | wc.Component,
    world: ExpectedWorld,
    engine: wasmtime.Engine,
    *,
    host_provided: Sequence[str] = WASI,
) -> list[Mismatch]:
    """Every difference between the component and `world` (empty: it fits).

    `component_type` is `Component.type` (a compiled `Component` is accepted too); `engine`
    is the wasmtime engine its types are read through. `host_provided` lists import-name
    prefixes the host satisfies outside the world.
    """
    ctype = component_type.type if isinstance(component_type, wc.Component) else component_type
    out: list[Mismatch] = []
    imports = ctype.imports(engine)
    exports = {n: e for n, e in ctype.exports(engine).items() if not _rewrite.hidden(n)}
    labels = _ResourceLabels(imports, exports, engine, world.resources)
    _check_exports(world.exports, exports, engine, labels, out)
    _check_imports(world.imports, imports, engine, tuple(host_provided), labels, out)
    return out


class _ResourceLabels:
    """Where a component holds each of its resource types: `import ns:pkg/iface@ver#r`,
    `export ns:pkg/iface@ver#r`, `import r` / `export r` at its root."""

    def __init__(
        self,
        imports: Mapping[str, Any],
        exports: Mapping[str, Any],
        engine: wasmtime.Engine,
        world: Mapping[str, str],
    ) -> None:
        self.world = world
        self.at: dict[str, Any] = {}
        for direction, table in (("import", imports), ("export", exports)):
            for name, ext in table.items():
                if isinstance(ext.ty, wc.ResourceType):
                    self.at[f"{direction} {name}"] = ext.ty
                elif isinstance(ext.ty, wc.ComponentInstanceType):
                    for rname, e in ext.ty.exports(engine).items():
                        if isinstance(e.ty, wc.ResourceType):
                            self.at[f"{direction} {name}#{rname}"] = e.ty

    def holds(self, label: str, rt: Any) -> bool:
        """True when `rt` sits at a place of the component where the world has resource `label`.

        An imported resource is bound by the host to what the world has at its place (a
        component may declare it where the world `use`s it from elsewhere); an exported one
        is the component's own, so its place must be one where the world has `label`.
        """
        return any(
            t == rt and self.world.get(place, place) == label for place, t in self.at.items()
        )

    def label(self, rt: Any) -> str | None:
        """Where `rt` first appears (in an interface rather than at the root when it can)."""
        places = [n for n, t in self.at.items() if t == rt]
        return next((n for n in places if "#" in n), places[0] if places else None)


def _check_resources(
    direction: Literal["import", "export"],
    label: str,
    want: ExpectedFunc,
    fty: Any,
    labels: _ResourceLabels,
    out: list[Mismatch],
) -> None:
    """Each handle of `fty` must be of the resource the world means (types already match)."""
    if not want.resources:
        return
    slots: list[tuple[str, Any]] = [(f"parameter `{n}`", x) for n, x in fty.params]
    if fty.result is not None:
        slots.append(("the result", fty.result))
    i = 0
    for where, vt in slots:
        for rt in handle_resources([vt]):
            expected = want.resources[i] if i < len(want.resources) else None
            i += 1
            if expected is not None and not labels.holds(expected, rt):
                out.append(
                    Mismatch(
                        "wrong-resource", direction, label, _shown_resource(expected),
                        _shown_resource(labels.label(rt)), f"a handle in {where}",
                    )
                )  # fmt: skip


def _shown_resource(label: str | None) -> str:
    """`export a:b/c#r` -> `` `a:b/c#r` (exported) ``; `import r` -> `` `r` (imported) ``."""
    if label is None:
        return "a resource it neither imports nor exports"
    direction, _, name = label.partition(" ")
    return f"`{name}` ({direction}ed)"


def require_world(
    component_type: wc.ComponentType | wc.Component,
    world: ExpectedWorld,
    engine: wasmtime.Engine,
    *,
    host_provided: Sequence[str] = WASI,
    what: str = "the component",
) -> None:
    """Raise `WorldMismatch` listing every difference, unless the component fits `world`."""
    found = check_world(component_type, world, engine, host_provided=host_provided)
    if found:
        raise WorldMismatch(world.name, found, what)


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


def _instance_parts(ty: Any, engine: wasmtime.Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    funcs: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for n, e in ty.exports(engine).items():
        (funcs if isinstance(e.ty, wc.FuncType) else others)[n] = e.ty
    return funcs, others


def _check_exports(
    side: Mapping[str | None, ExpectedInterface],
    exports: Mapping[str, Any],
    engine: wasmtime.Engine,
    labels: _ResourceLabels,
    out: list[Mismatch],
) -> None:
    for name, iface in side.items():
        if name is None:
            continue
        ext = exports.get(name)
        if ext is None:
            out.append(Mismatch("missing-export", "export", name, "interface", None))
            continue
        if not isinstance(ext.ty, wc.ComponentInstanceType):
            out.append(Mismatch("wrong-kind", "export", name, "an interface", _kind_of(ext.ty)))
            continue
        funcs, others = _instance_parts(ext.ty, engine)
        for rname in iface.resources:
            label = f"{name}#{rname}"
            found = others.get(rname)
            if found is None:
                out.append(Mismatch("missing-export", "export", label, f"resource {rname}", None))
            elif not isinstance(found, wc.ResourceType):
                out.append(Mismatch("wrong-kind", "export", label, "a resource", _kind_of(found)))
        for fname, want in iface.functions.items():
            found = funcs.get(fname, others.get(fname))
            _check_export_func(f"{name}#{fname}", want, found, labels, out)
    own = side.get(None)
    if own is not None:
        for fname, want in own.functions.items():
            ext = exports.get(fname)
            _check_export_func(fname, want, None if ext is None else ext.ty, labels, out)


def _check_export_func(
    label: str, want: ExpectedFunc, found: Any, labels: _ResourceLabels, out: list[Mismatch]
) -> None:
    if found is None:
        out.append(Mismatch("missing-export", "export", label, want.wit(), None))
    elif not isinstance(found, wc.FuncType):
        out.append(Mismatch("wrong-kind", "export", label, "a function", _kind_of(found)))
    elif not want.matches(found):
        out.append(Mismatch("wrong-type", "export", label, want.wit(), func_type_text(found)))
    else:
        _check_resources("export", label, want, found, labels, out)


def _check_import_func(
    label: str,
    want: ExpectedFunc | None,
    fty: Any,
    labels: _ResourceLabels,
    out: list[Mismatch],
) -> None:
    if want is None:
        out.append(Mismatch("unexpected-import", "import", label, None, func_type_text(fty)))
    elif not want.matches(fty):
        out.append(Mismatch("wrong-type", "import", label, want.wit(), func_type_text(fty)))
    else:
        _check_resources("import", label, want, fty, labels, out)


def _check_imports(
    side: Mapping[str | None, ExpectedInterface],
    imports: Mapping[str, Any],
    engine: wasmtime.Engine,
    host_provided: tuple[str, ...],
    labels: _ResourceLabels,
    out: list[Mismatch],
) -> None:
    own = side.get(None)
    functions = own.functions if own is not None else {}
    for name, ext in imports.items():
        ty = ext.ty
        if isinstance(ty, wc.FuncType):
            if name not in functions and name in side:
                out.append(Mismatch("wrong-kind", "import", name, "an interface", "a function"))
            else:
                _check_import_func(name, functions.get(name), ty, labels, out)
            continue
        if not isinstance(ty, wc.ComponentInstanceType):
            continue  # imported types and resources come with the functions that use them
        iface = side.get(name)
        if iface is None:
            if name.startswith(host_provided):
                continue
            if name in functions:
                out.append(Mismatch("wrong-kind", "import", name, "a function", "an interface"))
            else:
                out.append(Mismatch("unexpected-import", "import", name, None, "interface"))
            continue
        funcs, _others = _instance_parts(ty, engine)
        for fname, fty in funcs.items():
            _check_import_func(f"{name}#{fname}", iface.functions.get(fname), fty, labels, out)
