"""Typed Python host bindings for a world: view objects over the resolved model, rendered with Jinja2.

`render_host(resolve, world_id, package_name)` returns `{relative path: text}` for a package
holding one module per interface the world uses (its types, the abstract classes a host
implements for imports, the classes wrapping exports) and `__init__.py` with the world class.
Every annotation comes from `witkit.codegen.pytypes` and every runtime descriptor is built
here as text, so the templates only lay code out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jinja2 import (
    Environment,
    TemplateError,
    TemplateSyntaxError,
)

from witkit import __version__
from witkit.codegen.naming import pascal, snake, upper_snake, variant_case_class
from witkit.codegen.pytypes import HOST, Imports, PyTypes
from witkit.codegen.templating import template_environment
from witkit.errors import BindingError
from witkit.wit import model as m

__all__ = ["environment", "package_name_for", "render_host", "write_host"]

RT = "_rt"
"""Local name of `witkit.runtime` in generated modules."""
H = "_h"
"""Local name of `witkit.codegen.hostlib` in generated modules."""

Side = Literal["import", "export", "types"]


# ---------------------------------------------------------------------------------------------
# Views


@dataclass
class FieldView:
    """A record field: its WIT name, Python attribute, annotation, descriptor and docs."""

    wit: str
    name: str
    annotation: str
    desc: str
    docs: str | None


@dataclass
class CaseView:
    """A variant case class, or an enum/flags member."""

    wit: str
    name: str
    annotation: str | None
    desc: str | None
    docs: str | None


@dataclass
class TypeView:
    """A named type the module defines: a class (or classes) and its descriptor constant."""

    kind: str
    wit: str
    name: str
    desc_name: str
    docs: str | None
    fields: list[FieldView] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)
    resource: ResourceView | None = None


@dataclass
class ParamView:
    """One parameter: WIT name, Python name, annotation, descriptor."""

    wit: str
    name: str
    annotation: str
    desc: str


@dataclass
class FuncView:
    """A function of the world or an interface, or a resource's constructor/method/static."""

    wit: str
    kind: str
    name: str
    """The Python name: snake_case, `__new__` for a constructor."""
    spec: str
    """The module-level `FuncSpec` constant."""
    attr: str
    """The attribute holding the prepared function (exports)."""
    params: list[ParamView]
    """Every parameter, a method's `self` included."""
    returns: str
    raises: str | None
    result_desc: str
    docs: str | None
    where: str
    """How an argument error names the function: `Api.echo_shape`."""

    @property
    def py_params(self) -> list[ParamView]:
        """The parameters after `self`."""
        return self.params[1:] if self.kind == "method" else self.params

    @property
    def callable_type(self) -> str:
        """`Callable[[int, str], str]`: the prepared function's type."""
        args = ", ".join(p.annotation for p in self.params)
        return f"Callable[[{args}], {self.returns}]"

    def def_line(
        self,
        indent: int,
        first: str | None = "self",
        name: str | None = None,
        returns: str | None = None,
    ) -> str:
        """The `def` line with its colon, wrapped the way ruff format wraps a long signature."""
        params = [f"{p.name}: {p.annotation}" for p in self.py_params]
        if first:
            params.insert(0, first)
        head = f"def {name or self.name}("
        tail = f") -> {returns or self.returns}:"
        return wrap_call(indent, head, params, tail)

    def prepare_line(self, indent: int, interface: str) -> str:
        """`self._f: Callable[...] = _h.prepare(instance, INTERFACE, _F_F)`, wrapped like ruff."""
        pad = " " * indent
        target = f"self.{self.attr}: "
        call = f"{H}.prepare(instance, {interface}, {self.spec})"
        one = f"{pad}{target}{self.callable_type} = {call}"
        if len(one) <= LINE:
            return one
        head = f"{pad}{target}{self.callable_type} = {H}.prepare("
        if len(head) <= LINE:
            return f"{head}\n{pad}    instance, {interface}, {self.spec}\n{pad})"
        paren = f"{pad}{target}{self.callable_type} = ("
        if len(paren) <= LINE:
            return f"{paren}\n{pad}    {call}\n{pad})"
        args = ", ".join(p.annotation for p in self.params)
        return f"{pad}{target}Callable[\n{pad}    [{args}], {self.returns}\n{pad}] = {call}"

    @property
    def import_docs(self) -> str | None:
        """Docs of the abstract method a host implements: WIT docs, and how to return an error."""
        if self.raises is None:
            return self.docs
        err = "Err()" if self.raises == "None" else f"Err(<{self.raises}>)"
        note = f"Return the ok value; raise `{err}` for the error case."
        return f"{self.docs.strip()}\n\n{note}" if self.docs else note

    @property
    def export_docs(self) -> str | None:
        """Docs of a method calling the plugin: WIT docs, and what it raises on an error result."""
        if self.raises is None:
            return self.docs
        note = "Raises `Err` when the plugin returns an error."
        if self.raises != "None":
            note = (
                f"Raises `Err` with a `{self.raises}` as `.value` when the plugin returns an error."
            )
        return f"{self.docs.strip()}\n\n{note}" if self.docs else note

    @property
    def inline_params(self) -> str | None:
        """The FuncSpec parameter tuple on one line, when ruff would keep it there (one parameter)."""
        if len(self.params) != 1:
            return None
        p = self.params[0]
        text = f'    (("{p.wit}", "{p.name}", {p.desc}),),'
        return text if len(text) <= LINE else None

    @property
    def args_tuple(self) -> str:
        """`(a, b)` or `(a,)`: the arguments as a tuple expression."""
        names = [p.name for p in self.params]
        return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"

    @property
    def arg_names(self) -> str:
        """`a, b` (a method's `self` first)."""
        return ", ".join(p.name for p in self.params)


@dataclass
class ResourceView:
    """A resource: a host one (abstract class the host subclasses) or a guest one (proxy class)."""

    wit: str
    name: str
    desc_name: str
    side: Side
    constructor: FuncView | None
    methods: list[FuncView]
    statics: list[FuncView]

    @property
    def functions(self) -> list[FuncView]:
        """Constructor, methods and statics in that order."""
        return ([self.constructor] if self.constructor else []) + self.methods + self.statics

    @property
    def drop_hook(self) -> str:
        """The host class's method called when the guest drops its last handle: `dropped`,
        or `dropped_`, ... where a WIT function of the resource already has that name."""
        taken = {f.name for f in self.methods + self.statics}
        name = "dropped"
        while name in taken:
            name += "_"
        return name


@dataclass
class ModuleView:
    """One generated module: an interface's types, and its import or export class."""

    path: str
    module: str
    alias: str
    interface: str
    """What the component calls it: `ns:pkg/iface@ver`, or the world key of an inline interface."""
    side: Side
    """`import`/`export` for an interface with functions or resources, else `types`."""
    direction: Side
    """Whether the world imports or exports it."""
    class_name: str
    attr: str
    docs: str | None
    types: list[TypeView]
    functions: list[FuncView]
    resources: list[ResourceView]
    imports: Imports = field(default_factory=Imports)
    import_lines: list[str] = field(default_factory=list)
    class_aliases: list[str] = field(default_factory=list)
    """Resource classes the interface class refers to as `_Name` (its attributes shadow them)."""

    @property
    def has_class(self) -> bool:
        """True when the interface has functions or resources, so a host or plugin sees a class."""
        return self.side != "types" and bool(self.functions or self.resources)

    @property
    def wasi(self) -> bool:
        """A WASI interface: a host may leave it to the runtime's WASI implementation."""
        return self.interface.startswith("wasi:")

    @property
    def all_functions(self) -> list[FuncView]:
        """Freestanding functions, then each resource's."""
        out = list(self.functions)
        for r in self.resources:
            out += r.functions
        return out


@dataclass
class WorldView:
    """The package's `__init__`: world-level types, the imports base class and the world class."""

    wit: str
    name: str
    class_name: str
    imports_class: str
    docs: str | None
    source: str
    header: str
    types: list[TypeView]
    reexports: list[tuple[str, str]]
    """(name, `module.Name`) of world-level `use`d types."""
    imported_functions: list[FuncView]
    exported_functions: list[FuncView]
    imported_modules: list[ModuleView]
    exported_modules: list[ModuleView]
    modules: list[ModuleView]
    all_names: list[str]
    imports: Imports = field(default_factory=Imports)
    import_lines: list[str] = field(default_factory=list)

    @property
    def export_groups(self) -> list[str]:
        """`(interface, functions)` pairs of the world spec's exports (type-only interfaces too)."""
        return self._groups("export")

    @property
    def resource_groups(self) -> list[str]:
        """`(interface, resource names)` pairs of the world spec: what exported interfaces define."""
        return [
            f"({mv.alias}.INTERFACE, {_tuple_text([_quote(r.wit) for r in mv.resources])})"
            for mv in self.modules
            if mv.direction == "export" and mv.resources
        ]

    @property
    def import_groups(self) -> list[str]:
        """`(interface, functions)` pairs of the world spec's imports (type-only interfaces too)."""
        return self._groups("import")

    def _groups(self, direction: Side) -> list[str]:
        own = self.imported_functions if direction == "import" else self.exported_functions
        out = []
        if own:
            out.append(f"(None, {_tuple_text([f.spec for f in own])})")
        for mv in self.modules:
            if mv.direction == direction:
                funcs = f"{mv.alias}.FUNCTIONS" if mv.all_functions else "()"
                out.append(f"({mv.alias}.INTERFACE, {funcs})")
        return out


# ---------------------------------------------------------------------------------------------
# Building the views


def package_name_for(resolve: m.Resolve, world_id: int) -> str:
    """The default package name: the world's name in snake_case."""
    return snake(resolve.worlds[world_id].name)


class _Builder:
    """Walks one world and builds the views of every module."""

    def __init__(self, resolve: m.Resolve, world_id: int, package: str, source: str) -> None:
        self.resolve = resolve
        self.world_id = world_id
        self.world = resolve.worlds[world_id]
        self.package = package
        self.source = source
        self.module_names: dict[int, str] = {}
        self.sides: dict[int, Side] = {}
        self.directions: dict[int, Side] = {}
        self.keys: dict[int, str] = {}

    # ---- module names

    def _plan_modules(self) -> None:
        for direction, items in (("import", self.world.imports), ("export", self.world.exports)):
            for key, item in items.items():
                if not isinstance(item, m.WorldInterface):
                    continue
                iid = item.id
                if iid in self.sides and self.sides[iid] != direction:
                    raise BindingError(
                        f"interface `{self.resolve.world_key_name(key)}` is both imported and "
                        "exported; witkit's host bindings do not support that yet"
                    )
                self.sides[iid] = direction  # type: ignore[assignment]
                self.directions[iid] = direction  # type: ignore[assignment]
                self.keys[iid] = self.resolve.world_key_name(key)
        by_name: dict[str, list[int]] = {}
        for iid, key in self.keys.items():
            name = self.resolve.interfaces[iid].name or key
            by_name.setdefault(snake(name), []).append(iid)
        for base, ids in by_name.items():
            for iid in ids:
                name = base
                iface = self.resolve.interfaces[iid]
                if len(ids) > 1 and iface.package is not None:
                    pn = self.resolve.packages[iface.package].name
                    name = snake(f"{pn.namespace}-{pn.name}-{iface.name}")
                self.module_names[iid] = name
        for iid in self.keys:
            iface = self.resolve.interfaces[iid]
            funcs = [f for f in iface.functions.values() if f.kind == "freestanding"]
            has_resources = any(
                isinstance(self.resolve.types[t].kind, m.Resource)
                and self.resolve.types[t].owner == m.TypeOwner("interface", iid)
                for t in iface.types.values()
            )
            if not funcs and not has_resources:
                self.sides[iid] = "types"

    # ---- per-module naming

    def module_alias(self, iid: int) -> str:
        """`_types`: how other generated modules import interface module `iid`."""
        return f"_{self.module_names[iid]}"

    # ---- types

    def type_view(self, tid: int, pt: PyTypesFor) -> TypeView | None:
        td = self.resolve.types[tid]
        assert td.name is not None
        name = pascal(td.name)
        desc_name = f"{upper_snake(td.name)}_TYPE"
        kind = td.kind
        match kind:
            case m.Record():
                fields = [
                    FieldView(
                        f.name, snake(f.name), pt.types.annotation(f.type), pt.desc(f.type), f.docs
                    )
                    for f in kind.fields
                ]
                return TypeView("record", td.name, name, desc_name, td.docs, fields=fields)
            case m.Enum():
                cases = [
                    CaseView(c.name, upper_snake(c.name), None, None, c.docs) for c in kind.cases
                ]
                return TypeView("enum", td.name, name, desc_name, td.docs, cases=cases)
            case m.Flags():
                flags = [
                    CaseView(f.name, upper_snake(f.name), None, None, f.docs) for f in kind.flags
                ]
                return TypeView("flags", td.name, name, desc_name, td.docs, cases=flags)
            case m.Variant():
                vcases = [
                    CaseView(
                        c.name,
                        variant_case_class(td.name, c.name),
                        None if c.type is None else pt.types.annotation(c.type),
                        None if c.type is None else pt.desc(c.type),
                        c.docs,
                    )
                    for c in kind.cases
                ]
                return TypeView("variant", td.name, name, desc_name, td.docs, cases=vcases)
            case m.Resource():
                return TypeView("resource", td.name, name, desc_name, td.docs)
        return None

    # ---- functions

    def func_view(
        self, f: m.Function, pt: PyTypesFor, owner_class: str, resource_name: str | None = None
    ) -> FuncView:
        self_resource = None
        if f.resource is not None:
            self_resource = self.resolve.dealias(f.resource)
            assert isinstance(self_resource, int)
        params = [
            ParamView(p.name, snake(p.name), pt.types.annotation(p.type, None), pt.desc(p.type))
            for p in f.params
        ]
        if f.kind == "method" and params:
            params[0].name = "self"
        returns, raises = pt.types.signature_types(f.result)
        res = resource_name or ""
        if f.kind == "constructor":
            py_name = "__new__"
            spec = f"_F_{upper_snake(res)}_NEW"
            attr = f"_{snake(res).rstrip('_')}_new"
            where = pascal(res)
        elif f.kind in ("method", "static"):
            py_name = snake(f.item_name)
            spec = f"_F_{upper_snake(res)}_{upper_snake(f.item_name)}"
            attr = f"_{snake(res).rstrip('_')}_{snake(f.item_name)}"
            where = f"{pascal(res)}.{py_name}"
        else:
            py_name = snake(f.item_name)
            spec = f"_F_{upper_snake(f.item_name)}"
            attr = f"_{py_name}"
            where = f"{owner_class}.{py_name}"
        result_desc = "None" if f.result is None else pt.desc(f.result)
        return FuncView(
            wit=f.name,
            kind=f.kind,
            name=py_name,
            spec=spec,
            attr=attr,
            params=params,
            returns=returns,
            raises=raises,
            result_desc=result_desc,
            docs=f.docs,
            where=where,
        )

    def _check_sync(self, f: m.Function, where: str) -> None:
        if f.is_async:
            raise BindingError(
                f"{where}: async functions are not supported by witkit's host bindings yet"
            )

    # ---- modules

    def module_view(self, iid: int) -> ModuleView:
        iface = self.resolve.interfaces[iid]
        side = self.sides[iid]
        name = self.module_names[iid]
        imports = Imports()
        pt = PyTypesFor(self, iid, imports)
        owned = [
            t
            for t in sorted(set(iface.types.values()))
            if self.resolve.types[t].owner == m.TypeOwner("interface", iid)
            and self.resolve.types[t].name is not None
        ]
        type_views: list[TypeView] = []
        class_names: set[str] = set()
        for tid in owned:
            td = self.resolve.types[tid]
            assert td.name is not None
            class_names.add(pascal(td.name))
            if isinstance(td.kind, m.Variant):
                class_names |= {variant_case_class(td.name, c.name) for c in td.kind.cases}
        class_name = pascal(iface.name or self.keys[iid])
        if class_name in class_names:
            class_name += "Interface"
        imports.taken |= class_names | {class_name}
        resources: list[ResourceView] = []
        for tid in owned:
            tv = self.type_view(tid, pt)
            if tv is None:
                continue
            if tv.kind == "resource":
                funcs = list(self.resolve.resource_functions(tid, iface.functions))
                for f in funcs:
                    self._check_sync(f, f"{self.keys[iid]}#{f.name}")
                views = [self.func_view(f, pt, tv.name, tv.wit) for f in funcs]
                rv = ResourceView(
                    wit=tv.wit,
                    name=tv.name,
                    desc_name=tv.desc_name,
                    side=side,
                    constructor=next((v for v in views if v.kind == "constructor"), None),
                    methods=[v for v in views if v.kind == "method"],
                    statics=[v for v in views if v.kind == "static"],
                )
                tv.resource = rv
                resources.append(rv)
            type_views.append(tv)
        functions = []
        # Inside the interface class its resource attributes (`Blob: type[Blob]`) shadow the
        # module's classes, so its signatures name them through module-level aliases.
        class_pt = PyTypesFor(self, iid, imports, shadowed=True)
        for f in iface.functions.values():
            if f.kind == "freestanding" or f.kind == "async-freestanding":
                self._check_sync(f, f"{self.keys[iid]}#{f.name}")
                functions.append(self.func_view(f, class_pt, class_name))
        return ModuleView(
            path=f"{name}.py",
            module=name,
            alias=self.module_alias(iid),
            interface=self.keys[iid],
            side=side,
            direction=self.directions[iid],
            class_name=class_name,
            attr=name,
            docs=iface.docs,
            types=type_views,
            functions=functions,
            resources=resources,
            imports=imports,
            class_aliases=sorted(class_pt.aliases),
        )

    def world_view(self) -> tuple[WorldView, list[ModuleView]]:
        self._plan_modules()
        modules = [self.module_view(iid) for iid in sorted(self.keys, key=self._module_order)]
        imports = Imports()
        pt = PyTypesFor(self, None, imports)
        wname = self.world.name
        class_name = pascal(wname)
        imports_class = f"{class_name}Imports"
        types: list[TypeView] = []
        reexports: list[tuple[str, str]] = []
        imported_functions: list[FuncView] = []
        taken = {class_name, imports_class}
        for item in self.world.imports.values():
            if isinstance(item, m.WorldType):
                td = self.resolve.types[item.id]
                if td.name is None:
                    continue
                if isinstance(td.kind, m.Alias) and isinstance(self.resolve.dealias(item.id), int):
                    target = self.resolve.dealias(item.id)
                    assert isinstance(target, int)
                    reexports.append((pascal(td.name), pt.types.qualify(target)))
                    taken.add(pascal(td.name))
                else:
                    taken.add(pascal(td.name))
                    if isinstance(td.kind, m.Variant):
                        taken |= {variant_case_class(td.name, c.name) for c in td.kind.cases}
        imports.taken |= taken
        for key, item in self.world.imports.items():
            if isinstance(item, m.WorldType):
                td = self.resolve.types[item.id]
                if td.name is not None and not isinstance(td.kind, m.Alias):
                    tv = self.type_view(item.id, pt)
                    if tv is not None:
                        types.append(tv)
            elif isinstance(item, m.WorldFunction):
                self._check_sync(item.function, self.resolve.world_key_name(key))
                imported_functions.append(self.func_view(item.function, pt, imports_class))
        exported_functions = []
        for key, item in self.world.exports.items():
            if isinstance(item, m.WorldFunction):
                self._check_sync(item.function, self.resolve.world_key_name(key))
                exported_functions.append(self.func_view(item.function, pt, class_name))
        for mv in modules:
            imports.name(".", mv.module, mv.alias)
        wit = self.resolve.world_id_of(self.world_id)
        all_names = sorted(
            {class_name, imports_class, "Err", "Some"}
            | {t.name for t in types}
            | {c.name for t in types if t.kind == "variant" for c in t.cases}
            | {n for n, _ in reexports}
        )
        view = WorldView(
            wit=wit,
            name=wname,
            class_name=class_name,
            imports_class=imports_class,
            docs=self.world.docs,
            source=self.source,
            header=f"# Generated by witkit {__version__} from {wit} ({self.source}). Do not edit.",
            types=types,
            reexports=reexports,
            imported_functions=imported_functions,
            exported_functions=exported_functions,
            imported_modules=[mv for mv in modules if mv.side == "import" and mv.has_class],
            exported_modules=[mv for mv in modules if mv.side == "export" and mv.has_class],
            modules=modules,
            all_names=all_names,
            imports=imports,
        )
        return view, modules

    def _module_order(self, iid: int) -> tuple[int, int]:
        return (0 if self.sides[iid] != "export" else 1, iid)


class PyTypesFor:
    """Annotations and descriptor expressions as written inside one generated module."""

    def __init__(
        self, builder: _Builder, module_iid: int | None, imports: Imports, shadowed: bool = False
    ) -> None:
        self.builder = builder
        self.shadowed = shadowed
        self.aliases: set[str] = set()
        self.module_iid = module_iid
        self.imports = imports
        self.resolve = builder.resolve
        self.types = PyTypes(builder.resolve, self._qualify, imports, HOST)

    def _owner_prefix(self, tid: int) -> str:
        td = self.resolve.types[tid]
        owner = td.owner
        if owner is None:
            raise BindingError(f"anonymous type `{self.resolve.type_name(tid)}` has no module")
        if owner.kind == "world":
            if self.module_iid is None:
                return ""
            raise BindingError(f"type `{td.name}` of the world is used inside an interface")
        if owner.id == self.module_iid:
            return ""
        if owner.id not in self.builder.module_names:
            raise BindingError(f"type `{td.name}` comes from an interface the world does not use")
        mod = self.builder.module_names[owner.id]
        return self.imports.name(".", mod, self.builder.module_alias(owner.id)) + "."

    def _qualify(self, tid: int) -> str:
        td = self.resolve.types[tid]
        assert td.name is not None
        prefix = self._owner_prefix(tid)
        if not prefix and self.shadowed and isinstance(td.kind, m.Resource):
            self.aliases.add(pascal(td.name))
            return f"_{pascal(td.name)}"
        return prefix + pascal(td.name)

    def rt(self) -> str:
        return self.imports.name("witkit", "runtime", RT)

    def desc(self, ty: m.Type) -> str:
        """The runtime descriptor expression of `ty`."""
        rt = self.rt()
        if isinstance(ty, str):
            if ty == "error-context":
                raise BindingError("`error-context` is not supported by witkit's host bindings yet")
            return f"{rt}.{ty.upper()}"
        td = self.resolve.types[ty]
        kind = td.kind
        match kind:
            case m.Alias():
                return self.desc(kind.type)
            case m.Record() | m.Enum() | m.Flags() | m.Variant() | m.Resource():
                assert td.name is not None
                return f"{self._owner_prefix(ty)}{upper_snake(td.name)}_TYPE"
            case m.Handle():
                res = self.resolve.dealias(kind.resource)
                return f"{rt}.{'Own' if kind.kind == 'own' else 'Borrow'}({self.desc(res)})"
            case m.List():
                if self.resolve.dealias(kind.type) == "u8":
                    return f"{rt}.BYTES"
                return f"{rt}.List({self.desc(kind.type)})"
            case m.FixedLengthList():
                return f"{rt}.FixedList({self.desc(kind.type)}, {kind.size})"
            case m.Tuple():
                return f"{rt}.Tuple({', '.join(self.desc(t) for t in kind.types)})"
            case m.Option():
                return f"{rt}.Option({self.desc(kind.type)})"
            case m.Result():
                ok = "None" if kind.ok is None else self.desc(kind.ok)
                err = "None" if kind.err is None else self.desc(kind.err)
                return f"{rt}.Result({ok}, {err})"
        raise BindingError(
            f"WIT type `{self.resolve.type_name(ty)}` is not supported by witkit's host bindings yet"
        )


# ---------------------------------------------------------------------------------------------
# Rendering


def docstring(docs: str | None, indent: int = 0, default: str | None = None) -> str:
    """WIT doc comments as a Python docstring literal, continuation lines indented."""
    text = (docs or default or "").expandtabs(8).strip()
    if not text:
        return ""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = [line.rstrip() for line in text.splitlines()]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""'


LINE = 100
"""The line length generated code is laid out for (ruff's setting in witkit's projects)."""


def _split_call(expr: str) -> tuple[str, list[str], str] | None:
    """`f(a, g(b))` -> (`f(`, [`a`, `g(b)`], `)`); None when `expr` is not one call/subscript."""
    if expr.startswith(('"', "'")) or expr.startswith("lambda"):
        return None
    opening = next((i for i, ch in enumerate(expr) if ch in "(["), -1)
    if opening <= 0 or expr[-1] not in ")]":
        return None
    depth = 0
    items: list[str] = []
    start = opening + 1
    for i in range(opening, len(expr)):
        ch = expr[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and i != len(expr) - 1:
                return None
        elif ch == "," and depth == 1:
            items.append(expr[start:i].strip())
            start = i + 1
    last = expr[start:-1].strip()
    if last:
        items.append(last)
    return expr[: opening + 1], items, expr[-1]


def format_expr(expr: str, indent: int, prefix: str = "", suffix: str = "") -> str:
    """One expression on a line at `indent`, split at its brackets like ruff format when too long."""
    pad = " " * indent
    one = f"{pad}{prefix}{expr}{suffix}"
    parts = _split_call(expr) if len(one) > LINE else None
    if parts is None:
        return one
    head, items, close = parts
    return wrap_call(indent, prefix + head, items, close + suffix)


def wrap_call(indent: int, head: str, items: list[str], tail: str) -> str:
    """`head` + items + `tail` on one line, or the items on their own line(s) like ruff format."""
    pad = " " * indent
    one = f"{pad}{head}{', '.join(items)}{tail}"
    if len(one) <= LINE or not items:
        return one
    inner = f"{pad}    {', '.join(items)}"
    if len(inner) <= LINE:
        return f"{pad}{head}\n{inner}\n{pad}{tail}"
    body = "".join(format_expr(item, indent + 4, suffix=",") + "\n" for item in items)
    return f"{pad}{head}\n{body}{pad}{tail}"


def tuple_lines(indent: int, head: str, items: list[str], tail: str) -> str:
    """A tuple literal assigned or passed: inline when it fits, else one item a line."""
    pad = " " * indent
    inline = _tuple_text(items)
    one = f"{pad}{head}{inline}{tail}"
    if len(one) <= LINE:
        return one
    body = "".join(f"{pad}    {item},\n" for item in items)
    return f"{pad}{head}(\n{body}{pad}){tail}"


def tidy(text: str) -> str:
    """Blank lines the way ruff format leaves them: at most two at top level, one inside a block.

    Templates emit generous separators; this makes the spacing exact and deterministic.
    """
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i]:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and not lines[j]:
            j += 1
        if out and j < len(lines):
            nxt = lines[j]
            limit = 1 if nxt.startswith(" ") or (out[-1].startswith("#") and len(out) == 1) else 2
            if out[-1].endswith(("(", "[", ":")) and nxt.startswith(" "):
                limit = 0
            if nxt.startswith(("from ", "import ")) and out[-1].startswith(("from ", "import ")):
                limit = 1
            out += [""] * min(j - i, limit)
        i = j
    return "\n".join(out) + "\n"


def _quote(text: object) -> str:
    """A double-quoted Python string literal (ruff format's quote style)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tuple_text(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def environment(templates: str | Path | None = None) -> Environment:
    """The Jinja2 environment: the user's templates first, then witkit's `templates/host`.

    One environment per template folder and process, so templates compile once (Jinja
    still reloads a template file that changed).
    """
    return _environment(None if templates is None else str(Path(templates).resolve()))


@functools.lru_cache(maxsize=8)
def _environment(templates: str | None) -> Environment:
    env = template_environment("host", templates, BindingError)
    env.filters["docstring"] = docstring
    env.filters["pytuple"] = lambda items: _tuple_text(list(items))
    env.globals["wrap"] = lambda indent, head, items, tail="": wrap_call(
        indent, head, list(items), tail
    )
    env.globals["q"] = _quote
    env.globals["expr"] = format_expr
    env.globals["tuple_lines"] = lambda indent, head, items, tail="": tuple_lines(
        indent, head, list(items), tail
    )
    env.filters["pyrepr"] = _quote
    return env


def _type_imports(types: list[TypeView], imports: Imports) -> None:
    """Record the imports the classes of `types` are written with."""
    kinds = {t.kind for t in types}
    if kinds & {"record", "variant"}:
        imports.name("dataclasses", "dataclass")
    if "enum" in kinds:
        imports.name("enum", "Enum")
    if "flags" in kinds:
        imports.name("enum", "Flag")
        imports.name("enum", "auto")
    if "variant" in kinds:
        imports.name("typing", "Union")


def _module_imports(mv: ModuleView) -> None:
    """Record the fixed imports a module's template writes, on top of what its annotations used."""
    imports = mv.imports
    imports.name("__future__", "annotations")
    _type_imports(mv.types, imports)
    if mv.side == "import" and mv.has_class:
        imports.name("abc", "ABC")
        imports.name("abc", "abstractmethod")
    if mv.side == "export" and mv.has_class:
        imports.name("collections.abc", "Callable")
        if mv.resources:
            imports.name("typing", "ClassVar")
    if mv.types or mv.all_functions:
        imports.name("witkit", "runtime", RT)
    if mv.all_functions or mv.resources:
        imports.name("witkit.codegen", "hostlib", H)


def _world_imports(world: WorldView) -> None:
    """Record the fixed imports `__init__.py` writes, on top of what its annotations used."""
    imports = world.imports
    imports.name("__future__", "annotations")
    _type_imports(world.types, imports)
    imports.name("abc", "ABC")
    if world.imported_functions:
        imports.name("abc", "abstractmethod")
    if world.exported_functions:
        imports.name("collections.abc", "Callable")
    imports.name("witkit", "runtime", RT)
    imports.name("witkit.codegen", "hostlib", H)
    imports.name("witkit.runtime", "Err")
    imports.name("witkit.runtime", "Some")


def render_host(
    resolve: m.Resolve,
    world_id: int,
    package_name: str | None = None,
    templates: str | Path | None = None,
    *,
    source: str = "<memory>",
) -> dict[str, str]:
    """The files of the host bindings package for world `world_id`: `{relative path: text}`.

    Paths are relative to the package folder (`__init__.py`, `api.py`, ...).
    """
    package = package_name or package_name_for(resolve, world_id)
    if not package.isidentifier():
        raise BindingError(f"package name `{package}` is not a Python identifier")
    builder = _Builder(resolve, world_id, package, source)
    world, modules = builder.world_view()
    env = environment(templates)
    out: dict[str, str] = {}
    header = world.header
    for mv in modules:
        _module_imports(mv)
        mv.import_lines = mv.imports.lines(first_party=("witkit",))
        out[mv.path] = _render(env, "interface.py.jinja", module=mv, world=world, header=header)
    _world_imports(world)
    world.import_lines = world.imports.lines(first_party=("witkit",))
    out["__init__.py"] = _render(env, "__init__.py.jinja", world=world, header=header)
    out["py.typed"] = ""
    return dict(sorted(out.items()))


def _render(env: Environment, name: str, **context: object) -> str:
    """Render one template; a broken (user) template becomes a BindingError naming it."""
    try:
        return tidy(env.get_template(name).render(RT=RT, H=H, **context))
    except TemplateSyntaxError as e:
        raise BindingError(f"template {e.filename or name}:{e.lineno}: {e.message}") from e
    except TemplateError as e:
        raise BindingError(f"template {name}: {e}") from e


def write_host(
    resolve: m.Resolve,
    world_id: int,
    out_dir: str | Path,
    package_name: str | None = None,
    templates: str | Path | None = None,
    *,
    source: str = "<memory>",
) -> Path:
    """Render the bindings and write them to `out_dir/<package>/`; returns the package folder."""
    package = package_name or package_name_for(resolve, world_id)
    files = render_host(resolve, world_id, package, templates, source=source)
    root = Path(out_dir) / package
    try:
        root.mkdir(parents=True, exist_ok=True)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise BindingError(f"cannot write the bindings to {root}: {e}") from e
    return root
