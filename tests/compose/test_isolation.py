"""Per-provider results: a provider that runs out of fuel, times out or traps fails alone."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import witkit
from tests.compose.components import (
    EACH,
    ENGLISH,
    FRENCH,
    GREETER,
    SPINNER,
    TRAPPER,
    consumer,
)
from witkit.composition import Any as AnyNumber
from witkit.composition import AtLeastOne, CompositionError, Link, Node, ProviderError
from witkit.errors import FuelExhausted, Timeout, TrapError
from witkit.runtime import Limits, Runtime

WORLDS = Path(__file__).parent / "worlds"

FAILURES = {
    "fuel": (Node(SPINNER, limits=Limits(fuel=100_000)), FuelExhausted, "ran out of fuel"),
    "timeout": (Node(SPINNER, limits=Limits(timeout=0.2)), Timeout, "ran past its timeout"),
    "trap": (Node(TRAPPER), TrapError, "unreachable"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_one_failing_provider_of_three_leaves_the_others(kind: str) -> None:
    bad, error_type, text = FAILURES[kind]
    # No runtime given: compose creates one that meters what the nodes ask for.
    graph = witkit.compose(
        {"english": ENGLISH, "bad": bad, "french": FRENCH, "app": consumer(EACH)},
        [Link("app", GREETER, cardinality=AnyNumber)],
    )
    for name in ("Ada", "Bob"):  # the graph keeps serving after the failure
        answers = dict(graph.call("app", "run", name))
        assert list(answers) == ["english", "bad", "french"]
        assert answers["english"] == {"ok": f"Hello, {name}!"}
        assert answers["french"] == {"ok": f"Bonjour, {name}!"}
        ((tag, why),) = answers["bad"].items()
        assert tag == "err"
        assert why.startswith(f"provider `bad` failed in {GREETER}#greet: ")
    # The first failure says what happened; the provider is not entered again after a trap.
    first = dict(
        witkit.compose(
            {"english": ENGLISH, "bad": bad, "french": FRENCH, "app": consumer(EACH)},
            [Link("app", GREETER, cardinality=AnyNumber)],
        ).call("app", "run", "x")
    )
    assert text in first["bad"]["err"]
    # Dynamic calls: every provider's result, the failing one as a ProviderError naming it.
    fresh = witkit.compose(
        {"english": ENGLISH, "bad": bad, "french": FRENCH},
    )
    got = dict(fresh.call_interface(f"{GREETER}#greet", "Eve"))
    assert got["english"] == "Hello, Eve!" and got["french"] == "Bonjour, Eve!"
    assert isinstance(got["bad"], ProviderError) and got["bad"].plugin == "bad"
    assert isinstance(got["bad"].cause, error_type)
    assert fresh.call("english", "greeter/greet", "Zed") == "Hello, Zed!"


def test_exactly_one_raises_the_providers_error_by_id() -> None:
    graph = witkit.compose({"bad": TRAPPER, "app": consumer("string")})
    with pytest.raises(TrapError) as info:
        graph.call("app", "run", "Ada")
    assert "provider `bad` failed in example:greet/greeter#greet" in str(info.value)
    assert isinstance(info.value.__cause__, ProviderError)
    assert info.value.__cause__.plugin == "bad"


def test_the_plain_many_shape_fails_naming_the_provider() -> None:
    graph = witkit.compose(
        {"en": ENGLISH, "bad": TRAPPER, "app": consumer("(list (tuple string string))")},
        [Link("app", GREETER, cardinality=AtLeastOne)],
    )
    with pytest.raises(TrapError, match="provider `bad` failed"):
        graph.call("app", "run", "Ada")


def test_a_consumers_clock_does_not_run_in_its_provider() -> None:
    # The consumer may take 0.1 s; its provider spins until its own 0.5 s timeout. The time
    # spent in the provider is the provider's: the consumer returns the provider's timeout.
    graph = witkit.compose(
        {
            "en": ENGLISH,
            "slow": Node(SPINNER, limits=Limits(timeout=0.5)),
            "app": Node(consumer(EACH), limits=Limits(timeout=0.1)),
        },
        [Link("app", GREETER, cardinality=AnyNumber)],
    )
    answers = dict(graph.call("app", "run", "Ada"))
    assert answers["en"] == {"ok": "Hello, Ada!"}
    assert "ran past its timeout of 0.5 s" in answers["slow"]["err"]


def test_a_consumers_fuel_is_not_spent_by_its_provider() -> None:
    # The provider burns far more fuel than the consumer's whole budget, within its own.
    burner = SPINNER.replace(
        "(loop $l (br $l))",
        "(local $k i32) (local.set $k (i32.const 20000))"
        " (loop $l (local.set $k (i32.sub (local.get $k) (i32.const 1))) (br_if $l (local.get $k)))",
    )
    graph = witkit.compose(
        {
            "en": ENGLISH,
            "burner": Node(burner, limits=Limits(fuel=10_000_000)),
            "app": Node(consumer(EACH), limits=Limits(fuel=20_000)),
        },
        [Link("app", GREETER, cardinality=AnyNumber)],
    )
    answers = dict(graph.call("app", "run", "Ada"))
    assert answers["en"] == {"ok": "Hello, Ada!"}
    assert "ok" in answers["burner"]
    assert graph["burner"].instance.fuel_used is not None
    assert graph["burner"].instance.fuel_used > 20_000
    assert graph["app"].instance.fuel_used is not None
    assert graph["app"].instance.fuel_used < 20_000


def test_a_runtime_without_metering_is_reported_up_front() -> None:
    with pytest.raises(CompositionError) as info:
        witkit.compose(
            {"en": Node(ENGLISH, limits=Limits(fuel=1000, timeout=1.0)), "app": consumer("string")},
            runtime=Runtime(cache=False),
        )
    assert [(p.kind, p.plugin) for p in info.value.problems] == [
        ("runtime-limits", "en"),
        ("runtime-limits", "en"),
    ]
    assert "create it with Runtime(limits=Limits(fuel=...))" in str(info.value)


def test_the_same_through_generated_bindings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer's world bound by `witkit generate`: each provider's answer typed `Ok`/`Err`."""
    from witkit.codegen.host import write_host
    from witkit.runtime.types import Err, Ok
    from witkit.wit.resolve import resolve_path, select_world

    resolved = resolve_path(WORLDS / "app")
    world = select_world(resolved.resolve, resolved.packages)
    write_host(resolved.resolve, world, tmp_path, source="tests/compose/worlds/app")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        app_bindings = importlib.import_module("app")
    finally:  # a generated package, not to be seen by other tests
        for mod in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[mod]
    bad, _type, text = FAILURES["fuel"]
    graph = witkit.compose(
        {"english": ENGLISH, "bad": bad, "french": FRENCH, "app": consumer(EACH)},
        [Link("app", GREETER, cardinality=AnyNumber)],
    )
    app = app_bindings.App(graph["app"].instance)  # the composed consumer, typed
    for i, name in enumerate(("Ada", "Bob")):
        answers = dict(app.run(name))
        assert answers["english"] == Ok(f"Hello, {name}!")
        assert answers["french"] == Ok(f"Bonjour, {name}!")
        assert isinstance(answers["bad"], Err)
        assert answers["bad"].value.startswith(f"provider `bad` failed in {GREETER}#greet: ")
        assert i > 0 or text in answers["bad"].value
