"""PluginLoader against a real HTTP server on loopback: caching, integrity, interruption, GitHub."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugins._support import WASM, LoopbackServer, files_in, sha256, tar_gz, zip_bytes
from witkit.errors import LoadError
from witkit.plugins import (
    FileLocator,
    GitHubLocator,
    IntegrityError,
    OfflineError,
    PluginLoader,
    UrlLocator,
)

MakeLoader = Callable[..., PluginLoader]
OTHER = b"\0asm\x0d\x00\x01\x00 another build"


def cache_files(loader: PluginLoader) -> list[str]:
    """Every file in the loader's cache folder."""
    return files_in(loader.plugins_dir)


def temp_files(loader: PluginLoader) -> list[str]:
    """Every file left in the loader's temp folder."""
    return files_in(loader.temp_dir)


# -- URLs and the cache ---------------------------------------------------------------------


def test_url_download_is_cached_under_the_id(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    path = loader.load("greeter", url)
    assert path.is_absolute()
    assert path == loader.plugins_dir.absolute() / "greeter.wasm"
    assert path.read_bytes() == WASM
    assert cache_files(loader) == ["greeter.json", "greeter.wasm"]
    record = json.loads((loader.plugins_dir / "greeter.json").read_text())
    assert record["locator"] == url
    assert record["wasm_sha256"] == sha256(WASM)
    assert temp_files(loader) == []


@pytest.mark.hostile
def test_killed_downloads_leftovers_are_swept_and_cache_folders_are_private(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    loader = make_loader()
    loader.temp_dir.mkdir(parents=True)
    loader.plugins_dir.mkdir(parents=True)
    old = time.time() - 2 * 3600
    stale = [loader.temp_dir / ".witkit-greeter-x1.part", loader.temp_dir / ".witkit-greeter-x2.wasm",
             loader.plugins_dir / ".witkit-greeter.wasm-x3.part"]  # fmt: skip
    fresh = loader.temp_dir / ".witkit-other-x4.part"  # a download running right now
    mine = loader.temp_dir / "notes.part"  # not witkit's: never touched
    for f in [*stale, fresh, mine]:
        f.write_bytes(b"x" * 1000)
    for f in [*stale, mine]:
        os.utime(f, (old, old))
    loader.load("greeter", server.serve("/greeter.wasm", WASM))
    assert [f.exists() for f in stale] == [False, False, False]
    assert fresh.exists() and mine.exists()

    root = loader.plugins_dir.parent / "fresh"
    private = PluginLoader(root / "plugins", root / "temp", github_api=server.url("/api"))
    try:
        private.load("greeter", server.serve("/greeter.wasm", WASM))
        assert (root / "plugins").stat().st_mode & 0o777 == 0o700
        assert (root / "temp").stat().st_mode & 0o777 == 0o700
    finally:
        private.close()


def test_second_load_is_a_cache_hit_without_requests(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    first = make_loader().load("greeter", UrlLocator(url))
    assert server.count() == 1
    again = make_loader().load("greeter", url)  # a new loader on the same cache folder
    assert again == first
    assert server.count() == 1


def test_changed_locator_fetches_again(server: LoopbackServer, make_loader: MakeLoader) -> None:
    loader = make_loader()
    loader.load("greeter", server.serve("/v1/greeter.wasm", WASM))
    path = loader.load("greeter", server.serve("/v2/greeter.wasm", OTHER))
    assert path.read_bytes() == OTHER
    assert server.count() == 2


@pytest.mark.hostile
def test_tampered_cache_file_is_fetched_again(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    path = loader.load("greeter", url)
    path.write_bytes(b"\0asm tampered")
    assert loader.load("greeter", url).read_bytes() == WASM
    assert server.count() == 2


def test_sha256_match_is_cached(server: LoopbackServer, make_loader: MakeLoader) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    path = loader.load("greeter", UrlLocator(url, sha256=sha256(WASM).upper()))
    assert path.read_bytes() == WASM
    # A pinned digest that matches the cached download is a hit.
    loader.load("greeter", UrlLocator(url, sha256=sha256(WASM)))
    assert server.count() == 1


@pytest.mark.hostile
def test_integrity_failure_caches_nothing(server: LoopbackServer, make_loader: MakeLoader) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    wrong = "0" * 64
    with pytest.raises(IntegrityError) as info:
        loader.load("greeter", UrlLocator(url, sha256=wrong))
    message = str(info.value)
    assert wrong in message and sha256(WASM) in message
    assert (info.value.expected, info.value.actual) == (wrong, sha256(WASM))
    assert cache_files(loader) == []
    assert temp_files(loader) == []


@pytest.mark.hostile
def test_changed_sha256_pin_rechecks_and_keeps_old_copy(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    loader.load("greeter", url)
    with pytest.raises(IntegrityError):
        loader.load("greeter", UrlLocator(url, sha256="1" * 64))
    assert server.count() == 2
    assert (loader.plugins_dir / "greeter.wasm").read_bytes() == WASM


@pytest.mark.hostile
def test_interrupted_download_leaves_nothing(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/big.wasm", WASM, content_length=len(WASM) + 5000)
    loader = make_loader()
    with pytest.raises(LoadError, match=r"big\.wasm") as info:
        loader.load("big", url)
    assert "nothing was cached" in str(info.value)
    assert cache_files(loader) == []
    assert temp_files(loader) == []
    # Nothing half-written looks cached: the next load asks the server again.
    server.serve("/big.wasm", WASM)
    assert loader.load("big", url).read_bytes() == WASM
    assert server.count("/big.wasm") == 2


def test_http_error_status(server: LoopbackServer, make_loader: MakeLoader) -> None:
    loader = make_loader()
    with pytest.raises(LoadError, match="HTTP 404"):
        loader.load("missing", server.url("/missing.wasm"))
    assert cache_files(loader) == []


@pytest.mark.hostile
def test_not_webassembly_is_refused(server: LoopbackServer, make_loader: MakeLoader) -> None:
    url = server.serve("/page.wasm", b"<html>sign in</html>")
    loader = make_loader()
    with pytest.raises(LoadError, match="not a WebAssembly file"):
        loader.load("page", url)
    assert cache_files(loader) == []
    assert temp_files(loader) == []


def test_redirects_on_loopback_are_followed(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    final = server.serve("/real.wasm", WASM)
    server.serve("/moved.wasm", b"", status=302, headers={"Location": "/real.wasm"})
    assert make_loader().load("moved", server.url("/moved.wasm")).read_bytes() == WASM
    assert server.count("/real.wasm") == 1
    assert final.endswith("/real.wasm")


def test_progress_callback_sees_the_download(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    calls: list[tuple[str, int, int | None]] = []
    make_loader(progress=lambda *a: calls.append(a)).load("greeter", url)
    assert calls[0] == ("greeter", 0, len(WASM))
    assert calls[-1] == ("greeter", len(WASM), len(WASM))


@pytest.mark.hostile
@pytest.mark.parametrize("bad_id", ["", "../x", "a/b", "a\\b", ".hidden", "x" * 200, "a..b"])
def test_bad_plugin_ids_are_refused(make_loader: MakeLoader, bad_id: str) -> None:
    with pytest.raises(LoadError, match="bad plugin id"):
        make_loader().load(bad_id, "https://example.invalid/x.wasm")


# -- plain http ------------------------------------------------------------------------------


@pytest.mark.hostile
@pytest.mark.parametrize(
    "url",
    ["http://example.com/x.wasm", "http://10.0.0.1/x.wasm", "http://127.example.com/x.wasm"],
)
def test_plain_http_to_other_hosts_is_refused(make_loader: MakeLoader, url: str) -> None:
    # Refused before any connection is made, so nothing leaves the machine.
    with pytest.raises(LoadError, match="refusing to download over plain http"):
        make_loader().load("p", url)


@pytest.mark.hostile
def test_redirect_to_plain_http_elsewhere_is_refused(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.serve("/hop.wasm", b"", status=302, headers={"Location": "http://example.com/x.wasm"})
    loader = make_loader()
    with pytest.raises(LoadError, match=r"plain http from example\.com"):
        loader.load("hop", server.url("/hop.wasm"))
    assert cache_files(loader) == []


def test_plain_http_to_localhost_is_allowed(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.serve("/x.wasm", WASM)
    path = make_loader().load("x", f"http://localhost:{server.port}/x.wasm")
    assert path.read_bytes() == WASM


# -- offline ----------------------------------------------------------------------------------


def test_offline_hit_makes_no_request(server: LoopbackServer, make_loader: MakeLoader) -> None:
    url = server.serve("/greeter.wasm", WASM)
    online = make_loader().load("greeter", url)
    assert make_loader(offline=True).load("greeter", url) == online
    assert server.count() == 1


def test_offline_miss_says_what_is_missing(server: LoopbackServer, make_loader: MakeLoader) -> None:
    url = server.serve("/greeter.wasm", WASM)
    with pytest.raises(OfflineError) as info:
        make_loader(offline=True).load("greeter", url)
    message = str(info.value)
    assert message.startswith("offline:")
    assert "'greeter'" in message and url in message and "not in the cache" in message
    assert server.count() == 0


def test_offline_with_other_locator_cached_is_a_miss(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    old = server.serve("/v1.wasm", WASM)
    make_loader().load("greeter", old)
    with pytest.raises(OfflineError, match=f"came from {old}"):
        make_loader(offline=True).load("greeter", server.url("/v2.wasm"))


def test_offline_github_latest_uses_cache_even_when_stale(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1.0.0", {"my_tool_plugin.wasm": WASM})
    make_loader().load("tool", "github:acme/my-tool")
    requests = server.count()
    path = make_loader(offline=True, latest_ttl=0).load("tool", "github:acme/my-tool")
    assert path.read_bytes() == WASM
    assert server.count() == requests


# -- file: locators ----------------------------------------------------------------------------


def test_file_locator_is_used_in_place(tmp_path: Path, make_loader: MakeLoader) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "x.wasm").write_bytes(WASM)
    loader = make_loader()
    path = loader.load("x", "file:build/x.wasm", base=tmp_path)
    assert path == (tmp_path / "build" / "x.wasm").resolve()
    assert cache_files(loader) == []


def test_a_wat_file_locator_is_used_in_place_and_loads(
    tmp_path: Path, make_loader: MakeLoader
) -> None:
    import witkit

    english = Path(__file__).resolve().parents[2] / "examples" / "compose" / "english.wat"
    (tmp_path / "english.wat").write_text(english.read_text())
    (tmp_path / "notes.txt").write_text("(component)")
    loader = make_loader()
    path = loader.load("english", "file:english.wat", base=tmp_path)
    assert path == (tmp_path / "english.wat").resolve() and cache_files(loader) == []
    assert witkit.load(path).call("greeter/greet", "Ada") == "Hello, Ada!"
    with pytest.raises(LoadError, match=r"notes\.txt is not a WebAssembly file"):
        loader.load("notes", "file:notes.txt", base=tmp_path)  # only `.wat` is taken as text


def test_file_locator_relative_to_cwd(
    tmp_path: Path, make_loader: MakeLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.wasm").write_bytes(WASM)
    monkeypatch.chdir(tmp_path)
    assert make_loader().load("x", FileLocator(Path("x.wasm"))) == (tmp_path / "x.wasm").resolve()


@pytest.mark.hostile
def test_file_locator_checks_sha256_and_existence(tmp_path: Path, make_loader: MakeLoader) -> None:
    (tmp_path / "x.wasm").write_bytes(WASM)
    loader = make_loader()
    assert loader.load("x", FileLocator(tmp_path / "x.wasm", sha256=sha256(WASM))).is_file()
    with pytest.raises(IntegrityError):
        loader.load("x", FileLocator(tmp_path / "x.wasm", sha256="2" * 64))
    with pytest.raises(LoadError, match="does not exist"):
        loader.load("x", "file:nope.wasm", base=tmp_path)


def test_file_archive_is_unpacked_into_the_cache(tmp_path: Path, make_loader: MakeLoader) -> None:
    (tmp_path / "x_plugin.tar.gz").write_bytes(tar_gz([("x_plugin.wasm", WASM)]))
    loader = make_loader()
    path = loader.load("x", "file:x_plugin.tar.gz", base=tmp_path)
    assert path == loader.plugins_dir.absolute() / "x.wasm"
    assert path.read_bytes() == WASM
    assert (tmp_path / "x_plugin.tar.gz").exists()
    assert temp_files(loader) == []


# -- GitHub releases ------------------------------------------------------------------------------


def test_github_latest_release_default_asset_name(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1.0.0", {"my_tool_plugin.wasm": WASM, "other.wasm": OTHER})
    loader = make_loader()
    path = loader.load("tool", "github:acme/my-tool")
    assert path.read_bytes() == WASM
    assert server.count("/api/repos/acme/my-tool/releases/latest") == 1
    record = loader.cached("tool")
    assert record is not None and record.tag == "v1.0.0"
    # Within the TTL the latest release is not asked for again.
    loader.load("tool", "github:acme/my-tool")
    assert server.count("/api/repos/acme/my-tool/releases/latest") == 1


def test_github_tag_and_token(
    server: LoopbackServer, make_loader: MakeLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.release("acme", "my-tool", "v2.0.0", {"my_tool_plugin.wasm": OTHER}, latest=False)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret123")
    path = make_loader().load("tool", "github:acme/my-tool@v2.0.0")
    assert path.read_bytes() == OTHER
    api = [r for r in server.requests if r.path.startswith("/api/")]
    assert [r.path for r in api] == ["/api/repos/acme/my-tool/releases/tags/v2.0.0"]
    assert api[0].headers["Authorization"] == "Bearer ghp_secret123"


def test_github_without_token_sends_no_authorization(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1", {"my_tool_plugin.wasm": WASM})
    make_loader().load("tool", "github:acme/my-tool")
    assert all("Authorization" not in r.headers for r in server.requests)


def test_github_token_only_goes_to_the_api_origin(
    server: LoopbackServer, make_loader: MakeLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Assets served from another origin (localhost instead of 127.0.0.1) get no token.
    server.serve("/elsewhere/my_tool_plugin.wasm", WASM)
    payload = {
        "tag_name": "v1",
        "assets": [
            {
                "name": "my_tool_plugin.wasm",
                "browser_download_url": f"http://localhost:{server.port}/elsewhere/my_tool_plugin.wasm",
            }
        ],
    }
    server.serve("/api/repos/acme/my-tool/releases/latest", json.dumps(payload).encode())
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret123")
    make_loader().load("tool", "github:acme/my-tool")
    by_path = {r.path: r for r in server.requests}
    assert "Authorization" in by_path["/api/repos/acme/my-tool/releases/latest"].headers
    assert "Authorization" not in by_path["/elsewhere/my_tool_plugin.wasm"].headers


def test_github_archive_asset_is_unpacked(server: LoopbackServer, make_loader: MakeLoader) -> None:
    archive = tar_gz([("README.md", b"hi"), ("dist/my_tool_plugin.wasm", WASM)])
    server.release("acme", "my-tool", "v1", {"my_tool_plugin.tar.gz": archive})
    loader = make_loader()
    path = loader.load("tool", GitHubLocator("acme/my-tool", "v1", sha256=sha256(archive)))
    assert path.read_bytes() == WASM
    record = loader.cached("tool")
    assert record is not None
    assert (record.asset_sha256, record.wasm_sha256) == (sha256(archive), sha256(WASM))
    assert temp_files(loader) == []


def test_github_zip_asset_with_explicit_name(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    archive = zip_bytes([("a.wasm", OTHER), ("bundle.wasm", WASM)])
    server.release("acme", "my-tool", "v1", {"bundle.zip": archive})
    path = make_loader().load("tool", GitHubLocator("acme/my-tool", asset="bundle"))
    assert path.read_bytes() == WASM


def test_github_missing_asset_lists_what_exists(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1", {"something_else.wasm": WASM})
    with pytest.raises(LoadError, match=r"my_tool_plugin\.wasm") as info:
        make_loader().load("tool", "github:acme/my-tool")
    assert "something_else.wasm" in str(info.value)


def test_github_unknown_release(server: LoopbackServer, make_loader: MakeLoader) -> None:
    with pytest.raises(LoadError, match="release v9 of acme/my-tool not found"):
        make_loader().load("tool", "github:acme/my-tool@v9")


@pytest.mark.hostile
def test_github_published_digest_is_checked(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release(
        "acme", "my-tool", "v1", {"my_tool_plugin.wasm": WASM},
        digests={"my_tool_plugin.wasm": "sha256:" + "3" * 64},
    )  # fmt: skip
    loader = make_loader()
    with pytest.raises(IntegrityError, match="published by GitHub"):
        loader.load("tool", "github:acme/my-tool")
    assert cache_files(loader) == []


def test_github_latest_ttl_rechecks_and_redownloads_only_new_tags(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1", {"my_tool_plugin.wasm": WASM})
    loader = make_loader(latest_ttl=0)
    loader.load("tool", "github:acme/my-tool")
    assert server.count("/download/acme/my-tool/v1/my_tool_plugin.wasm") == 1
    # Stale but unchanged: the API is asked, the asset is not downloaded again.
    loader.load("tool", "github:acme/my-tool")
    assert server.count("/api/repos/acme/my-tool/releases/latest") == 2
    assert server.count("/download/acme/my-tool/v1/my_tool_plugin.wasm") == 1
    # A new latest release is downloaded.
    server.release("acme", "my-tool", "v2", {"my_tool_plugin.wasm": OTHER})
    assert loader.load("tool", "github:acme/my-tool").read_bytes() == OTHER


@pytest.mark.hostile
def test_github_archive_escape_attempt_caches_nothing(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    archive = tar_gz([("../my_tool_plugin.wasm", WASM)])
    server.release("acme", "my-tool", "v1", {"my_tool_plugin.tar.gz": archive})
    loader = make_loader()
    with pytest.raises(LoadError, match="escapes"):
        loader.load("tool", "github:acme/my-tool")
    assert cache_files(loader) == []
    assert temp_files(loader) == []
    assert not (loader.plugins_dir.parent / "my_tool_plugin.wasm").exists()


def test_remove_drops_the_cached_plugin(server: LoopbackServer, make_loader: MakeLoader) -> None:
    loader = make_loader()
    loader.load("greeter", server.serve("/greeter.wasm", WASM))
    assert loader.remove("greeter")
    assert cache_files(loader) == []
    assert not loader.remove("greeter")


def test_default_folders_follow_witkit_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITKIT_CACHE_DIR", os.fspath(tmp_path / "c"))
    loader = PluginLoader()
    assert loader.plugins_dir == tmp_path / "c" / "plugins"
    assert loader.temp_dir == tmp_path / "c" / "temp"


def test_stale_latest_falls_back_to_cache_when_github_cannot_answer(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    server.release("acme", "my-tool", "v1", {"my_tool_plugin.wasm": WASM})
    loader = make_loader(latest_ttl=0)
    first = loader.load("tool", "github:acme/my-tool")
    server.serve(
        "/api/repos/acme/my-tool/releases/latest",
        b'{"message": "API rate limit exceeded"}',
        status=403,
        headers={"X-RateLimit-Remaining": "0"},
    )
    assert loader.load("tool", "github:acme/my-tool") == first
    # Without a cached copy the same answer is an error that suggests a token.
    with pytest.raises(LoadError, match="rate limit reached; set GITHUB_TOKEN"):
        loader.load("other", "github:acme/my-tool")


def test_unwritable_cache_is_a_load_error(tmp_path: Path, server: LoopbackServer) -> None:
    (tmp_path / "blocker").write_text("a file where the cache folder should be")
    url = server.serve("/greeter.wasm", WASM)
    with PluginLoader(tmp_path / "blocker" / "plugins", tmp_path / "temp") as loader:
        with pytest.raises(LoadError, match="'greeter'"):
            loader.load("greeter", url)
        assert files_in(tmp_path / "temp") == []  # refused before downloading anything
        assert server.count() == 0


def test_archive_without_a_telling_name_is_recognized_by_its_bytes(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    archive = zip_bytes([("other.wasm", OTHER), ("greeter.wasm", WASM)])
    url = server.serve("/artifacts/download", archive)
    assert make_loader().load("greeter", url).read_bytes() == WASM
