"""WIT: parse `.wit` source into a syntax tree (`witkit.wit.ast`)."""

from __future__ import annotations

from witkit.wit.parser import parse, parse_file

__all__ = ["parse", "parse_file"]

# Resolution: syntax trees to the resolved model (`witkit.wit.model`), and its reference JSON.
from witkit.wit.json import to_json
from witkit.wit.model import Resolve, ResolvedPackages
from witkit.wit.resolve import resolve_files, resolve_path, resolve_source, select_world

__all__ += [
    "Resolve",
    "ResolvedPackages",
    "resolve_files",
    "resolve_path",
    "resolve_source",
    "select_world",
    "to_json",
]
