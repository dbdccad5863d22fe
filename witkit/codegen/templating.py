"""The Jinja2 environment every code generator renders with, and the string quoting it offers.

Host bindings (`templates/host`) and guest projects (`templates/guest`) share one builder:
user templates over witkit's, strict undefined names, and the same filters, so a template
of either family quotes a string or writes a docstring the same way.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
)
from jinja2.bccache import Bucket

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
    reloads a template file that changed); compiled templates are also kept in the user's
    cache folder (`_bytecode_cache`), so a later process does not compile them again. A `templates` path that is not a folder raises
    `error` naming the option.
    """
    if templates is not None and not Path(templates).is_dir():
        raise error(f"--templates: {templates} is not a folder")
    return _environment(family, None if templates is None else str(Path(templates).resolve()))


class _KeptTemplates(FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, taking an unreadable entry (truncated,
    damaged) for a missing one, which Jinja itself does not do for every damage."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()


def _bytecode_cache() -> _KeptTemplates | None:
    """Jinja's cache of compiled templates, in a private folder of the user's cache folder.

    Compiling witkit's templates is most of a `witkit generate` process (about 100 ms of
    it); Jinja keys each entry by the template's file and checks it against a checksum of
    the template's source (and its own and Python's versions), so an edited template is
    compiled again, and an unreadable entry is ignored. The entries are marshalled code, so
    they are read only from a folder the current user owns and nobody else can write, the
    trust the tree and compile caches ask. `WITKIT_CACHE=0` turns it off.
    """
    from witkit._cachedirs import cache_folder

    folder = cache_folder("templates")
    return None if folder is None else _KeptTemplates(str(folder))


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
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["pyrepr"] = py_string
    env.filters["tomlstr"] = py_string
    env.filters["docstring"] = docstring
    env.filters["headline"] = doc_headline
    env.filters["pytuple"] = lambda items: tuple_text(list(items))
    env.globals["q"] = py_string
    env.globals["line"] = lambda head, items, tail="": f"{head}{', '.join(items)}{tail}"
    return env
