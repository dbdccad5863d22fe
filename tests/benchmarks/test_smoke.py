"""Every benchmark runs once with tiny iteration counts (`python -m benchmarks --quick`), so the
benchmarks cannot rot. No timing is asserted: only that each section, series and plot appears.

The test suite's `dev` extra has neither matplotlib nor Extism (they are the `bench` extra):
without them the run still covers everything else, and only their checks are skipped.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _importable(name: str) -> str | None:
    try:
        importlib.import_module(name)
    except Exception as e:
        return f"{name} cannot be imported ({type(e).__name__}: {e}); it is in the `bench` extra"
    return None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(report path, stderr) of one `python -m benchmarks --quick` into a temporary folder."""
    out = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc.stderr


def test_every_module_writes_its_section(quick_run: tuple[Path, str]) -> None:
    from benchmarks.__main__ import MODULES

    report, _stderr = quick_run
    text = report.read_text()
    for name in MODULES:
        title = importlib.import_module(f"benchmarks.{name}").TITLE
        assert f"## {title}" in text, f"{name}: section missing"
    assert "Machine:" in text and "Run time:" in text


def test_call_overhead_has_every_witkit_and_wasmtime_series(quick_run: tuple[Path, str]) -> None:
    from benchmarks.bench_calls import CASES, SERIES

    text = quick_run[0].read_text()
    for series in ("generated", "dynamic", "func-call", "floor"):
        for case in CASES:
            if case == "bytes-1m":  # left out of --quick
                continue
            row = f"| {CASES[case]} | {SERIES[series]} |"
            assert row in text, f"missing row {row}"
    assert re.search(r"generated `add` call: \*\*[0-9.]+x the floor\*\*", text)
    assert re.search(r"\*\*[0-9.]+x faster than `Func.__call__`\*\*", text)


def test_extism_series(quick_run: tuple[Path, str]) -> None:
    why = _importable("extism")
    if why is not None:
        pytest.skip(why)
    from benchmarks.bench_calls import CASES, SERIES

    text = quick_run[0].read_text()
    for case in ("add", "string", "bytes-1k", "host-call"):
        assert f"| {CASES[case]} | {SERIES['extism']} |" in text
    assert "Extism: `Plugin(compiled)` (instantiate)" in text


def test_plots_are_written(quick_run: tuple[Path, str]) -> None:
    why = _importable("matplotlib")
    if why is not None:
        pytest.skip(why)
    report = quick_run[0]
    text = report.read_text()
    for name in ("calls", "threads"):
        png = report.parent / f"benchmarks-{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png.name})" in text
