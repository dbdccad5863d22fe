"""Fixtures for the dynamic-call tests: runtimes on both call paths, without the user cache."""

from __future__ import annotations

import pytest

from tests.plugins.conftest import _session_server, server
from witkit.runtime import Runtime

__all__ = ["_session_server", "server"]  # the loopback HTTP server, for the witkit:plugin/http tests


@pytest.fixture(params=[True, False], ids=["fast", "public"])
def rt(request: pytest.FixtureRequest) -> Runtime:
    """A runtime on the fast call path and one on wasmtime-py's public path."""
    return Runtime(cache=False, fast_calls=request.param)


@pytest.fixture
def rt1() -> Runtime:
    """One runtime (fast path), for tests that need not run on both paths."""
    return Runtime(cache=False)
