"""A quick static check before building: does each guest method take as many arguments as WIT passes?

componentize-py only notices a wrong parameter count when the function is called, so
`witkit build` reads the guest's modules (without importing them) and compares every
method it finds on the classes componentize-py will use with the world's functions.
Methods it cannot see (inherited from elsewhere, made at run time) are left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from witkit._text import plural
from witkit.guest.componentize import WORLD_CLASS
from witkit.guest.config import ProjectConfig
from witkit.guest.diagnose import ComponentizeError

if TYPE_CHECKING:
    from witkit.guest.plan import GuestFunction, GuestPlan


def _classes(path: Path) -> dict[str, ast.ClassDef]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return {}  # componentize-py reports syntax errors with their line
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _accepts(func: ast.FunctionDef | ast.AsyncFunctionDef, count: int, bound: bool) -> bool:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    if bound:
        positional = positional[1:]
    required = len(positional) - len(args.defaults)
    return required <= count and (args.vararg is not None or count <= len(positional))


def _wit_arity(func: GuestFunction) -> int:
    params = len(func.function.params)
    return params - 1 if func.kind == "method" else params


def _decorators(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {d.id for d in func.decorator_list if isinstance(d, ast.Name)}


def check_arity(config: ProjectConfig, plan: GuestPlan) -> None:
    """Raise ComponentizeError naming file, line and WIT function for a wrong parameter count."""
    wanted: list[tuple[str, str, tuple[GuestFunction, ...]]] = []
    if plan.world_functions:
        wanted.append((config.module, WORLD_CLASS, plan.world_functions))
    for iface in plan.interfaces:
        wanted.append((config.module, iface.class_name, iface.functions))
        for res in iface.resources:
            wanted.append((iface.module, res.class_name, res.functions))
    parsed: dict[str, tuple[Path, dict[str, ast.ClassDef]] | None] = {}
    for module, class_name, functions in wanted:
        if module not in parsed:
            path = config.module_file(module)
            parsed[module] = (path, _classes(path)) if path is not None else None
        found = parsed[module]
        if found is None or class_name not in found[1]:
            continue
        path, classes = found
        methods = {
            node.name: node
            for node in classes[class_name].body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for func in functions:
            node = methods.get(func.py_name)
            if node is None:
                continue
            bound = "staticmethod" not in _decorators(node)
            count = _wit_arity(func)
            if not _accepts(node, count, bound):
                wit_params = [p.name for p in func.function.params]
                if func.kind == "method":
                    wit_params = wit_params[1:]
                file = config.relative(path)
                raise ComponentizeError(
                    f"{file}:{node.lineno}: `{class_name}.{func.py_name}` must take "
                    f"{plural(count, 'argument')} ({', '.join(wit_params) or 'none'}) "
                    f"for `{func.wit_path}`",
                    file=file,
                    wit_item=func.wit_path,
                )
