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


@pytest.mark.parametrize("case", _cases())
def test_rejected_on_the_reference_line(case: str) -> None:
    folder = PARSE_FAIL / case
    source = folder if folder.is_dir() else PARSE_FAIL / f"{case}.wit"
    expected = (PARSE_FAIL / f"{case}.wit.result").read_text(encoding="utf-8")
    with pytest.raises(WitError) as info:
        resolve_path(source, features=frozenset({"active"}))
    err = info.value
    where = LOCATION.search(expected)
    if where is None:
        # The reference reports this one without a location; the message must agree.
        first = expected.splitlines()[0]
        assert err.message.splitlines()[0] in first or first in err.message
        return
    ref_path, line, column = where.group(1), int(where.group(2)), int(where.group(3))
    assert err.line == line, f"{err.render()}\n--- expected ---\n{expected}"
    assert err.column == column
    assert err.path is not None
    assert Path(err.path).name == Path(ref_path).name
