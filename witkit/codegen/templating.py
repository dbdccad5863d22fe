"""The Jinja2 environment every code generator renders with, and the string quoting it offers.

Host bindings (`templates/host`) and guest projects (`templates/guest`) share one builder:
user templates over witkit's, strict undefined names, and the same filters, so a template
of either family quotes a string or writes a docstring the same way.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from witkit._resources import data_dir
from witkit.errors import WitkitError
from witkit.naming import doc_headline, docstring

__all__ = ["py_string", "template_environment", "tuple_text"]


def _escape(ch: str) -> str:
    if ch in ('"', "\\"):
        return "\\" + ch
    if ch.isprintable():
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def py_string(text: object) -> str:
    """`text` as a double-quoted string literal that Python and TOML both read back as itself.

    Quotes and backslashes are escaped, and every character `str.isprintable` rejects
    (control characters, line breaks, unassigned code points) becomes a `\\u` escape of four
    hex digits or a `\\U` escape of eight (`\\u000a`), the escapes both languages share.
    """
    return '"' + "".join(_escape(ch) for ch in str(text)) + '"'


def tuple_text(items: list[str]) -> str:
    """`(a,)` or `(a, b)`: the items as a tuple expression."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def template_environment(
    family: str, templates: str | Path | None, error: type[WitkitError]
) -> Environment:
    """The environment loading from `templates` (a user's folder, if given) before witkit's
    `templates/<family>`, so a user can override any one template.

    One environment per family, folder and process, so templates compile once (Jinja still
    reloads a template file that changed). A `templates` path that is not a folder raises
    `error` naming the option.
    """
    if templates is not None and not Path(templates).is_dir():
        raise error(f"--templates: {templates} is not a folder")
    return _environment(family, None if templates is None else str(Path(templates).resolve()))


@functools.lru_cache(maxsize=16)
def _environment(family: str, templates: str | None) -> Environment:
    loaders = []
    if templates is not None:
        loaders.append(FileSystemLoader(templates))
    loaders.append(FileSystemLoader(str(data_dir("templates") / family)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = py_string
    env.filters["tomlstr"] = py_string
    env.filters["docstring"] = docstring
    env.filters["headline"] = doc_headline
    env.filters["pytuple"] = lambda items: tuple_text(list(items))
    env.globals["q"] = py_string
    env.globals["line"] = lambda head, items, tail="": f"{head}{', '.join(items)}{tail}"
    return env
