"""Fixtures for the host-bindings tests: generated packages (once per session), their mypy run,
and loaded kitchen plugins backed by a WAT component, a componentize-py guest and a
componentize-js guest."""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.corpus import CORPUS, wasi_package
from tests.support.mypy import require_mypy_strict
from witkit.codegen.host import write_host
from witkit.runtime import Runtime
from witkit.wit.resolve import resolve_path, select_world

REPO = Path(__file__).resolve().parents[2]
KITCHEN_WIT = "tests/worlds/kitchen/kitchen.wit"
"""The kitchen world, spelled relative to the repository (it appears in the generated header)."""
EDGE_WIT = "tests/codegen/worlds/edge"
"""Edge cases: same-named interfaces of two packages, an inline interface, keyword names."""
DROPS_WIT = "tests/codegen/worlds/drops"
"""A host resource the guest drops, with a WIT method named like the drop hook."""
MIDDLEWARE_WIT = "tests/codegen/worlds/middleware"
"""A world that imports and exports the same interface (a filter handed a `handler` that is one)."""
WORLD_RESOURCE_WIT = "tests/codegen/worlds/world_resource"
"""A resource declared in the world itself, with a constructor, a method and a static."""
SHAPES_WIT = "tests/codegen/worlds/shapes"
"""Worlds shaped like real plugin systems': a relay (import + export + world `use` of the
resource), an editor extension (world-level records, variant, alias, resource)."""
SHAPES_WORLDS = ("relay", "editor")
USES_WIT = "tests/codegen/worlds/uses"
"""A world that `use`s every kind of named type from an interface, aliases included."""
CORPUS_WORLDS = (("http", "proxy"), ("cli", "command"))


@dataclass
class Generated:
    """Packages written into one folder on `sys.path` for the whole session."""

    root: Path
    packages: dict[str, Path]
    corpus_error: str | None = None


def _write_kitchen(root: Path) -> Path:
    resolved = resolve_path(REPO / KITCHEN_WIT)
    world = select_world(resolved.resolve, resolved.packages)
    return write_host(resolved.resolve, world, root, source=KITCHEN_WIT)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The kitchen bindings and, when the shared corpus is present, WASI proxy and command ones."""
    root = tmp_path_factory.mktemp("generated")
    out = root / "packages"
    packages = {"kitchen": _write_kitchen(out)}
    edge = resolve_path(REPO / EDGE_WIT)
    edge_world = select_world(edge.resolve, edge.packages)
    packages["edge"] = write_host(edge.resolve, edge_world, out, source=EDGE_WIT)
    drops = resolve_path(REPO / DROPS_WIT)
    drops_world = select_world(drops.resolve, drops.packages)
    packages["drops"] = write_host(drops.resolve, drops_world, out, source=DROPS_WIT)
    for name, wit in (("middleware", MIDDLEWARE_WIT), ("world_resource", WORLD_RESOURCE_WIT)):
        resolved = resolve_path(REPO / wit)
        world = select_world(resolved.resolve, resolved.packages)
        packages[name] = write_host(resolved.resolve, world, out, source=wit)
    shapes = resolve_path(REPO / SHAPES_WIT)
    for world_name in SHAPES_WORLDS:
        world = select_world(shapes.resolve, shapes.packages, world_name)
        packages[world_name] = write_host(shapes.resolve, world, out, source=SHAPES_WIT)
    uses = resolve_path(REPO / USES_WIT)
    packages["uses"] = write_host(
        uses.resolve, select_world(uses.resolve, uses.packages), out, source=USES_WIT
    )
    corpus_error = None
    if (CORPUS / "wasi" / "0.2.9").is_dir():
        for name, world_name in CORPUS_WORLDS:
            try:
                pkg = wasi_package("0.2.9", name, root / "wit")
                resolved = resolve_path(pkg)
                world = select_world(resolved.resolve, resolved.packages, world_name)
                packages[world_name] = write_host(resolved.resolve, world, out, source=str(pkg))
            except Exception as e:  # reported by the corpus tests, not by every test
                corpus_error = f"{type(e).__name__}: {e}"
    sys.path.insert(0, str(out))
    try:
        yield Generated(out, packages, corpus_error)
    finally:
        sys.path.remove(str(out))
        for name in list(sys.modules):
            if name.split(".")[0] in packages:
                del sys.modules[name]


@pytest.fixture(scope="session")
def mypy_errors(generated: Generated) -> dict[str, list[str]]:
    """`mypy --strict` run once over every generated package: error lines per package.

    A non-zero mypy exit fails every test using this (`tests.support.mypy`), so the per-package
    lists are empty whenever they are returned; the tests still assert so, to name the package.
    """
    require_mypy_strict(generated.packages.values(), generated.root / "mypy-cache")
    return {name: [] for name in generated.packages}


@pytest.fixture(scope="session")
def kitchen(generated: Generated) -> ModuleType:
    """The generated `kitchen` package, imported."""
    return importlib.import_module("kitchen")


def _guest_component() -> Path:
    if shutil.which("componentize-py") is None:
        try:
            import componentize_py  # noqa: F401
        except ImportError:
            pytest.skip("componentize-py is not installed")
    from tests.support.guests import kitchen_component

    return kitchen_component()


def _js_guest_component() -> Path:
    from tests.support.guests import kitchen_js_component

    return kitchen_js_component()  # skips without Node.js and npm


@pytest.fixture(scope="session")
def compile_cache() -> Iterator[dict[tuple[str, bool], tuple[Runtime, Any]]]:
    """Compiled components by (kind, fast path), released before the interpreter shuts down."""
    cache: dict[tuple[str, bool], tuple[Runtime, Any]] = {}
    yield cache
    cache.clear()
    import gc

    gc.collect()


@pytest.fixture(
    scope="session",
    params=[
        pytest.param(("wat", True), id="wat-fast"),
        pytest.param(("wat", False), id="wat-public"),
        pytest.param(("guest", True), id="guest", marks=pytest.mark.slow),
        pytest.param(("js-guest", True), id="js-guest", marks=pytest.mark.slow),
    ],
)
def compiled(
    request: pytest.FixtureRequest, compile_cache: dict[tuple[str, bool], tuple[Runtime, Any]]
) -> tuple[str, Runtime, Any]:
    """(source kind, runtime, compiled kitchen component) for each implementation and call path:
    `wat`, `guest` (Python) or `js-guest` (JavaScript)."""
    kind, fast = request.param
    key = (kind, fast)
    if key not in compile_cache:
        from tests.codegen.kitchen_wat import KITCHEN_WAT
        from tests.support.guests import cache_dir

        # The guest is big: keep its compiled form next to the test guests, not in the user cache.
        rt = Runtime(
            cache_dir=cache_dir().parent / "components", cache=kind != "wat", fast_calls=fast
        )
        source: Any = {"wat": lambda: KITCHEN_WAT, "guest": _guest_component,
                       "js-guest": _js_guest_component}[kind]()  # fmt: skip
        compile_cache[key] = (rt, rt.compile(source))
    rt, component = compile_cache[key]
    return kind, rt, component
