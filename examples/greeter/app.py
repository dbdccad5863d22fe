"""The greeter guest: greets a name and logs the greeting through the host's `log`."""

import wit_world
from wit_world import Level


class WitWorld(wit_world.WitWorld):
    """The world-level exports of `witkit:greeter/greeter`."""

    def greet(self, name: str) -> str:
        """Greets `name`; logs the greeting at `info` level."""
        greeting = f"Hello, {name}!"
        wit_world.log(Level.INFO, f"greeted {name!r}")
        return greeting
