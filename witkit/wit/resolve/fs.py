"""Reading WIT from the file system (wit-parser's `resolve/fs.rs`): the files `witkit.wit.files`
finds for a `.wit` file or a package folder with its `deps/`, parsed and grouped."""

from __future__ import annotations

from pathlib import Path

from witkit.wit.files import is_wit_file, layout
from witkit.wit.parser import parse_file
from witkit.wit.resolve.source import PackageSource, Sources, group_files

__all__ = ["is_wit_file", "read_path"]


def read_path(path: Path, sources: Sources) -> tuple[list[PackageSource], list[PackageSource]]:
    """Parse a `.wit` file or a package folder: its packages, then those of its `deps/`.

    Files are parsed in order, so the first error met is the first in that order (a main
    file's syntax error before an unreadable dependency).
    """
    main_files, dep_entries = layout(path)
    main = [parse_file(p) for p in main_files]
    deps: list[PackageSource] = []
    for entry in dep_entries:
        if isinstance(entry, Exception):
            raise entry
        deps.extend(group_files([parse_file(p) for p in entry], sources))
    # The main package is grouped after its dependencies (the order its sources are numbered).
    return group_files(main, sources), deps
