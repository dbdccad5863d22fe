"""View objects for the guest templates: Python annotations, stub signatures and sample values.

Annotations follow componentize-py's bindings exactly (`Optional[Some[...]]` for nested
options, `bytes` for `list<u8>`, `List`/`Tuple` from `typing`, `Self` for a resource's own
handles, `result` returned as its ok type with the error raised as `Err`), and refer to
the very classes the bindings define, so `mypy --strict` accepts a stub as an override.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witkit.codegen import pytypes
from witkit.errors import BindingError, BuildError
from witkit.guest.plan import WORLD_MODULE, GuestFunction, GuestPlan
from witkit.naming import docstring_text, pascal, snake, upper_snake, variant_case_class
from witkit.wit import model as m


@dataclass
class Imports:
    """The imports a generated module needs, collected while its body is built."""

    helpers: pytypes.Imports = field(default_factory=pytypes.Imports)
    """`typing` and `componentize_py_types` names the annotations use (shared with codegen)."""
    modules: dict[str, str] = field(default_factory=dict)
    """Local name -> `import` line of a module (`import wit_world`, `from wit_world import exports`)."""

    def module(self, dotted: str, local: str) -> str:
        """Import `dotted` (`wit_world.imports.types`) as `local`; returns the local name used."""
        package, _, name = dotted.rpartition(".")
        line = f"import {dotted}" if not package else f"from {package} import {name}"
        if local != name:
            line += f" as {local}"
        existing = self.modules.get(local)
        if existing is not None and existing != line:
            return self.module(dotted, f"{local}_")
        self.modules[local] = line
        return local

    def lines(self) -> list[str]:
        """The import statements: `typing` first, then the rest, the way isort orders them."""
        by_module: dict[str, list[str]] = {}
        for local, (module, name) in self.helpers.names.items():
            by_module.setdefault(module, []).append(name if local == name else f"{name} as {local}")
        froms = [f"from {mod} import {', '.join(sorted(names))}" for mod, names in by_module.items()]
        out = sorted(line for line in froms if line.startswith("from typing "))
        if out:
            out.append("")
        plain = sorted(v for v in self.modules.values() if v.startswith("import "))
        others = [line for line in froms if not line.startswith("from typing ")]
        others += [v for v in self.modules.values() if v.startswith("from ")]
        return out + plain + sorted(others)


class _GuestPyTypes(pytypes.PyTypes):
    """The shared mapping, plus the stream and future readers of componentize-py's async support."""

    def annotation(self, ty: m.Type, self_resource: int | None = None) -> str:
        """As `PyTypes.annotation`; `stream<u8>` is `ByteStreamReader`, `future<T>` `FutureReader[T]`."""
        if isinstance(ty, int):
            kind = self.resolve.types[ty].kind
            if isinstance(kind, m.Stream | m.Future):
                inner = "None" if kind.type is None else self.annotation(kind.type, self_resource)
                if isinstance(kind, m.Future):
                    reader = self.imports.name(f"{_ASYNC}.futures", "FutureReader")
                    return f"{reader}[{inner}]"
                if kind.type is not None and self.resolve.dealias(kind.type) == "u8":
                    return self.imports.name(f"{_ASYNC}.streams", "ByteStreamReader")
                return f"{self.imports.name(f'{_ASYNC}.streams', 'StreamReader')}[{inner}]"
        return super().annotation(ty, self_resource)


_ASYNC = "componentize_py_async_support"


class TypeNamer:
    """Model types to the Python annotations and values componentize-py's bindings use."""

    def __init__(self, plan: GuestPlan, imports: Imports) -> None:
        self.plan = plan
        self.resolve = plan.resolve
        self.imports = imports
        self.pytypes = _GuestPyTypes(
            plan.resolve, self.qualified, imports.helpers, pytypes.COMPONENTIZE_PY
        )

    # ---- where a named type lives

    def _owner_module(self, td: m.TypeDef, what: str) -> str:
        owner = td.owner
        if owner is None:
            raise BuildError(f"anonymous type {what} has no module")
        if owner.kind == "world":
            return self.imports.module(WORLD_MODULE, WORLD_MODULE)
        if owner.id in self.plan.import_modules:
            name = self.plan.import_modules[owner.id]
            return self.imports.module(f"{WORLD_MODULE}.imports.{name}", name)
        if owner.id in self.plan.export_modules:
            name = self.plan.export_modules[owner.id]
            return self.imports.module(f"{WORLD_MODULE}.exports.{name}", f"{name}_exports")
        raise BuildError(f"type `{td.name}` comes from an interface the world does not use")

    def qualified(self, type_id: int) -> str:
        """`types.Point`: a named type through its bindings module."""
        td = self.resolve.types[type_id]
        assert td.name is not None
        return f"{self._owner_module(td, td.name)}.{pascal(td.name)}"

    # ---- annotations (witkit.codegen.pytypes, in componentize-py's spelling)

    def annotation(self, ty: m.Type, self_resource: int | None = None) -> str:
        """The annotation of a parameter, field or plain result of type `ty`."""
        try:
            return self.pytypes.annotation(ty, self_resource)
        except BindingError as e:
            raise BuildError(f"{e} (`witkit new` cannot write a stub for it)") from None

    def signature_types(
        self, result: m.Type | None, self_resource: int | None = None
    ) -> tuple[str, str | None]:
        """(return annotation, `Err` payload annotation or None) of a function returning `result`."""
        try:
            return self.pytypes.signature_types(result, self_resource)
        except BindingError as e:
            raise BuildError(f"{e} (`witkit new` cannot write a stub for it)") from None

    # ---- sample values (for the scaffolded tests)

    def sample(self, ty: m.Type, self_class: str | None = None, self_resource: int | None = None) -> str:
        """A Python expression of type `ty`, for calling a stub."""
        if isinstance(ty, str):
            return {"bool": "False", "f32": "0.0", "f64": "0.0", "char": '"a"', "string": '""'}.get(
                ty, "0"
            )
        kind = self.resolve.types[ty].kind

        def again(t: m.Type) -> str:
            return self.sample(t, self_class, self_resource)

        match kind:
            case m.Alias():
                return again(kind.type)
            case m.Record():
                args = ", ".join(f"{snake(f.name)}={again(f.type)}" for f in kind.fields)
                return f"{self.qualified(ty)}({args})"
            case m.Enum():
                return f"{self.qualified(ty)}.{upper_snake(kind.cases[0].name)}"
            case m.Flags():
                return f"{self.qualified(ty)}(0)"
            case m.Variant():
                td = self.resolve.types[ty]
                assert td.name is not None
                case = kind.cases[0]
                module = self.qualified(ty).rsplit(".", 1)[0]
                payload = "" if case.type is None else again(case.type)
                return f"{module}.{variant_case_class(td.name, case.name)}({payload})"
            case m.Handle():
                resource = self.resolve.dealias(kind.resource)
                assert isinstance(resource, int)
                cls = self_class if resource == self_resource and self_class else self.qualified(resource)
                return f"{cls}.__new__({cls})"
            case m.List():
                return 'b""' if self.resolve.dealias(kind.type) == "u8" else "[]"
            case m.Tuple():
                items = [again(t) for t in kind.types]
                return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
            case m.Option() | m.Stream() | m.Future():
                return "None"
            case m.Result():
                ok_name = self.imports.helpers.name("componentize_py_types", "Ok")
                return f"{ok_name}({'None' if kind.ok is None else again(kind.ok)})"
        raise BuildError(f"`{self.resolve.type_name(ty)}` is not supported by `witkit new` yet")


def first_sentence(docs: str | None) -> str | None:
    """The first sentence of WIT docs (of its first paragraph), fit for a one-line docstring."""
    if not docs or not docs.strip():
        return None
    paragraph = " ".join(docs.strip().split("\n\n", 1)[0].split())
    end = paragraph.find(". ")
    sentence = paragraph[: end + 1] if end >= 0 else paragraph
    return docstring_text(sentence) or None


@dataclass(frozen=True)
class FunctionView:
    """One stub: its Python signature, the WIT name its NotImplementedError carries, its docs."""

    wit_path: str
    py_name: str
    kind: str
    self_name: str
    params: tuple[tuple[str, str], ...]
    """(Python name, annotation) of each parameter after `self`/`cls`."""
    returns: str
    raises: str | None
    """The `Err` payload annotation when the function returns a `result`."""
    docs: str | None
    sample_args: tuple[str, ...]
    is_async: bool = False

    @property
    def signature(self) -> str:
        """`def name(self, a: int) -> int`."""
        params = ", ".join([self.self_name, *(f"{n}: {a}" for n, a in self.params)])
        return f"{self.keyword} {self.py_name}({params}) -> {self.returns}"

    @property
    def keyword(self) -> str:
        """`def`, or `async def` for an `async func`."""
        return "async def" if self.is_async else "def"

    def signature_lines(self, indent: int = 4, width: int = 100) -> list[str]:
        """The `def` line(s) with the colon, wrapped the way ruff format wraps them."""
        pad = " " * indent
        one = f"{pad}{self.signature}:"
        if len(one) <= width:
            return [one]
        params = [self.self_name, *(f"{n}: {a}" for n, a in self.params)]
        joined = f"{pad}    {', '.join(params)}"
        if len(joined) <= width:
            return [f"{pad}{self.keyword} {self.py_name}(", joined, f"{pad}) -> {self.returns}:"]
        return [
            f"{pad}{self.keyword} {self.py_name}(",
            *(f"{pad}    {p}," for p in params),
            f"{pad}) -> {self.returns}:",
        ]

    @property
    def summary(self) -> str | None:
        """The first sentence of the WIT docs, if any."""
        return first_sentence(self.docs)


def function_view(
    namer: TypeNamer, func: GuestFunction, *, self_resource: int | None = None,
    self_class: str | None = None, sample_namer: TypeNamer | None = None,
) -> FunctionView:
    """The view of one stub; `self_resource` is the resource whose class holds it."""
    f = func.function
    params = list(f.params)
    if func.kind == "method":
        params = params[1:]
    names = tuple((snake(p.name), namer.annotation(p.type, self_resource)) for p in params)
    if func.kind == "constructor":
        returns, raises = "None", None
    else:
        returns, raises = namer.signature_types(f.result, self_resource)
    sampler = sample_namer or namer
    samples = tuple(sampler.sample(p.type, self_class, self_resource) for p in params)
    return FunctionView(
        wit_path=func.wit_path,
        py_name=func.py_name,
        kind=func.kind,
        self_name="cls" if func.kind == "static" else "self",
        params=names,
        returns=returns,
        raises=raises,
        docs=f.docs,
        sample_args=samples,
        is_async=f.is_async,
    )
