"""The fast parse path (`witkit.wit.driver`) against Lark's own lexer and parser, file by file.

Every WIT file of the shared corpus and of the fixtures is lexed by both (same tokens, same
offsets) and parsed by both: the fast path's `ast.File` must equal the one built by walking
Lark's parse tree with the same `ToAst` methods (spans included, as `ast` nodes compare them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lark import Token, Tree
from lark.exceptions import LarkError

from tests.support.corpus import CORPUS
from witkit.errors import WitError
from witkit.wit import ast, parse
from witkit.wit.driver import NotFast, _lex, parse_fast
from witkit.wit.driver import tables as _tables
from witkit.wit.lalr import _parser, _scan_comments, _type_nesting_error
from witkit.wit.to_ast import ToAst

HERE = Path(__file__).resolve().parent
SOURCES = sorted(
    {
        *CORPUS.glob("**/*.wit"),
        *(HERE / "fixtures").glob("**/*.wit"),
        *(HERE / "resolve-fixtures").glob("**/*.wit"),
    }
)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(CORPUS if p.is_relative_to(CORPUS) else HERE)) for p in paths]


def _lark_tree(source: str) -> Tree[Token] | None:
    """Lark's tree, or None where `lalr` refuses the text before building nodes."""
    try:
        text = _scan_comments(source, "x.wit")
        if _type_nesting_error(text, source, "x.wit") is not None:
            return None
        return _parser().parse(text)
    except (LarkError, WitError):
        return None


def _through_lark(tree: Tree[Token], source: str, path: str) -> ast.File:
    """The `ast.File` of Lark's tree, built with `ToAst` the way the driver calls it."""
    kinds, values, starts, comments = _lex(_tables(), source)
    index_at = {start: i for i, start in enumerate(starts[:-1])}
    end_at = {start + len(v): i for i, (start, v) in enumerate(zip(starts, values, strict=True))}
    to_ast = ToAst(path, source, kinds, values, starts, comments)

    def build(node: Tree[Token] | Token) -> Any:
        if isinstance(node, Token):
            assert node.start_pos is not None
            return index_at[node.start_pos]
        children = [build(child) for child in node.children]
        meta = node.meta
        first, last = (0, -1) if meta.empty else (index_at[meta.start_pos], end_at[meta.end_pos])
        return getattr(to_ast, str(node.data))(first, last, children)

    built = build(tree)
    assert isinstance(built, ast.File)
    return built


@pytest.mark.parametrize("wit", SOURCES, ids=_ids(SOURCES))
def test_fast_path_lexes_and_parses_as_lark_does(wit: Path) -> None:
    source = wit.read_text(encoding="utf-8")
    tree = _lark_tree(source)
    if tree is None:
        with pytest.raises((NotFast, WitError)):
            parse_fast(_tables(), source, str(wit))
        return
    kinds, values, starts, _ = _lex(_tables(), source)
    lark_tokens = list(_parser().lex(_scan_comments(source, str(wit))))
    assert list(zip(kinds, values, starts, strict=True))[:-1] == [
        (t.type, t.value, t.start_pos) for t in lark_tokens
    ]
    try:
        expected: ast.File | WitError = _through_lark(tree, source, str(wit))
    except WitError as error:
        expected = error
    if isinstance(expected, WitError):
        with pytest.raises(WitError) as raised:
            parse_fast(_tables(), source, str(wit))
        assert str(raised.value) == str(expected)
    else:
        assert parse_fast(_tables(), source, str(wit)) == expected


def test_the_corpus_is_there() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared WIT corpus not found at {CORPUS}")
    assert len([p for p in SOURCES if p.is_relative_to(CORPUS)]) > 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # An invalid identifier (found while building nodes) before a syntax error: the
        # syntax error is reported, as Lark's parse of the whole file finds it first.
        ("package a:b;\ninterface Bad-Name {}\ninterface i { x: func( }\n", "expected"),
        ("package a:b;\ninterface i { f: func(); }\ninterface j {\n", "found eof"),
        ("package a:b;\ninterface i { /* open\n", "unterminated block comment"),
        ("package a:b;\ninterface i { f: func() -> u32 }\n", "expected ';'"),
    ],
)
def test_errors_are_lark_s_where_the_fast_path_stops(
    text: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(WitError) as raised:
        parse(text, "x.wit")
    assert message in str(raised.value)
    assert "x.wit:" in str(raised.value)


def test_a_check_of_the_built_nodes_names_its_place() -> None:
    with pytest.raises(WitError) as raised:
        parse("package a:b;\n\ninterface i {\n  bad_name: func();\n}\n", "x.wit")
    assert "x.wit:4:3" in str(raised.value)
    assert "invalid character in identifier '_'" in str(raised.value)
