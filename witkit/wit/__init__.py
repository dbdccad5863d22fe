"""WIT: parse `.wit` source into a syntax tree (`witkit.wit.ast`), and resolve syntax trees to
the resolved model (`witkit.wit.model`), with its reference JSON.

The names below are imported on first use, so that a process that only reads a kept
resolution (`witkit.wit.resolve_cache`) imports neither the parser nor the resolver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witkit._lazy import lazy_attributes

if TYPE_CHECKING:
    from witkit.wit.json import to_json
    from witkit.wit.model import Resolve, ResolvedPackages
    from witkit.wit.parser import parse, parse_file
    from witkit.wit.resolve import resolve_files, resolve_path, resolve_source
    from witkit.wit.select import select_world

_LAZY = {
    "parse": "witkit.wit.parser",
    "parse_file": "witkit.wit.parser",
    "to_json": "witkit.wit.json",
    "Resolve": "witkit.wit.model",
    "ResolvedPackages": "witkit.wit.model",
    "resolve_files": "witkit.wit.resolve",
    "resolve_path": "witkit.wit.resolve",
    "resolve_source": "witkit.wit.resolve",
    "select_world": "witkit.wit.select",
}

__all__ = [
    "Resolve",
    "ResolvedPackages",
    "parse",
    "parse_file",
    "resolve_files",
    "resolve_path",
    "resolve_source",
    "select_world",
    "to_json",
]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
