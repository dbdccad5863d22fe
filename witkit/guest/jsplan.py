"""What a JavaScript guest must export for a world, named the way componentize-js names it.

componentize-js (its bindings come from jco) looks the guest's exports up by name in the
source module: a world-level function as an exported function in lowerCamelCase
(`count-vowels` is `countVowels`), an exported interface as an exported object named after
the interface in lowerCamelCase (`export const api = {...}`) or by its full name
(`export { obj as "witkit:kitchen/api@0.1.0" }`), holding its functions in lowerCamelCase
and its resources as classes in UpperCamelCase (`Counter`), whose methods are lowerCamelCase
and whose static functions are static methods. What the world imports is a module to
import: an interface by its full name (`import * as kv from "example:vowels/kv@0.1.0"`), a
world-level function as the default export of a module named like the function
(`import log from "log"`).

`witkit new --lang js` renders stubs from this plan; `witkit build` uses it to turn
componentize-js's JavaScript names in an error back into WIT names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from witkit.guest.plan import GuestFunction, GuestPlan, plan_world, resolve_world
from witkit.naming import free_name
from witkit.wit import model as m
from witkit.wit.printer import func_text, ident

__all__ = ["JS_RESERVED", "JsPlan", "js_plan_for", "js_plan_world", "lower_camel", "upper_camel"]

JS_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends
    false finally for function if implements import in instanceof interface let new null package
    private protected public return static super switch this throw true try typeof var void while
    with yield await arguments eval undefined NaN Infinity""".split()  # noqa: SIM905
)
"""Names a module (strict mode) cannot bind: keywords, reserved words, and the globals a
binding would shadow. A binding of one of these gets a trailing `_`."""


def _words(name: str) -> list[str]:
    return [w for w in name.replace("_", "-").split("-") if w]


def upper_camel(name: str) -> str:
    """`http-error` -> `HttpError` (resource classes), as jco's bindings spell it."""
    return "".join(w[:1].upper() + w[1:].lower() for w in _words(name))


def lower_camel(name: str) -> str:
    """`count-vowels` -> `countVowels`, `a-u8` -> `aU8` (functions, fields, interfaces)."""
    camel = upper_camel(name)
    return camel[:1].lower() + camel[1:]


def binding(name: str) -> str:
    """A JavaScript binding for `name` (already camel-cased): reserved words get `_`."""
    return f"{name}_" if name in JS_RESERVED else name


@dataclass(frozen=True)
class JsFunction:
    """One function the guest implements: its WIT identity and the name componentize-js calls."""

    wit_path: str
    """`count-vowels`, `witkit:kitchen/api@0.1.0#echo-shape`, `...#[method]counter.value`."""
    js_name: str
    """The name componentize-js looks up: `countVowels`, `echoShape`, `constructor`."""
    kind: str
    """`freestanding`, `constructor`, `method` or `static`."""
    params: tuple[str, ...]
    """JavaScript parameter names (without a method's `self`)."""
    signature: str
    """The WIT declaration, `echo-shape: func(s: shape) -> shape`."""
    docs: str | None
    returns_result: bool
    """The function returns a `result`: its error case is thrown."""
    is_async: bool
    local: str = ""
    """A world-level function's name in the module, when `js_name` cannot be one."""
    ts_params: tuple[str, ...] = ()
    """The parameters' TypeScript types (`witkit.guest.tstypes`), for a TypeScript scaffold."""
    ts_returns: str = "void"


@dataclass(frozen=True)
class JsResource:
    """A resource an exported interface defines: a class the interface object holds."""

    wit_path: str
    js_name: str
    """The property componentize-js reads on the interface object: `Counter`."""
    local: str
    """The class's name in the module (`Counter`, or `Counter_` when another has it)."""
    functions: tuple[JsFunction, ...]
    docs: str | None


@dataclass(frozen=True)
class JsInterface:
    """An exported interface: an object exported from the module."""

    wit_path: str
    """`witkit:kitchen/api@0.1.0` (the full name componentize-js accepts as an export name)."""
    local: str
    """The object's name in the module: `api`."""
    exported_as_alias: bool
    """`export const api = {...}` works; otherwise the object is exported by its full name."""
    functions: tuple[JsFunction, ...]
    resources: tuple[JsResource, ...]
    docs: str | None


@dataclass(frozen=True)
class JsImport:
    """Something the world imports, as a module the guest imports."""

    specifier: str
    """`example:vowels/kv@0.1.0`, or `log` for a world-level function."""
    local: str
    """The namespace (`kv`) or, for a world-level function, the function's binding (`log`)."""
    default: bool
    """A world-level function: the module's default export is the function."""
    members: tuple[str, ...]
    """What the module offers: functions (`get`) and resource classes (`Blob`)."""
    signature: str | None = None
    """A world-level function's WIT signature."""


@dataclass(frozen=True)
class JsPlan:
    """Everything a JavaScript guest of one world exports, and what it may import."""

    plan: GuestPlan
    """The same world's plan for a Python guest (WIT ids and paths)."""
    world_path: str
    functions: tuple[JsFunction, ...]
    interfaces: tuple[JsInterface, ...]
    imports: tuple[JsImport, ...]
    stub: str = "notImplemented"
    """The scaffold's helper every stub returns the call of: it throws, and is typed `never`,
    so a stub passes `witkit build --check` until it is written."""
    world_alias: str = "world"
    """A TypeScript scaffold's `import type * as world from "<the world>"` (jco's declarations
    of its exports, which type the stubs)."""

    @property
    def world_module(self) -> str:
        """The world's full name (`ns:pkg/world@ver`), which jco declares its exports under."""
        return self.plan.resolve.world_id_of(self.plan.world_id)

    def wit_item(self, js_name: str, export: str | None = None) -> str | None:
        """The WIT path of export `js_name`, at world level or on exported interface `export`
        (its alias or its full name), or of a resource's class; None when there is none."""
        if export is None:
            for f in self.functions:
                if js_name in (f.js_name, f.wit_path):
                    return f.wit_path
            for i in self.interfaces:
                if js_name in (i.local, i.wit_path):
                    return i.wit_path
            return None
        for i in self.interfaces:
            if export not in (i.local, i.wit_path):
                continue
            for f in i.functions:
                if f.js_name == js_name:
                    return f.wit_path
            for r in i.resources:
                if r.js_name == js_name:
                    return r.wit_path
            return i.wit_path
        return None


def _function(resolve: m.Resolve, g: GuestFunction) -> JsFunction:
    f = g.function
    params = f.params[1:] if g.kind == "method" else f.params
    names = [binding(lower_camel(p.name)) for p in params]
    seen: set[str] = set()
    unique = []
    for name in names:
        name = free_name(name, seen)
        seen.add(name)
        unique.append(name)
    result = None if f.result is None else resolve.dealias(f.result)
    returns_result = isinstance(result, int) and isinstance(resolve.types[result].kind, m.Result)
    signature = f"{ident(f.item_name)}: {func_text(resolve, f, skip_self=g.kind == 'method')}"
    if g.kind == "constructor":
        # `func(start: u32) -> counter` is written `constructor(start: u32)` in WIT
        signature = "constructor" + signature.split(": func", 1)[1].split(" -> ", 1)[0]
    elif g.kind == "static":
        signature = signature.replace(": func(", ": static func(", 1)
    js_name = "constructor" if g.kind == "constructor" else lower_camel(f.item_name)
    from witkit.guest.tstypes import ts_returns, ts_type  # it names types with this module

    return JsFunction(
        wit_path=g.wit_path,
        js_name=js_name,
        kind=g.kind,
        params=tuple(unique),
        signature=signature,
        docs=f.docs,
        returns_result=returns_result,
        is_async=f.is_async,
        ts_params=tuple(ts_type(resolve, p.type) for p in params),
        ts_returns=ts_returns(resolve, f),
    )


def _imports(plan: GuestPlan, taken: set[str]) -> list[JsImport]:
    resolve = plan.resolve
    world = resolve.worlds[plan.world_id]
    out = []
    for key, item in world.imports.items():
        if isinstance(item, m.WorldFunction):
            local = free_name(binding(lower_camel(item.function.name)), taken)
            taken.add(local)
            out.append(
                JsImport(
                    item.function.name,
                    local,
                    True,
                    (),
                    f"{ident(item.function.name)}: {func_text(resolve, item.function)}",
                )
            )
        elif isinstance(item, m.WorldInterface):
            iface = resolve.interfaces[item.id]
            members = [lower_camel(f.name) for f in iface.functions.values() if f.resource is None]
            for type_name, type_id in iface.types.items():
                td = resolve.types[type_id]
                if td.owner == m.TypeOwner("interface", item.id) and isinstance(
                    td.kind, m.Resource
                ):
                    members.append(upper_camel(type_name))
            if not members:
                continue  # types only: values of them are plain JavaScript values
            name = key if isinstance(key, str) else (iface.name or "imports")
            local = free_name(binding(lower_camel(name)), taken)
            taken.add(local)
            out.append(JsImport(resolve.world_key_name(key), local, False, tuple(members)))
    return out


def js_plan_world(resolve: m.Resolve, world_id: int) -> JsPlan:
    """The plan of a JavaScript guest for world `world_id`."""
    plan = plan_world(resolve, world_id)
    taken: set[str] = set()
    functions = []
    for g in plan.world_functions:
        f = _function(resolve, g)
        local = free_name(binding(f.js_name), taken)
        taken.add(local)
        functions.append(replace(f, local=local))
    module_names = {f.js_name for f in functions}
    alias_counts: dict[str, int] = {}
    for i in plan.interfaces:
        alias = lower_camel(i.wit_path.rsplit("/", 1)[-1].split("@", 1)[0])
        alias_counts[alias] = alias_counts.get(alias, 0) + 1
    interfaces = []
    for i in plan.interfaces:
        alias = lower_camel(i.wit_path.rsplit("/", 1)[-1].split("@", 1)[0])
        usable = alias_counts[alias] == 1 and alias not in module_names and alias not in JS_RESERVED
        local = free_name(binding(alias), taken)
        taken.add(local)
        usable = usable and local == alias
        resources = []
        for r in i.resources:
            cls = upper_camel(r.wit_name)
            res_local = free_name(binding(cls), taken)
            taken.add(res_local)
            funcs = tuple(_function(resolve, g) for g in r.functions)
            resources.append(JsResource(r.wit_path, cls, res_local, funcs, r.docs))
        interfaces.append(
            JsInterface(
                i.wit_path,
                local,
                usable,
                tuple(_function(resolve, g) for g in i.functions),
                tuple(resources),
                i.docs,
            )
        )
    imports = _imports(plan, taken)
    stub = free_name("notImplemented", taken)
    taken.add(stub)
    world_alias = free_name("world", taken)
    return JsPlan(
        plan,
        plan.world_path,
        tuple(functions),
        tuple(interfaces),
        tuple(imports),
        stub,
        world_alias,
    )


def js_plan_for(
    wit: Path, world: str | None, *, features: frozenset[str] | None = frozenset()
) -> JsPlan:
    """Resolve the WIT at `wit`, select `world` and plan the JavaScript guest."""
    resolve, world_id = resolve_world(wit, world, features=features)
    return js_plan_world(resolve, world_id)
