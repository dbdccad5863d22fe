"""The guest plan names modules and classes exactly as componentize-py's bindings do."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.corpus import require_corpus, wasi_package
from tests.support.guests import KITCHEN_WIT
from witkit.guest.plan import GuestPlan, plan_for, resolve_world
from witkit.wit import model as m

CLASH_DEP = """package b:y@1.0.0;
interface api { resource r { constructor(); } f: func(); }
"""
CLASH = """package a:x;
interface api { resource r { constructor(); } f: func(); }
world w { export api; export b:y/api@1.0.0; import b:y/api@1.0.0; }
"""


def _bindings(wit: Path, world: str, dest: Path) -> Path:
    # Named in full, as `witkit build` names it: componentize-py also reads the WIT of
    # installed packages that ship a componentize-py.toml, where a bare name is ambiguous.
    resolve, world_id = resolve_world(wit, world)
    package = resolve.worlds[world_id].package
    if package is not None:
        name = resolve.packages[package].name
        version = f"@{name.version}" if name.version else ""
        world = f"{name.namespace}:{name.name}/{world}{version}"
    subprocess.run(
        [sys.executable, "-c", "import sys; from componentize_py import script; sys.exit(script())",
         "-d", str(wit), "-w", world, "-q", "bindings", str(dest)],
        check=True, capture_output=True,
    )
    return dest / "wit_world"


def _classes(path: Path) -> set[str]:
    return {n.name for n in ast.parse(path.read_text()).body if isinstance(n, ast.ClassDef)}


def _assert_matches(plan: GuestPlan, bindings: Path) -> None:
    exports = bindings / "exports"
    assert _classes(exports / "__init__.py") == {i.class_name for i in plan.interfaces}
    for iface in plan.interfaces:
        if iface.resources:
            assert {r.class_name for r in iface.resources} <= _classes(exports / f"{iface.module}.py")
    imported = {p.stem for p in (bindings / "imports").glob("*.py")} - {"__init__"}
    assert imported <= set(plan.import_modules.values())
    for iface_id, module in plan.import_modules.items():
        iface = plan.resolve.interfaces[iface_id]
        if module not in imported and iface.name is not None:
            # componentize-py writes no module for an interface of aliases only (nor, in
            # 0.25, for an inline `import x: interface { }`)
            assert not iface.functions
            kinds = [plan.resolve.types[t].kind for t in iface.types.values()]
            assert all(isinstance(k, m.Alias) for k in kinds), module
    if plan.world_functions:
        assert "WitWorld" in _classes(bindings / "__init__.py")


def test_kitchen(tmp_path: Path) -> None:
    _assert_matches(plan_for(KITCHEN_WIT, "kitchen"), _bindings(KITCHEN_WIT, "kitchen", tmp_path / "b"))


def test_interface_name_clash_is_qualified(tmp_path: Path) -> None:
    (tmp_path / "wit" / "deps" / "b").mkdir(parents=True)
    (tmp_path / "wit" / "deps" / "b" / "b.wit").write_text(CLASH_DEP)
    (tmp_path / "wit" / "a.wit").write_text(CLASH)
    plan = plan_for(tmp_path / "wit", "w")
    assert sorted(i.class_name for i in plan.interfaces) == ["AXApi", "BYApi"]
    assert sorted(i.module for i in plan.interfaces) == ["a_x_api", "b_y_api"]
    assert list(plan.import_modules.values()) == ["api"]
    _assert_matches(plan, _bindings(tmp_path / "wit", "w", tmp_path / "b"))


@pytest.mark.parametrize(
    ("version", "package", "world"),
    [("0.2.9", "cli", "command"), ("0.2.9", "http", "proxy"), ("0.3.0", "cli", "command"),
     ("0.3.0", "http", "service")],
)
def test_wasi_worlds(tmp_path: Path, version: str, package: str, world: str) -> None:
    require_corpus("wasi", version)
    wit = wasi_package(version, package, tmp_path / "corpus")
    _assert_matches(plan_for(wit, world), _bindings(wit, world, tmp_path / "b"))


INLINE = """package t:inline;
interface types { record point { x: s32 } }
world w {
  use types.{point};
  import host: interface { use types.{point}; ping: func() -> point; }
  export tools: interface {
    use types.{point};
    resource pen { constructor(); draw: func(at: point); }
    make: func() -> pen;
  }
  export where: func() -> point;
}
"""


def test_inline_interfaces_and_world_uses(tmp_path: Path) -> None:
    wit = tmp_path / "w.wit"
    wit.write_text(INLINE)
    plan = plan_for(wit, "w")
    assert [(i.wit_path, i.module, i.class_name) for i in plan.interfaces] == [("tools", "tools", "Tools")]
    assert sorted(plan.import_modules.values()) == ["host", "types"]
    _assert_matches(plan, _bindings(wit, "w", tmp_path / "b"))
