"""The view objects host templates render: one per module, type, function and parameter.

`witkit.codegen.host` builds them from the resolved model; every Python name, annotation
and runtime descriptor in them is final text, so templates only place it. Layout is not
their business either: the package is run through the formatter after rendering
(`witkit.codegen.formatting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from witkit.codegen.pytypes import Imports
from witkit.codegen.templating import py_string, tuple_text
from witkit.naming import snake
from witkit.runtime.worldcheck import WASI

RT = "_rt"
"""Local name of `witkit.runtime` in generated modules."""
H = "_h"
"""Local name of `witkit.runtime.bindings` in generated modules."""

Side = Literal["import", "export", "types"]



@dataclass(frozen=True)
class TypeNames:
    """The module-level Python names one named WIT type takes."""

    cls: str
    """Its class (or alias): `Shape`."""
    desc: str
    """Its descriptor constant: `SHAPE_TYPE`."""
    cases: tuple[str, ...] = ()
    """A variant's case classes, in case order: `Shape_Circle`, ..."""
    async_cls: str | None = None
    """A resource of an interface: its proxy class for async plugins, `AsyncCounter`."""


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
    is_async: bool = False
    """An `async func` export: only the async classes (`AsyncWorld`) bind it."""

    @property
    def py_params(self) -> list[ParamView]:
        """The parameters after `self`."""
        return self.params[1:] if self.kind == "method" else self.params

    def callable_type(self, callable_name: str = "Callable", awaitable: str | None = None) -> str:
        """`Callable[[int, str], str]`: the prepared function's type; with `awaitable` (the
        module's name of `collections.abc.Awaitable`), an async instance's."""
        args = ", ".join(p.annotation for p in self.params)
        returns = self.returns if awaitable is None else f"{awaitable}[{self.returns}]"
        return f"{callable_name}[[{args}], {returns}]"

    def def_line(
        self,
        first: str | None = "self",
        name: str | None = None,
        returns: str | None = None,
    ) -> str:
        """The `def` line with its colon (the formatter breaks it where it is too long)."""
        params = [f"{p.name}: {p.annotation}" for p in self.py_params]
        if first:
            params.insert(0, first)
        return f"def {name or self.name}({', '.join(params)}) -> {returns or self.returns}:"

    def prepare_line(
        self,
        interface: str,
        callable_name: str = "Callable",
        awaitable: str | None = None,
        where: str | None = None,
    ) -> str:
        """`self._f: Callable[...] = _h.prepare(instance, INTERFACE, _F_F, "Api.f")`.

        `callable_name` is the module's local name of `collections.abc.Callable`; `awaitable`
        that of `Awaitable`, for the prepared calls of an async instance. The prepared call
        names a bad argument as a parameter of `where` (default `self.where`).
        """
        call = f"{H}.prepare(instance, {interface}, {self.spec}, {py_string(where or self.where)})"
        return f"self.{self.attr}: {self.callable_type(callable_name, awaitable)} = {call}"

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
    def param_specs(self) -> str:
        """The FuncSpec parameter tuple: `(("wit-name", "py_name", DESC), ...)`; the trailing
        comma of two or more keeps one parameter a line."""
        items = [f"({py_string(p.wit)}, {py_string(p.name)}, {p.desc})" for p in self.params]
        if len(items) < 2:
            return tuple_text(items) if items else "()"
        return f"({', '.join(items)},)"

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
    identity: str | None = None
    """Where the world declares it, as the load-time check names it (`export ns:pkg/i#r`)."""
    async_name: str | None = None
    """A guest resource's proxy class for async plugins (`AsyncCounter`); None: there is none."""
    async_views: list[FuncView] = field(default_factory=list)
    """The async class's twins of `functions`, in that order: signatures name `async_name`."""

    @property
    def functions(self) -> list[FuncView]:
        """Constructor, methods and statics in that order."""
        return ([self.constructor] if self.constructor else []) + self.methods + self.statics

    @property
    def host_class(self) -> bool:
        """True when a host resource's class must be named to the runtime (`Api.Blob = MyBlob`):
        it makes one for the guest's constructor, or serves its static functions. A resource
        with methods only needs none: the host's own functions return its objects."""
        return bool(self.constructor or self.statics)

    @property
    def async_constructor(self) -> FuncView | None:
        """The async class's `new`: the twin of the constructor."""
        return next((v for v in self.async_views if v.kind == "constructor"), None)

    @property
    def async_methods(self) -> list[FuncView]:
        return [v for v in self.async_views if v.kind == "method"]

    @property
    def async_statics(self) -> list[FuncView]:
        return [v for v in self.async_views if v.kind == "static"]

    @property
    def local(self) -> str:
        """`blob_class`: the local variable of `link()` holding the host's class.

        One per resource: where two WIT names differ only in case (`blob`, `BLOB`), the class
        name's disambiguating `_` (`Blob_`) carries over (`blob__class`).
        """
        trail = len(self.name) - len(self.name.rstrip("_"))
        return f"{snake(self.wit).rstrip('_')}{'_' * trail}_class"

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
    async_class: str | None = None
    """The exported interface's class for async plugins (`AsyncApi`); None on other sides."""
    async_functions: list[FuncView] = field(default_factory=list)
    """The async class's twins of `functions`: signatures name resources' async classes."""
    async_imports_class: str | None = None
    """An imported interface's base class for hosts whose methods are `async def` (`AsyncStore`)."""

    @property
    def has_class(self) -> bool:
        """True when the interface has functions or resources, so a host or plugin sees a class."""
        return self.side != "types" and bool(self.functions or self.resources)

    @property
    def wasi(self) -> bool:
        """An interface the runtime's WASI serves: a host may leave it to that implementation."""
        return self.interface.startswith(WASI)

    @property
    def sync_functions(self) -> list[FuncView]:
        """The freestanding functions the sync class binds (not `async func` ones)."""
        return [f for f in self.functions if not f.is_async]

    @property
    def all_functions(self) -> list[FuncView]:
        """Freestanding functions, then each resource's."""
        out = list(self.functions)
        for r in self.resources:
            out += r.functions
        return out

    @property
    def all_async_functions(self) -> list[FuncView]:
        """The async twins of `all_functions`, in the same order."""
        out = list(self.async_functions)
        for r in self.resources:
            out += r.async_views
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
    resources: list[ResourceView] = field(default_factory=list)
    """Resources declared in the world itself (imports: the host implements them)."""
    class_aliases: list[str] = field(default_factory=list)
    """World resource classes the imports class refers to as `_Name` (its attributes shadow them)."""
    async_class: str | None = None
    """The world class for async plugins (`AsyncVowels`)."""
    async_imports_class: str | None = None
    """The imports base class whose methods are `async def` (`AsyncVowelsImports`)."""
    async_exports: list[FuncView] = field(default_factory=list)
    """The async world class's twins of `exported_functions`."""

    @property
    def sync_exports(self) -> list[FuncView]:
        """The world-level exports the sync class binds (not `async func` ones)."""
        return [f for f in self.exported_functions if not f.is_async]

    @property
    def imported_specs(self) -> list[FuncView]:
        """Every function the world imports itself: freestanding ones, then its resources'."""
        out = list(self.imported_functions)
        for r in self.resources:
            out += r.functions
        return out

    @property
    def links_own(self) -> bool:
        """True when `_link` serves imports of the world itself (functions or resources)."""
        return bool(self.imported_functions or self.resources)

    places: dict[str, str] = field(default_factory=dict)
    """Which resource the world has at each place a component can hold one
    (`witkit.wit.identity.resource_labels`), for the world spec."""

    @property
    def place_pairs(self) -> list[str]:
        """`("place", "resource")` pairs of the world spec."""
        return [f"({py_string(k)}, {py_string(v)})" for k, v in self.places.items()]

    @property
    def export_groups(self) -> list[str]:
        """`(interface, functions)` pairs of the world spec's exports (type-only interfaces too)."""
        return self._groups("export")

    @property
    def resource_groups(self) -> list[str]:
        """`(interface, resource names)` pairs of the world spec: what exported interfaces define."""
        return [
            f"({mv.alias}.INTERFACE, {tuple_text([py_string(r.wit) for r in mv.resources])})"
            for mv in self.modules
            if mv.direction == "export" and mv.resources
        ]

    @property
    def import_groups(self) -> list[str]:
        """`(interface, functions)` pairs of the world spec's imports (type-only interfaces too)."""
        return self._groups("import")

    def _groups(self, direction: Side) -> list[str]:
        own = self.imported_specs if direction == "import" else self.exported_functions
        out = []
        if own:
            out.append(f"(None, {tuple_text([f.spec for f in own])})")
        for mv in self.modules:
            if mv.direction == direction:
                funcs = f"{mv.alias}.FUNCTIONS" if mv.all_functions else "()"
                out.append(f"({mv.alias}.INTERFACE, {funcs})")
        return out
