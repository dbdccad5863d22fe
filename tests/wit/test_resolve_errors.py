"""Every kind of resolution error, on witkit's own small fixtures: message, file, line, column."""

from __future__ import annotations

from pathlib import Path

import pytest

from witkit.errors import WitError
from witkit.wit.resolve import resolve_path, resolve_source

FIXTURES = Path(__file__).resolve().parent / "resolve-fixtures"

# fixture, start of the message, file (relative to the fixture), line, column
CASES: list[tuple[str, str, str, int, int]] = [
    ("unknown-type.wit", "type `nope` does not exist", "", 4, 17),
    ("unknown-name-in-func.wit", "name `nope` does not exist", "", 4, 22),
    ("duplicate-type.wit", "name `a` is defined more than once", "", 5, 10),
    ("duplicate-func.wit", "name `f` is defined more than once", "", 5, 3),
    (
        "case-insensitive-export.wit",
        "export `GET-USER` in world `w` conflicts with export `get-user` "
        "(kebab-case identifiers are case-insensitive)",
        "",
        5,
        10,
    ),
    (
        "case-insensitive-include.wit",
        "import `get-user` in world `b` conflicts with import `GET-USER` "
        "(kebab-case identifiers are case-insensitive)",
        "",
        7,
        7,
    ),
    ("duplicate-interface.wit", "duplicate item named `a`", "", 4, 7),
    ("type-cycle.wit", "type `b` depends on itself", "", 4, 24),
    ("interface-cycle.wit", "interface or world `b` depends on itself", "", 8, 11),
    ("world-as-interface.wit", "name `w` is defined as a world, not an interface", "", 6, 7),
    ("include-interface.wit", "name `i` is defined as an interface, not a world", "", 6, 11),
    ("unknown-interface.wit", "interface or world `nope` does not exist", "", 4, 10),
    ("use-unknown-name.wit", "name `nope` does not exist", "", 8, 13),
    ("use-as-conflict.wit", "name `t` is defined more than once", "", 9, 18),
    (
        "borrow-in-result.wit",
        "function `f` returns a type which contains a `borrow<T>` which is not supported",
        "",
        5,
        3,
    ),
    ("handle-not-resource.wit", "type `r` used in a handle must be a resource", "", 5, 18),
    (
        "constructor-result.wit",
        "if a constructor return type is declared it must be a `result`",
        "",
        5,
        22,
    ),
    ("constructor-twice.wit", "duplicate constructors", "", 6, 5),
    ("import-twice.wit", "interface cannot be imported more than once", "", 7, 10),
    ("import-name-conflict.wit", "import `x` conflicts with prior func of same name", "", 5, 10),
    (
        "export-transitive.wit",
        "interface `x:y/top` transitively depends on an interface in incompatible ways",
        "",
        15,
        7,
    ),
    (
        "gated-reference.wit",
        "found a reference to a type which is excluded due to its feature not being activated",
        "",
        7,
        3,
    ),
    (
        "since-unreleased.wit",
        "feature gate cannot reference unreleased version 1.1.0 of package [x:y@1.0.0]",
        "",
        5,
        8,
    ),
    (
        "since-unversioned.wit",
        "package [x:y] contains a feature gate with a version specifier",
        "",
        4,
        11,
    ),
    # wit-parser rejects a world type whose gate is off (it does not drop it).
    (
        "gated-world-type.wit",
        "found a reference to a type which is excluded due to its feature not being activated",
        "",
        5,
        8,
    ),
    ("deprecated-alone.wit", "must pair @deprecated with either @since or @unstable", "", 4, 3),
    ("include-rename-missing.wit", "no import or export kebab-name `g`", "", 8, 11),
    ("include-shadow.wit", "import of `f` shadows previously imported items", "", 9, 11),
    ("empty-enum.wit", "empty enum", "", 4, 8),
    ("map-key.wit", "invalid map key type", "", 4, 12),
    ("no-package.wit", "no `package` header was found", "", 1, 1),
    ("pkg-cycle", "package `x:b` creates a dependency cycle", "deps/a.wit", 4, 7),
    (
        "missing-dep",
        "package 'x:nope' not found. known packages:\n    x:other\n    x:root",
        "root.wit",
        4,
        10,
    ),
    (
        "missing-interface",
        "interface 'nope' not found in package 'x:dep'",
        "root.wit",
        4,
        13,
    ),
    ("wrong-version", "package 'x:dep@2.0.0' not found", "root.wit", 4, 7),
    (
        "package-mismatch",
        "package identifier `x:b` does not match previous package name of `x:a`",
        "b.wit",
        1,
        9,
    ),
    ("duplicate-across-files", "duplicate item named `i`", "b.wit", 3, 11),
    ("foreign-type-missing", "type `nope` not defined in interface", "root.wit", 4, 19),
]


@pytest.mark.parametrize(
    ("fixture", "message", "file", "line", "column"), CASES, ids=[c[0] for c in CASES]
)
def test_error(fixture: str, message: str, file: str, line: int, column: int) -> None:
    path = FIXTURES / fixture
    with pytest.raises(WitError) as info:
        resolve_path(path)
    err = info.value
    assert err.message.startswith(message), err.render()
    expected_file = path / file if file else path
    assert err.path == str(expected_file)
    assert (err.line, err.column) == (line, column), err.render()
    rendered = err.render()
    assert f"--> {expected_file}:{line}:{column}" in rendered
    assert "^" in rendered


def test_every_fixture_is_covered() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix == ".wit" or p.is_dir()}
    covered = {c[0] for c in CASES}
    assert on_disk - covered <= {"ok"}, sorted(on_disk - covered)


def test_gated_item_is_fine_when_its_feature_is_on() -> None:
    resolved = resolve_path(FIXTURES / "gated-reference.wit", features=frozenset({"off"}))
    iface = resolved.resolve.interfaces[0]
    assert set(iface.types) == {"secret"}
    assert set(iface.functions) == {"f"}
    # All features enabled (None) too.
    assert resolve_path(FIXTURES / "gated-reference.wit", features=None).resolve == resolved.resolve


def test_empty_package_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    with pytest.raises(WitError, match=r"no `\.wit` files in this folder") as info:
        resolve_path(tmp_path)
    assert str(tmp_path) in info.value.message


def test_quoted_line_is_the_one_the_parser_counted() -> None:
    # U+2028 (a line separator to `str.splitlines`) inside a comment does not end a WIT line.
    with pytest.raises(WitError) as info:
        resolve_source("package a:b;\n// x\u2028y\ninterface i {\n  f: func() -> nope;\n}\n")
    loc = info.value.location
    assert loc is not None and loc.line == 4
    assert loc.source_line == "  f: func() -> nope;"
