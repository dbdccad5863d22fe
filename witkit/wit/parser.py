"""Parse WIT source text into the syntax tree of `witkit.wit.ast`, with wit-parser's errors.

The entry points and the limits on input live here; the parsing itself is in `lalr` (the
Lark parser and its errors) and `to_ast` (the tree to `ast` nodes), imported on first use.
A file parsed once is kept, pickled, in the user's cache folder keyed by a sha256 of its
text, its path and the parser's own code, so a later process reads the tree back instead of
parsing it again (and does not import Lark at all when every file is found there).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

from witkit._cachedirs import cache_folder, keep
from witkit._resources import data_dir
from witkit.errors import SourceLocation, WitError, location_in_file
from witkit.wit import ast
from witkit.wit._gc import gc_paused
from witkit.wit.files import MAX_WIT_FILE_BYTES

__all__ = ["MAX_WIT_FILE_BYTES", "cache_folder", "parse", "parse_bytes", "parse_file"]

MAX_TYPE_NESTING = 100
"""The deepest a type may nest (`list<list<...>>`), wit-parser's own limit and message
("type nesting too deep"). WASI nests at most 4 deep; nothing below recurses further."""

# --------------------------------------------------------------------------- the tree cache

MAX_CACHED_TREES = 2000
"""How many parsed files the tree cache keeps; past that the older half is removed."""


@functools.lru_cache(maxsize=1)
def _tree_cache_salt() -> bytes:
    """What the parsed tree depends on besides the text: the grammar, the code that builds
    the tree, the node classes, and the Lark and Python versions."""
    digest = hashlib.sha256(sys.version.encode())
    here = Path(__file__).parent
    spec = importlib.util.find_spec("lark")
    lark_init = Path(spec.origin) if spec is not None and spec.origin else None
    for file in (
        data_dir("grammars") / "wit.lark",
        here / "lalr.py",
        here / "driver.py",
        here / "to_ast.py",
        here / "ast.py",
        *((lark_init,) if lark_init else ()),
    ):
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.digest()


def _tree_cache_path(source: str, path: str) -> Path | None:
    folder = cache_folder("trees")
    if folder is None:
        return None
    digest = hashlib.sha256(_tree_cache_salt())
    digest.update(path.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(source.encode("utf-8", "surrogatepass"))
    return folder / f"{digest.hexdigest()[:40]}.pickle"


def _cached_tree(entry: Path, source: str, path: str) -> ast.File | None:
    """The tree kept for this text, if any; anything unreadable or not matching is ignored."""
    with contextlib.suppress(Exception), entry.open("rb") as f:
        tree = pickle.load(f)
        # The key is a hash; the text and path are compared too, so a collision (or an entry
        # written by something else) is never taken for this file.
        if isinstance(tree, ast.File) and tree.path == path and tree.source == source:
            return tree
    return None


def _keep_tree(entry: Path, tree: ast.File) -> None:
    """Write the tree atomically; failures are ignored (the cache is only a shortcut)."""
    keep(entry, tree, MAX_CACHED_TREES)


def __getattr__(name: str) -> Any:
    """`_parser` (the cached Lark factory) lives in `lalr`; imported from there on request."""
    if name == "_parser":
        from witkit.wit import lalr

        return lalr._parser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- public API


def _too_large(path: str, size: str = "") -> WitError:
    limit = f"{MAX_WIT_FILE_BYTES // (1024 * 1024)} MiB"
    return WitError(
        f"{path}: {size}more than the {limit} a WIT file may be", SourceLocation(path, 1, 1)
    )


def parse(source: str, path: str) -> ast.File:
    """Parse the text of one `.wit` file; `path` is only used in spans and error messages."""
    path = str(path)
    if len(source) > MAX_WIT_FILE_BYTES:
        raise _too_large(path, f"{len(source)} characters, ")
    entry = _tree_cache_path(source, path)
    if entry is not None:
        tree = _cached_tree(entry, source, path)
        if tree is not None:
            return tree
    from witkit.wit.driver import parse_text

    with gc_paused():
        tree = parse_text(source, path)
    if entry is not None:
        _keep_tree(entry, tree)
    return tree


def parse_file(path: str | Path) -> ast.File:
    """Read and parse one `.wit` file; an unreadable or non-UTF-8 file is a `WitError`."""
    name = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise WitError(f"cannot read {name}: it is a directory")
        if info.st_size > MAX_WIT_FILE_BYTES:
            raise _too_large(name, f"{info.st_size} bytes, ")
        # Special files (`/dev/zero`, a pipe) report no size: read one byte past the limit.
        with open(path, "rb") as file:
            data = file.read(MAX_WIT_FILE_BYTES + 1)
    except OSError as error:
        raise WitError(f"cannot read {name}: {error.strerror or error}") from None
    if len(data) > MAX_WIT_FILE_BYTES:
        raise _too_large(name)
    return parse_bytes(data, name)


def parse_bytes(data: bytes, path: str) -> ast.File:
    """Parse the bytes of one `.wit` file, which must be UTF-8; `path` names it in errors."""
    path = str(path)
    if len(data) > MAX_WIT_FILE_BYTES:
        raise _too_large(path, f"{len(data)} bytes, ")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise WitError(
            f"cannot read {path}: not valid UTF-8 (byte {error.start})",
            location_in_file(path, "", line, column),
        ) from None
    return parse(source, path)
