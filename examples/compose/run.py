"""Compose plugins: two greeters and a consumer calling them all; a resource crossing plugins.

Run from anywhere: `python examples/compose/run.py [NAME]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    import witkit
except ImportError:  # running from a source checkout without installing witkit
    sys.path.insert(0, str(HERE.parents[1]))
    import witkit
from witkit.composition import AtLeastOne, Link  # noqa: E402


def main(name: str = "World") -> list[tuple[str, str]]:
    """Build the graph, call the consumer, print and return what it got."""
    graph = witkit.compose(
        {
            "english": HERE / "english.wat",
            "french": HERE / "french.wat",
            "app": HERE / "app.wat",
        },
        [Link("app", "example:greet/greeter", ["english", "french"], AtLeastOne)],
        runtime=witkit.Runtime(cache=False),
    )
    with graph:
        greetings = [(pid, text) for pid, text in graph.call("app", "run", name)]
        for pid, text in greetings:
            print(f"{pid}: {text}")
        # The host can call the interface on every provider too, tagged the same way.
        assert graph.call_interface("example:greet/greeter#greet", name) == greetings
    return greetings


def sessions() -> list[int]:
    """A provider's `session` resources held by two other plugins: lent, moved back, dropped."""
    graph = witkit.compose(
        {"store": HERE / "sessions.wat", "alice": HERE / "holder.wat", "bob": HERE / "holder.wat"},
        runtime=witkit.Runtime(cache=False),
    )
    live = "example:session/store#live"
    with graph:
        a = graph.call("alice", "make", 7)  # alice's handle to a session living in `store`
        b = graph.call("bob", "make", 9)
        seen = [graph.call("alice", "peek", a), graph.call("bob", "peek", b)]  # borrows
        counts = [graph.call("store", live)]  # 2: made by store, held by alice and bob
        seen.append(graph.call("alice", "give-back", a))  # own: moved back to store, destroyed
        graph.call("bob", "drop", b)  # bob's drop runs store's destructor
        counts.append(graph.call("store", live))  # 0
        print(f"sessions read {seen}, live before and after: {counts}")
    return [*seen, *counts]


if __name__ == "__main__":
    main(*sys.argv[1:2])
    sessions()
