"""Composition: the three-plugin example, cardinality, isolation, and problems found before instantiation."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from typing import Any

import pytest

import witkit
from tests.compose.components import APP, ENGLISH, EXAMPLE, FRENCH, GREETER, consumer, cyclic
from witkit.composition import Any as AnyNumber
from witkit.composition import (
    AtLeastOne,
    AtMostOne,
    Cardinality,
    CompositionError,
    Link,
    Node,
    One,
    plan,
)
from witkit.runtime import Runtime


@pytest.fixture
def rt() -> Runtime:
    return Runtime(cache=False)


@pytest.fixture
def instantiations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every Runtime.instantiate call made during the test."""
    calls: list[Any] = []
    original = Runtime.instantiate

    def spy(self: Runtime, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Runtime, "instantiate", spy)
    yield calls


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(EXAMPLE / "run.py"))
    assert module["main"]("Ada") == [("english", "Hello, Ada!"), ("french", "Bonjour, Ada!")]
    assert capsys.readouterr().out == "english: Hello, Ada!\nfrench: Bonjour, Ada!\n"
    # The resource-carrying link: read by borrows, moved back, dropped, nothing left live.
    assert module["sessions"]() == [7, 9, 7, 2, 0]
    assert capsys.readouterr().out == "sessions read [7, 9, 7], live before and after: [2, 0]\n"


def test_many_providers_give_one_tagged_result_each(rt: Runtime, instantiations: list[Any]) -> None:
    graph = witkit.compose(
        {"app": APP, "french": FRENCH, "english": ENGLISH},
        [Link("app", GREETER, ["english", "french"], AtLeastOne)],
        runtime=rt,
    )
    assert graph.order.index("app") == 2  # providers first
    assert len(instantiations) == 3
    assert graph.call("app", "run", "Bob") == [
        ("english", "Hello, Bob!"),
        ("french", "Bonjour, Bob!"),
    ]
    assert graph.call_interface("greeter/greet", "Eve") == [
        ("french", "Bonjour, Eve!"),
        ("english", "Hello, Eve!"),
    ]
    # Isolation: every plugin is its own instance in its own store (its own linear memory).
    stores = {id(graph[p].instance._store) for p in ("app", "english", "french")}
    assert len(stores) == 3


def test_unlinked_imports_use_the_one_provider(rt: Runtime) -> None:
    graph = witkit.compose({"app": consumer("string"), "english": ENGLISH}, runtime=rt)
    assert graph.call("app", "run", "Ada") == "Hello, Ada!"


def test_any_with_providers_given_implicitly(rt: Runtime) -> None:
    graph = witkit.compose(
        {"english": ENGLISH, "french": FRENCH, "app": APP},
        [Link("app", GREETER, cardinality=AnyNumber)],
        runtime=rt,
    )
    assert [pid for pid, _ in graph.call("app", "run", "x")] == ["english", "french"]


def test_any_and_at_most_one_accept_no_provider(rt: Runtime) -> None:
    graph = witkit.compose({"app": APP}, [Link("app", GREETER, cardinality=AnyNumber)], runtime=rt)
    assert graph.call("app", "run", "x") == []
    maybe = consumer("(option string)")
    graph = witkit.compose(
        {"app": maybe}, [Link("app", GREETER, cardinality=AtMostOne)], runtime=rt
    )
    assert graph.call("app", "run", "x") is None
    graph = witkit.compose(
        {"app": maybe, "en": ENGLISH}, [Link("app", GREETER, cardinality=AtMostOne)], runtime=rt
    )
    assert graph.call("app", "run", "x") == "Hello, x!"


def test_nodes_carry_their_own_options(rt: Runtime) -> None:
    graph = witkit.compose(
        {"app": Node(consumer("string"), config={"k": "v"}), "en": Node(ENGLISH)}, runtime=rt
    )
    assert graph["app"].config == {"k": "v"}


# ---------------------------------------------------------------------------------------------
# Problems, all found before anything is instantiated


def problems_of(
    rt: Runtime, plugins: dict[str, Any], links: list[Link] | None = None
) -> list[tuple[str, str]]:
    with pytest.raises(CompositionError) as info:
        witkit.compose(plugins, links or [], runtime=rt)
    assert isinstance(info.value, witkit.PluginError)
    for p in info.value.problems:
        assert p.message in str(info.value)
    return [(p.kind, p.message) for p in info.value.problems]


def test_missing_provider(rt: Runtime, instantiations: list[Any]) -> None:
    found = problems_of(rt, {"app": consumer("string")})
    assert found == [
        (
            "missing-provider",
            f"`app` imports `{GREETER}` but no plugin provides it (needs exactly one provider)",
        )
    ]
    found = problems_of(rt, {"app": APP}, [Link("app", GREETER, cardinality=AtLeastOne)])
    assert [k for k, _ in found] == ["missing-provider"]
    assert instantiations == []


def test_cycle(rt: Runtime, instantiations: list[Any]) -> None:
    found = problems_of(
        rt,
        {
            "a": cyclic("test:cyc/b", "test:cyc/a"),
            "b": cyclic("test:cyc/c", "test:cyc/b"),
            "c": cyclic("test:cyc/a", "test:cyc/c"),
        },
    )
    assert found == [("cycle", "the plugins import each other in a cycle: a -> b -> c -> a")]
    assert instantiations == []


def test_type_mismatches(rt: Runtime, instantiations: list[Any]) -> None:
    # The import returns `string` but several providers need `list<tuple<string, string>>`.
    found = problems_of(
        rt,
        {"app": consumer("string"), "en": ENGLISH, "fr": FRENCH},
        [Link("app", GREETER, cardinality=AtLeastOne)],
    )
    assert [k for k, _ in found] == ["type-mismatch", "type-mismatch"]
    assert found[0][1] == (
        f"`app` imports `{GREETER}#greet` as `func(name: string) -> string`, but `en` exports "
        "`func(name: string) -> string` (with at least one provider the import must be "
        "`func(name: string) -> list<tuple<string, string>>`)"
    )
    found = problems_of(rt, {"app": consumer("string", param="u32"), "en": ENGLISH})
    assert [k for k, _ in found] == ["type-mismatch"]
    assert instantiations == []


def test_too_many_and_unknown_providers(rt: Runtime, instantiations: list[Any]) -> None:
    found = problems_of(rt, {"app": consumer("string"), "en": ENGLISH, "fr": FRENCH})
    assert found == [
        (
            "too-many-providers",
            f"`app` imports `{GREETER}` from exactly one provider, found 2: en, fr; "
            "link it with a Link giving a cardinality",
        )
    ]
    found = problems_of(
        rt, {"app": APP, "en": ENGLISH}, [Link("app", GREETER, ["en", "de"], AnyNumber)]
    )
    assert [k for k, _ in found] == ["unknown-plugin"]
    found = problems_of(
        rt, {"app": APP, "en": ENGLISH}, [Link("app", "example:other/thing", ["en"], AnyNumber)]
    )
    assert found[0][0] == "not-linkable"
    found = problems_of(
        rt, {"app": APP, "en": ENGLISH, "x": APP}, [Link("app", GREETER, ["en", "x"], AnyNumber)]
    )
    assert ("not-a-provider", f"`x` does not export `{GREETER}` (linked to `app`)") in found
    assert instantiations == []


def test_every_problem_is_listed_at_once(rt: Runtime) -> None:
    found = problems_of(
        rt,
        {
            "lonely": consumer("string"),
            "a": cyclic("test:cyc/b", "test:cyc/a"),
            "b": cyclic("test:cyc/a", "test:cyc/b"),
        },
    )
    assert sorted(k for k, _ in found) == ["cycle", "missing-provider"]


def test_plan_alone_instantiates_nothing(rt: Runtime, instantiations: list[Any]) -> None:
    checked = plan(
        {"app": APP, "en": ENGLISH}, [Link("app", GREETER, cardinality=AnyNumber)], runtime=rt
    )
    assert checked.order == ("en", "app")
    assert checked.links[0].functions[0].provider_exports == (("en", f"{GREETER}#greet"),)
    assert instantiations == []


def test_cardinality() -> None:
    assert One is Cardinality.ONE and AnyNumber is Cardinality.ANY
    assert [c.allows(0) for c in Cardinality] == [False, True, False, True]
    assert [c.allows(2) for c in Cardinality] == [False, False, True, True]
    assert AtMostOne.result_text("u32") == "option<u32>"
    assert AtLeastOne.result_text("u32") == "list<tuple<string, u32>>"


def test_manifest_entries_as_nodes(tmp_path: Any, rt: Runtime) -> None:
    import wasmtime

    from witkit.plugins import PluginLoader, parse_manifest

    (tmp_path / "english.wasm").write_bytes(wasmtime.wat2wasm(ENGLISH))
    manifest = parse_manifest({"english": {"locator": "file:english.wasm"}}, root=tmp_path)
    with PluginLoader(tmp_path / "cache", tmp_path / "tmp") as loader:
        graph = witkit.compose(
            {"english": manifest.plugins["english"], "app": APP},
            [Link("app", GREETER, cardinality=AnyNumber)],
            runtime=rt,
            loader=loader,
            base=manifest.root,
        )
    assert graph.call("app", "run", "Ada") == [("english", "Hello, Ada!")]


def test_results_cross_plugins_in_every_cardinality(rt: Runtime) -> None:
    from tests.compose.components import CHECK, CHECKER

    result = "(result u32 (error string))"
    one = witkit.compose({"checker": CHECKER, "app": consumer(result, "u32", CHECK)}, runtime=rt)
    assert one.call("app", "run", 4) == {"ok": 4}
    assert one.call("app", "run", 3) == {
        "err": "odd"
    }  # the provider's err, raised into the consumer
    maybe = consumer(f"(option {result})", "u32", CHECK)
    none = witkit.compose({"app": maybe}, [Link("app", CHECK, cardinality=AtMostOne)], runtime=rt)
    assert none.call("app", "run", 4) is None
    some = witkit.compose(
        {"c": CHECKER, "app": maybe}, [Link("app", CHECK, cardinality=AtMostOne)], runtime=rt
    )
    assert some.call("app", "run", 3) == {"err": "odd"}
    many = consumer(f"(list (tuple string {result}))", "u32", CHECK)
    both = witkit.compose(
        {"c1": CHECKER, "c2": CHECKER, "app": many},
        [Link("app", CHECK, cardinality=AtLeastOne)],
        runtime=rt,
    )
    assert both.call("app", "run", 2) == [("c1", {"ok": 2}), ("c2", {"ok": 2})]
