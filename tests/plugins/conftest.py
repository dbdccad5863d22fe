"""Fixtures for plugin tests: a loopback server and loaders on a temporary cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.plugins._support import LoopbackServer
from witkit.plugins import PluginLoader


@pytest.fixture(scope="session")
def _session_server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def server(_session_server: LoopbackServer) -> Iterator[LoopbackServer]:
    """The loopback server, emptied of routes and recorded requests for this test."""
    _session_server.reset()
    yield _session_server
    assert _session_server.errors == [], "the loopback server failed while handling a request"


@pytest.fixture
def make_loader(tmp_path: Path, server: LoopbackServer) -> Iterator[Callable[..., PluginLoader]]:
    """Build loaders on one cache folder, with the GitHub API pointed at the loopback server."""
    made: list[PluginLoader] = []

    def make(**kw: object) -> PluginLoader:
        kw.setdefault("github_api", server.url("/api"))
        loader = PluginLoader(tmp_path / "cache" / "plugins", tmp_path / "cache" / "temp", **kw)  # type: ignore[arg-type]
        made.append(loader)
        return loader

    yield make
    for loader in made:
        loader.close()


@pytest.fixture(autouse=True)
def _no_github_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
