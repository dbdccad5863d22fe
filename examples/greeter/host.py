"""The greeter's host: serves the plugin's `log` import and asks it for two greetings.

Run `witkit build examples/greeter` and
`witkit generate examples/greeter/wit -o examples/greeter/bindings` first (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bindings"))

from greeter import Greeter, GreeterImports, Level  # noqa: E402  (generated into bindings/)


class Host(GreeterImports):
    """Serves the world's one import: log lines from the plugin, kept and printed."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, level: Level, message: str) -> None:
        line = f"[{level.name.lower()}] {message}"
        self.lines.append(line)
        print(f"plugin log {line}")


def main(component: Path) -> None:
    plugin = Greeter.load(component, imports=Host())
    for name in ("Ada", "Grace"):
        print(plugin.greet(name))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "build" / "greeter.wasm")
