"""Python guest plugins: scaffold a project from a WIT world (`new_project`) and build it (`build_project`)."""

from __future__ import annotations

from witkit.guest.build import BuildResult, build_project
from witkit.guest.config import ProjectConfig, load_config
from witkit.guest.diagnose import ComponentizeError

__all__ = [
    "BuildResult",
    "ComponentizeError",
    "ProjectConfig",
    "build_project",
    "load_config",
]
