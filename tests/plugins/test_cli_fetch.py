"""`witkit fetch` through click's CliRunner, downloading from the loopback server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.plugins._support import WASM, LoopbackServer, sha256
from witkit.cli import main


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI's default cache folder into the test's temporary folder."""
    monkeypatch.setenv("WITKIT_CACHE_DIR", os.fspath(tmp_path / "cache"))
    return tmp_path / "cache"


def test_fetch_prints_the_cached_path(server: LoopbackServer, cache: Path) -> None:
    url = server.serve("/greeter.wasm", WASM)
    result = CliRunner().invoke(main, ["fetch", "greeter", url, "--sha256", sha256(WASM)])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == (cache / "plugins" / "greeter.wasm").absolute()
    assert path.read_bytes() == WASM


def test_fetch_offline_uses_the_cache(server: LoopbackServer, cache: Path) -> None:
    url = server.serve("/greeter.wasm", WASM)
    runner = CliRunner()
    assert runner.invoke(main, ["fetch", "greeter", url]).exit_code == 0
    result = runner.invoke(main, ["fetch", "--offline", "greeter", url])
    assert result.exit_code == 0, result.output
    assert server.count() == 1


def test_fetch_offline_miss_is_an_error_message(server: LoopbackServer, cache: Path) -> None:
    result = CliRunner().invoke(main, ["fetch", "--offline", "greeter", server.url("/g.wasm")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: offline:")
    assert "Traceback" not in result.output


@pytest.mark.hostile
def test_fetch_integrity_error_is_reported(server: LoopbackServer, cache: Path) -> None:
    url = server.serve("/greeter.wasm", WASM)
    result = CliRunner().invoke(main, ["fetch", "greeter", url, "--sha256", "0" * 64])
    assert result.exit_code == 1
    assert "sha256 mismatch" in result.stderr and sha256(WASM) in result.stderr
    assert not (cache / "plugins" / "greeter.wasm").exists()


def test_fetch_bad_locator(cache: Path) -> None:
    result = CliRunner().invoke(main, ["fetch", "x", "ftp://host/x.wasm"])
    assert result.exit_code == 1
    assert "bad locator 'ftp://host/x.wasm'" in result.stderr


def test_fetch_without_arguments_fetches_the_manifest(
    server: LoopbackServer, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.serve("/a.wasm", WASM)
    (tmp_path / "local.wasm").write_bytes(WASM)
    (tmp_path / "witkit.toml").write_text(
        f'[plugins.a]\nlocator = "{url}"\n\n[plugins.b]\nlocator = "file:local.wasm"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fetch"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        f"a {(cache / 'plugins' / 'a.wasm').absolute()}",
        f"b {(tmp_path / 'local.wasm').resolve()}",
    ]


def test_fetch_needs_both_or_neither(cache: Path) -> None:
    result = CliRunner().invoke(main, ["fetch", "only-id"])
    assert result.exit_code == 2
    assert "give both ID and LOCATOR" in result.stderr


def test_fetch_shows_a_progress_bar_for_large_downloads(
    server: LoopbackServer, cache: Path
) -> None:
    big = WASM + bytes(2 << 20)
    url = server.serve("/big.wasm", big)
    result = CliRunner().invoke(main, ["fetch", "big", url])
    assert result.exit_code == 0, result.output
    assert "Downloading big" in result.stderr
    assert Path(result.stdout.strip()).stat().st_size == len(big)
