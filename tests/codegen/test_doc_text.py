"""WIT doc text of any content becomes docstrings that parse and read back, in host bindings
and in guest scaffolds alike (one escaper: `witkit.naming.docstring_text`)."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from witkit.codegen.host import render_host
from witkit.guest import new_project
from witkit.naming import doc_lines, docstring, docstring_text
from witkit.wit.resolve import resolve_path, select_world

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
"""Any code points, lone surrogates and control characters included."""
QUOTEY = st.lists(
    st.sampled_from(['"', "\\", "'", "\n", "\r", " ", "\t", "a", "\x00", "N{", "u"]), max_size=30
).map("".join)
"""Text made of what breaks naive escaping, so runs of quotes and backslashes are common."""


@given(st.one_of(ANY_TEXT, QUOTEY))
def test_escaped_text_reads_back_as_itself_in_a_triple_quoted_literal(text: str) -> None:
    literal = f'"""{docstring_text(text)}"""'
    tree = ast.parse(literal)
    assert isinstance(tree.body[0], ast.Expr)
    assert ast.literal_eval(tree.body[0].value) == text


@given(st.one_of(ANY_TEXT, QUOTEY), st.sampled_from([0, 4, 8]))
def test_a_docstring_parses_and_holds_the_doc_lines(text: str, indent: int) -> None:
    literal = docstring(text, indent)
    lines = doc_lines(text)
    if not lines:
        assert literal == ""
        return
    pad = " " * indent
    if indent:
        tree = ast.parse(
            f"class C:\n{pad}{literal}\n"
            if indent == 4
            else f"if 1:\n    class C:\n{pad}{literal}\n"
        )
        cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
        value = ast.get_docstring(cls, clean=False)
    else:
        value = ast.literal_eval(literal)
    assert value is not None
    got = value.split("\n")
    if len(lines) > 1:
        assert got[-1] == pad
        got = [line.removeprefix(pad) for line in got[:-1]]
    assert got == lines


NASTY = '''package test:docs;

/// Interface docs ending in a quote: "hi"
interface api {
  /// Returns the word "hi"
  record point {
    /// A backslash \\ and a triple """ quote, ending in ""
    x: s32,
  }
  /** Block docs with \\N{BULLET} and \\u0041 and a trailing "
   *  second line: """"" */
  greet: func(name: string) -> string;
  /// "
  resource blob {
    /// Ends in two quotes ""
    size: func() -> u32;
  }
}

/// World docs: "quoted" \\ """
world docs {
  import api;
  export api2: interface {
    /// Doc "x"
    run: func() -> string;
  }
  /// Export docs "
  export go: func(p: string) -> string;
}
'''


def _docstrings(source: str) -> list[str]:
    """Every string statement of `source`: docstrings of modules, classes, functions, attributes."""
    return [
        node.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


def test_generate_and_new_write_python_for_any_doc_text(tmp_path: Path) -> None:
    wit = tmp_path / "docs.wit"
    wit.write_text(NASTY, encoding="utf-8")
    resolved = resolve_path(wit)
    world = select_world(resolved.resolve, resolved.packages)
    files = render_host(resolved.resolve, world, "docs")
    host_docs = [
        d for name, text in files.items() if name.endswith(".py") for d in _docstrings(text)
    ]
    joined = "\n".join(host_docs)
    for expected in (
        'Returns the word "hi"',
        'A backslash \\ and a triple """ quote, ending in ""',
        'Block docs with \\N{BULLET} and \\u0041 and a trailing "',
        'Interface docs ending in a quote: "hi"',
        'World docs: "quoted" \\ """',
        'Ends in two quotes ""',
        'Export docs "',
    ):
        assert expected in joined, expected
    project = new_project("docs-plugin", wit, "docs", tmp_path / "guest")
    guest_docs = [
        d for p in sorted(project.rglob("*.py")) for d in _docstrings(p.read_text(encoding="utf-8"))
    ]
    assert 'Doc "x"' in guest_docs
    assert 'Export docs "' in guest_docs
