"""WIT parse trees to `witkit.wit.ast` nodes: one method per grammar rule, each recording its
span, with wit-parser's checks of identifiers and versions and its rules for doc comments."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from typing import Any, NoReturn, cast

from lark import Token, Tree
from lark.tree import Meta

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit.model import PRIMITIVES

_KEYWORDS_NOT_IN_GRAMMAR = frozenset({"from"})


_ONLY_WHITESPACE = re.compile(r"[ \t\r\n]*")


@dataclasses.dataclass(frozen=True)
class Comment:
    start: int
    end: int
    text: str


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


class ToAst:
    """Build `witkit.wit.ast` nodes, one method per grammar rule, each recording its span.

    Like a Lark `Transformer` with `v_args(meta=True)`: the method named after a rule gets
    the rule's `Meta` and its children, already built. `build` walks the parse tree with a
    stack of its own rather than recursing, and calls the methods directly, which is twice
    as fast as Lark's transformer (that wraps every call in a new object).
    """

    def __init__(self, path: str, source: str, comments: list[Comment]) -> None:
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
