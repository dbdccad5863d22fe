"""Fixtures for the guest tests: small guest projects on disk, and a stand-in for componentize-py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from witkit.guest import componentize as cpy
from witkit.guest.config import ProjectConfig

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


class FakeComponentize:
    """Stands in for componentize-py: writes a fake component and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.fail_with: str | None = None
        self.staged: list[str] = []
        """The files of the python path the last run was given (relative, posix)."""

    def __call__(
        self,
        config: ProjectConfig,
        output: Path,
        *,
        python_path: tuple[Path, ...] | None = None,
        tick: object = None,
    ) -> cpy.RunOutput:
        self.runs += 1
        folders = config.python_path if python_path is None else python_path
        self.staged = sorted(
            f"{i}/{p.relative_to(folder).as_posix()}"
            for i, folder in enumerate(folders)
            for p in folder.rglob("*")
            if p.is_file()
        )
        if self.fail_with is not None:
            return cpy.RunOutput(("componentize-py",), 1, "", self.fail_with)
        output.write_bytes(b"\0asm fake component " + str(self.runs).encode() * 1000)
        if callable(tick):
            tick(0.5)
        return cpy.RunOutput(("componentize-py",), 0, "Component built successfully", "")


def fake_bindings(config: ProjectConfig, dest: Path) -> cpy.RunOutput:
    """Stands in for `componentize-py bindings` (the real one is tested elsewhere)."""
    (dest / "wit_world").mkdir(parents=True)
    return cpy.RunOutput(("componentize-py",), 0, "", "")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeComponentize:
    """componentize-py (build and bindings) replaced by the fakes above for one test."""
    f = FakeComponentize()
    monkeypatch.setattr(cpy, "componentize", f)
    monkeypatch.setattr(cpy, "generate_bindings", fake_bindings)
    return f
