"""The vowel-counter plugin: counts vowels and keeps a running total in the host's store."""

from wit_world import VowelCount
from wit_world import WitWorld as Base
from wit_world.imports import kv

VOWELS = "aeiouAEIOU"


class WitWorld(Base):
    def count_vowels(self, input: str) -> VowelCount:
        count = sum(1 for c in input if c in VOWELS)
        total = int(kv.get("total") or "0") + count
        kv.set("total", str(total))
        return VowelCount(count=count, total=total, vowels=VOWELS)
