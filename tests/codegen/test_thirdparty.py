"""Third-party WIT under `tests/thirdparty/wit/<name>/` (one package folder each, with its
`deps/`): every world there that does not use `async`, `stream` or `future` generates host
bindings that import and pass `mypy --strict` (one mypy run over all of them); a world that
does use them binds too (an `async func` export) or is refused in one line naming the item. `WITKIT_THIRDPARTY_WIT` points the test
at another folder of the same layout. No folder, no worlds: the tests skip saying so."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.codegen.conftest import REPO
from tests.support.mypy import require_mypy_strict
from witkit.codegen.host import write_host
from witkit.errors import BindingError
from witkit.naming import snake, version_words
from witkit.wit import model as m
from witkit.wit.resolve import resolve_path

ROOT = Path(os.environ.get("WITKIT_THIRDPARTY_WIT", REPO / "tests" / "thirdparty" / "wit"))


@dataclass
class Bound:
    """What generating every third-party world gave."""

    root: Path
    packages: dict[str, Path]
    refused: dict[str, str]
    """World -> the BindingError of a world using async/stream/future."""
    failures: dict[str, str]
    """World -> the error of a world that should have bound (or was refused in a bad way)."""


def _uses_p3(resolve: m.Resolve, world: m.World) -> bool:
    """True when the world reaches an `async` function, a `stream` or a `future`."""
    owners = {("world", resolve.worlds.index(world))}
    funcs: list[m.Function] = []
    for item in [*world.imports.values(), *world.exports.values()]:
        if isinstance(item, m.WorldInterface):
            owners.add(("interface", item.id))
            funcs += resolve.interfaces[item.id].functions.values()
        elif isinstance(item, m.WorldFunction):
            funcs.append(item.function)
    if any(f.is_async for f in funcs):
        return True
    return any(
        isinstance(td.kind, m.Stream | m.Future)
        and (td.owner is None or (td.owner.kind, td.owner.id) in owners)
        for td in resolve.types
    )


def _folders() -> list[Path]:
    if not ROOT.is_dir():
        return []
    return sorted(p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bound]:
    folders = _folders()
    if not folders:
        pytest.skip(f"no third-party WIT folders under {ROOT}")
    out = tmp_path_factory.mktemp("thirdparty")
    result = Bound(out, {}, {}, {})
    for folder in folders:
        resolved = resolve_path(folder)
        for wid, world in enumerate(resolved.resolve.worlds):
            if world.package not in resolved.packages:
                continue
            name = f"tp_{snake(version_words(folder.name))}_{snake(world.name)}"
            try:
                result.packages[name] = write_host(resolved.resolve, wid, out, name)
            except BindingError as e:
                text = str(e)
                if _uses_p3(resolved.resolve, world) and "\n" not in text:
                    result.refused[name] = text
                else:
                    result.failures[name] = text
            except Exception as e:  # the test names it; anything else is a bug
                result.failures[name] = f"{type(e).__name__}: {e}"
    sys.path.insert(0, str(out))
    try:
        yield result
    finally:
        sys.path.remove(str(out))
        for mod in list(sys.modules):
            if mod.split(".")[0] in result.packages:
                del sys.modules[mod]


def test_every_world_without_async_binds(bound: Bound) -> None:
    assert bound.failures == {}
    assert bound.packages, "no world bound"


def test_the_bound_worlds_import_and_pass_mypy_strict(bound: Bound) -> None:
    for name in bound.packages:
        importlib.import_module(name)
    require_mypy_strict(bound.packages.values(), bound.root / "mypy-cache")


def test_async_worlds_are_refused_in_one_line_naming_the_item(bound: Bound) -> None:
    for name, text in bound.refused.items():
        assert "#" in text and ("async" in text or "stream" in text or "future" in text), name


def test_wasi_proposals_are_imports_the_host_serves(bound: Bound) -> None:
    """The runtime's WASI serves wasi:io (and cli, clocks, ...), so a host may leave those unset;
    it implements none of the proposals (keyvalue, blobstore, ...): those are required like any
    import, named at load, not left to fail in the linker. A resource with methods only
    (`bucket`: the host's `open` returns it) needs no class attribute on the interface."""
    name = "tp_wasi_blobstore_0_2_0_draft_imports"
    if name not in bound.packages:
        pytest.skip("the wasi-blobstore folder is absent")
    blob = importlib.import_module(name)
    assert blob.ImportsImports.streams is None  # wasi:io/streams@0.2.0: the runtime's
    with pytest.raises(
        BindingError, match=r"^imports\.types must be an instance of .*, got NoneType$"
    ):
        blob._link(type("Host", (blob.ImportsImports,), {})())
    kv = importlib.import_module("tp_wasi_keyvalue_0_2_0_draft_imports.store")

    class Store(kv.Store):  # type: ignore[misc, name-defined]
        def open(self, identifier: str) -> kv.Bucket:  # type: ignore[name-defined]
            raise AssertionError("not called")

    served = {getattr(f, "name", None) for f in kv.link(Store()).items}
    assert {"open", "[method]bucket.get"} <= served
