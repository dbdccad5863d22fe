"""Fixtures for the guest tests: small guest projects on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GREETER_WIT = """package test:greeter@0.1.0;

world greeter {
    import log: func(message: string);
    export greet: func(name: string) -> string;
}
"""

GREETER_APP = '''import wit_world


class WitWorld(wit_world.WitWorld):
    def greet(self, name: str) -> str:
        wit_world.log(f"greeting {name}")
        return f"Hello, {name}!"
'''

MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a guest project: `files` (relative path -> text) plus a pyproject naming the world."""

    def make(
        files: dict[str, str] | None = None,
        *,
        wit: str = GREETER_WIT,
        world: str = "greeter",
        name: str = "proj",
        extra: str = "",
    ) -> Path:
        root = tmp_path / name
        (root / "wit").mkdir(parents=True)
        (root / "wit" / "world.wit").write_text(wit)
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\n\n[tool.witkit]\nwit = "wit"\nworld = "{world}"\n{extra}'
        )
        for rel, text in (files if files is not None else {"app.py": GREETER_APP}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make
