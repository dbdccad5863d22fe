"""The call benchmark runs end to end (tiny iterations; no timing assertions)."""

from __future__ import annotations

from benchmarks import bench_calls


def test_bench_calls_runs() -> None:
    result = bench_calls.run(iterations=20, repeat=1, big_bytes=256)
    assert result["floor_ns"] > 0
    assert "add: witkit fast" in result["series"]
    assert set(result["targets"]) == {"fast add <= 1.5x floor", "Func.__call__ add >= 3x fast add"}
    assert "witkit fast" in bench_calls.table(result)
