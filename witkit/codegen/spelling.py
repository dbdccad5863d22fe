"""How one generated host module spells a WIT type: its annotation and its runtime descriptor.

`PyTypesFor` is the module-specific half of the mapping in `witkit.codegen.pytypes`: it
knows which module defines each named type (and so whether it is `Point`, `_types.Point`
or a `_Blob` alias inside a class that shadows it), records the imports that spelling
needs, and writes the descriptor expression (`_rt.List(_rt.U32)`) the runtime lowers and
lifts values with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from witkit.codegen.pytypes import HOST, Imports, PyTypes
from witkit.codegen.views import RT
from witkit.errors import BindingError
from witkit.wit import model as m

if TYPE_CHECKING:
    from witkit.codegen.host import HostBuilder

__all__ = ["PyTypesFor", "resources_in"]


def resources_in(resolve: m.Resolve, ty: m.Type) -> Iterator[int]:
    """The resources whose handles a value of type `ty` may hold (records, variants, lists...)."""
    seen: set[int] = set()

    def walk(t: m.Type) -> Iterator[int]:
        if isinstance(t, str) or t in seen:
            return
        seen.add(t)
        kind = resolve.types[t].kind
        match kind:
            case m.Handle():
                res = resolve.dealias(kind.resource)
                assert isinstance(res, int)
                yield res
            case m.Alias() | m.List() | m.FixedLengthList() | m.Option():
                yield from walk(kind.type)
            case m.Record():
                for f in kind.fields:
                    yield from walk(f.type)
            case m.Variant():
                for c in kind.cases:
                    if c.type is not None:
                        yield from walk(c.type)
            case m.Tuple():
                for item in kind.types:
                    yield from walk(item)
            case m.Result():
                for arm in (kind.ok, kind.err):
                    if arm is not None:
                        yield from walk(arm)

    return walk(ty)


class PyTypesFor:
    """Annotations and descriptor expressions as written inside one generated module."""

    def __init__(
        self,
        builder: HostBuilder,
        module_iid: int | None,
        imports: Imports,
        shadowed: bool = False,
        *,
        exported: bool = False,
        export_copy: bool = False,
        async_resources: bool = False,
    ) -> None:
        self.builder = builder
        self.async_resources = async_resources
        """Guest resources are spelled as their async plugins' classes (`AsyncCounter`)."""
        self.exported = exported
        """The module is on the exported side: resources of an interface the world both
        imports and exports are its exported side's classes."""
        self.export_copy = export_copy
        """The module is in the exports subpackage (the exported side of such an interface)."""
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
        resource = isinstance(td.kind, m.Resource)
        if owner.id == self.module_iid and (resource or not self.export_copy):
            return ""
        if owner.id not in self.builder.module_names:
            raise BindingError(f"type `{td.name}` comes from an interface the world does not use")
        package, mod, alias = self.builder.module_ref(
            owner.id, self.exported and resource, self.export_copy
        )
        return self.imports.name(package, mod, alias) + "."

    def _qualify(self, tid: int) -> str:
        td = self.resolve.types[tid]
        assert td.name is not None
        prefix = self._owner_prefix(tid)
        names = self.builder.type_names(tid)
        cls = names.cls
        if self.async_resources and names.async_cls and self._guest_side(tid):
            return prefix + names.async_cls
        if not prefix and self.shadowed and isinstance(td.kind, m.Resource):
            self.aliases.add(cls)
            return f"_{cls}"
        return prefix + cls

    def _guest_side(self, tid: int) -> bool:
        """Resource `tid` is one the plugin exports (its module holds a guest proxy class)."""
        owner = self.resolve.types[tid].owner
        assert owner is not None
        if owner.id in self.builder.dual:
            return self.exported
        return self.builder.directions.get(owner.id) == "export"

    def _check_one_class(self, tid: int) -> None:
        """BindingError when value type `tid`, used on the exported side, holds a resource of an
        interface the world both imports and exports: its one class (and descriptor) serves the
        imported side, whose resource is another type."""
        owner = self.resolve.types[tid].owner
        if owner is None or owner.kind != "interface" or owner.id not in self.builder.dual:
            return
        for res in resources_in(self.resolve, tid):
            rowner = self.resolve.types[res].owner
            if rowner is not None and rowner.kind == "interface" and rowner.id in self.builder.dual:
                raise BindingError(
                    f"type `{self.builder.keys[owner.id]}#{self.resolve.types[tid].name}` holds "
                    f"resource `{self.resolve.types[res].name}` of an interface the world both "
                    "imports and exports; witkit's host bindings keep one class per value type "
                    "for both sides, which cannot hold either side's resource"
                )

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
                if self.exported and not isinstance(kind, m.Resource):
                    self._check_one_class(ty)
                return self._owner_prefix(ty) + self.builder.type_names(ty).desc
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
