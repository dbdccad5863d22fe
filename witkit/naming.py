"""WIT names to Python names, the way componentize-py spells them, and WIT doc text to docstrings.

Host bindings and guest skeletons use the same names, so a developer who reads
one recognises the other: kebab-case becomes snake_case (functions, fields,
parameters, modules), PascalCase (types and classes) or UPPER_SNAKE (enum and
flags members), and Python keywords get a trailing underscore.

Both also write WIT doc comments into triple-quoted docstrings, through the one escaper here
(`docstring_text`), so doc text of any content gives Python that parses and reads back as
the text.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Set

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


def distinct(names: Iterable[str], *reserved: Set[str]) -> list[str]:
    """`names` (Python spellings of one scope's WIT names, in order), each later one that meets
    an earlier one or a `reserved` name given `_` (`get`, `GET` -> `get`, `get_`)."""
    given: set[str] = set()
    out = []
    for name in names:
        name = free_name(name, given, *reserved)
        given.add(name)
        out.append(name)
    return out


def version_words(version: str) -> str:
    """A package version as kebab-case words: every run of characters other than letters and
    digits breaks a word, as in componentize-py's module names (`1.0.0-rc.1+b` -> `1-0-0-rc-1-b`)."""
    return re.sub(r"[^0-9A-Za-z]+", "-", version).strip("-")


_DOC_UNSAFE = re.compile(r'\\|(?<="")"|"\Z|[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]')
"""What cannot stand as itself inside a triple-quoted string literal: a backslash, a quote that would end a
run of three (or end the text, next to the closing quotes), a control character other than
tab and newline (a carriage return would read back as a newline, NUL does not parse), and a
lone surrogate (not encodable in the UTF-8 source)."""


def _doc_escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in ('"', "\\"):
        return "\\" + ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def docstring_text(text: str) -> str:
    """`text` escaped to stand anywhere inside a triple-quoted string literal and read back as itself."""
    return _DOC_UNSAFE.sub(_doc_escape, text)


def doc_lines(docs: str | None) -> list[str]:
    """WIT doc text as the lines a docstring holds: tabs expanded, surrounding blank space and
    trailing spaces dropped; [] for no text."""
    text = (docs or "").replace("\r\n", "\n").expandtabs(8).strip()
    return [line.rstrip() for line in text.split("\n")] if text else []


def doc_headline(docs: str | None) -> str:
    """The first line of WIT docs, escaped for a triple-quoted literal ("" for none)."""
    lines = doc_lines(docs)
    return docstring_text(lines[0]) if lines else ""


def docstring(docs: str | None, indent: int = 0, default: str | None = None) -> str:
    """WIT doc comments (or `default`) as a Python docstring literal, continuation lines
    indented by `indent`; "" when there is no text."""
    lines = [docstring_text(line) for line in doc_lines(docs) or doc_lines(default)]
    if not lines:
        return ""
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""'
