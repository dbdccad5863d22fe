"""The shared WIT corpus (`../shared/corpus/`): where it is and how tools lay it out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WITKIT_CORPUS") or ROOT.parent / "shared" / "corpus").resolve()
WASI_VERSIONS = ("0.2.9", "0.3.0")


def require_corpus(*parts: str) -> Path:
    """The corpus folder `parts`, or skip the calling test with the reason it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared WIT corpus not found at {path} (it lives beside the project root)")
    return path


def wasi_packages(version: str) -> list[str]:
    """Names of the WASI packages of one version (`cli`, `http`, ...), sorted."""
    root = CORPUS / "wasi" / version
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def wasi_package(version: str, name: str, dest: Path) -> Path:
    """Lay out WASI package `name` as tools expect: its files, every other package in `deps/`.

    Links are used, not copies, so nothing of the corpus is duplicated.
    """
    root = CORPUS / "wasi" / version
    pkg = dest / f"wasi-{name}-{version}"
    (pkg / "deps").mkdir(parents=True)
    for wit in sorted((root / name).glob("*.wit")):
        os.symlink(wit, pkg / wit.name)
    for other in wasi_packages(version):
        if other != name:
            os.symlink(root / other, pkg / "deps" / other, target_is_directory=True)
    return pkg
