"""Fixtures for runtime tests: runtimes on both call paths, without touching the user cache."""

from __future__ import annotations

import pytest

from witkit.runtime import Runtime


@pytest.fixture(params=[True, False], ids=["fast", "public"])
def rt(request: pytest.FixtureRequest) -> Runtime:
    """A runtime on the fast path and one on wasmtime-py's public path."""
    runtime = Runtime(cache=False, fast_calls=request.param)
    assert runtime.fast_calls is request.param
    return runtime
