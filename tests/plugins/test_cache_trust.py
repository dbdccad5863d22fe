"""The plugin cache is refused when others could write it; a pinned plugin is re-checked on hits.

What `PluginLoader.load` returns is a path the runtime opens later, so a cache folder another
user can write is refused (one `LoadError` naming the folder and the fix) rather than checked.
Inside a trusted folder, every hit hashes the cached `.wasm` against its record.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugins._support import WASM, LoopbackServer, sha256
from witkit.errors import LoadError
from witkit.plugins import OfflineError, PluginLoader, UrlLocator

pytestmark = [
    pytest.mark.hostile,
    pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX notion"),
]
MakeLoader = Callable[..., PluginLoader]
PLANTED = b"\0asm\x0d\x00\x01\x00" + b"planted by someone else" * 9


def test_a_plugin_cache_others_can_write_is_refused(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    loader = make_loader()
    loader.load("greeter", url)
    folder = loader.plugins_dir
    folder.chmod(0o777)
    with pytest.raises(LoadError) as info:
        make_loader().load("greeter", url)
    assert str(info.value) == (
        f"plugin cache {folder}: others can write it (mode 0777) and could swap "
        f"what witkit runs from it; run `chmod 700 {folder}` (or point WITKIT_CACHE_DIR at a "
        "private folder)"
    )
    with pytest.raises(LoadError, match="others can write it"):
        make_loader(offline=True).load("greeter", url)
    assert server.count() == 1
    folder.chmod(0o700)
    assert make_loader(offline=True).load("greeter", url).read_bytes() == WASM


def test_a_parent_others_can_write_is_refused(tmp_path: Path, server: LoopbackServer) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with (
        PluginLoader(shared / "plugins", tmp_path / "temp") as loader,
        pytest.raises(LoadError, match=rf"inside {shared}, which others can write"),
    ):
        loader.load("greeter", server.serve("/greeter.wasm", WASM))
    assert server.count() == 0


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="os.chown needs root")
def test_a_plugin_cache_of_another_user_is_refused(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    loader = make_loader()
    loader.plugins_dir.mkdir(parents=True, mode=0o700)
    os.chown(loader.plugins_dir, 54321, -1)
    with pytest.raises(LoadError, match="belongs to uid 54321, not to you"):
        loader.load("greeter", server.serve("/greeter.wasm", WASM))


def test_a_sticky_shared_temp_folder_is_fine_a_plain_shared_one_is_not(
    tmp_path: Path, server: LoopbackServer
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    temp = tmp_path / "temp"
    temp.mkdir()
    temp.chmod(0o1777)  # like /tmp
    with PluginLoader(tmp_path / "plugins", temp) as loader:
        assert loader.load("greeter", url).read_bytes() == WASM
    temp.chmod(0o777)
    with (
        PluginLoader(tmp_path / "other", temp) as loader,
        pytest.raises(LoadError, match=rf"plugin download folder {temp}: others can write"),
    ):
        loader.load("greeter", url)


def test_a_cached_file_others_can_write_is_fetched_again(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    path = make_loader().load("greeter", url)
    path.chmod(0o666)
    with pytest.raises(OfflineError, match=r"cached greeter\.wasm cannot be trusted: others can write"):
        make_loader(offline=True).load("greeter", url)
    assert make_loader().load("greeter", url).read_bytes() == WASM
    assert server.count() == 2
    assert path.stat().st_mode & 0o077 == 0  # the fresh copy is private again


def test_a_pinned_plugin_is_rehashed_on_every_hit(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    url = server.serve("/greeter.wasm", WASM)
    pinned = UrlLocator(url, sha256=sha256(WASM))
    path = make_loader().load("greeter", pinned)
    assert make_loader(offline=True).load("greeter", pinned) == path  # a hit
    path.write_bytes(PLANTED[: len(WASM)])  # same size, other bytes
    with pytest.raises(OfflineError, match=r"the cached \.wasm was changed after it was downloaded"):
        make_loader(offline=True).load("greeter", pinned)
    assert make_loader().load("greeter", pinned).read_bytes() == WASM
    assert server.count() == 2


def test_a_pin_is_checked_against_the_record_of_the_download(
    server: LoopbackServer, make_loader: MakeLoader
) -> None:
    # A record claiming other digests does not satisfy a pin of the real download.
    url = server.serve("/greeter.wasm", WASM)
    pinned = UrlLocator(url, sha256=sha256(WASM))
    loader = make_loader()
    path = loader.load("greeter", pinned)
    path.write_bytes(PLANTED)
    record = json.loads(loader.record_path("greeter").read_text())
    record.update(asset_sha256=sha256(PLANTED), wasm_sha256=sha256(PLANTED))
    loader.record_path("greeter").write_text(json.dumps(record))
    with pytest.raises(OfflineError, match=f"has sha256 {sha256(PLANTED)}, not {sha256(WASM)}"):
        make_loader(offline=True).load("greeter", pinned)
