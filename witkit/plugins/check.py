"""Can a component stand in for a WIT world? Its own types compared with the resolved world.

The comparison itself is `witkit.runtime.worldcheck.check_world`, the one generated
bindings run at load time too; this module builds its expected world from the resolved WIT
model (`expected_world`), resources named by the interface that declares them. `witkit check` is `check_plugin`. Besides the world's imports the
host provides WASI and `witkit:plugin/config` (`HOST_PROVIDED`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import wasmtime
import wasmtime.component as wc

from witkit.plugins.inspect import type_engine
from witkit.runtime.worldcheck import (
    HOST_PROVIDED,
    ExpectedFunc,
    ExpectedInterface,
    ExpectedWorld,
    Mismatch,
    MismatchKind,
    WorldMismatch,
    check_world,
)
from witkit.wit import model as m
from witkit.wit.identity import ResourceLabel, handle_resources, resource_labels
from witkit.wit.printer import type_text

__all__ = [
    "HOST_PROVIDED",
    "Mismatch",
    "MismatchKind",
    "WorldMismatch",
    "check_against_wit",
    "check_component",
    "check_plugin",
    "expected_func",
    "expected_world",
    "require_world",
    "require_world_wit",
]


# ---------------------------------------------------------------------------------------------
# The expected world, from the resolved model


def expected_func(
    resolve: m.Resolve, func: m.Function, resource_label: ResourceLabel | None = None
) -> ExpectedFunc:
    """What a component must have for `func`: its types spelled structurally, and with
    `resource_label` the identity of the resource of each handle."""
    params = tuple((p.name, type_text(resolve, p.type, "structural")) for p in func.params)
    result = None if func.result is None else type_text(resolve, func.result, "structural")
    resources: tuple[str | None, ...] = ()
    if resource_label is not None:
        types = [p.type for p in func.params] + ([] if func.result is None else [func.result])
        resources = tuple(resource_label(r) for r in handle_resources(resolve, types))
    return ExpectedFunc(params, result, resources)


def _expected_interface(
    resolve: m.Resolve, iface: m.Interface, direction: str, resource_label: ResourceLabel
) -> ExpectedInterface:
    functions = {
        name: expected_func(resolve, f, resource_label) for name, f in iface.functions.items()
    }
    resources: tuple[str, ...] = ()
    if direction == "export":
        resources = tuple(
            name
            for name, tid in iface.types.items()
            if isinstance(resolve.types[tid].kind, m.Resource)
        )
    return ExpectedInterface(functions, resources)


def expected_world(resolve: m.Resolve, world_id: int) -> ExpectedWorld:
    """What world `world_id` of `resolve` expects of a component, for `check_world`."""
    world = resolve.worlds[world_id]
    import_label, export_label, places = resource_labels(resolve, world)
    sides: dict[str, dict[str | None, ExpectedInterface]] = {}
    for direction, items in (("import", world.imports), ("export", world.exports)):
        label = import_label if direction == "import" else export_label
        side: dict[str | None, ExpectedInterface] = {}
        own: dict[str, ExpectedFunc] = {}
        for key, item in items.items():
            if isinstance(item, m.WorldInterface):
                name = resolve.world_key_name(key) if isinstance(key, int) else key
                iface = resolve.interfaces[item.id]
                side[name] = _expected_interface(resolve, iface, direction, label)
            elif isinstance(item, m.WorldFunction):
                own[resolve.world_key_name(key)] = expected_func(resolve, item.function, label)
        if own:
            side[None] = ExpectedInterface(own)
        sides[direction] = side
    return ExpectedWorld(resolve.world_id_of(world_id), sides["export"], sides["import"], places)


# ---------------------------------------------------------------------------------------------
# The check


def check_component(
    component_type: wc.ComponentType | wc.Component,
    resolve: m.Resolve,
    world_id: int,
    *,
    engine: wasmtime.Engine | None = None,
    host_provided: Sequence[str] = HOST_PROVIDED,
) -> list[Mismatch]:
    """Every difference between the component and world `world_id` of `resolve` (empty: it fits).

    `component_type` is `Component.type` (a compiled `Component` is accepted too); `engine`
    is any wasmtime engine (types are read through it; a shared one is used when omitted).
    `host_provided` lists import-name prefixes the host satisfies outside the world.
    """
    eng = engine if engine is not None else type_engine()
    return check_world(
        component_type, expected_world(resolve, world_id), eng, host_provided=host_provided
    )


def require_world(
    component_type: wc.ComponentType | wc.Component,
    resolve: m.Resolve,
    world_id: int,
    *,
    engine: wasmtime.Engine | None = None,
    what: str = "the component",
) -> None:
    """Raise `WorldMismatch` (a PluginError) listing every difference, unless the component fits."""
    found = check_component(component_type, resolve, world_id, engine=engine)
    if found:
        raise WorldMismatch(resolve.world_id_of(world_id), found, what)


def check_plugin(
    plugin: str | os.PathLike[str] | bytes | wc.Component,
    wit: str | os.PathLike[str],
    world: str | None = None,
    *,
    features: frozenset[str] | None = frozenset(),
) -> tuple[str, list[Mismatch]]:
    """Compile `plugin` (not instantiated), resolve `wit`, select `world`: (world name, mismatches)."""
    from witkit.runtime import Runtime
    from witkit.wit import resolve_path, select_world

    resolved = resolve_path(os.fspath(wit), features=features)
    world_id = select_world(resolved.resolve, resolved.main, world)
    rt = Runtime()
    component = rt.compile(os.fspath(plugin) if isinstance(plugin, os.PathLike) else plugin)
    label = resolved.resolve.world_id_of(world_id)
    return label, check_component(component.type, resolved.resolve, world_id, engine=rt.engine)


@functools.lru_cache(maxsize=32)
def _expected_text(wit_text: str, world: str | None) -> ExpectedWorld:
    from witkit.wit import resolve_source, select_world

    resolved = resolve_source(wit_text)
    return expected_world(resolved.resolve, select_world(resolved.resolve, resolved.main, world))


def check_against_wit(
    component_type: wc.ComponentType | wc.Component,
    wit_text: str,
    world: str | None = None,
    *,
    engine: wasmtime.Engine | None = None,
    host_provided: Sequence[str] = HOST_PROVIDED,
) -> list[Mismatch]:
    """`check_component` against a world given as WIT text (resolved once per distinct text)."""
    eng = engine if engine is not None else type_engine()
    return check_world(
        component_type, _expected_text(wit_text, world), eng, host_provided=host_provided
    )


def require_world_wit(
    component_type: wc.ComponentType | wc.Component,
    wit_text: str,
    world: str | None = None,
    *,
    engine: wasmtime.Engine | None = None,
    what: str = "the component",
) -> None:
    """`require_world` against a world given as WIT text: raise `WorldMismatch` unless the component fits."""
    expected = _expected_text(wit_text, world)
    found = check_against_wit(component_type, wit_text, world, engine=engine)
    if found:
        raise WorldMismatch(expected.name, found, what)
