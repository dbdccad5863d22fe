"""Reading WIT from the file system (wit-parser's `resolve/fs.rs`): a `.wit` file, or a
package folder with its `deps/` folder of dependency folders and files."""

from __future__ import annotations

import stat
from pathlib import Path

from witkit.errors import WitError
from witkit.wit import ast
from witkit.wit.parser import parse_file
from witkit.wit.resolve.source import PackageSource, Sources, group_files


def is_wit_file(path: Path) -> bool:
    """Whether the resolver reads `path` as part of the package folder it is in."""
    return path.is_file() and path.suffix == ".wit"


def _parse_dir(path: Path) -> list[ast.File]:
    return [parse_file(p) for p in sorted(path.iterdir(), key=lambda p: p.name) if is_wit_file(p)]


def read_path(path: Path, sources: Sources) -> tuple[list[PackageSource], list[PackageSource]]:
    """Parse a `.wit` file or a package folder: its packages, then those of its `deps/`.

    A folder is one package made of all its `.wit` files; `deps/` holds the
    dependencies, each a package folder or a single `.wit` file, and the
    dependencies of dependencies too (wit-parser's layout).
    """
    p = path
    if not p.exists():
        raise WitError(f"no such file or directory: {p}")
    if not p.is_dir():
        # Any path that is not a folder is read as one file (bounded: see MAX_WIT_FILE_BYTES).
        return group_files([parse_file(p)], sources), []
    main_files = _parse_dir(p)
    if not main_files:
        raise WitError(
            f"{p}: no `.wit` files in this folder (a package folder holds its WIT files)"
        )
    deps: list[PackageSource] = []
    deps_dir = p / "deps"
    if deps_dir.is_dir():
        for entry in sorted(deps_dir.iterdir(), key=lambda e: e.name):
            try:
                mode = entry.stat().st_mode  # a link that loops or leads nowhere fails here
            except OSError as error:
                raise WitError(f"cannot read {entry}: {error.strerror or error}") from None
            if stat.S_ISDIR(mode):
                deps.extend(group_files(_parse_dir(entry), sources))
            elif entry.suffix == ".wit":
                if not stat.S_ISREG(mode):
                    # A pipe or device found in a folder is not read: it could block forever.
                    raise WitError(f"cannot read {entry}: not a regular file")
                deps.extend(group_files([parse_file(entry)], sources))
            elif entry.suffix in (".wasm", ".wat"):
                raise WitError(
                    f"{entry}: dependencies encoded as a WebAssembly component are not supported"
                )
    return group_files(main_files, sources), deps
