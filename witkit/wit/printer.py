"""The resolved model printed back as canonical WIT text.

The output re-parses to the same model: the main package is printed with a
`package ns:name@ver;` header and every other package it was resolved with as a
nested `package ns:name@ver { ... }` block, so one file holds everything. Worlds
are printed elaborated (includes merged, implied interface imports written out),
which means the same to the resolver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from witkit.errors import WitError
from witkit.wit import model as m

INDENT = "  "

# Words that must be written with a `%` prefix to be used as identifiers.
KEYWORDS = frozenset(
    {
        "as", "async", "bool", "borrow", "char", "constructor", "enum", "error-context",
        "export", "f32", "f64", "flags", "float32", "float64", "from", "func", "future",
        "import", "include", "interface", "list", "map", "option", "own", "package",
        "record", "resource", "result", "s16", "s32", "s64", "s8", "static", "stream",
        "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant", "with",
        "world",
    }
)  # fmt: skip


def ident(name: str) -> str:
    """An identifier as WIT source spells it (`%type` for the keyword `type`)."""
    return f"%{name}" if name in KEYWORDS else name


# ---------------------------------------------------------------------------------------------
# Type and function text: the one spelling of model types, in three styles

TypeStyle = Literal["source", "named", "structural"]
"""How `type_text` spells a type.

- `"source"`: as WIT source writes it (what `print_wit` prints): named types by their
  identifier (`%type`), `own<r>` as plain `r`, aliases by their name.
- `"named"`: a readable name for messages (`Resolve.type_name`): named types by their name,
  handles as `own<r>`/`borrow<r>`.
- `"structural"`: the shape, the way the component model compares types: aliases followed,
  records, variants, enums and flags written out (`record { x: s32 }`), handles as
  `own<resource>`. Equals `witkit.runtime.worldcheck.component_type_text` of the same type
  as a component sees it.
"""


def _result_text(ok: str | None, err: str | None) -> str:
    """`result`, `result<T>`, `result<_, E>` or `result<T, E>` from the spelled payloads."""
    if err is None:
        return "result" if ok is None else f"result<{ok}>"
    return f"result<{ok or '_'}, {err}>"


def type_text(resolve: m.Resolve, ty: m.Type | None, style: TypeStyle = "source") -> str:
    """`ty` spelled as WIT text in `style` (see `TypeStyle`); None (no type) is `_`."""
    if ty is None:
        return "_"
    if style == "structural":
        return _structural_text(resolve, ty)
    if isinstance(ty, str):
        return ty
    td = resolve.types[ty]
    if td.name is not None:
        return ident(td.name) if style == "source" else td.name
    return kind_text(resolve, td.kind, style)


MAX_STRUCTURAL_TEXT = 1_000_000
"""The longest structural spelling `type_text` writes, in characters.

A structural spelling writes out every record, variant and tuple a type is made of, so it
doubles with each level of a type like `record a2 { x: a1, y: a1 }`: 40 such lines of WIT
would spell out as a terabyte. The longest among WASI's and wit-parser's test types is 1,543
characters; this is 650 times that."""


def _structural_text(resolve: m.Resolve, ty: m.Type) -> str:
    """`type_text(..., "structural")`: each type it is made of spelled once, the parts
    before the whole, with a stack of its own (a chain of records can be thousands long)."""
    spelled: dict[int, str] = {}

    def spell(part: m.Type | None) -> str:
        part = "_" if part is None else resolve.dealias(part)
        return part if isinstance(part, str) else spelled[part]

    top = resolve.dealias(ty)
    todo = [top]
    while todo:
        current = todo[-1]
        if isinstance(current, str) or current in spelled:
            todo.pop()
            continue
        kind = resolve.types[current].kind
        # A handle is spelled `own<resource>` whatever its resource.
        parts = () if isinstance(kind, m.Handle) else m.kind_parts(kind)
        waiting = [
            p for p in map(resolve.dealias, parts) if isinstance(p, int) and p not in spelled
        ]
        if waiting:
            todo.extend(waiting)
            continue
        todo.pop()
        if sum(len(spell(p)) for p in parts) > MAX_STRUCTURAL_TEXT:
            raise WitError(
                f"type `{resolve.type_name(ty)}` is too large to spell out structurally "
                f"(more than {MAX_STRUCTURAL_TEXT} characters)"
            )
        spelled[current] = kind_text(resolve, kind, "structural", spell)
    return spell(top)


def kind_text(
    resolve: m.Resolve,
    k: m.TypeDefKind,
    style: TypeStyle = "source",
    spell: Callable[[m.Type | None], str] | None = None,
) -> str:
    """A type definition's right-hand side spelled in `style`, whatever its own name.

    `spell` spells the types it is made of (`type_text` in `style` when not given)."""
    structural = style == "structural"

    def t(x: m.Type | None) -> str:
        return type_text(resolve, x, style) if spell is None else spell(x)

    def field(name: str) -> str:
        return name if structural else ident(name)

    match k:
        case m.Handle():
            if structural:
                return f"{k.kind}<resource>"
            if style == "source" and k.kind == "own":
                return t(k.resource)
            return f"{k.kind}<{t(k.resource)}>"
        case m.List():
            return f"list<{t(k.type)}>"
        case m.FixedLengthList():
            return f"list<{t(k.type)}, {k.size}>"
        case m.Map():
            return f"map<{t(k.key)}, {t(k.value)}>"
        case m.Option():
            return f"option<{t(k.type)}>"
        case m.Result():
            return _result_text(
                None if k.ok is None else t(k.ok), None if k.err is None else t(k.err)
            )
        case m.Tuple():
            return "tuple<" + ", ".join(t(x) for x in k.types) + ">"
        case m.Future():
            return "future" if k.type is None else f"future<{t(k.type)}>"
        case m.Stream():
            return "stream" if k.type is None else f"stream<{t(k.type)}>"
        case m.Alias():
            return t(k.type)
        case m.Record():
            return "record { " + ", ".join(f"{field(f.name)}: {t(f.type)}" for f in k.fields) + " }"
        case m.Enum():
            return "enum { " + ", ".join(field(c.name) for c in k.cases) + " }"
        case m.Flags():
            return "flags { " + ", ".join(field(f.name) for f in k.flags) + " }"
        case m.Variant():
            cases = [
                field(c.name) if c.type is None else f"{field(c.name)}({t(c.type)})"
                for c in k.cases
            ]
            return "variant { " + ", ".join(cases) + " }"
        case m.Resource():
            return "resource"
        case _:
            raise AssertionError(f"unknown type kind {k!r}")


def func_text(
    resolve: m.Resolve,
    func: m.Function,
    style: TypeStyle = "source",
    *,
    skip_self: bool = False,
) -> str:
    """`func(a: u32) -> string` (`async func` for an async one), types spelled in `style`.

    Parameter names are WIT identifiers (`%from`) except in the structural style, which
    spells them as a component names them. `skip_self` leaves out a method's `self`.
    """
    params = func.params[1:] if skip_self else func.params
    name = (lambda n: n) if style == "structural" else ident
    text = ", ".join(f"{name(p.name)}: {type_text(resolve, p.type, style)}" for p in params)
    prefix = "async func" if func.is_async else "func"
    result = "" if func.result is None else f" -> {type_text(resolve, func.result, style)}"
    return f"{prefix}({text}){result}"


class WitPrinter:
    """Prints packages of a `Resolve` as WIT source."""

    def __init__(self, resolve: m.Resolve) -> None:
        self.resolve = resolve
        self.out: list[str] = []

    # ------------------------------------------------------------------ entry points

    def print_packages(self, main: int, others: Iterable[int] = ()) -> str:
        """`main` as the file's package, `others` nested after it, in the given order."""
        self.out = []
        pkg = self.resolve.packages[main]
        self._docs(pkg.docs, 0)
        self._line(0, f"package {self._pkg_name(pkg.name)};")
        self._package_body(main, 0)
        for other in others:
            if other == main:
                continue
            nested = self.resolve.packages[other]
            self._line(0, "")
            self._docs(nested.docs, 0)
            self._line(0, f"package {self._pkg_name(nested.name)} {{")
            self._package_body(other, 1)
            self._close(0)
        return "\n".join(self.out) + "\n"

    # ------------------------------------------------------------------ packages

    def _package_body(self, pkg_id: int, depth: int) -> None:
        pkg = self.resolve.packages[pkg_id]
        for iface_id in pkg.interfaces.values():
            self._line(depth, "")
            self._interface(iface_id, depth)
        for world_id in pkg.worlds.values():
            self._line(depth, "")
            self._world(world_id, depth)

    def _interface(self, iface_id: int, depth: int) -> None:
        iface = self.resolve.interfaces[iface_id]
        assert iface.name is not None
        self._docs(iface.docs, depth)
        self._stability(iface.stability, depth)
        self._line(depth, f"interface {ident(iface.name)} {{")
        self._interface_items(iface_id, depth + 1)
        self._close(depth)

    def _interface_items(self, iface_id: int, depth: int) -> None:
        iface = self.resolve.interfaces[iface_id]
        owner = m.TypeOwner("interface", iface_id)
        self._uses(iface.types.items(), owner, depth)
        for name, ty in iface.types.items():
            if not self._is_use(ty, owner):
                self._typedef(name, ty, iface.functions, depth)
        for func in iface.functions.values():
            if func.resource is None:
                self._docs(func.docs, depth)
                self._stability(func.stability, depth)
                self._line(depth, f"{ident(func.name)}: {self._signature(func)};")

    # ------------------------------------------------------------------ worlds

    def _world(self, world_id: int, depth: int) -> None:
        world = self.resolve.worlds[world_id]
        self._docs(world.docs, depth)
        self._stability(world.stability, depth)
        self._line(depth, f"world {ident(world.name)} {{")
        inner = depth + 1
        owner = m.TypeOwner("world", world_id)
        types = [
            (str(key), item.id)
            for key, item in world.imports.items()
            if isinstance(item, m.WorldType)
        ]
        self._uses(types, owner, inner)
        # A world-level resource's constructor and methods are world imports.
        resource_funcs = {
            item.function.name: item.function
            for item in world.imports.values()
            if isinstance(item, m.WorldFunction) and item.function.resource is not None
        }
        for name, ty in types:
            if not self._is_use(ty, owner):
                self._typedef(name, ty, resource_funcs, inner)
        # Interfaces before functions: the order the resolver gives a world's items.
        for direction, items in (("import", world.imports), ("export", world.exports)):
            for wanted in (m.WorldInterface, m.WorldFunction):
                for key, item in items.items():
                    if isinstance(item, wanted):
                        self._world_item(direction, key, item, world, inner)
        self._close(depth)

    def _world_item(
        self, direction: str, key: m.WorldKey, item: m.WorldItem, world: m.World, depth: int
    ) -> None:
        if isinstance(item, m.WorldFunction):
            func = item.function
            if func.resource is not None:
                return  # printed inside its `resource` block
            self._docs(func.docs, depth)
            self._stability(func.stability, depth)
            self._line(depth, f"{direction} {ident(str(key))}: {self._signature(func)};")
            return
        assert isinstance(item, m.WorldInterface)
        iface = self.resolve.interfaces[item.id]
        if isinstance(key, int):
            self._docs(item.docs, depth)
            self._stability(item.stability, depth)
            self._line(depth, f"{direction} {self._interface_path(item.id, world.package)};")
            return
        self._docs(iface.docs if iface.name is None else item.docs, depth)
        self._stability(item.stability, depth)
        if iface.name is None:
            self._line(depth, f"{direction} {ident(key)}: interface {{")
            self._interface_items(item.id, depth + 1)
            self._close(depth)
        else:
            path = self._interface_path(item.id, world.package)
            self._line(depth, f"{direction} {ident(key)}: {path};")

    # ------------------------------------------------------------------ types

    def _is_use(self, ty: int, owner: m.TypeOwner) -> bool:
        """True when `ty` is what `use` made: an alias of a type another owner defines."""
        kind = self.resolve.types[ty].kind
        if not isinstance(kind, m.Alias) or not isinstance(kind.type, int):
            return False
        target = self.resolve.types[kind.type]
        return target.owner is not None and target.owner != owner and target.name is not None

    def _uses(self, types: Iterable[tuple[str, int]], owner: m.TypeOwner, depth: int) -> None:
        """`use iface.{a, b as c};`, one line per interface, in order of first use."""
        groups: dict[int, list[str]] = {}
        stabilities: dict[int, m.Stability] = {}
        for name, ty in types:
            if not self._is_use(ty, owner):
                continue
            td = self.resolve.types[ty]
            assert isinstance(td.kind, m.Alias) and isinstance(td.kind.type, int)
            target = self.resolve.types[td.kind.type]
            assert target.owner is not None and target.name is not None
            if target.owner.kind != "interface":
                continue
            spelled = ident(target.name)
            if target.name != name:
                spelled += f" as {ident(name)}"
            groups.setdefault(target.owner.id, []).append(spelled)
            stabilities.setdefault(target.owner.id, td.stability)
        home = self._owner_package(owner)
        for iface_id, names in groups.items():
            self._stability(stabilities[iface_id], depth)
            path = self._interface_path(iface_id, home)
            self._line(depth, f"use {path}.{{{', '.join(names)}}};")

    def _typedef(self, name: str, ty: int, functions: Mapping[str, m.Function], depth: int) -> None:
        td = self.resolve.types[ty]
        self._docs(td.docs, depth)
        self._stability(td.stability, depth)
        k = td.kind
        n = ident(name)
        match k:
            case m.Record():
                self._block(
                    depth,
                    f"record {n}",
                    [(f.docs, f"{ident(f.name)}: {self._type(f.type)},") for f in k.fields],
                )
            case m.Variant():
                cases = [
                    (
                        c.docs,
                        f"{ident(c.name)}({self._type(c.type)}),"
                        if c.type is not None
                        else f"{ident(c.name)},",
                    )
                    for c in k.cases
                ]
                self._block(depth, f"variant {n}", cases)
            case m.Enum():
                self._block(depth, f"enum {n}", [(c.docs, f"{ident(c.name)},") for c in k.cases])
            case m.Flags():
                self._block(depth, f"flags {n}", [(f.docs, f"{ident(f.name)},") for f in k.flags])
            case m.Resource():
                funcs = list(self.resolve.resource_functions(ty, functions))
                if not funcs:
                    self._line(depth, f"resource {n};")
                    return
                self._line(depth, f"resource {n} {{")
                for func in funcs:
                    self._docs(func.docs, depth + 1)
                    self._stability(func.stability, depth + 1)
                    self._line(depth + 1, self._resource_func(func))
                self._close(depth)
            case m.Handle():
                # Named: `type t = own<r>` is a handle type, where `type t = r` is an alias.
                self._line(depth, f"type {n} = {k.kind}<{self._type(k.resource)}>;")
            case _:
                self._line(depth, f"type {n} = {kind_text(self.resolve, k)};")

    def _resource_func(self, func: m.Function) -> str:
        if func.kind == "constructor":
            params = ", ".join(f"{ident(p.name)}: {self._type(p.type)}" for p in func.params)
            result = ""
            if isinstance(func.result, int) and isinstance(
                self.resolve.types[func.result].kind, m.Result
            ):
                result = f" -> {self._type(func.result)}"
            return f"constructor({params}){result};"
        name = ident(func.item_name)
        if func.kind in ("method", "async-method"):
            sig = self._signature(func, skip_self=True)
            return f"{name}: {sig};"
        return f"{name}: static {self._signature(func)};"

    def _signature(self, func: m.Function, *, skip_self: bool = False) -> str:
        return func_text(self.resolve, func, skip_self=skip_self)

    def _type(self, ty: m.Type) -> str:
        return type_text(self.resolve, ty)

    # ------------------------------------------------------------------ names

    def _pkg_name(self, name: m.PackageName) -> str:
        base = f"{ident(name.namespace)}:{ident(name.name)}"
        return f"{base}@{name.version}" if name.version is not None else base

    def _owner_package(self, owner: m.TypeOwner) -> int | None:
        if owner.kind == "interface":
            return self.resolve.interfaces[owner.id].package
        return self.resolve.worlds[owner.id].package

    def _interface_path(self, iface_id: int, home: int | None) -> str:
        """`iface` inside its own package, `ns:pkg/iface@ver` from elsewhere."""
        iface = self.resolve.interfaces[iface_id]
        assert iface.name is not None, "an anonymous interface has no path"
        if iface.package == home or iface.package is None:
            return ident(iface.name)
        name = self.resolve.packages[iface.package].name
        path = f"{ident(name.namespace)}:{ident(name.name)}/{ident(iface.name)}"
        return f"{path}@{name.version}" if name.version is not None else path

    # ------------------------------------------------------------------ text

    def _line(self, depth: int, text: str) -> None:
        if text == "" and (not self.out or self.out[-1] == "" or self.out[-1].endswith("{")):
            return  # no blank line at the start of a block or twice in a row
        self.out.append(f"{INDENT * depth}{text}" if text else "")

    def _close(self, depth: int) -> None:
        """Close a block; an empty one stays on one line (`world w {}`)."""
        if self.out and self.out[-1].endswith("{"):
            self.out[-1] += "}"
        else:
            self._line(depth, "}")

    def _block(self, depth: int, head: str, lines: list[tuple[str | None, str]]) -> None:
        self._line(depth, f"{head} {{")
        for docs, text in lines:
            self._docs(docs, depth + 1)
            self._line(depth + 1, text)
        self._close(depth)

    def _docs(self, docs: str | None, depth: int) -> None:
        if docs is None:
            return
        for line in docs.split("\n"):
            self._line(depth, f"/// {line}" if line else "///")

    def _stability(self, stability: m.Stability, depth: int) -> None:
        match stability:
            case m.Stable(since=since, deprecated=deprecated):
                self._line(depth, f"@since(version = {since})")
                if deprecated is not None:
                    self._line(depth, f"@deprecated(version = {deprecated})")
            case m.Unstable(feature=feature, deprecated=deprecated):
                self._line(depth, f"@unstable(feature = {feature})")
                if deprecated is not None:
                    self._line(depth, f"@deprecated(version = {deprecated})")
            case _:
                pass


def print_wit(resolved: m.ResolvedPackages, *, nested_deps: bool = True) -> str:
    """The main package as WIT text; with `nested_deps`, every other package nested after it.

    Nested dependencies make the text self-contained: it re-parses to the same model.
    """
    resolve = resolved.resolve
    main = resolved.main
    others: list[int] = []
    if nested_deps:
        # Sorted by name, not arena order, so that the text is canonical: re-parsing it
        # may order independent packages differently, printing it again may not.
        others = sorted(
            (i for i in range(len(resolve.packages)) if i != main),
            key=lambda i: _pkg_sort_key(resolve.packages[i].name),
        )
    return WitPrinter(resolve).print_packages(main, others)


def _pkg_sort_key(name: m.PackageName) -> tuple[str, str, str]:
    return (name.namespace, name.name, name.version or "")


def print_world(resolve: m.Resolve, world: int) -> str:
    """One world, elaborated, as WIT text (interfaces of other packages named by full path)."""
    printer = WitPrinter(resolve)
    printer._world(world, 0)
    return "\n".join(printer.out) + "\n"
