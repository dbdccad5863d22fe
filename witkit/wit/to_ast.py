"""WIT reductions to `witkit.wit.ast` nodes: one method per grammar rule, each recording its
span, with wit-parser's checks of identifiers and versions and its rules for doc comments.

`witkit.wit.driver` calls a method at each reduction of the LALR parse with the indices of
the rule's first and last token and its children, already built (a kept token is its index
into the token lists)."""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any, NoReturn, cast

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit.model import PRIMITIVES

_KEYWORDS_NOT_IN_GRAMMAR = frozenset({"from"})


_ONLY_WHITESPACE = re.compile(r"[ \t\r\n]*")
_NEWLINE = re.compile("\n")

Token = int
"""A kept token, as its index into the driver's token lists."""

Comments = tuple[list[int], list[int], list[str]]
"""The comments of a file in source order: their start and end offsets and their text."""


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

_NO_DOCS = ast.Docs(None)
_ATTRIBUTES = (ast.Since, ast.Unstable, ast.Deprecated)


class ToAst:
    """Build `witkit.wit.ast` nodes, one method per grammar rule, each recording its span.

    The method named after a rule gets the indices of the rule's first and last token
    (`first > last` only for an empty file) and the rule's children, already built.
    """

    def __init__(
        self,
        path: str,
        source: str,
        kinds: list[str],
        values: list[str],
        starts: list[int],
        comments: Comments,
    ) -> None:
        self._path = path
        self._source = source
        self._kinds = kinds
        self._values = values
        self._starts = starts
        self._comment_starts, self._comment_ends, self._comment_texts = comments
        self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(source))]

    # ----------------------------------------------------------------- helpers

    def _span(self, first: int, last: int) -> ast.Span:
        """From the start of token `first` to the end of token `last` (tokens hold no
        newline, so a token ends on the line it starts on)."""
        line_starts = self._line_starts
        start = self._starts[first]
        line = bisect_right(line_starts, start)
        end = self._starts[last]
        end_line = bisect_right(line_starts, end) if end != start else line
        line_start = line_starts[end_line - 1]
        return ast.Span(
            self._path,
            line,
            start - line_starts[line - 1] + 1,
            end_line,
            end - line_start + 1 + len(self._values[last]),
        )

    def _token_span(self, token: Token) -> ast.Span:
        start = self._starts[token]
        line = bisect_right(self._line_starts, start)
        column = start - self._line_starts[line - 1] + 1
        return ast.Span(self._path, line, column, line, column + len(self._values[token]))

    def _fail(self, message: str, span: ast.Span) -> NoReturn:
        raise WitError(message, span.location(self._source))

    def _docs(self, first: int) -> ast.Docs:
        """The comments between the previous token and this item, as wit-parser collects them."""
        position = self._starts[first]
        index = bisect_right(self._comment_ends, position) - 1
        if index < 0:
            return _NO_DOCS
        found: list[str] = []
        starts, ends, texts = self._comment_starts, self._comment_ends, self._comment_texts
        while index >= 0:
            if not _ONLY_WHITESPACE.fullmatch(self._source, ends[index], position):
                break
            found.append(texts[index])
            position = starts[index]
            index -= 1
        found.reverse()
        return ast.Docs(_docs_text(found))

    @staticmethod
    def _split_attributes(children: list[Any]) -> tuple[tuple[ast.Attribute, ...], list[Any]]:
        if not children or not isinstance(children[0], _ATTRIBUTES):
            return (), children
        count = 1
        while count < len(children) and isinstance(children[count], _ATTRIBUTES):
            count += 1
        return tuple(children[:count]), children[count:]

    # ----------------------------------------------------------------- identifiers

    def id(self, first: int, last: int, children: list[Token]) -> ast.Id:
        token = children[0]
        text = self._values[token]
        span = self._token_span(token)
        if self._kinds[token] == "EXPLICIT_ID":
            text = text[1:]
        elif text in _KEYWORDS_NOT_IN_GRAMMAR:
            self._fail(f"expected an identifier or string, found keyword `{text}`", span)
        problem = _identifier_problem(text)
        if problem is not None:
            self._fail(problem, span)
        return ast.Id(text, span)

    def _version(self, token: Token) -> str:
        text = self._values[token]
        problem = _version_problem(text)
        if problem is not None:
            self._fail(problem, self._token_span(token))
        return text

    # ----------------------------------------------------------------- files and packages

    def file(self, first: int, last: int, children: list[Any]) -> ast.File:
        package: ast.PackageDecl | None = None
        items = list(children)
        if items and isinstance(items[0], ast.PackageDecl):
            package = items.pop(0)
        return ast.File(self._path, package, tuple(items), self._source)

    def package_name(self, first: int, last: int, children: list[Any]) -> ast.PackageName:
        version = self._version(children[2]) if len(children) > 2 else None
        return ast.PackageName(children[0], children[1], version, self._span(first, last))

    def package_decl(self, first: int, last: int, children: list[Any]) -> ast.PackageDecl:
        return ast.PackageDecl(children[0], self._docs(first), self._span(first, last))

    def nested_package(self, first: int, last: int, children: list[Any]) -> ast.NestedPackage:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        for item in items:
            if isinstance(item, ast.NestedPackage):
                self._fail("nested packages must be placed at the top-level", item.name.span)
        return ast.NestedPackage(
            name, tuple(items), self._docs(first), attributes, self._span(first, last)
        )

    # ----------------------------------------------------------------- attributes

    def attribute_arg(
        self, first: int, last: int, children: list[Any]
    ) -> tuple[ast.Id, Token | ast.Id]:
        return self.id(first, last, children[:1]), children[1]

    def attribute(self, first: int, last: int, children: list[Any]) -> ast.Attribute:
        name = self.id(first, last, children[:1])
        args: list[tuple[ast.Id, Token | ast.Id]] = children[1:]
        span = self._span(first, last)
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

    def local_path(self, first: int, last: int, children: list[Any]) -> ast.LocalPath:
        return ast.LocalPath(children[0], self._span(first, last))

    def foreign_path(self, first: int, last: int, children: list[Any]) -> ast.ForeignPath:
        namespace, package, name = children[0], children[1], children[2]
        version = self._version(children[3]) if len(children) > 3 else None
        package_span = dataclasses.replace(
            namespace.span, end_line=package.span.end_line, end_column=package.span.end_column
        )
        return ast.ForeignPath(
            ast.PackageName(namespace, package, version, package_span),
            name,
            self._span(first, last),
        )

    def toplevel_use(self, first: int, last: int, children: list[Any]) -> ast.ToplevelUse:
        attributes, rest = self._split_attributes(children)
        alias = rest[1] if len(rest) > 1 else None
        return ast.ToplevelUse(rest[0], alias, attributes, self._span(first, last))

    def use_name(self, first: int, last: int, children: list[Any]) -> ast.UseName:
        return ast.UseName(children[0], children[1] if len(children) > 1 else None)

    def use(self, first: int, last: int, children: list[Any]) -> ast.Use:
        attributes, rest = self._split_attributes(children)
        return ast.Use(rest[0], tuple(rest[1:]), attributes, self._span(first, last))

    def include_name(self, first: int, last: int, children: list[Any]) -> ast.IncludeName:
        return ast.IncludeName(children[0], children[1])

    def include(self, first: int, last: int, children: list[Any]) -> ast.Include:
        attributes, rest = self._split_attributes(children)
        return ast.Include(rest[0], tuple(rest[1:]), attributes, self._span(first, last))

    # ----------------------------------------------------------------- interfaces and worlds

    def interface(self, first: int, last: int, children: list[Any]) -> ast.Interface:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        return ast.Interface(
            name, tuple(items), self._docs(first), attributes, self._span(first, last)
        )

    def named_func(self, first: int, last: int, children: list[Any]) -> ast.NamedFunc:
        attributes, rest = self._split_attributes(children)
        return ast.NamedFunc(
            rest[0], rest[1], self._docs(first), attributes, self._span(first, last)
        )

    def world(self, first: int, last: int, children: list[Any]) -> ast.World:
        attributes, rest = self._split_attributes(children)
        name, *items = rest
        return ast.World(name, tuple(items), self._docs(first), attributes, self._span(first, last))

    def import_(self, first: int, last: int, children: list[Any]) -> ast.Import:
        attributes, rest = self._split_attributes(children)
        return ast.Import(rest[0], self._docs(first), attributes, self._span(first, last))

    def export(self, first: int, last: int, children: list[Any]) -> ast.Export:
        attributes, rest = self._split_attributes(children)
        return ast.Export(rest[0], self._docs(first), attributes, self._span(first, last))

    def extern_func(self, first: int, last: int, children: list[Any]) -> ast.ExternFunc:
        return ast.ExternFunc(children[0], children[1])

    def inline_interface(self, first: int, last: int, children: list[Any]) -> ast.InlineInterface:
        return ast.InlineInterface(children[0], tuple(children[1:]))

    def interface_ref(self, first: int, last: int, children: list[Any]) -> ast.InterfaceRef:
        if len(children) == 2:
            return ast.InterfaceRef(children[1], name=children[0])
        return ast.InterfaceRef(children[0])

    # ----------------------------------------------------------------- functions

    def param(self, first: int, last: int, children: list[Any]) -> ast.Param:
        return ast.Param(children[0], children[1])

    def func_type(self, first: int, last: int, children: list[Any]) -> ast.Func:
        is_async = bool(children) and isinstance(children[0], Token)
        rest = children[1:] if is_async else children
        result = rest.pop() if rest and not isinstance(rest[-1], ast.Param) else None
        return ast.Func(tuple(rest), result, is_async, self._span(first, last))

    # ----------------------------------------------------------------- type definitions

    def type_alias(self, first: int, last: int, children: list[Any]) -> ast.TypeAlias:
        attributes, rest = self._split_attributes(children)
        return ast.TypeAlias(
            rest[0], rest[1], self._docs(first), attributes, self._span(first, last)
        )

    def record(self, first: int, last: int, children: list[Any]) -> ast.Record:
        attributes, rest = self._split_attributes(children)
        name, *fields = rest
        return ast.Record(
            name, tuple(fields), self._docs(first), attributes, self._span(first, last)
        )

    def field(self, first: int, last: int, children: list[Any]) -> ast.Field:
        attributes, rest = self._split_attributes(children)
        return ast.Field(rest[0], rest[1], self._docs(first), attributes)

    def variant(self, first: int, last: int, children: list[Any]) -> ast.Variant:
        attributes, rest = self._split_attributes(children)
        name, *cases = rest
        return ast.Variant(
            name, tuple(cases), self._docs(first), attributes, self._span(first, last)
        )

    def case(self, first: int, last: int, children: list[Any]) -> ast.Case:
        attributes, rest = self._split_attributes(children)
        payload = rest[1] if len(rest) > 1 else None
        return ast.Case(rest[0], payload, self._docs(first), attributes)

    def enum(self, first: int, last: int, children: list[Any]) -> ast.Enum:
        attributes, rest = self._split_attributes(children)
        name, *cases = rest
        return ast.Enum(name, tuple(cases), self._docs(first), attributes, self._span(first, last))

    def enum_case(self, first: int, last: int, children: list[Any]) -> ast.EnumCase:
        attributes, rest = self._split_attributes(children)
        return ast.EnumCase(rest[0], self._docs(first), attributes)

    def flags(self, first: int, last: int, children: list[Any]) -> ast.Flags:
        attributes, rest = self._split_attributes(children)
        name, *flags = rest
        return ast.Flags(name, tuple(flags), self._docs(first), attributes, self._span(first, last))

    def flag(self, first: int, last: int, children: list[Any]) -> ast.Flag:
        attributes, rest = self._split_attributes(children)
        return ast.Flag(rest[0], self._docs(first), attributes)

    def resource(self, first: int, last: int, children: list[Any]) -> ast.Resource:
        attributes, rest = self._split_attributes(children)
        name: ast.Id = rest[0]
        funcs: list[ast.ResourceFunc] = []
        for func in rest[1:]:
            if func.kind == "constructor":
                # The constructor is named after its resource; the span stays on `constructor`.
                func = dataclasses.replace(func, name=ast.Id(name.name, func.name.span))
            funcs.append(func)
        return ast.Resource(
            name, tuple(funcs), self._docs(first), attributes, self._span(first, last)
        )

    def constructor(self, first: int, last: int, children: list[Any]) -> ast.ResourceFunc:
        attributes, rest = self._split_attributes(children)
        keyword: Token = rest[0]
        params = [p for p in rest[1:] if isinstance(p, ast.Param)]
        result = rest[-1] if len(rest) > 1 and not isinstance(rest[-1], ast.Param) else None
        keyword_span = self._token_span(keyword)
        span = self._span(first, last)
        func = ast.Func(tuple(params), result, False, span)
        name = ast.Id("constructor", keyword_span)
        return ast.ResourceFunc("constructor", name, func, self._docs(first), attributes, span)

    def method(self, first: int, last: int, children: list[Any]) -> ast.ResourceFunc:
        attributes, rest = self._split_attributes(children)
        is_static = isinstance(rest[1], Token)
        func: ast.Func = rest[-1]
        return ast.ResourceFunc(
            "static" if is_static else "method",
            rest[0],
            func,
            self._docs(first),
            attributes,
            self._span(first, last),
        )

    # ----------------------------------------------------------------- types

    def primitive(self, first: int, last: int, children: list[Token]) -> ast.Primitive:
        name = self._values[children[0]]
        assert name in PRIMITIVES
        return ast.Primitive(cast(ast.PrimitiveName, name), self._span(first, last))

    def named_type(self, first: int, last: int, children: list[Any]) -> ast.Named:
        return ast.Named(children[0], self._span(first, last))

    def list_type(self, first: int, last: int, children: list[Any]) -> ast.ListType:
        size = int(self._values[children[1]]) if len(children) > 1 else None
        return ast.ListType(children[0], self._span(first, last), size)

    def map_type(self, first: int, last: int, children: list[Any]) -> ast.MapType:
        return ast.MapType(children[0], children[1], self._span(first, last))

    def option_type(self, first: int, last: int, children: list[Any]) -> ast.OptionType:
        return ast.OptionType(children[0], self._span(first, last))

    def result_type(self, first: int, last: int, children: list[Any]) -> ast.ResultType:
        span = self._span(first, last)
        if not children:
            return ast.ResultType(None, None, span)
        if isinstance(children[0], Token):
            return ast.ResultType(None, children[1], span)
        err = children[1] if len(children) > 1 else None
        return ast.ResultType(children[0], err, span)

    def tuple_type(self, first: int, last: int, children: list[Any]) -> ast.TupleType:
        return ast.TupleType(tuple(children), self._span(first, last))

    def handle_type(self, first: int, last: int, children: list[Any]) -> ast.HandleType:
        if self._values[children[0]] == "own":
            return ast.HandleType("own", children[1], self._span(first, last))
        return ast.HandleType("borrow", children[1], self._span(first, last))

    def future_type(self, first: int, last: int, children: list[Any]) -> ast.FutureType:
        return ast.FutureType(children[0] if children else None, self._span(first, last))

    def stream_type(self, first: int, last: int, children: list[Any]) -> ast.StreamType:
        return ast.StreamType(children[0] if children else None, self._span(first, last))
