"""Hostile input to `witkit generate` and `witkit new`: whatever names the WIT or the command line
holds, nothing is written outside the output folder, never through a symbolic link, never half;
and no generated name shadows a name the generated code uses.

Every name that reaches the file system goes through `witkit.codegen.output.checked_join`;
both commands write their tree into a temporary folder and rename it into place.
"""

from __future__ import annotations

import ast
import builtins
import enum
import errno
import importlib
import os
import re
import subprocess
import sys
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.runtime.wat import ALLOCATOR
from tests.support.mypy import require_mypy_strict
from witkit import runtime
from witkit.cli import main
from witkit.codegen import output
from witkit.codegen.host import (
    CLASS_BODY_NAMES,
    INIT_NAMES,
    PROTECTED_MODULES,
    package_name_for,
    render_host,
    write_host,
)
from witkit.codegen.output import checked_join
from witkit.errors import BindingError, BuildError
from witkit.guest import new_project
from witkit.guest.plan import plan_for
from witkit.wit.resolve import resolve_path, resolve_source, select_world

REPO = Path(__file__).resolve().parents[2]
KITCHEN = REPO / "tests" / "worlds" / "kitchen" / "kitchen.wit"
EDGE = REPO / "tests" / "codegen" / "worlds" / "edge"
SHADOW = REPO / "tests" / "hostile" / "worlds" / "shadow"
PLAIN = re.compile(r"\.?[A-Za-z0-9_][A-Za-z0-9_.+-]*")


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under `root`: file bytes, `->target` for a link, `/` for a folder."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "->" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "/"
            else:
                out[rel] = path.read_bytes()
    return out


def _generate(*args: str) -> Any:
    return CliRunner().invoke(main, ["generate", *args])


# ---------------------------------------------------------------------------------------------
# The checked join


@pytest.mark.parametrize(
    "rel",
    [
        "../x.py", "a/../../x.py", "..", ".", "", "/etc/passwd", "//x", "a//b.py", "a/./b.py",
        "a/", "a\\..\\b.py", "C:/x.py", "~/x.py", "x y.py", "-rf", "x\x00.py",
        "\uff50\uff4b\uff47.py", "con.py", "CON", "aux.txt", "pkg/lpt1.py", "nul",
    ],
)  # fmt: skip
def test_checked_join_refuses_what_is_not_a_plain_relative_name(tmp_path: Path, rel: str) -> None:
    with pytest.raises(BindingError, match="refusing to write"):
        checked_join(tmp_path / "root", rel, BindingError)


def test_checked_join_refuses_a_path_through_a_symbolic_link(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "folder").symlink_to(outside, target_is_directory=True)
    (root / "file.py").symlink_to(outside / "victim.py")
    (root / "inner.py").symlink_to(root / "other.py")  # a link inside the root is refused too
    for rel in ("folder/x.py", "folder", "file.py", "inner.py"):
        with pytest.raises(BindingError, match="is a symbolic link"):
            checked_join(root, rel, BindingError)
    assert checked_join(root, "pkg/__init__.py", BindingError) == root / "pkg" / "__init__.py"


@pytest.fixture(scope="module")
def link_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding links out of it, for the property test."""
    base = tmp_path_factory.mktemp("join")
    root = base / "root"
    root.mkdir()
    (root / "out").symlink_to(base, target_is_directory=True)
    (root / "victim.py").symlink_to(base / "victim.py")
    (root / "pkg").mkdir()
    return root


_PIECES = st.one_of(
    st.sampled_from(["..", ".", "", "~", "out", "victim.py", "pkg", "con", "a\\b", "/", "%", "C:"]),
    st.text(max_size=6),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, max_size=4).map("/".join))
def test_every_path_checked_join_accepts_stays_inside_the_root(link_root: Path, rel: str) -> None:
    try:
        path = checked_join(link_root, rel, BindingError)
    except BindingError:
        return
    real_root = os.path.realpath(link_root)
    assert os.path.commonpath([real_root, os.path.realpath(path)]) == real_root
    assert all(PLAIN.fullmatch(part) for part in rel.split("/"))
    assert not any(p.is_symlink() for p in [path, *path.parents] if link_root in p.parents)


# ---------------------------------------------------------------------------------------------
# Names from WIT: any identifier the WIT grammar allows

_WORD = st.one_of(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True),
    st.from_regex(r"[A-Z][A-Z0-9]{0,5}", fullmatch=True),
)
_IDENT = st.lists(_WORD, min_size=1, max_size=3).map("-".join)
_NUM = st.integers(0, 20).map(str)
_LABEL = st.one_of(_NUM, st.from_regex(r"[A-Za-z-][0-9A-Za-z-]{0,4}", fullmatch=True))
_VERSION = st.tuples(
    _NUM, _NUM, _NUM,
    st.lists(_LABEL, max_size=2).map(lambda p: "-" + ".".join(p) if p else ""),
    st.lists(st.from_regex(r"[0-9A-Za-z-]{1,4}", fullmatch=True), max_size=2).map(
        lambda b: "+" + ".".join(b) if b else ""
    ),
).map(lambda v: f"@{v[0]}.{v[1]}.{v[2]}{v[3]}{v[4]}")  # fmt: skip


@st.composite
def _worlds(draw: st.DrawFn) -> str:
    """A package of three interfaces (a record, a resource, functions) and a world using them,
    every name drawn (and `%`-escaped, so keywords are fine too)."""
    unique = draw(st.lists(_IDENT, min_size=6, max_size=6, unique_by=str.lower))
    i0, i1, i2, world, key, res = (f"%{n}" for n in unique)
    rec, fn = (f"%{n}" for n in draw(st.lists(_IDENT, min_size=2, max_size=2, unique_by=str.lower)))
    field, param, method = (f"%{draw(_IDENT)}" for _ in range(3))
    ns, pkg = draw(_IDENT), draw(_IDENT)
    version = draw(st.one_of(st.just(""), _VERSION))
    return f"""
package %{ns}:%{pkg}{version};
interface {i0} {{ record {rec} {{ {field}: u32 }} {fn}: func({param}: {rec}) -> u32; }}
interface {i1} {{ resource {res} {{ constructor(); {method}: func() -> u32; }} }}
interface {i2} {{ {fn}: func({param}: string); }}
world {world} {{
    import {i0};
    export {i1};
    import {i2};
    import {key}: interface {{ {fn}: func(); }}
    export {fn}: func({param}: u32) -> u32;
}}
"""


def _assert_only_inside(base: Path, expected_top: set[str]) -> None:
    assert set(os.listdir(base)) == expected_top
    real = os.path.realpath(base)
    for dirpath, dirnames, filenames in os.walk(base):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            assert not path.is_symlink(), path
            assert os.path.commonpath([real, os.path.realpath(path)]) == real


@settings(max_examples=60, deadline=None)
@given(_worlds())
def test_wit_names_never_leave_the_output_folder(wit: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = base / "world.wit"
        source.write_text(wit)
        resolved = resolve_path(source)
        world = select_world(resolved.resolve, resolved.packages)
        package = write_host(resolved.resolve, world, base / "out")
        assert package.parent == base / "out" and package.name.isidentifier()
        assert package.name not in PROTECTED_MODULES
        files = sorted(os.listdir(package))
        assert files == sorted(render_host(resolved.resolve, world))
        for name in files:
            assert name == "py.typed" or re.fullmatch(r"[a-z_][a-z0-9_]*\.py", name), name
            assert name.split(".")[0] not in output.WINDOWS_DEVICES
            if name.endswith(".py"):
                compile((package / name).read_text(), name, "exec")
        project = new_project("p", source, None, base / "guest")
        assert project == base / "guest"
        for rel, _ in _tree(project).items():
            if rel.endswith(".py"):
                compile((project / rel).read_text(), rel, "exec")
        _assert_only_inside(base, {"world.wit", "out", "guest"})


# ---------------------------------------------------------------------------------------------
# Names from the command line


@pytest.mark.parametrize(
    ("package", "message"),
    [
        ("../../x", "is not a Python identifier"),
        ("/tmp/abs", "is not a Python identifier"),
        ("a/b", "is not a Python identifier"),
        ("..", "is not a Python identifier"),
        ("a.b", "is not a Python identifier"),
        ("", "is not a Python identifier"),
        ("class", "is not a Python identifier"),
        ("\uff50\uff4b\uff47", "is not a Python identifier"),
        ("typing", "would shadow the module `typing`"),
        ("witkit", "would shadow the module `witkit`"),
        ("wasmtime", "would shadow the module `wasmtime`"),
        ("con", "is a Windows device name"),
    ],
)
def test_hostile_package_option_is_refused(tmp_path: Path, package: str, message: str) -> None:
    out = tmp_path / "deep" / "out"
    result = _generate(str(KITCHEN), "-o", str(out), "--package", package)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["../evil", "/tmp/evil", "a/b", "..", ".hidden", "-rf"])
def test_hostile_project_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["new", "--wit", str(KITCHEN), "--", name])
    assert result.exit_code == 1, result.output
    assert "is not a project name" in result.output and "Traceback" not in result.output
    assert os.listdir(tmp_path) == ["work"] and os.listdir(work) == []


# ---------------------------------------------------------------------------------------------
# Symbolic links where generated files go


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "elsewhere" / "victim"
    victim.parent.mkdir()
    victim.write_text("precious\n")
    return victim


@pytest.mark.parametrize(
    ("link", "to_folder"),
    [("kitchen/__init__.py", False), ("kitchen", True)],
    ids=["init", "package"],
)
def test_a_linked_init_or_package_is_refused_and_its_target_untouched(
    tmp_path: Path, link: str, to_folder: bool
) -> None:
    victim = _victim(tmp_path)
    path = tmp_path / "out" / link
    path.parent.mkdir(parents=True)
    path.symlink_to(victim.parent if to_folder else victim, target_is_directory=to_folder)
    before = _tree(tmp_path)
    result = _generate(str(KITCHEN), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{path} is a symbolic link; witkit never writes through one" in result.output
    assert _tree(tmp_path) == before


def test_a_linked_module_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    assert _generate(str(KITCHEN), "-o", str(out)).exit_code == 0
    (out / "kitchen" / "api.py").unlink()
    (out / "kitchen" / "api.py").symlink_to(victim)
    result = _generate(str(KITCHEN), "-o", str(out))
    assert result.exit_code == 0, result.output
    api = out / "kitchen" / "api.py"
    assert not api.is_symlink() and api.read_text().startswith("# Generated by witkit")
    assert victim.read_text() == "precious\n"
    assert sorted(os.listdir(out)) == ["kitchen"]


def test_a_folder_witkit_did_not_generate_is_kept(tmp_path: Path) -> None:
    mine = tmp_path / "out" / "kitchen"
    mine.mkdir(parents=True)
    (mine / "notes.py").write_text("mine\n")
    result = _generate(str(KITCHEN), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "holds files witkit did not generate" in result.output
    assert _tree(tmp_path / "out") == {"kitchen": "/", "kitchen/notes.py": b"mine\n"}


def test_a_refused_link_is_one_line_on_stderr_and_exit_code_1(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    (tmp_path / "out" / "kitchen").mkdir(parents=True)
    (tmp_path / "out" / "kitchen" / "__init__.py").symlink_to(victim)
    proc = subprocess.run(
        [sys.executable, "-m", "witkit", "generate", str(KITCHEN), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "symbolic link" in lines[0]
    assert victim.read_text() == "precious\n"


# ---------------------------------------------------------------------------------------------
# A failed generation leaves the previous tree, or nothing


def _fail_on_third_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real = output._write_new
    calls = []

    def write(path: Path, content: str | bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, content)

    monkeypatch.setattr(output, "_write_new", write)


def _kitchen() -> tuple[Any, int]:
    resolved = resolve_path(KITCHEN)
    return resolved.resolve, select_world(resolved.resolve, resolved.packages)


def test_a_failed_write_keeps_the_previous_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve, world = _kitchen()
    out = tmp_path / "out"
    write_host(resolve, world, out)
    before = _tree(out)
    _fail_on_third_write(monkeypatch)
    with pytest.raises(BindingError, match=r"cannot write the bindings to .*No space left"):
        write_host(resolve, world, out)
    assert _tree(out) == before


def test_a_failed_first_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve, world = _kitchen()
    _fail_on_third_write(monkeypatch)
    with pytest.raises(BindingError, match="No space left"):
        write_host(resolve, world, tmp_path / "out")
    assert os.listdir(tmp_path / "out") == []


def test_regenerating_replaces_the_whole_package(tmp_path: Path) -> None:
    resolve, world = _kitchen()
    package = write_host(resolve, world, tmp_path)
    (package / "stale.py").write_text("from a removed interface\n")
    write_host(resolve, world, tmp_path)
    assert not (package / "stale.py").exists()
    assert sorted(os.listdir(tmp_path)) == ["kitchen"]


def test_a_failed_new_project_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_on_third_write(monkeypatch)
    with pytest.raises(BuildError, match=r"cannot write the project to .*No space left"):
        new_project("p", KITCHEN, None, tmp_path / "p")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# `witkit new`: module names componentize-py dictates, and the WIT it copies


@pytest.mark.parametrize(
    ("interface", "message"),
    [
        ("typing", "would shadow the module `typing`"),
        ("wit-world", "would shadow the module `wit_world`"),
        ("con", "Windows reserves for a device"),
    ],
)
def test_a_resource_module_that_would_shadow_or_be_a_device_is_refused(
    tmp_path: Path, interface: str, message: str
) -> None:
    wit = tmp_path / "w.wit"
    wit.write_text(
        f"package t:x;\ninterface {interface} {{ resource r {{ constructor(); }} }}\n"
        f"world w {{ export {interface}; }}\n"
    )
    with pytest.raises(BuildError, match=re.escape(message)):
        new_project("p", wit, None, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_the_app_module_never_takes_a_resource_module_name(tmp_path: Path) -> None:
    wit = tmp_path / "w.wit"
    wit.write_text(
        "package t:x;\ninterface app { resource r { constructor(); } }\n"
        "interface guest-app { resource s { constructor(); } }\n"
        "world w { export app; export guest-app; }\n"
    )
    project = new_project("p", wit, None, tmp_path / "p")
    assert {"app.py", "guest_app.py", "guest_app_.py"} <= set(os.listdir(project))
    assert 'module = "guest_app_"' in (project / "pyproject.toml").read_text()


def test_versions_become_plain_module_names(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    for version in ("1.0.0-rc.1+build.7", "2.0.0"):
        (tmp_path / "deps" / f"{version}.wit").write_text(
            f"package a:b@{version};\ninterface c {{ resource r {{ constructor(); }} }}\n"
        )
    (tmp_path / "main.wit").write_text(
        "package t:x;\nworld w { export a:b/c@1.0.0-rc.1+build.7; export a:b/c@2.0.0; }\n"
    )
    plan = plan_for(tmp_path, None)
    assert sorted(i.module for i in plan.interfaces) == ["a_b_c_1_0_0_rc_1_build_7", "a_b_c_2_0_0"]
    project = new_project("p", tmp_path, None, tmp_path / "p")
    assert (project / "a_b_c_1_0_0_rc_1_build_7.py").is_file()
    resolved = resolve_path(tmp_path)
    files = render_host(resolved.resolve, select_world(resolved.resolve, resolved.packages))
    assert sorted(files) == [
        "__init__.py",
        "a_b_c_1_0_0_rc_1_build_7.py",
        "a_b_c_2_0_0.py",
        "py.typed",
    ]


def test_new_copies_only_the_wit_a_linked_dependency_holds(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "nested").mkdir(parents=True)
    (outside / "secret.txt").write_text("secret\n")
    (outside / "nested" / "deep.wit").write_text("package z:z;\n")
    (outside / "dep.wit").write_text("package d:d;\ninterface i { f: func(); }\n")
    wit = tmp_path / "wit"
    (wit / "deps").mkdir(parents=True)
    (wit / "deps" / "d").symlink_to(outside, target_is_directory=True)
    (wit / "w.wit").write_text("package t:x;\nworld w { export d:d/i; }\n")
    project = new_project("p", wit, None, tmp_path / "p")
    copied = {rel for rel in _tree(project / "wit") if not rel.startswith("deps/witkit-plugin")}
    assert copied == {"w.wit", "deps", "deps/d", "deps/d/dep.wit"}


# ---------------------------------------------------------------------------------------------
# Shadowing: the `shadow` world names everything the generated code uses


def _names_shadowed(source: str) -> list[str]:
    """What in generated `source` rebinds a name the module uses: a module-level name bound
    twice (by an import, a submodule, a class, an assignment) or bound over a builtin the
    module reads, or a class-body name read (in an annotation, decorator or value, as mypy and
    the interpreter read class bodies) after a member of the class took it."""
    tree = ast.parse(source)
    problems: list[str] = []
    reads = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    bound: dict[str, int] = {}
    for stmt in tree.body:
        for name in _bound(stmt):
            if name in bound:
                problems.append(f"line {stmt.lineno}: `{name}` bound again (line {bound[name]})")
            if name in reads and hasattr(builtins, name):
                problems.append(f"line {stmt.lineno}: `{name}` shadows the builtin")
            bound[name] = stmt.lineno
        if isinstance(stmt, ast.ClassDef):
            members: set[str] = set()
            for inner in stmt.body:
                for name in _class_scope_reads(inner) & members:
                    problems.append(f"line {inner.lineno}: {stmt.name}.{name} shadows `{name}`")
                members |= _bound(inner)
    return problems


def _bound(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, ast.ImportFrom) and stmt.level == 1 and stmt.module is None:
        # `from . import x as _x` in `__init__` binds `x` too: the import system sets the
        # submodule as an attribute of its package.
        return {a.asname or a.name for a in stmt.names} | {a.name for a in stmt.names}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {a.asname or a.name.split(".")[0] for a in stmt.names}
    if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return {stmt.name}
    if isinstance(stmt, ast.Assign):
        return {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id}
    return set()


def _class_scope_reads(stmt: ast.stmt) -> set[str]:
    """Names a class-body statement reads in the class's own scope (not inside a method body)."""
    exprs: list[ast.AST] = []
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        exprs += stmt.decorator_list
        a = stmt.args
        exprs += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs if x.annotation]
        exprs += [d for d in a.defaults + a.kw_defaults if d is not None]
        exprs += [stmt.returns] if stmt.returns else []
    elif isinstance(stmt, ast.AnnAssign):
        exprs += [stmt.annotation] + ([stmt.value] if stmt.value else [])
    elif isinstance(stmt, ast.Assign):
        exprs.append(stmt.value)
    return {n.id for e in exprs for n in ast.walk(e) if isinstance(n, ast.Name)}


def _global_reads(node: ast.AST, local: frozenset[str] = frozenset()) -> set[str]:
    """Names `node` reads that are not local to the function reading them (globals, builtins)."""
    out: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            a = child.args
            args = a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]
            # Decorators, annotations and defaults are read in the enclosing scope.
            outside: list[ast.AST] = [*child.decorator_list, *a.defaults]
            outside += [d for d in a.kw_defaults if d] + [
                x.annotation for x in args if x.annotation
            ]
            outside += [child.returns] if child.returns else []
            for expr in outside:
                out |= _global_reads(ast.Expression(expr), local)
            inner = {x.arg for x in args} | {
                n.id if isinstance(n, ast.Name) else str(n.name)
                for n in ast.walk(child)
                if (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
                or (isinstance(n, ast.ExceptHandler) and n.name)
            }
            for stmt in child.body:
                out |= _global_reads(stmt, local | inner)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            if child.id not in local:
                out.add(child.id)
        else:
            out |= _global_reads(child, local)
    return out


@pytest.fixture(scope="module")
def shadow_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `shadow` and `call` packages, written once, on `sys.path` for this module's tests."""
    root = tmp_path_factory.mktemp("shadow")
    resolved = resolve_path(SHADOW)
    for world in ("shadow", "call"):
        world_id = select_world(resolved.resolve, resolved.packages, world)
        write_host(resolved.resolve, world_id, root, source="tests/hostile/worlds/shadow")
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in list(sys.modules):
            if name.split(".")[0] in ("shadow", "call"):
                del sys.modules[name]


def test_the_shadow_world_passes_mypy_strict(shadow_root: Path) -> None:
    require_mypy_strict([shadow_root / "shadow", shadow_root / "call"], shadow_root / ".mypy-cache")


def _rendered(wit: Path, world: str | None) -> dict[str, str]:
    resolved = resolve_path(wit)
    return render_host(resolved.resolve, select_world(resolved.resolve, resolved.packages, world))


@pytest.mark.parametrize(
    ("wit", "world"), [(SHADOW, "shadow"), (SHADOW, "call"), (KITCHEN, None), (EDGE, None)]
)
def test_no_generated_name_rebinds_one_the_code_uses(wit: Path, world: str | None) -> None:
    problems = {
        rel: found
        for rel, text in _rendered(wit, world).items()
        if rel.endswith(".py") and (found := _names_shadowed(text))
    }
    assert problems == {}


def test_generated_code_reads_only_builtins_the_escapes_know() -> None:
    """The builtins class bodies read are those a member name is escaped from (`int` -> `int_`),
    and those any module reads are those a module name is escaped from; so a template that
    starts reading another builtin fails here until it joins the list."""
    in_classes: set[str] = set()
    anywhere: set[str] = set()
    for wit, world in ((SHADOW, "shadow"), (SHADOW, "call"), (KITCHEN, None), (EDGE, None)):
        for rel, text in _rendered(wit, world).items():
            if rel.endswith(".py"):
                tree = ast.parse(text)
                anywhere |= _global_reads(tree)
                for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                    for stmt in cls.body:
                        in_classes |= _class_scope_reads(stmt)
    assert {n for n in in_classes if hasattr(builtins, n)} <= CLASS_BODY_NAMES | {"None"}
    assert {n for n in anywhere if hasattr(builtins, n)} <= INIT_NAMES | {"None"}


def test_shadow_types_are_what_they_claim(shadow_root: Path) -> None:
    shadow = importlib.import_module("shadow")
    typing_ = importlib.import_module("shadow.typing")
    assert issubclass(typing_.Enum, enum.Enum) and typing_.Enum.INT.value == 0
    assert [m.name for m in typing_.Enum] == ["INT", "VALUE", "NAME", "AUTO"]
    assert issubclass(typing_.IntFlag, enum.Flag)
    assert (typing_.IntFlag.AUTO | typing_.IntFlag.INT).value == 3
    rec = typing_.List(
        int_=1, str_="s", bytes_=b"b", list_=[2], type=3, float_=1.5, bool_=True, tuple_=(1, 2),
        object=4, self_=5, cls_=6, dataclass=7, value=8, isinstance=9, len=10, super=11,
    )  # fmt: skip
    assert rec.int_ == 1 and rec.isinstance == 9 and rec.super == 11
    assert typing_.LIST_TYPE.fields[0][:2] == ("int", "int_")
    assert typing_.Any_Int(5).value == 5 and typing_.Optional(some=None).some is None
    assert typing_.Callable(optional=3).optional == 3
    assert isinstance(typing_.Err(1), typing_.Err) and not issubclass(typing_.Err, Exception)
    # The world class keeps its own `load` and `instance`; the WIT ones are escaped.
    assert isinstance(shadow.Shadow.__dict__["load"], classmethod)
    assert callable(shadow.Shadow.int_) and callable(shadow.Shadow.str_)
    assert shadow.Shadow.__annotations__["instance_"] == "_instance.Instance"
    assert shadow.Shadow.__annotations__["load_"] == "_load.Load"
    assert shadow.Shadow.__annotations__["classmethod_"] == "_classmethod_.Classmethod"
    # Host resources: every method abstract, decorators intact, the drop hook its own.
    res = importlib.import_module("shadow.enum").Res
    assert {"staticmethod_", "classmethod_", "abstractmethod_", "drop", "dropped"} <= set(
        res.__abstractmethods__
    )
    assert isinstance(res.__dict__["staticmethod_"], staticmethod)
    assert res.__dict__["dropped_"].__doc__.startswith("Called when the guest drops")
    # A guest resource keeps ResourceProxy.drop.
    optional = importlib.import_module("shadow.instance").Optional
    assert optional.drop is not optional.drop_
    assert isinstance(optional.__dict__["classmethod_"], classmethod)
    # World-level types named like the imports class and like witkit's re-exported `Err`.
    assert shadow.ShadowImports_ is not shadow.ShadowImports
    assert shadow.ShadowImports.__dataclass_fields__.keys() == {"a"}
    assert typing.get_args(shadow.Err) == (shadow.Err_Some, shadow.Err_None)
    assert shadow.Err is not runtime.Err and shadow.Some is runtime.Some


def test_a_package_named_like_a_module_it_needs_is_escaped(tmp_path: Path) -> None:
    for name, package in (("typing", "typing_"), ("witkit", "witkit_"), ("con", "con_")):
        resolved = resolve_source(f"package t:x;\nworld {name} {{ export f: func(); }}\n")
        world = select_world(resolved.resolve, resolved.packages)
        assert package_name_for(resolved.resolve, world) == package
        assert write_host(resolved.resolve, world, tmp_path) == tmp_path / package


def test_protected_modules_cover_what_a_generated_package_imports(shadow_root: Path) -> None:
    script = (
        "import sys; before = set(sys.modules); import call, shadow; "
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=shadow_root, check=True
    )
    imported = set(ast.literal_eval(proc.stdout))
    assert imported - {"call", "shadow"} <= PROTECTED_MODULES


_MEM = '(memory (core memory $m "mem")) (realloc (core func $m "realloc"))'
CALL_WAT = rf"""
(component
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core module $main
    (import "m" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "m" "mem" (memory 1))
    (func $record (param i32 i32 i32) (result i32) (local $r i32)
      (local.set $r (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 12)))
      (i32.store (local.get $r) (local.get 0))
      (i32.store offset=4 (local.get $r) (local.get 1))
      (i32.store offset=8 (local.get $r) (local.get 2))
      (local.get $r))
    (func (export "load") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "instance") (param i32 i32) (result i32)
      (call $record (local.get 0) (local.get 1) (i32.add (local.get 0) (local.get 1))))
    (func (export "isinstance") (param i32 i32 i32) (result i32)
      (call $record (local.get 0) (local.get 1) (local.get 2)))
    (func (export "type") (param i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $main (with "m" (instance $m))))
  (type $enum (enum "int" "value"))
  (export $enum_e "enum" (type $enum))
  (type $flags (flags "auto" "int"))
  (export $flags_e "int-flag" (type $flags))
  (type $object (record (field "int" u32) (field "len" u32) (field "type" u32)))
  (export $object_e "object" (type $object))
  (func (export "load") (param "int" u32) (param "len" u32) (result u32)
    (canon lift (core func $i "load")))
  (func (export "instance") (param "self" $enum_e) (param "cls" $flags_e) (result $object_e)
    (canon lift (core func $i "instance") {_MEM}))
  (func (export "isinstance") (param "object" $object_e) (result $object_e)
    (canon lift (core func $i "isinstance") {_MEM}))
  (func (export "type") (param "list" $enum_e) (result $enum_e)
    (canon lift (core func $i "type")))
)
"""
"""The `call` world of tests/hostile/worlds/shadow: `load` adds, `instance` builds an `object`
from its arguments, `isinstance` and `type` echo."""


def test_calls_through_a_component_with_shadowing_names(shadow_root: Path) -> None:
    call: ModuleType = importlib.import_module("call")
    plugin = call.Call.load(CALL_WAT)
    assert plugin.load_(2, 3) == 5
    assert plugin.instance_(call.Enum.VALUE, call.IntFlag.AUTO | call.IntFlag.INT) == call.Object(
        int_=1, len=3, type=4
    )
    assert plugin.isinstance(call.Object(int_=7, len=8, type=9)) == call.Object(7, 8, 9)
    assert plugin.type_(call.Enum.INT) is call.Enum.INT
    # The argument checks (isinstance against the generated classes) still name the parameter.
    with pytest.raises(
        TypeError, match=r"Call\.isinstance\(\): parameter `object`: expected Object"
    ):
        plugin.isinstance("not an object")
    with pytest.raises(TypeError, match=r"Call\.type_\(\): parameter `list`: expected Enum"):
        plugin.type_(1)


@pytest.mark.parametrize("shape", ["alias", "option"])
def test_a_chain_of_types_too_long_to_annotate_is_an_error_not_a_crash(
    tmp_path: Path, shape: str
) -> None:
    """Alias or option chains thousands long are valid WIT; spelling them as annotations
    outruns Python's stack, which must end as a one-line error and write nothing."""
    step = "a{prev}" if shape == "alias" else "option<a{prev}>"
    lines = ["package t:deep;", "interface i {", "  type a0 = u32;"]
    lines += [f"  type a{i} = {step.format(prev=i - 1)};" for i in range(1, 3000)]
    lines += ["  f: func(x: a2999);", "}", "world w { export i; }"]
    wit = tmp_path / "deep.wit"
    wit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for args, target in (
        (["generate", str(wit), "-o", str(tmp_path / "out")], tmp_path / "out"),
        (["new", "p", "--wit", str(wit), "-o", str(tmp_path / "p")], tmp_path / "p"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "witkit", *args], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        assert "alias or nest too deeply to spell as Python annotations" in proc.stderr
        assert not target.exists() or not any(target.iterdir())
