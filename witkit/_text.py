"""Small text helpers shared by messages across the stages: counted nouns."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 export`, `2 exports` (`many` for nouns whose plural is not `noun + "s"`)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
