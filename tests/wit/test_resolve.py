"""The resolver on small inputs: layouts, name resolution, world elaboration, features, select_world."""

from __future__ import annotations

from pathlib import Path

import pytest

from witkit.errors import WitError
from witkit.wit import model as m
from witkit.wit.json import to_json
from witkit.wit.resolve import resolve_path, resolve_source, select_world


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def test_types_functions_and_resources() -> None:
    resolved = resolve_source(
        """
        package demo:shapes@1.0.0;

        /// Shapes.
        interface shapes {
          record point { x: s32, y: s32 }
          resource canvas {
            constructor(width: u32);
            draw: func(at: point) -> result<_, string>;
            open: static func(name: string) -> result<canvas, string>;
          }
          area: func(points: list<point>) -> f64;
          copy: func(c: borrow<canvas>) -> canvas;
        }
        """,
        "shapes.wit",
    )
    r = resolved.resolve
    assert [str(p.name) for p in r.packages] == ["demo:shapes@1.0.0"]
    iface = r.interfaces[0]
    assert iface.docs == "Shapes."
    assert r.id_of(0) == "demo:shapes/shapes@1.0.0"
    assert r.interface_by_id("demo:shapes/shapes@1.0.0") == 0
    point, canvas = iface.types["point"], iface.types["canvas"]
    assert isinstance(r.types[point].kind, m.Record)
    assert isinstance(r.types[canvas].kind, m.Resource)
    assert r.types[canvas].owner == m.TypeOwner("interface", 0)
    assert list(iface.functions) == [
        "[constructor]canvas",
        "[method]canvas.draw",
        "[static]canvas.open",
        "area",
        "copy",
    ]
    ctor = iface.functions["[constructor]canvas"]
    assert ctor.kind == "constructor" and ctor.resource == canvas
    assert ctor.item_name == "canvas"
    assert r.type_name(ctor.result or "") == "own<canvas>"
    draw = iface.functions["[method]canvas.draw"]
    assert draw.params[0].name == "self"
    assert r.type_name(draw.params[0].type) == "borrow<canvas>"
    assert draw.item_name == "draw"
    assert r.type_name(iface.functions["area"].params[0].type) == "list<point>"
    copy = iface.functions["copy"]
    # A resource named where a value goes means `own<r>`, shared with the constructor's.
    assert copy.result == ctor.result
    # Every type is defined before it is used.
    for i, td in enumerate(r.types):
        assert all(isinstance(t, str) or t < i for t in m.kind_parts(td.kind))


def test_use_with_alias_and_world_elaboration() -> None:
    r = resolve_source(
        """
        package demo:app;

        interface types {
          type id = u64;
          record item { id: id }
        }
        interface store {
          use types.{item, id as key};
          get: func(k: key) -> option<item>;
        }
        interface handler {
          use store.{item};
          handle: func(i: item);
        }
        world app {
          import store;
          export handler;
        }
        """
    ).resolve
    store = r.interfaces[1]
    key = r.types[store.types["key"]]
    assert key.name == "key" and key.owner == m.TypeOwner("interface", 1)
    assert isinstance(key.kind, m.Alias)
    assert r.types[key.kind.type].name == "id"
    assert r.dealias(store.types["key"]) == "u64"
    assert list(r.interface_direct_deps(2)) == [1]
    w = r.worlds[0]
    # `types` is imported implicitly, before `store`, which uses it.
    assert [r.world_key_name(k) for k in w.imports] == ["demo:app/types", "demo:app/store"]
    assert [r.world_key_name(k) for k in w.exports] == ["demo:app/handler"]


def test_include_with_rename_copies_world_types() -> None:
    r = resolve_source(
        """
        package demo:w;

        world base {
          resource conn;
          import open: func() -> conn;
        }
        world top {
          include base with { open as connect, conn as link }
        }
        """
    ).resolve
    top = r.worlds[1]
    assert list(top.imports) == ["link", "connect"]
    link = top.imports["link"]
    assert isinstance(link, m.WorldType)
    assert r.types[link.id].name == "link"
    assert r.types[link.id].owner == m.TypeOwner("world", 1)
    connect = top.imports["connect"]
    assert isinstance(connect, m.WorldFunction)
    assert connect.function.name == "connect"
    assert r.type_name(connect.function.result or "") == "own<link>"


def test_package_folder_of_several_files_with_deps(tmp_path: Path) -> None:
    root = write(
        tmp_path / "app",
        {
            "a.wit": "package demo:app;\n\nworld app {\n  import api;\n}\n",
            "b.wit": "interface api {\n  use demo:base/types@1.0.0.{t};\n  f: func(x: t);\n}\n",
            "README.md": "not wit",
            "deps/base/types.wit": "package demo:base@1.0.0;\n\ninterface types {\n"
            "  use demo:leaf/leaf.{l};\n  type t = l;\n}\n",
            "deps/leaf.wit": "package demo:leaf;\n\ninterface leaf {\n  type l = string;\n}\n",
            "deps/notes.txt": "ignored",
        },
    )
    resolved = resolve_path(root)
    r = resolved.resolve
    # Dependencies first: leaf, base, then the package itself.
    assert [str(p.name) for p in r.packages] == ["demo:leaf", "demo:base@1.0.0", "demo:app"]
    assert resolved.packages == (2,) and resolved.main == 2
    assert list(r.packages[2].interfaces) == ["api"]
    w = r.worlds[select_world(r, resolved.main, None)]
    assert [r.world_key_name(k) for k in w.imports] == [
        "demo:leaf/leaf",
        "demo:base/types@1.0.0",
        "demo:app/api",
    ]


def test_two_versions_of_one_dependency(tmp_path: Path) -> None:
    root = write(
        tmp_path / "app",
        {
            "app.wit": "package demo:app;\n\ninterface i {\n"
            "  use demo:dep/d@1.0.0.{t as old};\n  use demo:dep/d@2.0.0.{t as new};\n}\n",
            "deps/v1/d.wit": "package demo:dep@1.0.0;\n\ninterface d {\n  type t = u8;\n}\n",
            "deps/v2/d.wit": "package demo:dep@2.0.0;\n\ninterface d {\n  type t = u16;\n}\n",
        },
    )
    r = resolve_path(root).resolve
    i = r.interfaces[r.packages[-1].interfaces["i"]]
    assert r.dealias(i.types["old"]) == "u8"
    assert r.dealias(i.types["new"]) == "u16"


def test_nested_packages_are_main_packages_too() -> None:
    resolved = resolve_source(
        """
        package demo:root;

        package demo:inner {
          interface i { type t = u32; }
        }

        world w {
          import demo:inner/i;
        }
        """
    )
    r = resolved.resolve
    names = [str(r.packages[p].name) for p in resolved.packages]
    assert names == ["demo:inner", "demo:root"]
    assert str(r.packages[resolved.main].name) == "demo:root"


def test_feature_gates_and_stability() -> None:
    text = """
        package demo:gates@1.2.0;

        interface i {
          @since(version = 1.0.0)
          @deprecated(version = 1.1.0)
          old: func();
          @unstable(feature = fancy)
          fancy: func();
          @since(version = 1.2.0)
          now: func();
        }
    """
    off = resolve_source(text).resolve
    assert list(off.interfaces[0].functions) == ["old", "now"]
    assert off.interfaces[0].functions["old"].stability == m.Stable("1.0.0", "1.1.0")
    on = resolve_source(text, features=frozenset({"fancy"})).resolve
    assert on.interfaces[0].functions["fancy"].stability == m.Unstable("fancy")
    assert list(resolve_source(text, features=None).resolve.interfaces[0].functions) == [
        "old",
        "fancy",
        "now",
    ]
    assert to_json(on)["interfaces"][0]["functions"]["old"]["stability"] == {
        "stable": {"since": "1.0.0", "deprecated": "1.1.0"}
    }


def test_select_world() -> None:
    resolved = resolve_source(
        "package demo:pick@0.1.0;\n\nworld one {}\nworld two {}\n", "pick.wit"
    )
    r = resolved.resolve
    assert select_world(r, resolved.main, "two") == 1
    assert select_world(r, resolved.packages, "demo:pick/one") == 0
    assert select_world(r, resolved.packages, "demo:pick/one@0.1.0") == 0
    assert r.world_by_name("demo:pick/two") == 1
    with pytest.raises(WitError, match="multiple worlds"):
        select_world(r, resolved.main, None)
    with pytest.raises(WitError, match=r"world `three` not found in package `demo:pick@0\.1\.0`"):
        select_world(r, resolved.main, "three")
    with pytest.raises(WitError, match="unknown package `demo:other`"):
        select_world(r, resolved.main, "demo:other/one")
    single = resolve_source("package demo:one;\n\nworld only {}\n")
    assert select_world(single.resolve, single.main, None) == 0
    none = resolve_source("package demo:none;\n\ninterface i {}\n")
    with pytest.raises(WitError, match="contains no worlds"):
        select_world(none.resolve, none.main, None)


def test_missing_path_is_a_wit_error(tmp_path: Path) -> None:
    with pytest.raises(WitError, match="no such file or directory"):
        resolve_path(tmp_path / "nope.wit")


def test_unreadable_file_is_a_wit_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_bytes(b"package a:b;\n\xff\xfe")
    with pytest.raises(WitError, match="cannot read"):
        resolve_path(bad)


def test_map_key_must_be_written_as_a_primitive() -> None:
    text = (
        "package demo:maps;\n\ninterface i {\n  type key = string;\n  type m = map<%s, u32>;\n}\n"
    )
    r = resolve_source(text % "string").resolve
    kind = r.types[r.interfaces[0].types["m"]].kind
    assert kind == m.Map("string", "u32")
    # wit-parser checks the key as written: an alias of `string` is refused.
    with pytest.raises(WitError, match="invalid map key type") as info:
        resolve_source(text % "key")
    assert (info.value.line, info.value.column) == (5, 12)


def test_include_copies_inline_interfaces_and_keeps_external_stability_rules() -> None:
    r = resolve_source(
        """
        package demo:inc;

        interface t { type x = u32; }

        world base {
          import anon: interface {
            use t.{x};
            record r { f: list<x> }
            f: func() -> r;
          }
        }
        world top {
          include base with { anon as renamed }
        }
        """
    ).resolve
    base, top = r.worlds
    original = base.imports["anon"]
    copy = top.imports["renamed"]
    assert isinstance(original, m.WorldInterface) and isinstance(copy, m.WorldInterface)
    assert copy.id != original.id
    copied = r.interfaces[copy.id]
    assert copied.name is None and copied.package == 0
    assert r.types[copied.types["r"]].owner == m.TypeOwner("interface", copy.id)
    # The copy still uses `t`, which the including world imports first.
    assert [r.world_key_name(k) for k in top.imports] == ["demo:inc/t", "renamed"]
