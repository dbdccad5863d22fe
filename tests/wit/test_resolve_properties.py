"""Properties of resolution on generated WIT: declaration order never changes the meaning."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.wit._corpus import normalize
from witkit.wit.json import to_json
from witkit.wit.model import kind_parts
from witkit.wit.resolve import resolve_source

PRIMS = ["u8", "u32", "string", "bool", "f64"]


@st.composite
def type_graphs(draw: st.DrawFn) -> tuple[list[str], list[int]]:
    """Type definitions `t0..tn` where `ti` only uses `tj` with j < i, and an order to write them in."""
    n = draw(st.integers(1, 8))
    defs = []
    for i in range(n):

        def ref(i: int = i) -> str:
            if i and draw(st.booleans()):
                return f"t{draw(st.integers(0, i - 1))}"
            return draw(st.sampled_from(PRIMS))

        shape = draw(
            st.sampled_from(["alias", "record", "list", "option", "result", "tuple", "variant"])
        )
        if shape == "alias":
            defs.append(f"type t{i} = {ref()};")
        elif shape == "record":
            defs.append(f"record t{i} {{ a: {ref()}, b: {ref()} }}")
        elif shape == "variant":
            defs.append(f"variant t{i} {{ a({ref()}), b }}")
        elif shape == "tuple":
            defs.append(f"type t{i} = tuple<{ref()}, {ref()}>;")
        elif shape == "result":
            defs.append(f"type t{i} = result<{ref()}, {ref()}>;")
        else:
            defs.append(f"type t{i} = {shape}<{ref()}>;")
    order = draw(st.permutations(list(range(n))))
    return defs, order


def _wit(defs: list[str], order: list[int]) -> str:
    body = "\n".join("  " + defs[i] for i in order)
    uses = ", ".join(f"t{i}" for i in range(len(defs)))
    return (
        f"package gen:types;\n\ninterface i {{\n{body}\n  f: func(x: t0) -> t{len(defs) - 1};\n}}\n\n"
        f"interface j {{\n  use i.{{{uses}}};\n}}\n\nworld w {{\n  export j;\n}}\n"
    )


@settings(max_examples=60, deadline=None)
@given(type_graphs())
def test_declaration_order_does_not_change_meaning(graph: tuple[list[str], list[int]]) -> None:
    defs, order = graph
    written = resolve_source(_wit(defs, order)).resolve
    natural = resolve_source(_wit(defs, list(range(len(defs))))).resolve
    for i, td in enumerate(written.types):
        assert all(isinstance(t, str) or t < i for t in kind_parts(td.kind))
    assert normalize(to_json(written)) == normalize(to_json(natural))
    # `export j` imports `i`, which `j` uses.
    assert [written.world_key_name(k) for k in written.worlds[0].imports] == ["gen:types/i"]
