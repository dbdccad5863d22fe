"""WIT names to Python names, the way componentize-py spells them.

Host bindings and guest skeletons use the same names, so a developer who reads
one recognises the other: kebab-case becomes snake_case (functions, fields,
parameters, modules), PascalCase (types and classes) or UPPER_SNAKE (enum and
flags members), and Python keywords get a trailing underscore.
"""

from __future__ import annotations

import keyword

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
