"""The stages keep to their rooms, checked by reading every module's imports.

- Nothing under `witkit/runtime/` imports a build-time or plugin-management package: call
  time needs neither the WIT reader, nor code generation, nor the plugin manager.
- No package imports another package's underscore modules or names (`witkit.runtime._abi`,
  `witkit.plugins.dynamic._invoker`); a package's own underscore modules are its business,
  and so are witkit's root-level helpers (`witkit._text`).
- Generated host packages import nothing of witkit but public names of `witkit.runtime`.

Each check is a function over module sources, shown below to report a breach.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import witkit.runtime
from witkit.codegen.host import write_host
from witkit.wit import resolve_path, select_world

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "witkit"

BUILD_TIME = ("witkit.wit", "witkit.codegen", "witkit.guest", "witkit.plugins",
              "witkit.composition", "witkit.cli")  # fmt: skip


def imported(source: str) -> Iterable[tuple[int, str]]:
    """(line, dotted name) of everything `source` imports from witkit, names included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _package(module: str) -> str:
    """`witkit.runtime` for `witkit.runtime._abi.PRIMS`; root-level modules are `witkit`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and not parts[1].startswith("_") else "witkit"


def runtime_breaches(modules: dict[str, str]) -> list[str]:
    """Imports of build-time packages by modules named `witkit.runtime.*`."""
    return [
        f"{name}:{line} imports {target}"
        for name, source in modules.items()
        if name.startswith("witkit.runtime")
        for line, target in imported(source)
        if target.startswith(BUILD_TIME)
    ]


def private_breaches(modules: dict[str, str]) -> list[str]:
    """Imports of another package's underscore modules or names."""
    out = []
    for name, source in modules.items():
        home = _package(name)
        for line, target in imported(source):
            if not target.startswith("witkit.") or _package(target) in (home, "witkit"):
                continue
            private = [p for p in target.split(".")[2:] if p.startswith("_") and p != "__init__"]
            if private:
                out.append(f"{name}:{line} imports {target}")
    return sorted(set(out))


def generated_breaches(modules: dict[str, str]) -> list[str]:
    """witkit imports of generated modules other than public names of `witkit.runtime`."""
    public = set(witkit.runtime.__all__) | {"bindings", "types"}
    out = []
    for name, source in modules.items():
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.ImportFrom | ast.Import):
                continue
            if isinstance(node, ast.Import):
                pairs = [(a.name, "") for a in node.names]
            elif node.level:
                continue  # the package's own modules
            else:
                pairs = [(node.module or "", a.name) for a in node.names]
            for module, what in pairs:
                if module == "witkit" and what == "runtime":
                    continue
                if module.split(".")[0] != "witkit":
                    continue
                if module != "witkit.runtime" or what not in public:
                    out.append(f"{name}:{node.lineno} imports {module} {what}".rstrip())
    return out


def _witkit_modules() -> dict[str, str]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[dotted] = path.read_text(encoding="utf-8")
    return modules


def test_runtime_imports_no_build_time_package() -> None:
    assert runtime_breaches(_witkit_modules()) == []


def test_no_package_imports_another_packages_private_modules() -> None:
    assert private_breaches(_witkit_modules()) == []


def test_generated_packages_import_only_public_runtime_names(tmp_path: Path) -> None:
    generated: dict[str, str] = {}
    for wit, world in [(ROOT / "tests" / "worlds" / "kitchen", None),
                       (ROOT / "examples" / "vowels" / "wit", None),
                       (ROOT / "examples" / "kvstore" / "wit", None)]:  # fmt: skip
        resolved = resolve_path(wit)
        world_id = select_world(resolved.resolve, resolved.packages, world)
        folder = write_host(resolved.resolve, world_id, tmp_path / wit.parent.name)
        for path in sorted(folder.rglob("*.py")):
            generated[path.relative_to(tmp_path).as_posix()] = path.read_text(encoding="utf-8")
    assert len(generated) > 5
    assert generated_breaches(generated) == []


def test_each_check_reports_a_breach() -> None:
    assert runtime_breaches({"witkit.runtime.x": "from witkit.codegen.naming import snake\n"}) == [
        "witkit.runtime.x:1 imports witkit.codegen.naming",
        "witkit.runtime.x:1 imports witkit.codegen.naming.snake",
    ]
    bad = {
        "witkit.plugins.x": "from witkit.runtime._abi import PRIMS\nfrom witkit.runtime import _rewrite\n",
        "witkit.composition.y": "from witkit.plugins.dynamic import _invoker, load\n",
        "witkit.runtime.z": "from witkit.runtime._abi import PRIMS\nfrom witkit._text import plural\n",
    }
    assert private_breaches(bad) == [
        "witkit.composition.y:1 imports witkit.plugins.dynamic._invoker",
        "witkit.plugins.x:1 imports witkit.runtime._abi",
        "witkit.plugins.x:1 imports witkit.runtime._abi.PRIMS",
        "witkit.plugins.x:2 imports witkit.runtime._rewrite",
    ]
    assert generated_breaches({
        "p/__init__.py": "from witkit import runtime as _rt\nfrom witkit.runtime import Some\n"
                         "from witkit.codegen import hostlib as _h\nfrom witkit.runtime import _abi\n"
                         "from . import api\n",
    }) == [
        "p/__init__.py:3 imports witkit.codegen hostlib",
        "p/__init__.py:4 imports witkit.runtime _abi",
    ]
