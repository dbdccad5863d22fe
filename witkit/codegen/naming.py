"""WIT names to Python names, the way componentize-py spells them.

Host bindings and guest skeletons use the same names, so a developer who reads
one recognises the other: kebab-case becomes snake_case (functions, fields,
parameters, modules), PascalCase (types and classes) or UPPER_SNAKE (enum and
flags members), and Python keywords get a trailing underscore.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Set

_RESERVED = frozenset(keyword.kwlist) | frozenset({"self", "cls"})
"""Names escaped with a trailing `_`: keywords, and the two names methods take."""


def _words(name: str) -> list[str]:
    return [w for w in name.replace("_", "-").split("-") if w]


def escape(name: str) -> str:
    """Append `_` to a Python keyword (`type` stays, `from` -> `from_`)."""
    return f"{name}_" if name in _RESERVED else name


def snake(name: str) -> str:
    """`get-value` -> `get_value`; keywords escaped (`from` -> `from_`)."""
    return escape("_".join(w.lower() for w in _words(name)))


def upper_snake(name: str) -> str:
    """`not-found` -> `NOT_FOUND` (enum and flags members)."""
    return escape("_".join(w.upper() for w in _words(name)))


def _camel(name: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in _words(name))


def pascal(name: str) -> str:
    """`http-error` -> `HttpError`; an acronym word `HTTP` becomes `Http`."""
    return escape(_camel(name))


def variant_case_class(type_name: str, case_name: str) -> str:
    """`shape`, `circle` -> `Shape_Circle` (componentize-py's per-case class name).

    The joined name is never a keyword, so its parts are not escaped (`Choice_None`).
    """
    return f"{_camel(type_name)}_{_camel(case_name)}"


def free_name(name: str, *reserved: Set[str]) -> str:
    """`name`, with `_` appended while one of the `reserved` sets holds it (`list` -> `list_`)."""
    while any(name in r for r in reserved):
        name += "_"
    return name


def version_words(version: str) -> str:
    """A package version as kebab-case words: every run of characters other than letters and
    digits breaks a word, as in componentize-py's module names (`1.0.0-rc.1+b` -> `1-0-0-rc-1-b`)."""
    return re.sub(r"[^0-9A-Za-z]+", "-", version).strip("-")
