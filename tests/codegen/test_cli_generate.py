"""`witkit generate`: writes the package, names it, and reports bad input without a traceback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.codegen.conftest import REPO
from witkit.cli import main

KITCHEN = str(REPO / "tests" / "worlds" / "kitchen" / "kitchen.wit")


def test_generate_writes_the_package(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", KITCHEN, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "kitchen").iterdir()) == [
        "__init__.py", "api.py", "py.typed", "store.py", "types.py",
    ]  # fmt: skip
    header = (tmp_path / "kitchen" / "api.py").read_text().splitlines()[0]
    # The input shares no folder with the output but the root: only its name is written.
    assert header.endswith("from witkit:kitchen/kitchen@0.1.0 (kitchen.wit). Do not edit.")


def _generated_bytes(root: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(
        main, ["generate", str(root / "wit" / "kitchen.wit"), "-o", str(root / "out")]
    )
    assert result.exit_code == 0, result.output
    package = root / "out" / "kitchen"
    return {p.relative_to(package).as_posix(): p.read_bytes() for p in package.rglob("*.py")}


def test_generation_is_byte_identical_across_checkouts(tmp_path: Path) -> None:
    """The same tree copied to two places generates the same bytes: headers name the input
    relative to the package, never by an absolute path."""
    copies = [tmp_path / "first" / "checkout", tmp_path / "second-place" / "deeper" / "co"]
    for root in copies:
        (root / "wit").mkdir(parents=True)
        (root / "wit" / "kitchen.wit").write_bytes(Path(KITCHEN).read_bytes())
    first, second = (_generated_bytes(root) for root in copies)
    assert sorted(first) == ["__init__.py", "api.py", "store.py", "types.py"]
    assert first == second
    header = first["api.py"].decode().splitlines()[0]
    assert header.endswith("(../../wit/kitchen.wit). Do not edit.")
    assert str(tmp_path) not in first["api.py"].decode()


def test_package_world_and_templates_options(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "interface.py.jinja").write_text("# mine: {{ module.module }}\n")
    args = ["generate", KITCHEN, "--world", "kitchen", "-o", str(tmp_path), "--package", "kt"]
    result = CliRunner().invoke(main, [*args, "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kt" / "store.py").read_text() == "# mine: store\n"


def test_bad_wit_is_rendered_like_the_wit_front_end(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_text("package a:b;\nworld w { export f: func() -> u32 }\n")
    result = CliRunner().invoke(main, ["generate", str(bad), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "error: expected ';', found '}'" in result.output
    assert f"--> {bad}:2:35" in result.output


def test_unknown_world_and_bad_package_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", KITCHEN, "--world", "nope", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: world `nope` not found in package `witkit:kitchen@0.1.0`" in result.output
    result = CliRunner().invoke(
        main, ["generate", KITCHEN, "--package", "not-a-name", "-o", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "error: package name `not-a-name` is not a Python identifier" in result.output


def test_broken_user_template_and_unwritable_output(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "interface.py.jinja").write_text("{% if %}\n")
    result = CliRunner().invoke(
        main, ["generate", KITCHEN, "-o", str(tmp_path), "--templates", str(templates)]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "error: template " in result.output and "interface.py.jinja:1" in result.output
    (templates / "interface.py.jinja").write_text("{{ no_such_name }}\n")
    result = CliRunner().invoke(
        main, ["generate", KITCHEN, "-o", str(tmp_path), "--templates", str(templates)]
    )
    assert result.exit_code == 1
    assert "error: template interface.py.jinja: 'no_such_name' is undefined" in result.output
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["generate", KITCHEN, "-o", str(blocker / "sub")])
    assert result.exit_code == 1
    assert "error: cannot write the bindings to" in result.output
