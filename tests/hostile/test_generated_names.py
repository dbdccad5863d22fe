"""Valid WIT whose names meet in Python: the host bindings must still import, pass
`mypy --strict` and bind each function to its own export.

Cases: a resource constructor beside a function `r-new` and a static `new`; names differing only
in case (`get` / `GET`, `foo-bar` / `FOO-BAR`); a record field `mro` (which `@dataclass` would
read as a default through `type.mro`); an exported interface named like a builtin exception
holding a resource. Then hypothesis draws whole worlds from a vocabulary of such names.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.mypy import require_mypy_strict
from witkit.codegen.host import write_host
from witkit.errors import BindingError
from witkit.wit.resolve import resolve_source, select_world

pytestmark = pytest.mark.timeout(600)

COLLIDING = """
package t:names@0.1.0;

interface api {
  record rec { mro: u32, %type: u32, fields: u32, replace: u32 }
  resource r {
    constructor(x: u32);
    new: static func() -> r;
  }
  r-new: func() -> r;
  get: func() -> u32;
  GET: func() -> u32;
  foo-bar: func();
  FOO-BAR: func();
  enum e { name, value, mro }
  flags fl { name, value }
}

interface lookup-error {
  resource thing { get: func() -> u32; GET: func() -> u32; }
}

world names {
  import api;
  export lookup-error;
  export api2: interface {
    resource q { constructor(); new: static func() -> q; }
    q-new: func() -> q;
  }
}
"""


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            del sys.modules[name]


def _generate(root: Path, source: str, package: str) -> Path:
    resolved = resolve_source(source)
    world = select_world(resolved.resolve, resolved.packages)
    return write_host(resolved.resolve, world, root, package)


def test_colliding_names_bind_each_function_to_its_export(on_path: Path) -> None:
    folder = _generate(on_path, COLLIDING, "names")
    require_mypy_strict([folder], on_path / ".mypy-cache")
    importlib.import_module("names")
    api = importlib.import_module("names.api")
    api2 = importlib.import_module("names.api2")
    # One spec per WIT function, none bound twice: the constructor, `r-new` and `new` apart.
    for mod, wanted in [
        (api, {"[constructor]r", "[static]r.new", "r-new", "get", "GET", "foo-bar", "FOO-BAR"}),
        (api2, {"[constructor]q", "[static]q.new", "q-new"}),
    ]:
        got = [spec.name for spec in mod.FUNCTIONS]
        assert sorted(got) == sorted(wanted)
    assert [f for f in api.Rec.__dataclass_fields__] == ["mro_", "type", "fields", "replace"]
    assert api.Rec(1, 2, 3, 4).mro_ == 1
    # The interface class stays clear of the builtin it is named like.
    lookup = importlib.import_module("names.lookup_error")
    assert not hasattr(lookup, "LookupError") and isinstance(lookup.LookupError_, type)


CASE_ONLY = """
package t:case@0.1.0;

interface shapes {
  record point { x: u32 }
  record POINT { y: string }
  variant v { get, GET(u32) }
  mk: func(p: point, q: POINT, x: v) -> v;
}

world w {
  import shapes;
}
"""


def test_types_and_cases_named_apart_only_by_case_get_their_own_classes(on_path: Path) -> None:
    folder = _generate(on_path, CASE_ONLY, "caseonly")
    require_mypy_strict([folder], on_path / ".mypy-cache")
    shapes = importlib.import_module("caseonly.shapes")
    # The later spelling gets `_`, class and descriptor alike; each describes its own WIT type.
    assert list(shapes.Point.__dataclass_fields__) == ["x"]
    assert list(shapes.Point_.__dataclass_fields__) == ["y"]
    assert shapes.POINT_TYPE is not shapes.POINT_TYPE_
    assert shapes.V_Get is not shapes.V_Get_
    assert list(shapes.V_Get_.__dataclass_fields__) == ["value"]
    (spec,) = shapes.FUNCTIONS
    assert [p[2] for p in spec.params] == [shapes.POINT_TYPE, shapes.POINT_TYPE_, shapes.V_TYPE]


CASE_RESOURCES = """
package t:caseres@0.1.0;

interface store {
  resource blob { constructor(n: u32); size: func() -> u32; }
  resource BLOB { constructor(s: string); }
}

world w {
  import store;
}
"""


def test_resources_named_apart_only_by_case_link_each_constructor_to_its_class(
    on_path: Path,
) -> None:
    folder = _generate(on_path, CASE_RESOURCES, "caseres")
    require_mypy_strict([folder], on_path / ".mypy-cache")
    store = importlib.import_module("caseres.store")

    class Small(store.Blob):  # type: ignore[misc, name-defined]
        def __init__(self, n: int) -> None:
            self.n = n

        def size(self) -> int:
            return self.n

    class Large(store.Blob_):  # type: ignore[misc, name-defined]
        def __init__(self, s: str) -> None:
            self.s = s

    class Impl(store.Store):  # type: ignore[misc, name-defined]
        Blob = Small
        Blob_ = Large

    funcs = {f.name: f.impl for f in store.link(Impl()).items if hasattr(f, "impl")}
    assert funcs["[constructor]blob"] is Small
    assert funcs["[constructor]BLOB"] is Large

    class Forgot(store.Store):  # type: ignore[misc, name-defined]
        Blob = Small  # no `Blob_`

    with pytest.raises(BindingError, match=r"imports\.store\.Blob_ must name your subclass of "
                       r"caseres\.store\.Blob_, got None"):
        store.link(Forgot())


# -- random worlds -----------------------------------------------------------------------------

VOCAB = [
    "from", "type", "list", "str", "mro", "name", "value", "get", "GET", "foo-bar", "FOO-BAR",
    "lookup-error", "load", "instance", "drop", "new", "r", "r-new", "R", "fields", "self",
    "exports", "e", "h", "rt", "auto", "dataclass",
]  # fmt: skip
"""Python keywords, builtins, names the generated code and its base classes use, and case
variants, kept few so that draws meet often."""

SCALARS = ["u32", "string", "list<u8>", "option<string>", "f64", "bool"]


@st.composite
def interface_body(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(VOCAB), min_size=2, max_size=8, unique=True))
    lines: list[str] = []
    types: list[str] = []
    for n in names:
        kind = draw(st.sampled_from(["func", "record", "enum", "flags", "variant", "resource"]))
        members = draw(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4, unique=True))
        if kind == "func":
            params = ", ".join(f"%{p}: {draw(st.sampled_from(SCALARS + types))}" for p in members)
            lines.append(f"  %{n}: func({params}) -> {draw(st.sampled_from(SCALARS + types))};")
        elif kind == "record":
            fields = ", ".join(f"%{f}: {draw(st.sampled_from(SCALARS))}" for f in members)
            lines.append(f"  record %{n} {{ {fields} }}")
            types.append(f"%{n}")
        elif kind in ("enum", "flags"):
            lines.append(f"  {kind} %{n} {{ {', '.join('%' + c for c in members)} }}")
            types.append(f"%{n}")
        elif kind == "variant":
            cases = ", ".join(
                f"%{c}" + draw(st.sampled_from(["", "(u32)", "(string)"])) for c in members
            )
            lines.append(f"  variant %{n} {{ {cases} }}")
            types.append(f"%{n}")
        else:
            body = [f"    constructor(%{members[0]}: u32);"] if draw(st.booleans()) else []
            for mname in members:
                static = draw(st.booleans())
                body.append(f"    %{mname}: {'static ' if static else ''}func() -> u32;")
            lines.append(f"  resource %{n} {{\n" + "\n".join(body) + "\n  }")
    return "\n".join(lines)


@st.composite
def worlds(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    iface_names = draw(
        st.lists(st.sampled_from(VOCAB), min_size=count, max_size=count, unique=True)
    )
    parts = ["package t:rand@0.1.0;\n"]
    items = []
    for name in iface_names:
        parts.append(f"interface %{name} {{\n{draw(interface_body())}\n}}\n")
        items.append(f"  {draw(st.sampled_from(['import', 'export']))} %{name};")
    parts.append("world w {\n" + "\n".join(items) + "\n}\n")
    return "\n".join(parts)


def test_random_worlds_generate_packages_that_import_and_pass_mypy(on_path: Path) -> None:
    made: list[Path] = []
    count = [0]

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(worlds())
    def one(source: str) -> None:
        try:
            resolve_source(source)
        except Exception as e:  # a drawn world WIT itself refuses (e.g. a name used twice)
            from witkit.errors import WitError

            assert isinstance(e, WitError), source
            return
        count[0] += 1
        package = f"rand{count[0]}"
        folder = _generate(on_path, source, package)
        try:
            importlib.import_module(package)
        except Exception as e:
            raise AssertionError(f"{package} does not import ({e!r}) for:\n{source}") from e
        made.append(folder)

    one()
    assert len(made) >= 10
    require_mypy_strict(made, on_path / ".mypy-cache")
