"""What a Python guest must define for a world, named the way componentize-py names it.

For each export of the world: the class that holds it (`WitWorld` for world-level
functions, one class per exported interface in the app module, one class per
resource in a module named after its interface) and the Python name of every
function. `witkit new` renders stubs from this plan; `witkit build` uses it to turn
componentize-py's Python names in an error back into WIT names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from witkit.guest.componentize import WORLD_CLASS, WORLD_MODULE
from witkit.naming import pascal, snake, version_words
from witkit.wit import model as m

__all__ = ["WORLD_CLASS", "WORLD_MODULE", "GuestPlan", "plan_for", "plan_world"]


@dataclass(frozen=True)
class GuestFunction:
    """One function the guest implements: its WIT identity and its Python name."""

    function: m.Function
    wit_path: str
    """`greet`, or `witkit:kitchen/api#echo-shape`, or `witkit:kitchen/api#[method]counter.value`."""
    py_name: str
    """`greet`, `echo_shape`, `__init__`, `value`."""

    @property
    def kind(self) -> str:
        """`freestanding`, `constructor`, `method` or `static`."""
        return self.function.kind.removeprefix("async-")


@dataclass(frozen=True)
class GuestResource:
    """A resource an exported interface defines: a class in the interface's module."""

    type_id: int
    wit_name: str
    wit_path: str
    """`witkit:kitchen/api#counter`."""
    class_name: str
    functions: tuple[GuestFunction, ...]
    docs: str | None


@dataclass(frozen=True)
class GuestInterface:
    """An exported interface: a class in the app module, plus a module for its resources."""

    interface_id: int
    wit_path: str
    """`witkit:kitchen/api`, or the key of an inline interface."""
    module: str
    """componentize-py's module name for it: the resource module the guest provides, and
    the name under `wit_world.exports`."""
    class_name: str
    functions: tuple[GuestFunction, ...]
    resources: tuple[GuestResource, ...]
    docs: str | None


@dataclass(frozen=True)
class GuestPlan:
    """Everything a Python guest of one world defines, and the bindings modules it may use."""

    resolve: m.Resolve
    world_id: int
    world_name: str
    world_path: str
    """`witkit:kitchen/kitchen`."""
    world_functions: tuple[GuestFunction, ...]
    interfaces: tuple[GuestInterface, ...]
    import_modules: Mapping[int, str]
    """Imported interface id -> module name under `wit_world.imports`."""
    export_modules: Mapping[int, str]
    """Exported interface id -> module name under `wit_world.exports`."""

    def interface_by_class(self, class_name: str) -> GuestInterface | None:
        """The exported interface whose class in the app module is `class_name`."""
        return next((i for i in self.interfaces if i.class_name == class_name), None)

    def interface_by_module(self, module: str) -> GuestInterface | None:
        """The exported interface whose resources live in module `module`."""
        return next((i for i in self.interfaces if i.module == module), None)

    def resource(self, module: str, class_name: str) -> GuestResource | None:
        """The resource class `class_name` of module `module`."""
        iface = self.interface_by_module(module)
        if iface is None:
            return None
        return next((r for r in iface.resources if r.class_name == class_name), None)

    def functions_of(self, class_name: str) -> tuple[GuestFunction, ...]:
        """The functions of `WitWorld`, an interface class or a resource class, by class name."""
        if class_name == WORLD_CLASS:
            return self.world_functions
        iface = self.interface_by_class(class_name)
        if iface is not None:
            return iface.functions
        for iface in self.interfaces:
            for res in iface.resources:
                if res.class_name == class_name:
                    return res.functions
        return ()

    def wit_name_of(self, class_name: str, py_name: str) -> str | None:
        """The WIT path of method `py_name` of class `class_name`, when it is one."""
        for func in self.functions_of(class_name):
            if func.py_name == py_name:
                return func.wit_path
        return None


def _interface_names(resolve: m.Resolve, items: Iterable[tuple[m.WorldKey, int]]) -> dict[int, str]:
    """componentize-py's module names: the interface's name, qualified only on a clash.

    Two interfaces with one name from different packages become `ns-pkg-name`; two
    versions of one package's interface become `ns-pkg-name-1-2-3`.
    """
    tree: dict[str, dict[tuple[str, str] | None, dict[str | None, int]]] = {}
    for key, iface_id in items:
        iface = resolve.interfaces[iface_id]
        if isinstance(key, str) or iface.name is None or iface.package is None:
            name, package, version = (key if isinstance(key, str) else iface.name or ""), None, None
        else:
            pkg = resolve.packages[iface.package].name
            name, package, version = iface.name, (pkg.namespace, pkg.name), pkg.version
        tree.setdefault(name, {}).setdefault(package, {})[version] = iface_id
    names: dict[int, str] = {}
    for name, packages in tree.items():
        for package, versions in packages.items():
            for version, iface_id in versions.items():
                if package is None:
                    names[iface_id] = name
                elif len(versions) > 1 and version is not None:
                    words = version_words(version)
                    names[iface_id] = f"{package[0]}-{package[1]}-{name}-{words}"
                elif len(packages) == 1:
                    names[iface_id] = name
                else:
                    names[iface_id] = f"{package[0]}-{package[1]}-{name}"
    return names


def _interfaces(world: m.World, direction: str) -> list[tuple[m.WorldKey, int]]:
    items = world.imports if direction == "imports" else world.exports
    return [(k, v.id) for k, v in items.items() if isinstance(v, m.WorldInterface)]


def _function(func: m.Function, prefix: str) -> GuestFunction:
    wit_path = f"{prefix}#{func.name}" if prefix else func.name
    py_name = "__init__" if func.kind == "constructor" else snake(func.item_name)
    return GuestFunction(func, wit_path, py_name)


def plan_world(resolve: m.Resolve, world_id: int) -> GuestPlan:
    """The plan of a guest for world `world_id`."""
    world = resolve.worlds[world_id]
    world_path = world.name
    if world.package is not None:
        world_path = f"{resolve.packages[world.package].name.namespace}:" \
            f"{resolve.packages[world.package].name.name}/{world.name}"
    import_modules = {
        i: snake(n) for i, n in _interface_names(resolve, _interfaces(world, "imports")).items()
    }
    export_names = _interface_names(resolve, _interfaces(world, "exports"))
    export_modules = {i: snake(n) for i, n in export_names.items()}
    world_functions = tuple(
        _function(item.function, "")
        for item in world.exports.values()
        if isinstance(item, m.WorldFunction)
    )
    interfaces = []
    for key, iface_id in _interfaces(world, "exports"):
        iface = resolve.interfaces[iface_id]
        wit_path = resolve.world_key_name(key)
        free = tuple(
            _function(f, wit_path) for f in iface.functions.values() if f.resource is None
        )
        resources = []
        for type_name, type_id in iface.types.items():
            td = resolve.types[type_id]
            owned = td.owner == m.TypeOwner("interface", iface_id)
            if not owned or not isinstance(td.kind, m.Resource):
                continue
            funcs = tuple(
                _function(f, wit_path) for f in resolve.resource_functions(type_id, iface.functions)
            )
            resources.append(
                GuestResource(
                    type_id, type_name, f"{wit_path}#{type_name}", pascal(type_name), funcs, td.docs
                )
            )
        interfaces.append(
            GuestInterface(
                iface_id,
                wit_path,
                export_modules[iface_id],
                pascal(export_names[iface_id]),
                free,
                tuple(resources),
                iface.docs,
            )
        )
    return GuestPlan(
        resolve,
        world_id,
        world.name,
        world_path,
        world_functions,
        tuple(interfaces),
        import_modules,
        export_modules,
    )


def resolve_world(
    wit: Path, world: str | None, *, features: frozenset[str] | None = frozenset()
) -> tuple[m.Resolve, int]:
    """Resolve the WIT at `wit` and select `world` (None: the package's only world)."""
    from witkit.wit import resolve as wit_resolve

    resolved = wit_resolve.resolve_path(wit, features=features)
    return resolved.resolve, wit_resolve.select_world(resolved.resolve, resolved.main, world)


def plan_for(wit: Path, world: str | None, *, features: frozenset[str] | None = frozenset()) -> GuestPlan:
    """Resolve the WIT at `wit`, select `world` and plan the guest."""
    resolve, world_id = resolve_world(wit, world, features=features)
    return plan_world(resolve, world_id)
