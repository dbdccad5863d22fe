"""A guest scaffolded by `witkit new` reads its configuration through `witkit:plugin/config`."""

from __future__ import annotations

from pathlib import Path

import pytest

import witkit
from tests.support.guests import build_guest
from witkit.guest import new_project

WORLD = """package demo:configured@0.1.0;

world configured {
    export describe: func() -> string;
}
"""

APP = '''
from wit_world import WitWorld as Base
from wit_world.imports import config


class WitWorld(Base):
    def describe(self) -> str:
        greeting = config.get("greeting") or "(no greeting)"
        return f"{greeting}; keys: {','.join(config.keys())}"
'''


def _scaffold(tmp_path: Path) -> Path:
    (tmp_path / "wit").mkdir()
    (tmp_path / "wit" / "world.wit").write_text(WORLD)
    project = new_project("configured", tmp_path / "wit", out_dir=tmp_path / "project")
    # What the scaffold's README tells the author to do.
    world = project / "wit" / "world.wit"
    world.write_text(
        world.read_text().replace(
            "world configured {\n", "world configured {\n    import witkit:plugin/config@0.1.0;\n"
        )
    )
    return project


def test_scaffold_ships_the_config_package(tmp_path: Path) -> None:
    project = _scaffold(tmp_path)
    assert (project / "wit" / "deps" / "witkit-plugin" / "plugin-config.wit").is_file()
    assert "import witkit:plugin/config@0.1.0;" in (project / "README.md").read_text()
    # The world with the import resolves as the build will see it.
    from witkit.wit import resolve_path, select_world

    resolved = resolve_path(project / "wit")
    select_world(resolved.resolve, resolved.packages, "configured")


@pytest.mark.slow
def test_guest_reads_config_given_at_load(tmp_path: Path) -> None:
    project = _scaffold(tmp_path)
    component = build_guest(project / "wit", "configured", {"app.py": APP})
    plugin = witkit.load(component, config={"greeting": "hello", "mode": "fast"})
    assert plugin.call("describe") == "hello; keys: greeting,mode"
    bare = witkit.load(component)
    assert bare.call("describe") == "(no greeting); keys: "
