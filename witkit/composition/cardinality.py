"""How many providers a link between plugins accepts, and what the consumer's import returns for it."""

from __future__ import annotations

import enum

__all__ = ["AtLeastOne", "AtMostOne", "Cardinality", "Many", "One"]


class Cardinality(enum.Enum):
    """Providers a link accepts (wasm_link's ExactlyOne, AtMostOne, AtLeastOne, Any).

    The consumer's import declares the shape it receives, for a provider function returning R:

    * `ONE`: exactly one provider; the import returns R itself.
    * `AT_MOST_ONE`: zero or one; the import returns `option<R>` (none without a provider).
    * `AT_LEAST_ONE`, `ANY`: one or more, zero or more; the import returns
      `list<tuple<string, result<R, string>>>`, one `(provider id, ok(result) or err(why))`
      per provider, in link order: a provider that traps or runs out of fuel or time is an
      `err` naming it, beside the others' results. The import may also return
      `list<tuple<string, R>>`; then any provider's failure fails the call.

    With `ONE` and `AT_MOST_ONE` a provider's failure is raised into the consumer (as a trap
    naming the provider). A function without a result is called on every provider and
    returns nothing; a failure is raised after every provider was called.
    """

    ONE = "exactly one"
    AT_MOST_ONE = "at most one"
    AT_LEAST_ONE = "at least one"
    ANY = "any number of"

    def allows(self, count: int) -> bool:
        """True when `count` providers satisfy this cardinality."""
        if self is Cardinality.ONE:
            return count == 1
        if self is Cardinality.AT_MOST_ONE:
            return count <= 1
        if self is Cardinality.AT_LEAST_ONE:
            return count >= 1
        return True

    @property
    def many(self) -> bool:
        """True when the consumer receives one tagged result per provider."""
        return self in (Cardinality.AT_LEAST_ONE, Cardinality.ANY)

    def result_text(self, provider_result: str, *, isolated: bool = False) -> str:
        """The consumer's result type (WIT text) for a provider function returning `provider_result`.

        `isolated` (with `many`): the shape carrying each provider's failure as an `err`.
        """
        if self is Cardinality.ONE:
            return provider_result
        if self is Cardinality.AT_MOST_ONE:
            return f"option<{provider_result}>"
        if isolated:
            return f"list<tuple<string, result<{provider_result}, string>>>"
        return f"list<tuple<string, {provider_result}>>"


One = Cardinality.ONE
AtMostOne = Cardinality.AT_MOST_ONE
AtLeastOne = Cardinality.AT_LEAST_ONE
Many = Cardinality.ANY
"""`Cardinality.ANY` (also exported from `witkit.composition` as `Any`)."""
