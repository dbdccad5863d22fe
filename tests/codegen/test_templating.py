"""The one string quoter and the one Jinja environment builder host and guest templates share,
and the formatter run that lays generated code out (and reports when it cannot)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.codegen.conftest import KITCHEN_WIT, REPO
from witkit.codegen.formatting import format_python
from witkit.codegen.host import environment as host_environment
from witkit.codegen.host import render_host
from witkit.codegen.templating import py_string
from witkit.errors import BindingError
from witkit.guest.scaffold import environment as guest_environment
from witkit.wit.resolve import resolve_path, select_world

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
"""Any code points, lone surrogates and control characters included."""
SCALARS = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
"""Unicode scalar values: what a TOML string can hold."""


@given(ANY_TEXT)
def test_quoted_text_reads_back_as_itself_in_python(text: str) -> None:
    literal = py_string(text)
    assert "\n" not in literal and "\r" not in literal
    assert ast.literal_eval(literal) == text


@given(SCALARS)
def test_quoted_text_reads_back_as_itself_in_toml(text: str) -> None:
    assert tomllib.loads(f"key = {py_string(text)}\n") == {"key": text}


def test_host_and_guest_templates_quote_alike() -> None:
    host, guest = host_environment(), guest_environment()
    for env in (host, guest):
        assert env.filters["pyrepr"] is py_string
        assert env.from_string('{{ "a\\"b\\n" | pyrepr }}').render() == '"a\\"b\\u000a"'
    assert host.filters["docstring"] is guest.filters["docstring"]


def _kitchen() -> tuple[object, int]:
    resolved = resolve_path(REPO / KITCHEN_WIT)
    return resolved.resolve, select_world(resolved.resolve, resolved.packages)


def test_a_template_writing_invalid_python_is_a_binding_error(tmp_path: Path) -> None:
    (tmp_path / "interface.py.jinja").write_text("def broken(:\n    pass\n")
    resolve, world = _kitchen()
    with pytest.raises(BindingError, match=r"not valid Python \(ruff format failed\).*api\.py"):
        render_host(resolve, world, templates=tmp_path)  # type: ignore[arg-type]


def test_templates_need_not_lay_code_out(tmp_path: Path) -> None:
    """A user template writes code anyhow; the formatter gives it the project's layout."""
    (tmp_path / "interface.py.jinja").write_text("x = {  'a':1,'b' :[1,2]}\n")
    resolve, world = _kitchen()
    files = render_host(resolve, world, templates=tmp_path)  # type: ignore[arg-type]
    assert files["api.py"] == 'x = {"a": 1, "b": [1, 2]}\n'


def test_a_formatter_that_cannot_run_is_a_binding_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-ruff-here")
    with pytest.raises(BindingError, match="cannot run ruff"):
        format_python({"a.py": "x = 1\n"}, ruff=missing)


def test_only_python_files_are_formatted() -> None:
    files = {"a.py": "x  =  1\n", "py.typed": "", "notes.txt": "x  =  1\n"}
    assert format_python(files) == {"a.py": "x = 1\n", "py.typed": "", "notes.txt": "x  =  1\n"}


# --------------------------------------------------------------------------- compiled templates


_RENDER_KITCHEN = """
import json, sys
from witkit.codegen.host import render_host
from witkit.wit.resolve import resolve_path, select_world
r = resolve_path(sys.argv[1])
files = render_host(r.resolve, select_world(r.resolve, r.packages), templates=sys.argv[2] or None)
print(json.dumps(files, sort_keys=True))
"""


def _render_in_a_process(env: dict[str, str], templates: Path | None = None) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _RENDER_KITCHEN, str(REPO / KITCHEN_WIT), str(templates or "")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return done.stdout


def _process_env(cache_home: Path, *, cache: bool = True) -> dict[str, str]:
    import os

    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), PYTHONPATH=str(REPO))
    env.pop("WITKIT_CACHE", None)
    if not cache:
        env["WITKIT_CACHE"] = "0"
    return env


def test_compiled_templates_are_kept_and_give_the_same_code(tmp_path: Path) -> None:
    fresh = _render_in_a_process(_process_env(tmp_path / "off", cache=False))
    assert not (tmp_path / "off").exists()
    first = _render_in_a_process(_process_env(tmp_path / "on"))
    kept = sorted((tmp_path / "on" / "witkit" / "templates").glob("*.cache"))
    assert kept, "no compiled template was kept"
    # A second process reads them back (nothing new is written) and renders the same code.
    stamps = {p: p.stat().st_mtime_ns for p in kept}
    second = _render_in_a_process(_process_env(tmp_path / "on"))
    assert {p: p.stat().st_mtime_ns for p in kept} == stamps
    assert fresh == first == second


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    source = REPO / "templates" / "host" / "interface.py.jinja"
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "interface.py.jinja").write_text("# first\n" + source.read_text())
    env = _process_env(tmp_path / "cache")
    assert "# first" in _render_in_a_process(env, mine)
    (mine / "interface.py.jinja").write_text("# second\n" + source.read_text())
    out = _render_in_a_process(env, mine)
    assert "# second" in out and "# first" not in out


def test_a_damaged_compiled_template_is_compiled_again(tmp_path: Path) -> None:
    env = _process_env(tmp_path)
    first = _render_in_a_process(env)
    for entry in (tmp_path / "witkit" / "templates").glob("*.cache"):
        entry.write_bytes(entry.read_bytes()[:40])  # truncated mid-entry
    assert _render_in_a_process(env) == first
