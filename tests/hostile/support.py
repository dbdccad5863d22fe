"""Loading a hostile guest the two ways a host does: through generated bindings and dynamically.

A `Guest` is a WIT world and a WAT component claiming to implement it. `Loaders` generates the
world's bindings once per session (with witkit's own generator) and loads the component either
through them (`via="bindings"`: `World.load(...)`, then `plugin.method(...)`) or through the
dynamic API (`via="dynamic"`: `witkit.plugins.dynamic.load(...)`, then `plugin.call(name, ...)`).
Both give a `Loaded` whose `call(wit_name, *args)` reaches the same export.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from witkit.codegen.host import write_host
from witkit.naming import pascal, snake
from witkit.plugins import dynamic
from witkit.runtime import Import, ImportFunc, Instance, Limits, Runtime, TypeDesc
from witkit.wit.resolve import resolve_source, select_world

VIAS = ("bindings", "dynamic")
"""The two ways every hostile guest is loaded."""


@dataclass(frozen=True)
class HostFunc:
    """A world-level host import, described once for both loaders."""

    params: Sequence[TypeDesc]
    result: TypeDesc | None
    impl: Callable[..., Any]


@dataclass(frozen=True)
class Guest:
    """A world (WIT text, world name) and a WAT component for it."""

    name: str
    wit: str
    world: str
    wat: str
    host: dict[str, HostFunc] = field(default_factory=dict)
    """World-level imports by WIT name; the defaults used when a test gives none."""


@dataclass
class Loaded:
    """A loaded guest: `call` takes the export's WIT name, whichever way it was loaded."""

    via: str
    plugin: Any
    instance: Instance

    def call(self, name: str, *args: Any) -> Any:
        if self.via == "bindings":
            return getattr(self.plugin, snake(name))(*args)
        return self.plugin.call(name, *args)


class Loaders:
    """Generated packages for the hostile worlds, under one folder on `sys.path`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._modules: dict[str, ModuleType] = {}

    def bindings(self, guest: Guest) -> ModuleType:
        """The generated package for `guest`'s world (generated on first use)."""
        module = self._modules.get(guest.name)
        if module is None:
            resolved = resolve_source(guest.wit, f"<{guest.name}.wit>")
            world = select_world(resolved.resolve, resolved.packages, guest.world)
            package = f"hostile_{snake(guest.name)}"
            write_host(resolved.resolve, world, self.root, package, source=f"{guest.name}.wit")
            module = importlib.import_module(package)
            self._modules[guest.name] = module
        return module

    def load(
        self,
        via: str,
        guest: Guest,
        runtime: Runtime,
        host: dict[str, HostFunc] | None = None,
        *,
        interfaces: Callable[[ModuleType], dict[str, Any]] | None = None,
        dynamic_imports: Sequence[Import] = (),
        limits: Limits | None = None,
    ) -> Loaded:
        """Load `guest` on `runtime` via generated bindings or the dynamic API.

        `host` serves world-level imports on both paths; imported interfaces are given per
        path: `interfaces(module)` returns the attributes to set on the generated imports
        object, `dynamic_imports` the runtime imports for the dynamic API. `limits` overrides
        the runtime's for this plugin.
        """
        funcs = guest.host if host is None else host
        if via == "bindings":
            module = self.bindings(guest)
            world_class = getattr(module, pascal(guest.world))
            imports = None
            base = getattr(module, f"{pascal(guest.world)}Imports", None)
            if base is not None:
                methods = {snake(n): _method(f.impl) for n, f in funcs.items()}
                imports = type("HostileHost", (base,), methods)()
                for attr, value in (interfaces(module) if interfaces else {}).items():
                    setattr(imports, attr, value)
            plugin = world_class.load(guest.wat, imports=imports, runtime=runtime, limits=limits)
            return Loaded(via, plugin, plugin.instance)
        linked: list[Import] = [ImportFunc(n, list(f.params), f.result, f.impl) for n, f in funcs.items()]
        plugin = dynamic.load(
            guest.wat, runtime=runtime, imports=[*linked, *dynamic_imports], limits=limits
        )
        return Loaded(via, plugin, plugin.instance)

    def unload(self) -> None:
        for name in list(sys.modules):
            if name.startswith("hostile_"):
                del sys.modules[name]


def _method(impl: Callable[..., Any]) -> Callable[..., Any]:
    def method(_self: Any, *args: Any) -> Any:
        return impl(*args)

    return method
