"""`[tool.witkit]` of a guest project: defaults, and errors naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guest.conftest import MakeProject
from witkit.errors import BuildError
from witkit.guest import load_config


def test_defaults(make_project: MakeProject) -> None:
    root = make_project()
    config = load_config(root)
    assert config.world == "greeter"
    assert config.module == "app"
    assert config.name == "proj"
    assert config.wit == (root / "wit").resolve()
    assert config.python_path == (root.resolve(),)
    assert config.module_file() == root.resolve() / "app.py"


def test_python_path_and_module(make_project: MakeProject) -> None:
    root = make_project({"src/guest.py": ""}, extra='module = "guest"\npython-path = ["src"]\n')
    config = load_config(root)
    assert config.python_path == ((root / "src").resolve(),)
    assert config.module_file() == (root / "src" / "guest.py").resolve()


@pytest.mark.parametrize(
    ("extra", "key", "problem"),
    [
        ('module = 3\n', "module", "expected a non-empty string"),
        ('module = "no-dash"\n', "module", "not a Python module name"),
        ('python-path = "src"\n', "python-path", "expected a list of strings"),
        ('python-path = ["missing"]\n', "python-path", "is not a folder"),
        ('features = [1]\n', "features", "expected a list of strings"),
        ('all-features = "yes"\n', "all-features", "expected true or false"),
        ('colour = "blue"\n', "colour", "unknown key"),
    ],
)
def test_invalid_keys(make_project: MakeProject, extra: str, key: str, problem: str) -> None:
    root = make_project(extra=extra)
    with pytest.raises(BuildError) as info:
        load_config(root)
    message = str(info.value)
    assert str(root / "pyproject.toml") in message
    assert f"[tool.witkit] {key}:" in message
    assert problem in message


def test_missing_world(tmp_path: Path) -> None:
    (tmp_path / "wit").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.witkit]\nwit = "wit"\n')
    with pytest.raises(BuildError, match=r"\[tool.witkit\] world: missing"):
        load_config(tmp_path)


def test_missing_wit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.witkit]\nworld = "w"\n')
    with pytest.raises(BuildError, match=r"\[tool.witkit\] wit: .* does not exist"):
        load_config(tmp_path)


def test_no_table_and_no_file(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"pyproject\.toml: not found"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(BuildError, match=r"no \[tool.witkit\] table"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.witkit\n")
    with pytest.raises(BuildError, match="not valid TOML"):
        load_config(tmp_path)


def test_componentize_py_is_given_the_world_fully_named(make_project: MakeProject) -> None:
    # componentize-py 0.25 cannot find a bare world name when its bundled WIT is loaded too.
    from witkit.guest.componentize import qualified_world, wit_args

    config = load_config(make_project())
    assert qualified_world(config) == "test:greeter/greeter@0.1.0"
    assert wit_args(config)[-2:] == ["-w", "test:greeter/greeter@0.1.0"]
    versioned = load_config(
        make_project(wit="package a:b@1.2.0;\nworld greeter { export f: func(); }\n", name="v")
    )
    assert qualified_world(versioned) == "a:b/greeter@1.2.0"
