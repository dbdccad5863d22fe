"""WIT: parse `.wit` source into a syntax tree (`witkit.wit.ast`)."""

from __future__ import annotations

from witkit.wit.parser import parse, parse_file

__all__ = ["parse", "parse_file"]
