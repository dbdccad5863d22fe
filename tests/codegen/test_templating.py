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
