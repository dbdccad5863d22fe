"""Compose three plugins: two providers of example:greet/greeter and a consumer calling them all.

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


if __name__ == "__main__":
    main(*sys.argv[1:2])
