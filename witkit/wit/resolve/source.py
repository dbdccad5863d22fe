"""Packages before resolution: the files of a package grouped (nested `package x { }`
blocks on their own), their texts kept for error locations, and every path they name in
wit-parser's `for_each_path` order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit import model as m


class Sources:
    """File texts by path, so any span can be turned into a rendered location."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def error(self, message: str, span: ast.Span | None) -> WitError:
        if span is None:
            return WitError(message)
        return WitError(message, span.location(self.texts.get(span.path, "")))


# --------------------------------------------------------------------------- package sources


@dataclass
class DeclList:
    """The items of one file (or of one nested package block) that belong to a package."""

    file: ast.File
    items: tuple[ast.Interface | ast.World | ast.ToplevelUse, ...]


@dataclass
class PackageSource:
    """Everything that makes one package before resolution."""

    name: m.PackageName
    span: ast.Span
    docs: str | None
    decls: list[DeclList]
    foreign_deps: dict[m.PackageName, ast.Span] = field(default_factory=dict)


def pkg_name(name: ast.PackageName) -> m.PackageName:
    return m.PackageName(name.namespace.name, name.name.name, name.version)


PathKind: TypeAlias = Literal["interface", "world", "unknown"]


def for_each_path(
    decls: DeclList,
) -> Iterator[tuple[ast.Id | None, ast.UsePath, PathKind, tuple[ast.Attribute, ...]]]:
    """Every `use`/`import`/`include` path of a decl list, in wit-parser's `for_each_path` order.

    The first element is the name of the interface (or, for `include`, the world)
    whose ordering the path constrains; None when it does not take part in ordering.
    """
    for item in decls.items:
        if isinstance(item, ast.World):
            imports: list[ast.Import | ast.Export] = []
            exports: list[ast.Import | ast.Export] = []
            for wi in item.items:
                if isinstance(wi, ast.Use):
                    yield None, wi.path, "interface", wi.attributes
                elif isinstance(wi, ast.Include):
                    yield item.name, wi.path, "world", wi.attributes
                elif isinstance(wi, ast.Import):
                    imports.append(wi)
                elif isinstance(wi, ast.Export):
                    exports.append(wi)
            for ie in imports + exports:
                kind = ie.kind
                if isinstance(kind, ast.InlineInterface):
                    for ii in kind.items:
                        if isinstance(ii, ast.Use):
                            yield None, ii.path, "interface", ie.attributes
                elif isinstance(kind, ast.InterfaceRef):
                    yield None, kind.path, "interface", ie.attributes
        elif isinstance(item, ast.Interface):
            for ii in item.items:
                if isinstance(ii, ast.Use):
                    yield item.name, ii.path, "interface", ii.attributes
        else:
            yield None, item.path, "unknown", item.attributes


def group_files(files: Sequence[ast.File], sources: Sources) -> list[PackageSource]:
    """Turn the files of one package folder (or one file) into packages: nested ones, then the main one.

    Each file's text is registered in `sources`, so that errors can quote it."""
    for f in files:
        sources.texts[f.path] = f.source
    nested: list[PackageSource] = []
    main_name: ast.PackageDecl | None = None
    docs: str | None = None
    docs_seen = False
    decls: list[DeclList] = []
    for f in files:
        if f.package is not None:
            if main_name is None:
                main_name = f.package
            elif pkg_name(main_name.name) != pkg_name(f.package.name):
                raise sources.error(
                    f"package identifier `{pkg_name(f.package.name)}` does not match previous "
                    f"package name of `{pkg_name(main_name.name)}`",
                    f.package.name.span,
                )
            if f.package.docs.contents is not None:
                if docs_seen:
                    raise sources.error(
                        "found doc comments on multiple 'package' items", _docs_span(f)
                    )
                docs_seen = True
                docs = f.package.docs.contents
        own: list[ast.Interface | ast.World | ast.ToplevelUse] = []
        for item in f.items:
            if isinstance(item, ast.NestedPackage):
                nested.append(
                    PackageSource(
                        pkg_name(item.name),
                        item.name.span,
                        item.docs.contents,
                        [DeclList(f, item.items)],
                    )
                )
            else:
                own.append(item)
        decls.append(DeclList(f, tuple(own)))
    if main_name is None:
        has_items = any(d.items for d in decls)
        if nested and not has_items:
            return nested
        span = None
        for d in decls:
            if d.items:
                first = d.items[0]
                span = first.span
                break
        raise sources.error("no `package` header was found in any WIT file for this package", span)
    main = PackageSource(pkg_name(main_name.name), main_name.name.span, docs, decls)
    return [*nested, main]


def _docs_span(f: ast.File) -> ast.Span:
    """Where the doc comment above a file's `package` line starts (the AST keeps no span for it)."""
    assert f.package is not None
    lines = f.source.split("\n")  # as the parser counts lines (see errors.location_in_file)
    line = f.package.span.line
    while line > 1:
        above = lines[line - 2].strip() if line - 2 < len(lines) else ""
        if above.startswith(("///", "/**", "*")) or above.endswith("*/"):
            line -= 1
        else:
            break
    col = 1 + len(lines[line - 1]) - len(lines[line - 1].lstrip()) if lines else 1
    return ast.Span(f.path, line, col, line, col + 1)
