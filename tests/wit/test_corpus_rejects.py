"""wit-parser's `parse-fail` corpus: every case is rejected (by the parser or the resolver)
with a `WitError` on the line the reference points at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.wit._corpus import PARSE_FAIL
from witkit.errors import WitError
from witkit.wit.resolve import resolve_path

pytestmark = pytest.mark.skipif(
    not PARSE_FAIL.is_dir(),
    reason=f"shared WIT corpus not found at {PARSE_FAIL} (see corpus/README.md)",
)

LOCATION = re.compile(r"--> (\S+):(\d+):(\d+)")


def _cases() -> list[str]:
    if not PARSE_FAIL.is_dir():
        return []
    return sorted(p.name[: -len(".wit.result")] for p in PARSE_FAIL.glob("*.wit.result"))


def _reference_message(result: str) -> str:
    """The message of a `.wit.result`, without its location and the directory-loading preamble."""
    body = result.split("\n     --> ")[0].strip()
    body = re.sub(r"^failed to resolve directory while parsing WIT for path \[[^\]]*\]: ", "", body)
    return re.sub(r"^failed to parse package: \S+: ", "", body)


@pytest.mark.parametrize("case", _cases())
def test_rejected_on_the_reference_line(case: str) -> None:
    folder = PARSE_FAIL / case
    source = folder if folder.is_dir() else PARSE_FAIL / f"{case}.wit"
    expected = (PARSE_FAIL / f"{case}.wit.result").read_text(encoding="utf-8")
    with pytest.raises(WitError) as info:
        resolve_path(source, features=frozenset({"active"}))
    err = info.value
    # The message is wit-parser's, word for word (its paths are relative to its repository).
    message = err.message.replace(f"{PARSE_FAIL}/", "tests/ui/parse-fail/")
    assert message == _reference_message(expected)
    where = LOCATION.search(expected)
    if where is None:
        return
    ref_path, line, column = where.group(1), int(where.group(2)), int(where.group(3))
    assert err.line == line, f"{err.render()}\n--- expected ---\n{expected}"
    assert err.column == column
    assert err.path is not None
    assert Path(err.path).name == Path(ref_path).name
