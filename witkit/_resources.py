"""Locate the grammar and templates, in a wheel (`witkit/_data`) or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """Return the folder `grammars` or `templates`.

    A wheel carries them under `witkit/_data/` (hatchling force-include); an editable
    install or a source checkout reads them from the repository's top level.
    """
    packaged = resources.files("witkit") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"witkit's {name!r} folder is missing from this installation")
