"""Python guest plugins: scaffold a project from a WIT world (`new_project`) and build it (`build_project`)."""

from __future__ import annotations

from witkit.guest.build import BuildResult, Progress, build_project, guest_bindings
from witkit.guest.config import ProjectConfig, load_config
from witkit.guest.diagnose import ComponentizeError
from witkit.guest.scaffold import new_project

__all__ = [
    "BuildResult",
    "ComponentizeError",
    "Progress",
    "ProjectConfig",
    "build_project",
    "guest_bindings",
    "load_config",
    "new_project",
]
