"""The real WASI packages (0.2.9 and 0.3.0) resolve as package folders with their deps under `deps/`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.corpus import wasi_package, wasi_packages
from tests.wit._corpus import WASI
from witkit.wit.model import WorldInterface, kind_parts
from witkit.wit.resolve import resolve_path, select_world

pytestmark = pytest.mark.skipif(
    not WASI.is_dir(), reason=f"shared WIT corpus not found at {WASI} (see corpus/README.md)"
)


@pytest.mark.parametrize(
    ("version", "package"),
    [(v, p) for v in ("0.2.9", "0.3.0") for p in wasi_packages(v)],
)
@pytest.mark.parametrize("features", [frozenset(), None], ids=["no-features", "all-features"])
def test_wasi_package_resolves(
    tmp_path: Path, version: str, package: str, features: frozenset[str] | None
) -> None:
    resolved = resolve_path(wasi_package(version, package, tmp_path), features=features)
    r = resolved.resolve
    main = r.packages[resolved.main]
    assert str(main.name) == f"wasi:{package}@{version}"
    # Every type is defined before it is used.
    for i, td in enumerate(r.types):
        for part in kind_parts(td.kind):
            assert isinstance(part, str) or part < i, (i, td)


def test_wasi_http_proxy(tmp_path: Path) -> None:
    start = time.perf_counter()
    resolved = resolve_path(wasi_package("0.2.9", "http", tmp_path))
    elapsed = time.perf_counter() - start
    r = resolved.resolve
    world = select_world(r, resolved.packages, "wasi:http/proxy@0.2.9")
    assert world == select_world(r, resolved.packages, "proxy")
    w = r.worlds[world]
    imports = {r.world_key_name(k) for k in w.imports}
    exports = {r.world_key_name(k) for k in w.exports}
    assert exports == {"wasi:http/incoming-handler@0.2.9"}
    # Imported explicitly or because an import uses their types.
    for name in (
        "wasi:io/poll@0.2.9",
        "wasi:io/error@0.2.9",
        "wasi:io/streams@0.2.9",
        "wasi:clocks/monotonic-clock@0.2.9",
        "wasi:http/types@0.2.9",
        "wasi:http/outgoing-handler@0.2.9",
        "wasi:random/random@0.2.9",
        "wasi:cli/stdout@0.2.9",
    ):
        assert name in imports
    assert all(isinstance(item, WorldInterface) for item in w.imports.values())
    # Dependencies come before what uses them: io's interfaces precede http's.
    order = [r.world_key_name(k) for k in w.imports]
    assert order.index("wasi:io/streams@0.2.9") < order.index("wasi:http/types@0.2.9")
    print(f"\nparse+resolve wasi:http/proxy@0.2.9 with deps: {elapsed * 1000:.0f} ms")


def test_wasi_http_service_p3(tmp_path: Path) -> None:
    resolved = resolve_path(wasi_package("0.3.0", "http", tmp_path))
    r = resolved.resolve
    world = select_world(r, resolved.packages, "wasi:http/service@0.3.0")
    w = r.worlds[world]
    exports = {r.world_key_name(k) for k in w.exports}
    assert "wasi:http/handler@0.3.0" in exports
    funcs = [
        f
        for iface in r.interfaces
        if iface.package == resolved.main
        for f in iface.functions.values()
    ]
    assert any(f.is_async for f in funcs)
