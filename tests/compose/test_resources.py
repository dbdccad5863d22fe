"""Resources crossing plugins: a provider's resource held, lent, moved and dropped by consumers."""

from __future__ import annotations

import pytest

import witkit
from tests.compose.components import HOLDER, SESSIONS, SESSIONS_IFACE
from witkit.composition import Any as AnyNumber
from witkit.composition import Composition, CompositionError, Link
from witkit.errors import TrapError
from witkit.runtime import Runtime

LIVE = f"{SESSIONS_IFACE}#live"


@pytest.fixture
def graph() -> Composition:
    """One provider of `session` resources and two plugins holding them."""
    return witkit.compose(
        {"sessions": SESSIONS, "alice": HOLDER, "bob": HOLDER}, runtime=Runtime(cache=False)
    )


def handles(graph: Composition, pid: str) -> int:
    """How many host handles plugin `pid` holds (its handle table for linked resources)."""
    return len(graph[pid].instance._handles)


def test_a_providers_resource_is_used_by_two_others(graph: Composition) -> None:
    a = graph.call("alice", "make", 7)
    b = graph.call("bob", "make", 9)
    assert graph.call("sessions", LIVE) == 2  # made by the provider, held by the consumers
    assert (handles(graph, "alice"), handles(graph, "bob")) == (1, 1)
    # A borrow: the method runs in the provider on the provider's resource; the handle stays.
    assert graph.call("alice", "peek", a) == 7
    assert graph.call("alice", "peek", a) == 7
    assert graph.call("bob", "peek", b) == 9
    assert handles(graph, "alice") == 1
    # An own moves back into the provider, which destroys it.
    assert graph.call("alice", "give-back", a) == 7
    assert graph.call("sessions", LIVE) == 1
    assert handles(graph, "alice") == 0
    # A drop in the holder reaches the provider's destructor.
    graph.call("bob", "drop", b)
    assert graph.call("sessions", LIVE) == 0
    assert (handles(graph, "alice"), handles(graph, "bob")) == (0, 0)
    # Handle tables are per plugin: each consumer numbers its own handles.
    assert graph.call("alice", "make", 1) == graph.call("bob", "make", 2)
    assert graph.call("sessions", LIVE) == 2


def test_a_forged_or_reused_handle_is_refused_and_the_graph_keeps_serving(
    graph: Composition,
) -> None:
    b = graph.call("bob", "make", 9)
    # Bob's handle means nothing in alice: she was never given one.
    with pytest.raises(TrapError, match=f"^plugin `alice`: peek: unknown handle index {b}"):
        graph.call("alice", "peek", b)
    # The refusal stayed in alice: the provider and bob keep serving.
    assert graph.call("bob", "peek", b) == 9
    assert graph.call("sessions", LIVE) == 1
    c = graph.call("bob", "make", 5)
    graph.call("bob", "drop", c)
    with pytest.raises(TrapError, match=f"give-back: unknown handle index {c}"):
        graph.call("bob", "give-back", c)  # dropped already
    # The trap ended bob, who can never drop his first session now: it is released in the
    # provider (as any host resource a trapped instance still owns), which keeps serving.
    assert graph.call("sessions", LIVE) == 0 and handles(graph, "bob") == 0
    assert graph.call("sessions", f"{SESSIONS_IFACE}#[method]session.get", _made(graph)) == 11


def _made(graph: Composition) -> object:
    """A session made by the host itself, straight from the provider."""
    return graph.call("sessions", f"{SESSIONS_IFACE}#[constructor]session", 11)


def test_a_moved_handle_cannot_be_used_again(graph: Composition) -> None:
    a = graph.call("alice", "make", 4)
    assert graph.call("alice", "give-back", a) == 4
    with pytest.raises(TrapError, match="unknown handle index"):
        graph.call("alice", "peek", a)
    assert graph.call("sessions", LIVE) == 0
    assert graph.call("bob", "peek", graph.call("bob", "make", 8)) == 8


def test_a_trapped_providers_handles_fail_cleanly_in_their_holders(graph: Composition) -> None:
    a = graph.call("alice", "make", 1)
    b = graph.call("bob", "make", 2)
    with pytest.raises(TrapError):
        graph.call("sessions", f"{SESSIONS_IFACE}#crash")
    with pytest.raises(TrapError, match="provider `sessions` failed in"):
        graph.call("alice", "peek", a)
    graph.call("bob", "drop", b)  # the resource went with its provider: a clean no-op
    assert handles(graph, "bob") == 0


def test_a_closed_providers_handles_fail_cleanly_in_their_holders(graph: Composition) -> None:
    a = graph.call("alice", "make", 1)
    b = graph.call("bob", "make", 2)
    graph["sessions"].close()  # the provider leaves the graph
    with pytest.raises(TrapError, match=r"^plugin `alice`: .*provider `sessions` failed in"):
        graph.call("alice", "peek", a)
    graph.call("bob", "drop", b)  # a clean no-op: the session went with its provider
    assert handles(graph, "bob") == 0


def test_resources_cross_only_exactly_one_links() -> None:
    with pytest.raises(CompositionError) as info:
        witkit.compose(
            {"sessions": SESSIONS, "alice": HOLDER},
            [Link("alice", SESSIONS_IFACE, cardinality=AnyNumber)],
            runtime=Runtime(cache=False),
        )
    assert {p.kind for p in info.value.problems} == {"type-mismatch"}
    assert "resources cross plugins only on links to exactly one provider" in str(info.value)


def test_a_resource_passes_to_a_third_plugin_given_it_by_the_same_provider() -> None:
    from tests.compose.components import READER, USER

    graph = witkit.compose(
        {"store": SESSIONS, "reader": READER, "user": USER}, runtime=Runtime(cache=False)
    )
    h = graph.call("user", "make", 7)
    # A borrow lent on to the third plugin, which lends it on to the store: it ends with the call.
    assert graph.call("user", "lend", h) == 7
    assert (handles(graph, "user"), handles(graph, "reader")) == (1, 0)
    assert graph.call("user", "peek", h) == 7  # still the user's
    # An own moved to the reader, which moves it on into the store (destroyed there).
    assert graph.call("user", "pass", h) == 7
    assert graph.call("store", LIVE) == 0
    assert (handles(graph, "user"), handles(graph, "reader")) == (0, 0)
    with pytest.raises(TrapError, match="unknown handle index"):
        graph.call("user", "peek", h)  # moved away: no longer the user's
    # An own kept by the reader, then dropped there: the drop reaches the store.
    other = witkit.compose(
        {"store": SESSIONS, "reader": READER, "user": USER}, runtime=Runtime(cache=False)
    )
    k = other.call("user", "make", 3)
    other.call("user", "park", k)
    assert other.call("store", LIVE) == 1
    assert (handles(other, "user"), handles(other, "reader")) == (0, 1)
    other.call("user", "unpark")
    assert other.call("store", LIVE) == 0
    assert (handles(other, "user"), handles(other, "reader")) == (0, 0)


def test_a_resource_never_crosses_to_a_plugin_given_it_by_another_provider() -> None:
    from tests.compose.components import READER, USER

    with pytest.raises(CompositionError) as info:
        witkit.compose(
            {"store": SESSIONS, "other": SESSIONS, "reader": READER, "user": USER},
            [
                Link("user", SESSIONS_IFACE, ["store"]),
                Link("reader", SESSIONS_IFACE, ["other"]),
            ],
            runtime=Runtime(cache=False),
        )
    kinds = {(p.kind, p.plugin) for p in info.value.problems}
    assert kinds == {("type-mismatch", "user")}
    assert "a resource crosses only between plugins linked to the plugin that made it" in str(
        info.value
    )
