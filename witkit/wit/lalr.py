"""The Lark side of parsing WIT: the LALR parser built from `grammars/wit.lark` (cached in the
user's cache folder), whose tables the fast path (`witkit.wit.driver`) runs, and, for text the
fast path does not parse, Lark's own parse with comments blanked before lexing and its errors
turned into wit-parser's messages (`lark_errors`).

Imported only when text is really parsed (not when `witkit.wit.parser` finds the result in
its cache), so that a process that parses nothing imports no Lark.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Tree
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from witkit._resources import data_dir
from witkit.errors import WitError, location_in_file
from witkit.wit.driver import error_at
from witkit.wit.parser import MAX_TYPE_NESTING, cache_folder

# --------------------------------------------------------------------------- the Lark object


_LARK_OPTIONS: dict[str, Any] = {
    "start": "file",
    "parser": "lalr",
    "lexer": "basic",
    "propagate_positions": True,
    "maybe_placeholders": False,
}


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    """Build the LALR parser once per process, or load it from the grammar cache.

    Building the LALR tables takes 100-150 ms; loading them from a file written by an earlier
    process about a fifth of that. The file lives in the user's cache folder (never in the
    package: site-packages may be read-only and a file there goes stale), is named by a sha256
    of the grammar, the Lark and Python versions and the options (any change makes a new
    file), and is written atomically. It is a pickle, so it is read only from a folder that
    the current user owns and nobody else can write, the trust the compile cache already
    asks; anything unreadable or corrupt is ignored and the parser built in memory.
    `WITKIT_CACHE=0` turns the file off.
    """
    grammar = (data_dir("grammars") / "wit.lark").read_text(encoding="utf-8")
    folder = cache_folder("grammar")
    if folder is None:
        return Lark(grammar, **_LARK_OPTIONS)
    key = hashlib.sha256(
        "\0".join(
            (grammar, lark.__version__, sys.version, repr(sorted(_LARK_OPTIONS.items())))
        ).encode("utf-8")
    ).hexdigest()[:32]
    path = folder / f"wit-grammar-{key}.lark"
    with contextlib.suppress(Exception), path.open("rb") as f:
        loaded = Lark.load(f)
        if isinstance(loaded, Lark):
            return loaded
    parser = Lark(grammar, **_LARK_OPTIONS)
    _save_grammar_cache(parser, path)
    return parser


def _save_grammar_cache(parser: Lark, path: Path) -> None:
    """Write the parser tables next to `path` and move them into place; failures are ignored."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            parser.save(f)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return
    for stale in (*path.parent.glob("wit-grammar-*.lark"), *path.parent.glob(".wit-grammar-*.tmp")):
        if stale != path:
            with contextlib.suppress(OSError):
                stale.unlink()


@functools.lru_cache(maxsize=1)
def _terminal_descriptions() -> dict[str, str]:
    """How wit-parser names each token in "expected X, found Y" messages."""
    described: dict[str, str] = {
        "ID": "an identifier",
        "EXPLICIT_ID": "an '%' identifier",
        "INTEGER": "an integer",
        "VERSION": "a version",
        "$END": "eof",
        "_RARROW": "`->`",
    }
    for terminal in _parser().terminals:
        if terminal.name in described or terminal.pattern.type != "str":
            continue
        value = terminal.pattern.value
        if re.fullmatch(r"[a-z_][a-z0-9-]*", value):
            described[terminal.name] = f"keyword `{value}`"
        else:
            described[terminal.name] = f"'{value}'"
    return described


# --------------------------------------------------------------------------- comments and input checks

_COMMENT_START = re.compile(r"//|/\*")
_BLOCK_EDGE = re.compile(r"/\*|\*/")
_NOT_NEWLINE = re.compile(r"[^\n]")


def _scan_comments(source: str, path: str) -> str:
    """Blank out every comment (newlines kept, so lines and columns do not move), for Lark's
    lexer. Block comments nest, as in wit-parser."""
    pieces: list[str] = []
    done = 0
    if source.startswith("\ufeff"):
        pieces.append(" ")
        done = 1
    search_from = done
    while (match := _COMMENT_START.search(source, search_from)) is not None:
        start = match.start()
        if match.group() == "//":
            end = source.find("\n", start)
            if end < 0:
                end = len(source)
        else:
            depth = 1
            position = start + 2
            while depth:
                edge = _BLOCK_EDGE.search(source, position)
                if edge is None:
                    raise error_at("unterminated block comment", source, path, start, 2)
                depth += 1 if edge.group() == "/*" else -1
                position = edge.end()
            end = position
        text = source[start:end]
        pieces.append(source[done:start])
        pieces.append(_NOT_NEWLINE.sub(" ", text) if "\n" in text else " " * len(text))
        done = search_from = end
    if not pieces:
        return source
    pieces.append(source[done:])
    return "".join(pieces)


# --------------------------------------------------------------------------- syntax errors


def _expected_phrase(expected: set[str]) -> str:
    """Say what the parser wanted the way wit-parser says it."""
    if {"U32", "ID"} <= expected:
        return "a type"
    if "_IMPORT" in expected:
        return "`import`, `export`, `include`, `use`, or type definition"
    if "_RECORD" in expected and "ID" in expected:
        return "`type`, `resource` or `func`"
    if "_INTERFACE" in expected and "_WORLD" in expected:
        return "`world`, `interface`, `use` or `package`"
    if "CONSTRUCTOR" in expected:
        return "`constructor` or identifier"
    if "ID" in expected:
        return "an identifier or string"
    if expected == {"INTEGER"}:
        return "fixed-length"
    wanted = set(expected)
    # After a list element, wit-parser asks for the closing bracket, not for `,`.
    if "_COMMA" in wanted and wanted & {"_RBRACE", "_RPAREN", "_RANGLE"}:
        wanted.discard("_COMMA")
    describe = _terminal_descriptions()
    names = sorted(describe.get(name, name) for name in wanted)
    if len(names) <= 1:
        return names[0] if names else "something else"
    return ", ".join(names[:-1]) + " or " + names[-1]


def _syntax_error(error: UnexpectedInput, source: str, path: str) -> WitError:
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream if error.pos_in_stream is not None else 0
        return error_at(f"unexpected character {error.char!r}", source, path, offset)
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = set(error.expected)
        interactive: Any = error.interactive_parser
        if interactive is not None:
            # The parse table row of an LALR state that can reduce lists every lookahead
            # merged into it; ask the parser what it would really accept here.
            with contextlib.suppress(LarkError):
                expected = set(interactive.accepts()) or expected
        wanted = _expected_phrase(expected)
        if token.type == "$END":
            return error_at(f"expected {wanted}, found eof", source, path, len(source))
        found = _terminal_descriptions().get(token.type, f"`{token.value}`")
        message = f"expected {wanted}, found {found}"
        offset = token.start_pos if token.start_pos is not None else 0
        return error_at(message, source, path, offset, len(str(token.value)))
    if isinstance(error, UnexpectedEOF):
        wanted = _expected_phrase(set(error.expected))
        return error_at(f"expected {wanted}, found eof", source, path, len(source))
    return WitError(f"invalid WIT: {error}", location_in_file(path, source, 1, 1))


# --------------------------------------------------------------------------- checks on the parse tree


def _type_nesting_error(text: str, source: str, path: str) -> tuple[int, WitError] | None:
    """Where a type first nests deeper than wit-parser allows, found on the text alone.

    Returns the offset of the `<` one level too deep and the error to raise, or None. Found
    before parsing, so that a megabyte of `list<` fails without being parsed.
    """
    if text.count("<") <= MAX_TYPE_NESTING:
        return None
    depth = 0
    for match in re.finditer(r"->|[<>]", text):
        bracket = match.group()
        if bracket == ">":
            depth = max(0, depth - 1)
        elif bracket == "<":
            depth += 1
            if depth > MAX_TYPE_NESTING:
                end = match.start()
                while end > 0 and text[end - 1] in " \t\r\n":
                    end -= 1
                start = end
                while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-_"):
                    start -= 1
                if start == end:
                    start, end = match.start(), match.end()
                error = error_at("type nesting too deep", source, path, start, end - start)
                return match.start(), error
    return None


def _check_nested_packages(tree: Tree[Token], source: str, path: str) -> None:
    """`package a:b { package c:d { ... } }` is not WIT: point at the inner package's name."""
    for child in tree.children:
        if not (isinstance(child, Tree) and child.data == "nested_package"):
            continue
        for inner in child.children:
            if isinstance(inner, Tree) and inner.data == "nested_package":
                name = next(
                    c for c in inner.children if isinstance(c, Tree) and c.data == "package_name"
                )
                raise error_at(
                    "nested packages must be placed at the top-level",
                    source,
                    path,
                    name.meta.start_pos,
                    name.meta.end_pos - name.meta.start_pos,
                )


def lark_errors(source: str, path: str) -> None:
    """Raise the error Lark's parser finds in `source`, if any, as a wit-parser message."""
    text = _scan_comments(source, path)
    too_deep = _type_nesting_error(text, source, path)
    try:
        if too_deep is not None:
            # Only the text before the nesting is parsed: a syntax error there comes
            # first, as it does in wit-parser, which reads the file in order.
            _parser().parse(text[: too_deep[0]])
            raise too_deep[1]
        tree = _parser().parse(text)
        _check_nested_packages(tree, source, path)
    except UnexpectedInput as error:
        if too_deep is not None and _at_end(error):
            raise too_deep[1] from None
        raise _syntax_error(error, source, path) from None
    except LarkError as error:
        raise WitError(f"invalid WIT: {error}", location_in_file(path, source, 1, 1)) from None


def _at_end(error: UnexpectedInput) -> bool:
    """Whether a syntax error is the parser running out of text."""
    if isinstance(error, UnexpectedEOF):
        return True
    return isinstance(error, UnexpectedToken) and error.token.type == "$END"
