"""The mypy runner every generated-code test uses fails when mypy does: errors or no run at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.mypy import MypyFailed, mypy_strict, require_mypy_strict


def _package(root: Path, body: str) -> Path:
    pkg = root / "broken"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(body, encoding="utf-8")
    (pkg / "py.typed").write_text("", encoding="utf-8")
    return pkg


def test_a_package_with_a_type_error_fails_the_runner(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 'count: int = "three"\n')
    with pytest.raises(MypyFailed, match="exited with 1") as info:
        mypy_strict([pkg], tmp_path / "cache")
    assert "Incompatible types in assignment" in str(info.value)
    # The form fixtures use fails the test (pytest's Failed), not just returns.
    with pytest.raises(pytest.fail.Exception, match="exited with 1"):
        require_mypy_strict([pkg], tmp_path / "cache")


def test_a_mypy_that_cannot_run_fails_the_runner(tmp_path: Path) -> None:
    # A path that does not exist: mypy exits 2 printing no `error:` line for any package.
    with pytest.raises(MypyFailed, match="exited with 2"):
        mypy_strict([tmp_path / "missing"], tmp_path / "cache")


def test_a_clean_package_passes(tmp_path: Path) -> None:
    pkg = _package(tmp_path, "count: int = 3\n")
    assert "error" not in mypy_strict([pkg], tmp_path / "cache")
