"""Which files a WIT path is made of (wit-parser's layout of a package folder and its `deps/`),
found without reading them: what the resolver parses, and what the resolve cache is keyed by."""

from __future__ import annotations

import stat
from pathlib import Path

from witkit.errors import WitError

__all__ = ["MAX_WIT_FILE_BYTES", "Layout", "is_wit_file", "layout"]

MAX_WIT_FILE_BYTES = 8 * 1024 * 1024
"""The largest `.wit` file (or text given to `parse`) witkit reads: 8 MiB. Real WIT files are
kilobytes (the largest in WASI 0.2 and 0.3 is 41 KB, all of WASI 0.3 together 130 KB), so
this is 200 times the largest real file while bounding what a hostile one costs: it is
checked on the file's size before reading and on what was read (never more than this plus
one byte), so `/dev/zero` or a file that keeps growing fails as quickly as a huge file."""

Layout = tuple[list[Path], list[list[Path] | WitError]]
"""The main package's files, then each dependency's files in order (a folder's `.wit` files,
or one `.wit` file), or the error reading that dependency raises when its turn comes."""


def is_wit_file(path: Path) -> bool:
    """Whether the resolver reads `path` as part of the package folder it is in."""
    return path.is_file() and path.suffix == ".wit"


def _wit_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir(), key=lambda p: p.name) if is_wit_file(p)]


def layout(path: Path) -> Layout:
    """The files of a `.wit` file or a package folder (see `Layout`).

    A folder is one package made of all its `.wit` files; `deps/` holds the
    dependencies, each a package folder or a single `.wit` file. Any path that is not a
    folder is read as one file (bounded: see `MAX_WIT_FILE_BYTES`).
    """
    if not path.exists():
        raise WitError(f"no such file or directory: {path}")
    if not path.is_dir():
        return [path], []
    main = _wit_files(path)
    if not main:
        raise WitError(
            f"{path}: no `.wit` files in this folder (a package folder holds its WIT files)"
        )
    deps: list[list[Path] | WitError] = []
    deps_dir = path / "deps"
    if deps_dir.is_dir():
        for entry in sorted(deps_dir.iterdir(), key=lambda e: e.name):
            try:
                mode = entry.stat().st_mode  # a link that loops or leads nowhere fails here
            except OSError as error:
                deps.append(WitError(f"cannot read {entry}: {error.strerror or error}"))
                continue
            if stat.S_ISDIR(mode):
                deps.append(_wit_files(entry))
            elif entry.suffix == ".wit":
                if not stat.S_ISREG(mode):
                    # A pipe or device found in a folder is not read: it could block forever.
                    deps.append(WitError(f"cannot read {entry}: not a regular file"))
                else:
                    deps.append([entry])
            elif entry.suffix in (".wasm", ".wat"):
                deps.append(
                    WitError(
                        f"{entry}: dependencies encoded as a WebAssembly component are not "
                        "supported"
                    )
                )
    return main, deps
