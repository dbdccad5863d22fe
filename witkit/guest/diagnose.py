"""Turn componentize-py's error output into a short message naming the guest file and the WIT item."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from witkit.errors import BuildError
from witkit.guest.componentize import WORLD_CLASS
from witkit.guest.config import ProjectConfig

if TYPE_CHECKING:  # the plan (and the WIT resolver behind it) loads only when an error needs it
    from witkit.guest.plan import GuestPlan


class ComponentizeError(BuildError):
    """componentize-py rejected the guest; `raw_output` keeps everything it printed."""

    def __init__(
        self,
        message: str,
        *,
        raw_output: str = "",
        file: str | None = None,
        wit_item: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.raw_output = raw_output
        self.file = file
        self.wit_item = wit_item


_FRAME = re.compile(r'File "/(\d+)/([^"]+)", line (\d+)')
_NO_ATTR = re.compile(r"AttributeError: module '([\w.]+)' has no attribute '(\w+)'")
_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_ABSTRACT = re.compile(
    r"TypeError: Can't instantiate abstract class (\w+) without an implementation for "
    r"abstract methods? (.+)$"
)


@dataclass(frozen=True)
class _Parsed:
    message: str
    """What componentize-py's AssertionError said (may hold a Python traceback)."""
    cause: str
    """The last line: the Python exception, `Type: text`."""


def _parse(raw: str) -> _Parsed:
    text = raw.replace("\r\n", "\n")
    marker = "AssertionError: "
    message = text.split(marker, 1)[1] if marker in text else text
    message, _, caused = message.partition("\nCaused by:")
    message = message.strip()
    cause_lines = [ln.strip() for ln in caused.splitlines() if ln.strip()]
    if cause_lines and not cause_lines[0].startswith("Stack backtrace"):
        cause = cause_lines[0]
    else:
        lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
        cause = lines[-1] if lines else "componentize-py failed without a message"
    return _Parsed(message, cause)


def _guest_frame(parsed: _Parsed, config: ProjectConfig) -> tuple[str, int] | None:
    """The deepest traceback frame inside the guest's own folders, as (file, line)."""
    found = None
    for index, rel, line in _FRAME.findall(parsed.message):
        i = int(index)
        if i < len(config.python_path):
            found = (config.relative(config.python_path[i] / rel), int(line))
    return found


def _names(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"`{n}`" for n in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def diagnose(
    raw: str, config: ProjectConfig, plan: Callable[[], GuestPlan | None] = lambda: None
) -> ComponentizeError:
    """The error for componentize-py's output `raw`; `plan()` supplies WIT names when it can."""
    parsed = _parse(raw)
    app_file = config.module_file()
    app = config.relative(app_file) if app_file else f"{config.module}.py"

    def error(message: str, file: str | None, wit_item: str | None = None) -> ComponentizeError:
        return ComponentizeError(message, raw_output=raw, file=file, wit_item=wit_item)

    frame = _guest_frame(parsed, config)
    if frame is not None:
        file, line = frame
        return error(f"{file}:{line}: {parsed.cause} (while componentize-py imported the guest)", file)

    if match := _NO_MODULE.search(parsed.cause):
        module = match.group(1)
        p = plan()
        iface = p.interface_by_module(module) if p else None
        if iface is not None:
            classes = [r.class_name for r in iface.resources]
            return error(
                f"{module}.py: missing; exported interface `{iface.wit_path}` has resources, and "
                f"componentize-py looks for their classes ({_names(classes)}) in a module "
                f"named `{module}`",
                f"{module}.py",
                iface.wit_path,
            )
        if module == config.module:
            paths = ", ".join(config.relative(p) or "." for p in config.python_path)
            return error(f"no module `{module}` on the python path ({paths})", f"{module}.py")
        return error(f"{app}: {parsed.cause} (while componentize-py imported the guest)", app)

    if match := _NO_ATTR.search(parsed.cause):
        module, name = match.groups()
        p = plan()
        if module == config.module and name == WORLD_CLASS:
            funcs = [f.wit_path for f in p.world_functions] if p else []
            what = f" ({_names(funcs)})" if funcs else ""
            world = f"`{p.world_path}`" if p else f"`{config.world}`"
            return error(
                f"{app}: no class `{WORLD_CLASS}`; the world-level exports of world {world}{what} "
                f"are methods of a class named `{WORLD_CLASS}`",
                app,
                p.world_path if p else config.world,
            )
        if module == config.module:
            iface = p.interface_by_class(name) if p else None
            wit = f" for exported interface `{iface.wit_path}`" if iface else ""
            return error(
                f"{app}: no class `{name}`{wit}", app, iface.wit_path if iface else None
            )
        res = p.resource(module, name) if p else None
        wit = f" for resource `{res.wit_path}`" if res else ""
        file = f"{module.replace('.', '/')}.py"
        return error(f"{file}: no class `{name}`{wit}", file, res.wit_path if res else None)

    if match := _ABSTRACT.search(parsed.cause):
        class_name, raw_methods = match.groups()
        methods = re.findall(r"'(\w+)'", raw_methods)
        p = plan()
        file = app
        if p is not None and class_name != WORLD_CLASS and p.interface_by_class(class_name) is None:
            for iface in p.interfaces:
                if any(r.class_name == class_name for r in iface.resources):
                    file = f"{iface.module}.py"
        missing = [(p.wit_name_of(class_name, n) if p else None) or n for n in methods]
        return error(
            f"{file}: class `{class_name}` does not implement {_names(missing)}",
            file,
            missing[0] if missing else None,
        )

    return error(f"{app}: componentize-py failed: {parsed.cause}", app)

