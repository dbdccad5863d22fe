"""wit-parser's `ui` corpus: every case resolves to JSON that means what the reference's does.

Meaning is compared with every index replaced by what it points to (see
`tests/wit/_corpus.py`); identical JSON (same arena order) is counted too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.wit._corpus import UI, normalize
from witkit.wit.json import to_json
from witkit.wit.model import kind_parts
from witkit.wit.resolve import resolve_path

FEATURES = frozenset({"active"})

# Cases whose packages come as WebAssembly binaries: decoding WIT out of a
# component is out of scope for witkit.
BINARY_CASES = {
    "simple-wasm-text": "the package is a .wat component",
    "kinds-of-deps": "two of its dependencies are .wat/.wasm components",
}


def _cases() -> list[str]:
    if not UI.is_dir():
        return []
    return sorted(p.name[: -len(".wit.json")] for p in UI.glob("*.wit.json"))


def _source(case: str) -> Path:
    folder = UI / case
    return folder if folder.is_dir() else UI / f"{case}.wit"


def _resolve_json(case: str) -> tuple[dict[str, object], dict[str, object]]:
    resolve = resolve_path(_source(case), features=FEATURES).resolve
    # The model's invariant: a type's parts are defined before it.
    for i, td in enumerate(resolve.types):
        assert all(isinstance(t, str) or t < i for t in kind_parts(td.kind)), (case, i)
    mine = to_json(resolve)
    expected = json.loads((UI / f"{case}.wit.json").read_text(encoding="utf-8"))
    return mine, expected


pytestmark = pytest.mark.skipif(
    not UI.is_dir(), reason=f"shared WIT corpus not found at {UI} (see corpus/README.md)"
)


@pytest.mark.parametrize("case", _cases())
def test_ui_case_means_the_same(case: str) -> None:
    if case in BINARY_CASES:
        pytest.skip(BINARY_CASES[case])
    mine, expected = _resolve_json(case)
    assert normalize(mine) == normalize(expected)


def test_ui_exact_match_count() -> None:
    """Identical JSON (arena order included); the number is printed with `-s`."""
    cases = [c for c in _cases() if c not in BINARY_CASES]
    exact = [c for c in cases if json.dumps(_resolve_json(c)[0]) == json.dumps(_resolve_json(c)[1])]
    print(f"\nui corpus: {len(exact)}/{len(cases)} cases identical to the reference JSON")
    assert len(exact) == len(cases), sorted(set(cases) - set(exact))
