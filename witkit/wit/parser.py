"""Parse WIT source text into the syntax tree of `witkit.wit.ast`, with wit-parser's errors."""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import functools
import hashlib
import os
import re
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import lark
import platformdirs
from lark import Lark, Token, Tree
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)
from lark.tree import Meta

from witkit._resources import data_dir
from witkit.errors import SourceLocation, WitError, location_in_file
from witkit.wit import ast
from witkit.wit._gc import gc_paused
from witkit.wit.model import PRIMITIVES

__all__ = ["parse", "parse_bytes", "parse_file"]

MAX_TYPE_NESTING = 100
"""The deepest a type may nest (`list<list<...>>`), wit-parser's own limit and message
("type nesting too deep"). WASI nests at most 4 deep; nothing below recurses further."""

MAX_WIT_FILE_BYTES = 8 * 1024 * 1024
"""The largest `.wit` file (or text given to `parse`) witkit reads: 8 MiB. Real WIT files are
kilobytes (the largest in WASI 0.2 and 0.3 is 41 KB, all of WASI 0.3 together 130 KB), so
this is 200 times the largest real file while bounding what a hostile one costs: it is
checked on the file's size before reading and on what was read (never more than this plus
one byte), so `/dev/zero` or a file that keeps growing fails as quickly as a huge file."""

_KEYWORDS_NOT_IN_GRAMMAR = frozenset({"from"})


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
    folder = _grammar_cache_folder()
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


def _grammar_cache_folder() -> Path | None:
    """The private folder the parser tables are cached in, or None where it cannot be trusted."""
    if os.environ.get("WITKIT_CACHE", "").strip() == "0":
        return None
    folder = Path(platformdirs.user_cache_dir("witkit")) / "grammar"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError:
        return None
    getuid = getattr(os, "getuid", None)
    if getuid is not None and (info.st_uid != getuid() or info.st_mode & 0o022):
        return None
    return folder


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
_ONLY_WHITESPACE = re.compile(r"[ \t\r\n]*")
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5]"
)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DISCOURAGED = frozenset("\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5")


@dataclasses.dataclass(frozen=True)
class _Comment:
    start: int
    end: int
    text: str


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _error_at(message: str, source: str, path: str, offset: int, length: int = 1) -> WitError:
    line, column = _line_column(source, offset)
    return WitError(message, location_in_file(path, source, line, column, max(1, length)))


def _check_input(source: str, path: str) -> None:
    """Reject the code points wit-parser refuses: control codes, bidi overrides, deprecated ones."""
    bad = _FORBIDDEN.search(source)
    if bad is None:
        return
    char = bad.group()
    line, _ = _line_column(source, bad.start())
    escaped = f"'\\u{{{ord(char):x}}}'"
    if char in _BIDI:
        message = f"Input contains bidirectional override codepoint {escaped} at line {line}"
    elif char in _DISCOURAGED:
        message = f"Codepoint {escaped} at line {line} is discouraged by Unicode"
    else:
        message = f"Control code {escaped} at line {line}"
    raise _error_at(message, source, path, bad.start())


def _scan_comments(source: str, path: str) -> tuple[str, list[_Comment]]:
    """Find every comment and blank it out (newlines kept, so lines and columns do not move).

    Block comments nest, as in wit-parser. Returns the blanked text for the lexer and the
    comments in source order.
    """
    comments: list[_Comment] = []
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
                    raise _error_at("unterminated block comment", source, path, start, 2)
                depth += 1 if edge.group() == "/*" else -1
                position = edge.end()
            end = position
        text = source[start:end]
        comments.append(_Comment(start, end, text))
        pieces.append(source[done:start])
        pieces.append(_NOT_NEWLINE.sub(" ", text) if "\n" in text else " " * len(text))
        done = search_from = end
    if not pieces:
        return source, comments
    pieces.append(source[done:])
    return "".join(pieces), comments


def _docs_text(comments: Sequence[str]) -> str | None:
    """Turn the comments in front of an item into `Docs.contents`, exactly as wit-parser does."""
    if not comments:
        return None
    lines: list[str] = []
    for comment in comments:
        if comment.startswith("/**"):
            body = comment[3:]
            body = body[:-2] if body.endswith("*/") else body
        else:
            body = comment.lstrip("/")
        lines.append(body.rstrip())
    widths = [len(line) - len(line.lstrip(" \t\n\r\f")) for line in lines if line]
    indent = min(widths, default=0)
    if indent:
        prefix = " " * indent
        lines = [line[indent:] if line.startswith(prefix) else line for line in lines]
    out: list[str] = []
    for line in lines:
        if not line:
            out.append("\n")
            continue
        for part in line.split("\n"):
            out.append(part[:-1] if part.endswith("\r") else part)
            out.append("\n")
    return "".join(out).rstrip("\n")


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
        return _error_at(f"unexpected character {error.char!r}", source, path, offset)
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
            return _error_at(f"expected {wanted}, found eof", source, path, len(source))
        found = _terminal_descriptions().get(token.type, f"`{token.value}`")
        message = f"expected {wanted}, found {found}"
        offset = token.start_pos if token.start_pos is not None else 0
        return _error_at(message, source, path, offset, len(str(token.value)))
    if isinstance(error, UnexpectedEOF):
        wanted = _expected_phrase(set(error.expected))
        return _error_at(f"expected {wanted}, found eof", source, path, len(source))
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
                error = _error_at("type nesting too deep", source, path, start, end - start)
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
                raise _error_at(
                    "nested packages must be placed at the top-level",
                    source,
                    path,
                    name.meta.start_pos,
                    name.meta.end_pos - name.meta.start_pos,
                )


# --------------------------------------------------------------------------- identifiers and versions

_KEBAB = re.compile(r"(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*))*")
_NUMERIC = re.compile(r"[0-9]+")


def _identifier_problem(name: str) -> str | None:
    """wit-parser's complaint about an identifier, or None when it is valid kebab-case."""
    if _KEBAB.fullmatch(name):
        return None
    if not name:
        return "identifiers must have characters between '-'s"
    for part in name.split("-"):
        if not part:
            return "identifiers must have characters between '-'s"
        first = part[0]
        if "a" <= first <= "z":
            allowed = "abcdefghijklmnopqrstuvwxyz0123456789"
        elif "A" <= first <= "Z":
            allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        else:
            return f"invalid character in identifier {first!r}"
        for char in part:
            if char not in allowed:
                return f"invalid character in identifier {char!r}"
    return "identifiers must have characters between '-'s"


def _version_problem(version: str) -> str | None:
    """What the semver crate says about a version the lexer accepted, or None when valid."""
    without_build = version.split("+", 1)[0]
    core, _, pre = without_build.partition("-")
    for label, number in zip(("major", "minor", "patch"), core.split("."), strict=True):
        if len(number) > 1 and number.startswith("0"):
            return f"invalid leading zero in {label} version number"
        # Compared as text: int() of over 4,300 digits raises.
        if len(number) > 20 or (len(number) == 20 and number > "18446744073709551615"):
            return f"value of {label} version number exceeds u64::MAX"
    for ident in pre.split(".") if pre else ():
        if _NUMERIC.fullmatch(ident) and len(ident) > 1 and ident.startswith("0"):
            return "invalid leading zero in pre-release identifier"
    return None


# --------------------------------------------------------------------------- the transformer


class _ToAst:
    """Build `witkit.wit.ast` nodes, one method per grammar rule, each recording its span.

    Like a Lark `Transformer` with `v_args(meta=True)`: the method named after a rule gets
    the rule's `Meta` and its children, already built. `build` walks the parse tree with a
    stack of its own rather than recursing, and calls the methods directly, which is twice
    as fast as Lark's transformer (that wraps every call in a new object).
    """

    def __init__(self, path: str, source: str, comments: list[_Comment]) -> None:
        self._path = path
        self._source = source
        self._comments = comments
        self._comment_ends = [c.end for c in comments]

    def build(self, tree: Tree[Token]) -> ast.File:
        """The `ast.File` of a parse tree, children built before their parent."""
        built: list[Any] = []
        todo: list[tuple[Tree[Token] | Token, bool]] = [(tree, False)]
        while todo:
            node, children_done = todo.pop()
            if not isinstance(node, Tree):
                built.append(node)
            elif children_done:
                count = len(node.children)
                children = built[len(built) - count :]
                del built[len(built) - count :]
                built.append(getattr(self, str(node.data))(node.meta, children))
                node.children = []  # what is built no longer needs its tree: free it as we go
            else:
                todo.append((node, True))
                todo.extend((child, False) for child in reversed(node.children))
        (file,) = built
        assert isinstance(file, ast.File)
        return file

    # ----------------------------------------------------------------- helpers

    def _span(self, meta: Meta) -> ast.Span:
        return ast.Span(self._path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _token_span(self, token: Token) -> ast.Span:
        return ast.Span(
            self._path,
            cast(int, token.line),
            cast(int, token.column),
            cast(int, token.end_line),
            cast(int, token.end_column),
        )

    def _fail(self, message: str, span: ast.Span) -> NoReturn:
        raise WitError(message, span.location(self._source))

    def _docs(self, meta: Meta) -> ast.Docs:
        """The comments between the previous token and this item, as wit-parser collects them."""
        index = bisect.bisect_right(self._comment_ends, meta.start_pos) - 1
        found: list[str] = []
        position = meta.start_pos
        while index >= 0:
            comment = self._comments[index]
            if not _ONLY_WHITESPACE.fullmatch(self._source, comment.end, position):
                break
            found.append(comment.text)
            position = comment.start
            index -= 1
        found.reverse()
        return ast.Docs(_docs_text(found))

    @staticmethod
    def _split_attributes(children: list[Any]) -> tuple[tuple[ast.Attribute, ...], list[Any]]:
        count = 0
        while count < len(children) and isinstance(
            children[count], ast.Since | ast.Unstable | ast.Deprecated
        ):
            count += 1
        return tuple(children[:count]), children[count:]

    # ----------------------------------------------------------------- identifiers

    def id(self, meta: Meta, children: list[Token]) -> ast.Id:
        token = children[0]
        text = str(token)
        span = self._token_span(token)
        if token.type == "EXPLICIT_ID":
            text = text[1:]
        elif text in _KEYWORDS_NOT_IN_GRAMMAR:
            self._fail(f"expected an identifier or string, found keyword `{text}`", span)
        problem = _identifier_problem(text)
        if problem is not None:
            self._fail(problem, span)
        return ast.Id(text, span)

    def _version(self, token: Token) -> str:
        text = str(token)
        problem = _version_problem(text)
        if problem is not None:
            self._fail(problem, self._token_span(token))
        return text

    # ----------------------------------------------------------------- files and packages

    def file(self, meta: Meta, children: list[Any]) -> ast.File:
        package: ast.PackageDecl | None = None
        items = list(children)
        if items and isinstance(items[0], ast.PackageDecl):
            package = items.pop(0)
        return ast.File(self._path, package, tuple(items), self._source)

    def package_name(self, meta: Meta, children: list[Any]) -> ast.PackageName:
        version = self._version(children[2]) if len(children) > 2 else None
        return ast.PackageName(children[0], children[1], version, self._span(meta))

    def package_decl(self, meta: Meta, children: list[Any]) -> ast.PackageDecl:
        return ast.PackageDecl(children[0], self._docs(meta), self._span(meta))

    def nested_package(self, meta: Meta, children: list[Any]) -> ast.NestedPackage:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        return ast.NestedPackage(name, tuple(items), self._docs(meta), attributes, self._span(meta))

    # ----------------------------------------------------------------- attributes

    def attribute_arg(self, meta: Meta, children: list[Any]) -> tuple[ast.Id, Token | ast.Id]:
        return self.id(meta, children[:1]), children[1]

    def attribute(self, meta: Meta, children: list[Any]) -> ast.Attribute:
        name = self.id(meta, children[:1])
        args: list[tuple[ast.Id, Token | ast.Id]] = children[1:]
        span = self._span(meta)
        wanted_key = {"since": "version", "unstable": "feature", "deprecated": "version"}.get(
            name.name
        )
        if wanted_key is None:
            self._fail(f"unknown attribute `{name.name}`", name.span)
        key, value = args[0]
        if key.name != wanted_key:
            self._fail(f"expected `{wanted_key}`, found `{key.name}`", key.span)
        if len(args) > 1:
            extra = args[1][0]
            self._fail(f"unexpected argument `{extra.name}` in `@{name.name}`", extra.span)
        if name.name == "unstable":
            if not isinstance(value, ast.Id):
                self._fail(
                    "expected an identifier or string, found a version", self._token_span(value)
                )
            return ast.Unstable(value.name, span)
        if isinstance(value, ast.Id):
            self._fail("expected a version, found an identifier", value.span)
        version = self._version(value)
        if name.name == "since":
            return ast.Since(version, span)
        return ast.Deprecated(version, span)

    # ----------------------------------------------------------------- use / include

    def local_path(self, meta: Meta, children: list[Any]) -> ast.LocalPath:
        return ast.LocalPath(children[0], self._span(meta))

    def foreign_path(self, meta: Meta, children: list[Any]) -> ast.ForeignPath:
        namespace, package, name = children[0], children[1], children[2]
        version = self._version(children[3]) if len(children) > 3 else None
        package_span = dataclasses.replace(
            namespace.span, end_line=package.span.end_line, end_column=package.span.end_column
        )
        return ast.ForeignPath(
            ast.PackageName(namespace, package, version, package_span), name, self._span(meta)
        )

    def toplevel_use(self, meta: Meta, children: list[Any]) -> ast.ToplevelUse:
        attributes, rest = self._split_attributes(children)
        alias = rest[1] if len(rest) > 1 else None
        return ast.ToplevelUse(rest[0], alias, attributes, self._span(meta))

    def use_name(self, meta: Meta, children: list[Any]) -> ast.UseName:
        return ast.UseName(children[0], children[1] if len(children) > 1 else None)

    def use(self, meta: Meta, children: list[Any]) -> ast.Use:
        attributes, rest = self._split_attributes(children)
        return ast.Use(rest[0], tuple(rest[1:]), attributes, self._span(meta))

    def include_name(self, meta: Meta, children: list[Any]) -> ast.IncludeName:
        return ast.IncludeName(children[0], children[1])

    def include(self, meta: Meta, children: list[Any]) -> ast.Include:
        attributes, rest = self._split_attributes(children)
        return ast.Include(rest[0], tuple(rest[1:]), attributes, self._span(meta))

    # ----------------------------------------------------------------- interfaces and worlds

    def interface(self, meta: Meta, children: list[Any]) -> ast.Interface:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        return ast.Interface(name, tuple(items), self._docs(meta), attributes, self._span(meta))

    def named_func(self, meta: Meta, children: list[Any]) -> ast.NamedFunc:
        attributes, rest = self._split_attributes(children)
        return ast.NamedFunc(rest[0], rest[1], self._docs(meta), attributes, self._span(meta))

    def world(self, meta: Meta, children: list[Any]) -> ast.World:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        return ast.World(name, tuple(items), self._docs(meta), attributes, self._span(meta))

    def import_(self, meta: Meta, children: list[Any]) -> ast.Import:
        attributes, rest = self._split_attributes(children)
        return ast.Import(rest[0], self._docs(meta), attributes, self._span(meta))

    def export(self, meta: Meta, children: list[Any]) -> ast.Export:
        attributes, rest = self._split_attributes(children)
        return ast.Export(rest[0], self._docs(meta), attributes, self._span(meta))

    def extern_func(self, meta: Meta, children: list[Any]) -> ast.ExternFunc:
        return ast.ExternFunc(children[0], children[1])

    def inline_interface(self, meta: Meta, children: list[Any]) -> ast.InlineInterface:
        return ast.InlineInterface(children[0], tuple(children[1:]))

    def interface_ref(self, meta: Meta, children: list[Any]) -> ast.InterfaceRef:
        if len(children) == 2:
            return ast.InterfaceRef(children[1], name=children[0])
        return ast.InterfaceRef(children[0])

    # ----------------------------------------------------------------- functions

    def param(self, meta: Meta, children: list[Any]) -> ast.Param:
        return ast.Param(children[0], children[1])

    def func_type(self, meta: Meta, children: list[Any]) -> ast.Func:
        is_async = bool(children) and isinstance(children[0], Token)
        rest = children[1:] if is_async else children
        result = rest.pop() if rest and not isinstance(rest[-1], ast.Param) else None
        return ast.Func(tuple(rest), result, is_async, self._span(meta))

    # ----------------------------------------------------------------- type definitions

    def type_alias(self, meta: Meta, children: list[Any]) -> ast.TypeAlias:
        attributes, rest = self._split_attributes(children)
        return ast.TypeAlias(rest[0], rest[1], self._docs(meta), attributes, self._span(meta))

    def record(self, meta: Meta, children: list[Any]) -> ast.Record:
        attributes, rest = self._split_attributes(children)
        name, *fields = rest
        return ast.Record(name, tuple(fields), self._docs(meta), attributes, self._span(meta))

    def field(self, meta: Meta, children: list[Any]) -> ast.Field:
        attributes, rest = self._split_attributes(children)
        return ast.Field(rest[0], rest[1], self._docs(meta), attributes)

    def variant(self, meta: Meta, children: list[Any]) -> ast.Variant:
        attributes, rest = self._split_attributes(children)
        name, *cases = rest
        return ast.Variant(name, tuple(cases), self._docs(meta), attributes, self._span(meta))

    def case(self, meta: Meta, children: list[Any]) -> ast.Case:
        attributes, rest = self._split_attributes(children)
        payload = rest[1] if len(rest) > 1 else None
        return ast.Case(rest[0], payload, self._docs(meta), attributes)

    def enum(self, meta: Meta, children: list[Any]) -> ast.Enum:
        attributes, rest = self._split_attributes(children)
        name, *cases = rest
        return ast.Enum(name, tuple(cases), self._docs(meta), attributes, self._span(meta))

    def enum_case(self, meta: Meta, children: list[Any]) -> ast.EnumCase:
        attributes, rest = self._split_attributes(children)
        return ast.EnumCase(rest[0], self._docs(meta), attributes)

    def flags(self, meta: Meta, children: list[Any]) -> ast.Flags:
        attributes, rest = self._split_attributes(children)
        name, *flags = rest
        return ast.Flags(name, tuple(flags), self._docs(meta), attributes, self._span(meta))

    def flag(self, meta: Meta, children: list[Any]) -> ast.Flag:
        attributes, rest = self._split_attributes(children)
        return ast.Flag(rest[0], self._docs(meta), attributes)

    def resource(self, meta: Meta, children: list[Any]) -> ast.Resource:
        attributes, rest = self._split_attributes(children)
        name: ast.Id = rest[0]
        funcs: list[ast.ResourceFunc] = []
        for func in rest[1:]:
            if func.kind == "constructor":
                # The constructor is named after its resource; the span stays on `constructor`.
                func = dataclasses.replace(func, name=ast.Id(name.name, func.name.span))
            funcs.append(func)
        return ast.Resource(name, tuple(funcs), self._docs(meta), attributes, self._span(meta))

    def constructor(self, meta: Meta, children: list[Any]) -> ast.ResourceFunc:
        attributes, rest = self._split_attributes(children)
        keyword: Token = rest[0]
        params = [p for p in rest[1:] if isinstance(p, ast.Param)]
        result = rest[-1] if len(rest) > 1 and not isinstance(rest[-1], ast.Param) else None
        keyword_span = self._token_span(keyword)
        span = self._span(meta)
        func = ast.Func(tuple(params), result, False, span)
        name = ast.Id("constructor", keyword_span)
        return ast.ResourceFunc("constructor", name, func, self._docs(meta), attributes, span)

    def method(self, meta: Meta, children: list[Any]) -> ast.ResourceFunc:
        attributes, rest = self._split_attributes(children)
        is_static = isinstance(rest[1], Token)
        func: ast.Func = rest[-1]
        return ast.ResourceFunc(
            "static" if is_static else "method",
            rest[0],
            func,
            self._docs(meta),
            attributes,
            self._span(meta),
        )

    # ----------------------------------------------------------------- types

    def primitive(self, meta: Meta, children: list[Token]) -> ast.Primitive:
        name = str(children[0])
        assert name in PRIMITIVES
        return ast.Primitive(cast(ast.PrimitiveName, name), self._span(meta))

    def named_type(self, meta: Meta, children: list[Any]) -> ast.Named:
        return ast.Named(children[0], self._span(meta))

    def list_type(self, meta: Meta, children: list[Any]) -> ast.ListType:
        size = int(children[1]) if len(children) > 1 else None
        return ast.ListType(children[0], self._span(meta), size)

    def map_type(self, meta: Meta, children: list[Any]) -> ast.MapType:
        return ast.MapType(children[0], children[1], self._span(meta))

    def option_type(self, meta: Meta, children: list[Any]) -> ast.OptionType:
        return ast.OptionType(children[0], self._span(meta))

    def result_type(self, meta: Meta, children: list[Any]) -> ast.ResultType:
        span = self._span(meta)
        if not children:
            return ast.ResultType(None, None, span)
        if isinstance(children[0], Token):
            return ast.ResultType(None, children[1], span)
        err = children[1] if len(children) > 1 else None
        return ast.ResultType(children[0], err, span)

    def tuple_type(self, meta: Meta, children: list[Any]) -> ast.TupleType:
        return ast.TupleType(tuple(children), self._span(meta))

    def handle_type(self, meta: Meta, children: list[Any]) -> ast.HandleType:
        if str(children[0]) == "own":
            return ast.HandleType("own", children[1], self._span(meta))
        return ast.HandleType("borrow", children[1], self._span(meta))

    def future_type(self, meta: Meta, children: list[Any]) -> ast.FutureType:
        return ast.FutureType(children[0] if children else None, self._span(meta))

    def stream_type(self, meta: Meta, children: list[Any]) -> ast.StreamType:
        return ast.StreamType(children[0] if children else None, self._span(meta))


# --------------------------------------------------------------------------- public API


def _too_large(path: str, size: str = "") -> WitError:
    limit = f"{MAX_WIT_FILE_BYTES // (1024 * 1024)} MiB"
    return WitError(
        f"{path}: {size}more than the {limit} a WIT file may be", SourceLocation(path, 1, 1)
    )


def parse(source: str, path: str) -> ast.File:
    """Parse the text of one `.wit` file; `path` is only used in spans and error messages."""
    path = str(path)
    if len(source) > MAX_WIT_FILE_BYTES:
        raise _too_large(path, f"{len(source)} characters, ")
    _check_input(source, path)
    text, comments = _scan_comments(source, path)
    too_deep = _type_nesting_error(text, source, path)
    with gc_paused():
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
            raise WitError(
                f"invalid WIT: {error}", location_in_file(path, source, 1, 1)
            ) from None
        try:
            return _ToAst(path, source, comments).build(tree)
        except WitError:
            raise
        except Exception as error:
            # A bug in the transformer, not in the WIT; still reported as a WitError, chained.
            raise WitError(
                f"internal error while reading WIT: {error!r}",
                location_in_file(path, source, 1, 1),
            ) from error


def _at_end(error: UnexpectedInput) -> bool:
    """Whether a syntax error is the parser running out of text."""
    if isinstance(error, UnexpectedEOF):
        return True
    return isinstance(error, UnexpectedToken) and error.token.type == "$END"


def parse_file(path: str | Path) -> ast.File:
    """Read and parse one `.wit` file; an unreadable or non-UTF-8 file is a `WitError`."""
    name = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise WitError(f"cannot read {name}: it is a directory")
        if info.st_size > MAX_WIT_FILE_BYTES:
            raise _too_large(name, f"{info.st_size} bytes, ")
        # Special files (`/dev/zero`, a pipe) report no size: read one byte past the limit.
        with open(path, "rb") as file:
            data = file.read(MAX_WIT_FILE_BYTES + 1)
    except OSError as error:
        raise WitError(f"cannot read {name}: {error.strerror or error}") from None
    if len(data) > MAX_WIT_FILE_BYTES:
        raise _too_large(name)
    return parse_bytes(data, name)


def parse_bytes(data: bytes, path: str) -> ast.File:
    """Parse the bytes of one `.wit` file, which must be UTF-8; `path` names it in errors."""
    path = str(path)
    if len(data) > MAX_WIT_FILE_BYTES:
        raise _too_large(path, f"{len(data)} bytes, ")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise WitError(
            f"cannot read {path}: not valid UTF-8 (byte {error.start})",
            location_in_file(path, "", line, column),
        ) from None
    return parse(source, path)
