"""Syntax errors: witkit's own golden failure corpus, and wit-parser's parse-fail cases.

`tests/wit/parse-fail/<case>.wit` sits next to `<case>.wit.err`, the error exactly as
rendered; `WITKIT_BLESS=1 pytest` rewrites the `.wit.err` files.

wit-parser's `parse-fail` cases mix syntax errors with semantic ones (unknown names,
cycles) that only the resolver can see. This file checks the parser's share: when `parse`
rejects a case, it must point at the file and line wit-parser points at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS
from witkit.errors import WitError
from witkit.wit import parse, parse_file

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "parse-fail"
UI_FAIL = CORPUS / "wit-parser" / "ui" / "parse-fail"

BLESS = os.environ.get("WITKIT_BLESS") == "1"

# --------------------------------------------------------------------------- witkit's golden corpus

GOLDEN_CASES = sorted(GOLDEN.glob("*.wit"))


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[p.stem for p in GOLDEN_CASES])
def test_golden_syntax_error(case: Path) -> None:
    source = case.read_text(encoding="utf-8")
    with pytest.raises(WitError) as info:
        parse(source, f"parse-fail/{case.name}")
    rendered = info.value.render() + "\n"
    expected_file = case.with_name(case.name + ".err")
    if BLESS:
        expected_file.write_text(rendered, encoding="utf-8")
        return
    assert expected_file.exists(), f"no {expected_file.name}; run with WITKIT_BLESS=1"
    assert rendered == expected_file.read_text(encoding="utf-8")


def test_every_golden_error_file_has_its_case() -> None:
    orphans = [p.name for p in GOLDEN.glob("*.wit.err") if not p.with_suffix("").exists()]
    assert orphans == []


# --------------------------------------------------------------------------- wit-parser's parse-fail cases


def ui_cases() -> list[Path]:
    if not UI_FAIL.is_dir():
        return []
    return sorted(UI_FAIL.glob("*.wit.result"))


def case_name(result: Path) -> str:
    return result.name.removesuffix(".wit.result")


def case_files(result: Path) -> list[Path]:
    single = result.with_name(case_name(result) + ".wit")
    if single.is_file():
        return [single]
    return sorted(result.with_name(case_name(result)).rglob("*.wit"))


def expected_location(result: Path) -> tuple[str, int] | None:
    """The file (relative to parse-fail/) and line of wit-parser's `-->` line."""
    match = re.search(r"-->\s+\S*?parse-fail/(\S+):(\d+):(\d+)", result.read_text(encoding="utf-8"))
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def first_parse_error(result: Path) -> tuple[str, WitError] | None:
    for path in case_files(result):
        try:
            parse_file(path)
        except WitError as error:
            return str(path.relative_to(UI_FAIL)), error
    return None


UI_CASES = ui_cases()

# The cases whose error wit-parser finds while parsing: the parser must reject these.
SYNTACTIC_CASES = frozenset(
    {
        "async-bad2",
        "bad-deprecated1",
        "bad-deprecated3",
        "bad-deprecated4",
        "bad-list",
        "bad-list3",
        "bad-list4",
        "bad-resource10",
        "bad-resource9",
        "bad-since1",
        "bad-since3",
        "dangling-type",
        "include-with-id",
        "invalid-toplevel",
        "multi-file-missing-delimiter",
        "resources-return-borrow",
        "type-nesting-too-deep",
        "very-nested-packages",
    }
)


@pytest.mark.skipif(not UI_CASES, reason="shared corpus not found at ../shared/corpus/wit-parser")
@pytest.mark.parametrize("result", UI_CASES, ids=[case_name(p) for p in UI_CASES])
def test_ui_parse_fail_case(result: Path) -> None:
    found = first_parse_error(result)
    if found is None:
        assert case_name(result) not in SYNTACTIC_CASES, "a syntax error went unnoticed"
        return
    where, error = found
    expected = expected_location(result)
    assert expected is not None, f"rejected, but wit-parser names no place: {error.render()}"
    assert (where, error.line) == expected, error.render()


@pytest.mark.skipif(not UI_CASES, reason="shared corpus not found at ../shared/corpus/wit-parser")
def test_ui_syntactic_cases_carry_wit_parser_message() -> None:
    mismatched = []
    for result in UI_CASES:
        if case_name(result) not in SYNTACTIC_CASES:
            continue
        found = first_parse_error(result)
        assert found is not None, case_name(result)
        if found[1].message not in result.read_text(encoding="utf-8"):
            mismatched.append((case_name(result), found[1].message))
    assert mismatched == []
