"""Tests for witkit.wit.parse: AST shapes, spans, docs and gates, and the real-world corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.corpus import CORPUS
from witkit.errors import WitError
from witkit.wit import ast, parse, parse_file
from witkit.wit.model import PRIMITIVES
from witkit.wit.parser import _parser

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> ast.File:
    return parse_file(FIXTURES / name)


def by_name(items: Any, name: str) -> Any:
    for item in items:
        item_name = getattr(item, "name", None)
        if isinstance(item_name, ast.Id) and item_name.name == name:
            return item
        if isinstance(item_name, ast.PackageName) and item_name.name.name == name:
            return item
    raise AssertionError(f"no item named {name!r} in {items!r}")


def span_at(span: ast.Span) -> tuple[int, int]:
    return span.line, span.column


def first_interface(file: ast.File) -> ast.Interface:
    """The file's first item, which must be an interface."""
    interface = file.items[0]
    assert isinstance(interface, ast.Interface)
    return interface


# --------------------------------------------------------------------------- packages


def test_package_declaration_with_semver_prerelease_and_build() -> None:
    file = fixture("package-decl.wit")
    assert file.package is not None
    name = file.package.name
    assert (name.namespace.name, name.name.name, name.version) == (
        "my-ns",
        "my-pkg",
        "1.2.3-rc.1+build.5",
    )
    assert span_at(name.namespace.span) == (3, 9)
    assert span_at(file.package.span) == (3, 1)
    assert file.package.docs.contents == (
        "A plain comment in front of the package is a doc line too, as in wit-parser.\n"
        "The package's doc comment."
    )
    first = by_name(file.items, "first")
    assert isinstance(first, ast.Interface)
    assert first.docs.contents == "First interface."
    assert file.path.endswith("package-decl.wit")
    assert "interface first" in file.source


def test_nested_packages_and_toplevel_use_inside_them() -> None:
    file = fixture("nested-packages.wit")
    assert file.package is None
    one, two = file.items
    assert isinstance(one, ast.NestedPackage) and isinstance(two, ast.NestedPackage)
    assert (one.name.namespace.name, one.name.name.name, one.name.version) == ("a", "one", "0.1.0")
    assert one.docs.contents == "Outer docs."
    assert [type(i) for i in one.items] == [ast.Interface]
    assert two.attributes == (ast.Since("0.1.0", two.attributes[0].span),)
    use, world = two.items
    assert isinstance(use, ast.ToplevelUse) and isinstance(world, ast.World)
    assert isinstance(use.path, ast.ForeignPath)
    assert use.path.package.version == "0.1.0"
    assert use.alias is not None and use.alias.name == "one-i"


def test_file_with_only_nested_packages() -> None:
    file = fixture("only-nested.wit")
    assert file.package is None
    assert [p.name.name.name for p in file.items if isinstance(p, ast.NestedPackage)] == ["a", "b"]


def test_file_without_package_header_gives_docs_to_first_item() -> None:
    file = fixture("no-package.wit")
    assert file.package is None
    (interface,) = file.items
    assert isinstance(interface, ast.Interface)
    assert interface.docs.contents == "Docs of the first item when there is no package header."


def test_package_nested_in_nested_package_is_rejected_at_inner_name() -> None:
    source = "package a:b {\n  package c:d {\n  }\n}\n"
    with pytest.raises(WitError) as info:
        parse(source, "nested.wit")
    assert info.value.message == "nested packages must be placed at the top-level"
    assert (info.value.line, info.value.column) == (2, 11)


# --------------------------------------------------------------------------- use


def test_uses_local_foreign_aliased_and_toplevel() -> None:
    file = fixture("use.wit")
    top_foreign, top_local = file.items[:2]
    assert isinstance(top_foreign, ast.ToplevelUse)
    assert isinstance(top_foreign.path, ast.ForeignPath)
    assert top_foreign.path.package.namespace.name == "wasi"
    assert top_foreign.path.package.name.name == "io"
    assert top_foreign.path.name.name == "streams"
    assert top_foreign.path.package.version == "0.2.9"
    assert top_foreign.alias is not None and top_foreign.alias.name == "wasi-streams"
    assert isinstance(top_local, ast.ToplevelUse)
    assert isinstance(top_local.path, ast.LocalPath) and top_local.alias is None

    consumer = by_name(file.items, "consumer")
    uses = [i for i in consumer.items if isinstance(i, ast.Use)]
    assert len(uses) == 4
    local, poll, error, empty = uses
    assert isinstance(local.path, ast.LocalPath) and local.path.name.name == "types"
    assert [(n.name.name, n.alias.name if n.alias else None) for n in local.names] == [
        ("size", None),
        ("offset", "off"),
    ]
    assert span_at(local.names[1].name.span) == (12, 20)
    assert isinstance(poll.path, ast.ForeignPath)
    assert poll.path.package.version == "0.2.9"
    assert [n.name.name for n in poll.names] == ["pollable"]
    assert isinstance(error.path, ast.ForeignPath)
    assert error.path.package.version == "1.0.0-rc.2"
    assert error.names[0].alias is not None and error.names[0].alias.name == "io-error"
    assert empty.names == ()

    read = by_name(consumer.items, "read")
    assert isinstance(read, ast.NamedFunc)
    assert [p.name.name for p in read.func.params] == ["at", "len"]
    assert isinstance(read.func.params[0].type, ast.Named)
    assert read.func.params[0].type.name.name == "off"


# --------------------------------------------------------------------------- worlds


def test_world_imports_exports_includes_and_types() -> None:
    file = fixture("world.wit")
    world = by_name(file.items, "plugin")
    assert isinstance(world, ast.World)
    assert world.docs.contents == "The world's docs."
    kinds = [type(i).__name__ for i in world.items]
    assert kinds == [
        "Import",
        "Import",
        "Import",
        "Import",
        "Import",
        "Import",
        "Export",
        "Export",
        "Export",
        "Use",
        "TypeAlias",
        "Record",
        "Include",
        "Include",
    ]
    by_path, foreign, log, fetch, primary, inline = world.items[:6]

    assert isinstance(by_path.kind, ast.InterfaceRef)
    assert isinstance(by_path.kind.path, ast.LocalPath)
    assert by_path.kind.name is None
    assert by_path.docs.contents == "Imported by path."
    assert span_at(by_path.span) == (10, 3)

    assert isinstance(foreign.kind, ast.InterfaceRef)
    assert isinstance(foreign.kind.path, ast.ForeignPath)
    assert foreign.kind.path.package.name.name == "cli"
    assert foreign.kind.path.name.name == "environment"
    assert foreign.docs.contents is None

    assert isinstance(log.kind, ast.ExternFunc)
    assert log.kind.name.name == "log"
    assert log.docs.contents == "A function import."
    assert not log.kind.func.is_async and log.kind.func.result is None

    assert isinstance(fetch.kind, ast.ExternFunc)
    assert fetch.kind.func.is_async
    assert isinstance(fetch.kind.func.result, ast.ResultType)

    assert isinstance(primary.kind, ast.InterfaceRef)
    assert primary.kind.name is not None and primary.kind.name.name == "primary"
    assert isinstance(primary.kind.path, ast.LocalPath)
    assert primary.kind.path.name.name == "store"

    assert isinstance(inline.kind, ast.InlineInterface)
    assert inline.kind.name.name == "inline"
    assert [type(i) for i in inline.kind.items] == [ast.NamedFunc]

    run, store, handler = world.items[6:9]
    assert isinstance(run.kind, ast.ExternFunc)
    assert isinstance(run.kind.func.result, ast.Primitive)
    assert isinstance(store.kind, ast.InterfaceRef)
    assert isinstance(handler.kind, ast.InlineInterface)
    assert [type(i) for i in handler.kind.items] == [ast.Use, ast.NamedFunc]

    include, include_with = world.items[-2:]
    assert isinstance(include, ast.Include) and include.names == ()
    assert isinstance(include_with, ast.Include)
    assert [(n.name.name, n.alias.name) for n in include_with.names] == [
        ("log", "logger"),
        ("run", "start"),
    ]


# --------------------------------------------------------------------------- types


def alias_types(file: ast.File) -> dict[str, ast.TypeExpr]:
    items = first_interface(file).items
    return {i.name.name: i.type for i in items if isinstance(i, ast.TypeAlias)}


PRIMITIVE_ALIASES = [
    ("t-bool", "bool"),
    ("t-s8", "s8"),
    ("t-s16", "s16"),
    ("t-s32", "s32"),
    ("t-s64", "s64"),
    ("t-u8", "u8"),
    ("t-u16", "u16"),
    ("t-u32", "u32"),
    ("t-u64", "u64"),
    ("t-f32", "f32"),
    ("t-f64", "f64"),
    ("t-char", "char"),
    ("t-string", "string"),
    ("t-error", "error-context"),
]
"""The alias of `fixtures/types.wit` that names each primitive."""


def test_primitive_aliases_cover_every_primitive() -> None:
    assert {primitive for _, primitive in PRIMITIVE_ALIASES} == PRIMITIVES


@pytest.mark.parametrize(("alias", "primitive"), PRIMITIVE_ALIASES)
def test_every_primitive(alias: str, primitive: str) -> None:
    ty = alias_types(fixture("types.wit"))[alias]
    assert isinstance(ty, ast.Primitive)
    assert ty.name == primitive


def test_compound_types() -> None:
    types = alias_types(fixture("types.wit"))

    named = types["t-named"]
    assert isinstance(named, ast.Named) and named.name.name == "t-u32"
    assert span_at(named.span) == (18, 18)

    lst = types["t-list"]
    assert isinstance(lst, ast.ListType) and lst.size is None
    assert isinstance(lst.element, ast.Primitive) and lst.element.name == "u8"
    assert (lst.span.line, lst.span.column, lst.span.end_column) == (19, 17, 25)

    fixed = types["t-fixed"]
    assert isinstance(fixed, ast.ListType) and fixed.size == 4

    mapping = types["t-map"]
    assert isinstance(mapping, ast.MapType)
    assert isinstance(mapping.key, ast.Primitive) and isinstance(mapping.value, ast.ListType)

    option = types["t-option"]
    assert isinstance(option, ast.OptionType) and isinstance(option.element, ast.Named)

    shapes = {
        name: (types[name].ok is not None, types[name].err is not None)
        for name in ("t-result", "t-result-ok", "t-result-err", "t-result-both")
    }
    assert shapes == {
        "t-result": (False, False),
        "t-result-ok": (True, False),
        "t-result-err": (False, True),
        "t-result-both": (True, True),
    }

    tup = types["t-tuple"]
    assert isinstance(tup, ast.TupleType) and len(tup.elements) == 3
    inner = tup.elements[2]
    assert isinstance(inner, ast.TupleType) and inner.elements == ()

    assert isinstance(types["t-stream"], ast.StreamType)
    assert types["t-stream"].element is None
    stream_of = types["t-stream-of"]
    assert isinstance(stream_of, ast.StreamType) and isinstance(stream_of.element, ast.Primitive)
    assert isinstance(types["t-future"], ast.FutureType)
    assert types["t-future"].element is None
    future_of = types["t-future-of"]
    assert isinstance(future_of, ast.FutureType)
    assert isinstance(future_of.element, ast.ResultType) and future_of.element.ok is None

    own, borrow = types["t-own"], types["t-borrow"]
    assert isinstance(own, ast.HandleType) and own.kind == "own" and own.resource.name == "res"
    assert isinstance(borrow, ast.HandleType) and borrow.kind == "borrow"


def test_percent_escaped_identifiers_and_acronyms() -> None:
    interface = first_interface(fixture("types.wit"))
    escaped = by_name(interface.items, "type")
    assert isinstance(escaped, ast.TypeAlias)
    assert isinstance(escaped.type, ast.Named) and escaped.type.name.name == "record"
    # The span covers what was written, `%` included.
    assert (escaped.name.span.column, escaped.name.span.end_column) == (8, 13)
    assert by_name(interface.items, "HTTP-status")


def test_type_nesting_limit() -> None:
    def nested(depth: int) -> str:
        return "interface i {\n  type t = " + "list<" * depth + "u8" + ">" * depth + ";\n}\n"

    parse(nested(100), "ok.wit")
    with pytest.raises(WitError) as info:
        parse(nested(101), "deep.wit")
    assert info.value.message == "type nesting too deep"
    assert info.value.line == 2
    with pytest.raises(WitError, match="type nesting too deep"):
        parse(nested(20_000), "very-deep.wit")


# --------------------------------------------------------------------------- type definitions


def test_records_variants_enums_flags_with_docs() -> None:
    interface = first_interface(fixture("typedefs.wit"))

    person = by_name(interface.items, "person")
    assert isinstance(person, ast.Record)
    assert person.docs.contents == "A record."
    assert [(f.name.name, f.docs.contents) for f in person.fields] == [
        ("name", "The name."),
        ("age", None),
    ]
    assert span_at(person.span) == (5, 3)
    assert span_at(person.fields[0].name.span) == (7, 5)

    shape = by_name(interface.items, "shape")
    assert isinstance(shape, ast.Variant)
    assert [(c.name.name, type(c.type).__name__, c.docs.contents) for c in shape.cases] == [
        ("none", "NoneType", "Nothing."),
        ("circle", "Primitive", None),
        ("rect", "TupleType", None),
    ]

    color = by_name(interface.items, "color")
    assert isinstance(color, ast.Enum)
    assert color.docs.contents == "An enum."
    assert [(c.name.name, c.docs.contents) for c in color.cases] == [
        ("red", None),
        ("green", "Green."),
        ("blue", None),
    ]

    perms = by_name(interface.items, "perms")
    assert isinstance(perms, ast.Flags)
    assert [(f.name.name, f.docs.contents) for f in perms.flags] == [
        ("read", "Read."),
        ("write", None),
    ]

    empty = by_name(interface.items, "empty")
    assert isinstance(empty, ast.Record) and empty.fields == ()


def test_resources_constructor_methods_static_async() -> None:
    interface = first_interface(fixture("resources.wit"))

    handle = by_name(interface.items, "handle")
    assert isinstance(handle, ast.Resource) and handle.funcs == ()

    res = by_name(interface.items, "file")
    assert isinstance(res, ast.Resource)
    assert res.docs.contents == "A file."
    summary = [
        (f.kind, f.name.name, f.func.is_async, f.docs.contents, f.func.result is not None)
        for f in res.funcs
    ]
    assert summary == [
        ("constructor", "file", False, "Open it.", False),
        ("method", "read", False, "Read.", True),
        ("static", "open", False, "Open by path.", True),
        ("method", "wait", True, None, True),
        ("static", "later", True, None, True),
    ]
    constructor = res.funcs[0]
    # Named after its resource, located at the `constructor` keyword.
    assert span_at(constructor.name.span) == (9, 5)
    assert [p.name.name for p in constructor.func.params] == ["path"]

    fallible = by_name(interface.items, "fallible")
    assert isinstance(fallible.funcs[0].func.result, ast.ResultType)
    assert by_name(interface.items, "empty").funcs == ()


# --------------------------------------------------------------------------- gates


def test_since_unstable_deprecated() -> None:
    file = fixture("gates.wit")
    stable = by_name(file.items, "stable")
    assert isinstance(stable, ast.Interface)
    assert stable.docs.contents == "Gated interface."
    assert [(type(a).__name__, a.version) for a in stable.attributes] == [("Since", "1.0.0")]
    assert span_at(stable.attributes[0].span) == (4, 1)
    # The item's span starts at its first attribute.
    assert span_at(stable.span) == (4, 1)

    old = by_name(stable.items, "old")
    assert [type(a) for a in old.attributes] == [ast.Since, ast.Deprecated]
    assert old.attributes[1].version == "1.1.0"

    new_thing = by_name(stable.items, "new-thing")
    assert new_thing.attributes == (ast.Unstable("fancy-things", new_thing.attributes[0].span),)

    use = next(i for i in stable.items if isinstance(i, ast.Use))
    assert [type(a) for a in use.attributes] == [ast.Since]

    world = by_name(file.items, "w")
    assert isinstance(world, ast.World)
    assert world.attributes[0] == ast.Unstable("experimental", world.attributes[0].span)
    imp, exp, inc = world.items
    assert isinstance(imp.attributes[0], ast.Since)
    assert isinstance(exp.attributes[0], ast.Unstable)
    assert isinstance(inc, ast.Include) and isinstance(inc.attributes[0], ast.Since)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("@since(feature = x)\ninterface i {}", "expected `version`, found `feature`", 8),
        ("@unstable(version = 1.0.0)\ninterface i {}", "expected `feature`, found `version`", 11),
        ("@sinse(version = 1.0.0)\ninterface i {}", "unknown attribute `sinse`", 2),
        ("@since(version = x)\ninterface i {}", "expected a version, found an identifier", 18),
        ("@since\ninterface i {}", "expected '(', found keyword `interface`", 1),
    ],
)
def test_bad_gates(source: str, message: str, column: int) -> None:
    with pytest.raises(WitError) as info:
        parse(source, "gates.wit")
    assert info.value.message == message
    assert info.value.column == column


# --------------------------------------------------------------------------- comments and docs


def test_comments_and_docs_follow_wit_parser() -> None:
    file = fixture("comments.wit")
    foo = by_name(file.items, "foo")
    assert isinstance(foo, ast.Interface)
    # wit-parser keeps every comment in front of an item, `//` and `/* */` included.
    assert foo.docs.contents == (
        " hello\n world\n* this too */\n* is a comment */\n* this /* is /* a */ nested */ comment */"
    )
    x = by_name(foo.items, "x")
    # `/** */` keeps its inner lines as written (wit-parser only strips the markers).
    assert x.docs.contents == "\n   * Block doc, indented."
    bar = by_name(foo.items, "bar")
    assert bar.docs.contents is None
    assert isinstance(bar.type, ast.ListType)
    f = by_name(foo.items, "f")
    assert f.docs.contents == "Two lines:\n\n  indented third line."


def test_crlf_line_endings() -> None:
    source = "package a:b;\r\n\r\n/// Docs.\r\ninterface i {\r\n  f: func();\r\n}\r\n"
    interface = first_interface(parse(source, "crlf.wit"))
    assert interface.docs.contents == "Docs."
    assert span_at(interface.items[0].span) == (5, 3)


def test_byte_order_mark_is_skipped() -> None:
    file = parse("\ufeffpackage a:b;\n", "bom.wit")
    assert file.package is not None


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a_b", "invalid character in identifier '_'"),
        ("fooBar", "invalid character in identifier 'B'"),
        ("foo--bar", "identifiers must have characters between '-'s"),
        ("foo-", "identifiers must have characters between '-'s"),
        ("a-1b", "invalid character in identifier '1'"),
        ("%", "identifiers must have characters between '-'s"),
        ("caf\u00e9", "invalid character in identifier '\u00e9'"),
    ],
)
def test_invalid_identifiers_point_at_the_identifier(name: str, message: str) -> None:
    with pytest.raises(WitError) as info:
        parse(f"interface i {{\n  type {name} = u32;\n}}\n", "ids.wit")
    assert info.value.message == message
    assert (info.value.line, info.value.column) == (2, 8)
    assert info.value.location is not None
    assert info.value.location.length == len(name)


@pytest.mark.parametrize("name", ["a", "a1", "a-b", "a-b2-c", "HTTP", "get-HTTP-url", "%type"])
def test_valid_identifiers(name: str) -> None:
    parse(f"interface i {{ type {name} = u32; }}", "ids.wit")


def test_keyword_is_not_a_name() -> None:
    with pytest.raises(WitError) as info:
        parse("interface record {}", "kw.wit")
    assert info.value.message == "expected an identifier or string, found keyword `record`"


# --------------------------------------------------------------------------- files


def test_parse_file_reports_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.wit"
    with pytest.raises(WitError, match=r"missing\.wit"):
        parse_file(missing)
    latin1 = tmp_path / "latin1.wit"
    latin1.write_bytes(b"package a:b;\n// caf\xe9\n")
    with pytest.raises(WitError, match=r"latin1\.wit") as info:
        parse_file(latin1)
    assert info.value.line == 2


def test_parser_object_is_built_once() -> None:
    assert _parser() is _parser()


# --------------------------------------------------------------------------- the corpus


def corpus_files(*parts: str) -> list[Path]:
    folder = CORPUS.joinpath(*parts)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.wit") if "parse-fail" not in p.parts)


def corpus_ids(files: list[Path]) -> list[str]:
    return [str(p.relative_to(CORPUS.resolve() if CORPUS.is_dir() else CORPUS)) for p in files]


WASI_FILES = corpus_files("wasi", "0.2.9") + corpus_files("wasi", "0.3.0")
UI_FILES = corpus_files("wit-parser", "ui")


@pytest.mark.skipif(not WASI_FILES, reason="shared corpus not found at ../shared/corpus/wasi")
@pytest.mark.parametrize("path", WASI_FILES, ids=[p.name for p in WASI_FILES])
def test_wasi_corpus_parses(path: Path) -> None:
    file = parse_file(path)
    assert file.package is not None or file.items


@pytest.mark.skipif(not UI_FILES, reason="shared corpus not found at ../shared/corpus/wit-parser")
@pytest.mark.parametrize("path", UI_FILES, ids=[p.name for p in UI_FILES])
def test_wit_parser_ui_corpus_parses(path: Path) -> None:
    parse_file(path)


def test_wasi_corpus_counts() -> None:
    if not WASI_FILES:
        pytest.skip("shared corpus not found at ../shared/corpus/wasi")
    assert len(corpus_files("wasi", "0.2.9")) >= 30
    assert len(corpus_files("wasi", "0.3.0")) >= 20


def test_every_grammar_rule_has_its_transformer_method() -> None:
    from witkit.wit.to_ast import ToAst as _ToAst

    # `_rule`s are spliced into their parent and `?rule`s always reduce to their one child.
    named = {
        str(rule.origin.name)
        for rule in _parser().rules
        if not str(rule.origin.name).startswith("_") and not rule.options.expand1
    }
    missing = sorted(r for r in named if not callable(getattr(_ToAst, r, None)))
    assert missing == []
