"""`witkit new`: a complete, buildable guest project from any world, rendered with Jinja2."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from witkit.codegen.output import WINDOWS_DEVICES, write_tree
from witkit.codegen.pytypes import not_too_deep
from witkit.codegen.templating import template_environment
from witkit.errors import BuildError
from witkit.guest.plan import WORLD_CLASS, WORLD_MODULE, GuestFunction, GuestPlan, plan_for
from witkit.guest.views import (
    FunctionView,
    Imports,
    TypeNamer,
    first_sentence,
    function_view,
)
from witkit.naming import free_name, snake
from witkit.plugins.config import config_wit
from witkit.wit import model as m
from witkit.wit.resolve import is_wit_file

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ClassView:
    """A class of the guest: its name, the bindings protocol it implements, its stubs."""

    name: str
    base: str
    summary: str
    functions: tuple[FunctionView, ...]


@dataclass(frozen=True)
class ModuleView:
    """One generated Python module: its imports (only those used) and its classes."""

    name: str
    interface: str
    imports: tuple[str, ...]
    classes: tuple[ClassView, ...]


@dataclass(frozen=True)
class TestCase:
    """One scaffolded test: calls a stub and expects NotImplementedError naming it."""

    name: str
    call: str
    pattern: str


@dataclass(frozen=True)
class TestsView:
    """The scaffolded test module."""

    imports: tuple[str, ...]
    cases: tuple[TestCase, ...]
    needs_async_support: bool = False
    """The bindings import componentize-py's async support, which is Python 3.12 code."""


@dataclass(frozen=True)
class ResourceModuleInfo:
    """For the README: a resource module, its interface and classes."""

    file: str
    interface: str
    classes: tuple[str, ...]


@dataclass(frozen=True)
class ProjectView:
    """Project-wide facts the templates need."""

    name: str
    world: str
    module: str
    wit_source: str
    interface_classes: tuple[str, ...]
    resource_modules: tuple[ResourceModuleInfo, ...]


def environment(templates: str | Path | None = None) -> Environment:
    """The Jinja2 environment: the user's templates first, then witkit's `templates/guest`."""
    return template_environment("guest", templates, BuildError)


def _summary(docs: str | None, fallback: str) -> str:
    return first_sentence(docs) or fallback


def _app_module(plan: GuestPlan, module: str) -> ModuleView:
    imports = Imports()
    namer = TypeNamer(plan, imports)
    classes = []
    if plan.world_functions:
        base = imports.module(WORLD_MODULE, WORLD_MODULE)
        funcs = tuple(function_view(namer, f) for f in plan.world_functions)
        classes.append(
            ClassView(
                WORLD_CLASS,
                f"{base}.{WORLD_CLASS}",
                f"The world-level exports of `{plan.world_path}`.",
                funcs,
            )
        )
    for iface in plan.interfaces:
        exports = imports.module(f"{WORLD_MODULE}.exports", "exports")
        funcs = tuple(function_view(namer, f) for f in iface.functions)
        classes.append(
            ClassView(
                iface.class_name,
                f"{exports}.{iface.class_name}",
                _summary(iface.docs, f"The exported interface `{iface.wit_path}`."),
                funcs,
            )
        )
    return ModuleView(module, plan.world_path, tuple(imports.lines()), tuple(classes))


def _resource_modules(plan: GuestPlan) -> list[ModuleView]:
    modules = []
    for iface in plan.interfaces:
        if not iface.resources:
            continue
        imports = Imports()
        namer = TypeNamer(plan, imports)
        classes = []
        for res in iface.resources:
            funcs = tuple(function_view(namer, f, self_resource=res.type_id) for f in res.functions)
            classes.append(
                ClassView(
                    res.class_name,
                    namer.qualified(res.type_id),
                    _summary(res.docs, f"The resource `{res.wit_path}`."),
                    funcs,
                )
            )
        modules.append(
            ModuleView(iface.module, iface.wit_path, tuple(imports.lines()), tuple(classes))
        )
    return modules


def _tests(plan: GuestPlan, module: str) -> TestsView:
    imports = Imports()
    needs_async_support = _uses_async(plan)
    if not needs_async_support:  # otherwise the template imports pytest before a guard
        imports.module("pytest", "pytest")
    app = imports.module(module, module)
    user_classes: dict[int, str] = {}
    for iface in plan.interfaces:
        for res in iface.resources:
            local = imports.module(iface.module, iface.module)
            user_classes[res.type_id] = f"{local}.{res.class_name}"
    namer = _SampleNamer(plan, imports, user_classes)
    cases = []

    def case(test: str, target: str, func: GuestFunction, self_resource: int | None = None) -> None:
        view = function_view(
            TypeNamer(plan, Imports()),
            func,
            self_resource=self_resource,
            self_class=user_classes.get(self_resource or -1),
            sample_namer=namer,
        )
        args = ", ".join(view.sample_args)
        if func.kind == "constructor":
            call = f"{target}({args})"
        elif func.kind == "method":
            call = f"{target}.__new__({target}).{view.py_name}({args})"
        elif func.kind == "static":
            call = f"{target}.{view.py_name}({args})"
        else:
            call = f"{target}().{view.py_name}({args})"
        if view.is_async:
            call = f"{imports.module('asyncio', 'asyncio')}.run({call})"
        cases.append(TestCase(test, call, "^" + re.escape(func.wit_path) + "$"))

    for f in plan.world_functions:
        case(f"test_{f.py_name.strip('_')}", f"{app}.{WORLD_CLASS}", f)
    for iface in plan.interfaces:
        for f in iface.functions:
            case(
                f"test_{snake(iface.class_name)}_{f.py_name.strip('_')}",
                f"{app}.{iface.class_name}",
                f,
            )
        for res in iface.resources:
            for f in res.functions:
                name = "constructor" if f.kind == "constructor" else f.py_name.strip("_")
                case(
                    f"test_{snake(res.wit_name)}_{name}", user_classes[res.type_id], f, res.type_id
                )
    seen: dict[str, int] = {}
    unique = []
    for c in cases:
        n = seen.get(c.name, 0)
        seen[c.name] = n + 1
        unique.append(c if n == 0 else TestCase(f"{c.name}_{n + 1}", c.call, c.pattern))
    return TestsView(tuple(imports.lines()), tuple(unique), needs_async_support)


def _uses_async(plan: GuestPlan) -> bool:
    """Whether the world has async functions, streams or futures (over-approximated)."""
    r = plan.resolve
    if any(isinstance(t.kind, m.Stream | m.Future) for t in r.types):
        return True
    world = r.worlds[plan.world_id]
    for items in (world.imports, world.exports):
        for item in items.values():
            if isinstance(item, m.WorldFunction) and item.function.is_async:
                return True
            funcs = r.interfaces[item.id].functions if isinstance(item, m.WorldInterface) else {}
            if any(f.is_async for f in funcs.values()):
                return True
    return False


class _SampleNamer(TypeNamer):
    """Sample values for tests: an exported resource is made from the guest's own class."""

    def __init__(self, plan: GuestPlan, imports: Imports, user_classes: dict[int, str]) -> None:
        super().__init__(plan, imports)
        self.user_classes = user_classes

    def qualified(self, type_id: int) -> str:
        """The guest's class for its own resources; the bindings' type otherwise."""
        return self.user_classes.get(type_id) or super().qualified(type_id)


def _wit_files(source: Path) -> dict[str, bytes]:
    """The WIT the resolver reads, as the project's `wit/` files: the `.wit` files of the package
    folder (or the one file) and of its `deps/` (single files and package folders), nothing else
    (so a symbolic link in `deps/` brings one package's WIT, not whatever it points at)."""
    if source.is_file():
        return {f"wit/{source.name}": source.read_bytes()}
    out: dict[str, bytes] = {}

    def add(folder: Path, prefix: str, packages: bool = False) -> None:
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if is_wit_file(item):
                out[f"{prefix}/{item.name}"] = item.read_bytes()
            elif packages and item.is_dir():
                add(item, f"{prefix}/{item.name}")

    add(source, "wit")
    if (source / "deps").is_dir():
        add(source / "deps", "wit/deps", packages=True)
    return out


_CONFIG_WIT = "wit/deps/witkit-plugin/plugin-config.wit"

_SHADOWED = frozenset(sys.stdlib_module_names) | {
    WORLD_MODULE,
    "componentize_py_types",
    "componentize_py_runtime",
    "componentize_py_async_support",
}
"""Modules a guest needs (Python's, componentize-py's bindings and runtime): a resource module of
one of these names in the project folder would be imported in their place."""


def _check_resource_modules(modules: list[ModuleView]) -> None:
    """A resource module's name is componentize-py's, not ours: refuse one that cannot be a file
    of the project (a Windows device name) or would shadow a module the guest needs."""
    for r in modules:
        if r.name in WINDOWS_DEVICES:
            why = "Windows reserves for a device"
        elif r.name in _SHADOWED:
            why = f"would shadow the module `{r.name}` the guest needs"
        else:
            continue
        raise BuildError(
            f"the exported interface `{r.interface}` needs its resources in a module "
            f"`{r.name}.py` (componentize-py's name for it), which {why}"
        )


def _not_empty(target: Path) -> str | None:
    if target.is_dir() and not any(target.iterdir()):
        return None
    return f"{target} is not empty; `witkit new` never overwrites files"


def new_project(
    name: str,
    wit_path: str | Path,
    world: str | None = None,
    out_dir: str | Path | None = None,
    templates: str | Path | None = None,
    *,
    package: bool = False,
    lang: str = "python",
) -> Path:
    """Scaffold guest project `name` for `world` of the WIT at `wit_path`; returns its folder.

    `lang` is `python` (componentize-py), `js` (componentize-js, `witkit.guest.jsscaffold`)
    or `ts` (TypeScript, compiled by tsc, then componentize-js).
    With `package`, a Python project is also a Python package carrying the built component
    (hatchling, an entry point `witkit.plugins`), so `pip install` makes it discoverable.
    Raises BuildError for a non-empty target folder and WitError for WIT that does not
    resolve or a world that does not exist.
    """
    if lang not in LANGS:
        raise BuildError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    if package and lang != "python":
        raise BuildError(
            f"--package makes a Python package of a Python guest; not with --lang {lang}"
        )
    with not_too_deep(f"--wit {wit_path}", BuildError):
        if lang in ("js", "ts"):
            return _new_js_project(name, wit_path, world, out_dir, templates, lang)
        return _new_project(name, wit_path, world, out_dir, templates, package)


LANGS = ("python", "js", "ts")
"""The guest languages `witkit new --lang` writes."""


def _target(name: str, wit_path: str | Path, out_dir: str | Path | None) -> tuple[Path, Path]:
    """(the WIT path, the project folder) after the checks every language shares."""
    if not _NAME.match(name):
        raise BuildError(f"{name!r} is not a project name (letters, digits, `.`, `_`, `-`)")
    wit = Path(wit_path)
    if not wit.exists():
        raise BuildError(f"--wit: {wit} does not exist")
    # The folder the user named (or ./NAME): its own name is theirs, links included.
    target = (Path(out_dir) if out_dir is not None else Path(name)).resolve()
    refusal = _not_empty(target) if target.exists() else None
    if refusal is not None:
        raise BuildError(refusal)
    return wit, target


def _write(target: Path, wit: Path, files: dict[str, str]) -> Path:
    tree: dict[str, str | bytes] = {**_wit_files(wit), **files}
    if not any(rel.startswith("wit/deps/witkit-plugin/") for rel in tree):
        # So that the world can `import witkit:plugin/config@0.1.0;` with no further set-up.
        tree[_CONFIG_WIT] = config_wit()
    return write_tree(target, tree, BuildError, _not_empty, "the project")


def _new_js_project(
    name: str,
    wit_path: str | Path,
    world: str | None,
    out_dir: str | Path | None,
    templates: str | Path | None,
    lang: str = "js",
) -> Path:
    from witkit.guest.jsplan import js_plan_world
    from witkit.guest.jsscaffold import js_files

    wit, target = _target(name, wit_path, out_dir)
    plan = plan_for(wit, world)
    js = js_plan_world(plan.resolve, plan.world_id)
    env = template_environment("guest-js", templates, BuildError)
    return _write(target, wit, js_files(env, name, world or plan.world_name, js, lang))


@dataclass(frozen=True)
class PackageView:
    """For `witkit new --package`: the Python package the wheel puts the component in."""

    name: str


def _new_project(
    name: str,
    wit_path: str | Path,
    world: str | None,
    out_dir: str | Path | None,
    templates: str | Path | None,
    package: bool = False,
) -> Path:
    wit, target = _target(name, wit_path, out_dir)
    plan = plan_for(wit, world)
    env = environment(templates)
    resource_modules = _resource_modules(plan)
    _check_resource_modules(resource_modules)
    taken = {r.name for r in resource_modules}
    module = "app" if "app" not in taken else free_name("guest_app", taken)
    app = _app_module(plan, module)
    project = ProjectView(
        name=name,
        world=world or plan.world_name,
        module=module,
        wit_source=f"`{plan.world_path}` (wit/)",
        interface_classes=tuple(i.class_name for i in plan.interfaces),
        resource_modules=tuple(
            ResourceModuleInfo(f"{r.name}.py", r.interface, tuple(c.name for c in r.classes))
            for r in resource_modules
        ),
    )
    stem = snake(name) if snake(name).endswith("_plugin") else f"{snake(name)}_plugin"
    wheel = PackageView(free_name(stem, taken | {module})) if package else None
    files: dict[str, str] = {
        "pyproject.toml": env.get_template("pyproject.toml.jinja").render(
            project=project, plan=plan, package=wheel
        ),
        "README.md": env.get_template("README.md.jinja").render(project=project, plan=plan),
        ".gitignore": env.get_template("gitignore.jinja").render(project=project, plan=plan),
        f"{module}.py": env.get_template("app.py.jinja").render(
            project=project, plan=plan, module=app
        ),
        "tests/conftest.py": env.get_template("tests/conftest.py.jinja").render(
            project=project, plan=plan
        ),
        "tests/test_app.py": env.get_template("tests/test_app.py.jinja").render(
            project=project, plan=plan, tests=_tests(plan, module)
        ),
        "tests/test_component.py": env.get_template("tests/test_component.py.jinja").render(
            project=project, plan=plan
        ),
    }
    if wheel is not None:
        files["hatch_build.py"] = env.get_template("hatch_build.py.jinja").render(
            project=project, plan=plan, package=wheel
        )
    for r in resource_modules:
        files[f"{r.name}.py"] = env.get_template("resources.py.jinja").render(
            project=project, plan=plan, module=r
        )
    return _write(target, wit, files)
