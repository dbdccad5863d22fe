"""Python guest plugins: scaffold a project from a WIT world (`new_project`) and build it (`build_project`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from witkit.guest.build import BuildResult, Progress, build_project, check_project, guest_bindings
from witkit.guest.config import ProjectConfig, load_config
from witkit.guest.diagnose import ComponentizeError

if TYPE_CHECKING:
    from witkit.guest.scaffold import new_project

__all__ = [
    "BuildResult",
    "ComponentizeError",
    "Progress",
    "ProjectConfig",
    "build_project",
    "check_project",
    "guest_bindings",
    "load_config",
    "new_project",
]


def __getattr__(name: str) -> Any:
    # `witkit new` needs Jinja2 and the WIT resolver; `witkit build` should not load them.
    if name == "new_project":
        from witkit.guest.scaffold import new_project

        return new_project
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

