"""A guest project's settings: the `[tool.witkit]` table of its `pyproject.toml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from witkit._parse import loads_toml
from witkit.errors import BuildError

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class ProjectConfig:
    """Where a guest project's WIT and Python sources are, and which world it targets."""

    root: Path
    """The project folder (holding `pyproject.toml`)."""
    name: str
    """The project's name (`[project].name`, else the folder's name)."""
    wit: Path
    """The WIT file or folder (absolute)."""
    world: str
    """The world the component targets."""
    module: str = "app"
    """The Python module holding the `WitWorld` class (and the exported interfaces' classes)."""
    python_path: tuple[Path, ...] = ()
    """Folders searched for the guest's modules (absolute), first one first."""
    features: tuple[str, ...] = ()
    """`@unstable` features to enable."""
    all_features: bool = False
    """Enable every `@unstable` feature."""

    def module_file(self, module: str | None = None) -> Path | None:
        """The file of `module` (default: the app module) on the python path, or None when absent.

        `app.py` or `app/__init__.py`, in the first folder of `python_path` that has either.
        """
        name = self.module if module is None else module
        for folder in self.python_path:
            for candidate in (folder / f"{name}.py", folder / name / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    def relative(self, path: Path) -> str:
        """`path` relative to the project folder when inside it, else as is."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def _key_error(file: Path, key: str, problem: str) -> BuildError:
    return BuildError(f"{file}: [tool.witkit] {key}: {problem}")


def _string(table: dict[str, Any], file: Path, key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise _key_error(file, key, "missing (required)")
    if not isinstance(value, str) or not value.strip():
        raise _key_error(file, key, f"expected a non-empty string, found {value!r}")
    return value


def _strings(table: dict[str, Any], file: Path, key: str, default: list[str]) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _key_error(file, key, f"expected a list of strings, found {value!r}")
    return value


def load_config(project_dir: str | Path) -> ProjectConfig:
    """Read `[tool.witkit]` from `project_dir/pyproject.toml`; BuildError names the file and key."""
    root = Path(project_dir).resolve()
    file = root / PYPROJECT
    if not file.is_file():
        raise BuildError(
            f"{file}: not found (a Python guest project needs a pyproject.toml with [tool.witkit]; "
            'a JavaScript one, a package.json with "witkit")'
        )
    try:
        data = loads_toml(file.read_bytes())
    except ValueError as e:
        raise BuildError(f"{file}: not valid TOML: {e}") from None
    tool = data.get("tool", {})
    table = tool.get("witkit") if isinstance(tool, dict) else None
    if table is None:
        raise BuildError(f"{file}: no [tool.witkit] table (it names the WIT path and the world)")
    if not isinstance(table, dict):
        raise _key_error(file, "", "expected a table")
    known = {"wit", "world", "module", "python-path", "features", "all-features"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise _key_error(file, unknown[0], f"unknown key (known: {', '.join(sorted(known))})")
    wit = root / _string(table, file, "wit", "wit")
    if not wit.exists():
        raise _key_error(file, "wit", f"{wit} does not exist")
    world = _string(table, file, "world")
    module = _string(table, file, "module", "app")
    if not module.isidentifier():
        raise _key_error(file, "module", f"{module!r} is not a Python module name")
    paths = tuple((root / p).resolve() for p in _strings(table, file, "python-path", ["."]))
    for p, raw in zip(paths, table.get("python-path", ["."]), strict=True):
        if not p.is_dir():
            raise _key_error(file, "python-path", f"{raw!r} is not a folder")
    features = tuple(_strings(table, file, "features", []))
    all_features = table.get("all-features", False)
    if not isinstance(all_features, bool):
        raise _key_error(file, "all-features", f"expected true or false, found {all_features!r}")
    project = data.get("project", {})
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name:
        name = root.name
    return ProjectConfig(
        root=root,
        name=name,
        wit=wit.resolve(),
        world=world,
        module=module,
        python_path=paths,
        features=features,
        all_features=all_features,
    )
