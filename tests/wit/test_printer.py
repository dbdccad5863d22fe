"""`witkit wit print`: resolved WIT printed back re-parses to the same model."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.corpus import WASI_VERSIONS, require_corpus, wasi_package, wasi_packages
from tests.wit._corpus import UI, normalize
from tests.wit.test_corpus_ui import BINARY_CASES
from witkit.cli import main
from witkit.wit.json import to_json
from witkit.wit.model import ResolvedPackages
from witkit.wit.printer import ident, print_wit
from witkit.wit.resolve import resolve_path, resolve_source

KITCHEN = Path(__file__).resolve().parents[1] / "worlds" / "kitchen"


def assert_round_trip(resolved: ResolvedPackages, features: frozenset[str] | None) -> str:
    text = print_wit(resolved)
    again = resolve_source(text, "<printed>", features=features)
    assert normalize(to_json(again.resolve)) == normalize(to_json(resolved.resolve)), text
    # Printing is a fixed point: the re-parsed model prints to the same text.
    assert print_wit(again) == text
    return text


def test_kitchen_round_trip() -> None:
    text = assert_round_trip(resolve_path(KITCHEN), frozenset())
    assert text.startswith("/// The test world of witkit's bindings")
    assert "package witkit:kitchen@0.1.0;" in text
    assert "\n    %type: string,\n" in text  # two spaces per level, escaped keyword
    assert "merge: static func(a: borrow<counter>, b: counter) -> counter;" in text


def test_keywords_are_escaped() -> None:
    assert ident("type") == "%type"
    assert ident("interface") == "%interface"
    assert ident("value") == "value"


def _ui_cases() -> list[str]:
    if not UI.is_dir():
        return []
    return sorted(
        p.name[: -len(".wit.json")]
        for p in UI.glob("*.wit.json")
        if p.name[: -len(".wit.json")] not in BINARY_CASES
    )


@pytest.mark.parametrize("case", _ui_cases())
def test_ui_corpus_round_trip(case: str) -> None:
    folder = require_corpus("wit-parser", "ui")
    source = folder / case if (folder / case).is_dir() else folder / f"{case}.wit"
    features = frozenset({"active"})
    assert_round_trip(resolve_path(source, features=features), features)


@pytest.mark.parametrize("version", WASI_VERSIONS)
def test_wasi_round_trip(version: str, tmp_path: Path) -> None:
    require_corpus("wasi", version)
    for name in wasi_packages(version):
        assert_round_trip(resolve_path(wasi_package(version, name, tmp_path)), frozenset())


def test_cli_print(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["wit", "print", str(KITCHEN)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "printed.wit"
    out.write_text(result.output)
    again = CliRunner().invoke(main, ["wit", "print", str(out)])
    assert again.output == result.output


def test_cli_print_world_only() -> None:
    result = CliRunner().invoke(main, ["wit", "print", str(KITCHEN), "--world", "kitchen"])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("world kitchen {")
    assert "interface api" not in result.output
