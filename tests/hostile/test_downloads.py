"""Hostile download servers, for real: https on loopback with a test CA, no mocks.

Each case ends in a `LoadError` naming the URL, with nothing in the cache and no temp file
left. The older cases (integrity mismatch, a cut download, an archive escape) are in
tests/plugins/, marked `hostile`.
"""

from __future__ import annotations

import gzip
import io
import os
import ssl
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from click.testing import CliRunner

from tests.plugins._support import WASM, LoopbackServer, files_in, tar_gz
from witkit.cli import main
from witkit.errors import LoadError
from witkit.plugins import PluginLoader

MakeLoader = Callable[..., PluginLoader]
MiB = 2**20


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway certificate authority; only the test's clients trust it."""
    return trustme.CA()


@pytest.fixture(scope="module")
def _servers(ca: trustme.CA) -> Iterator[dict[str, LoopbackServer]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    made = {
        "https": LoopbackServer(tls=context),
        "https2": LoopbackServer(tls=context),
        "http": LoopbackServer(),
    }
    yield made
    for srv in made.values():
        srv.close()


@pytest.fixture
def servers(_servers: dict[str, LoopbackServer]) -> Iterator[dict[str, LoopbackServer]]:
    """Two https servers (other ports, so other origins) and a plain http one, all on loopback."""
    for srv in _servers.values():
        srv.reset()
    yield _servers
    for srv in _servers.values():
        assert srv.errors == [], f"{srv.base} failed while handling a request"


@pytest.fixture
def make_loader(
    tmp_path: Path, ca: trustme.CA, servers: dict[str, LoopbackServer]
) -> Iterator[MakeLoader]:
    """Loaders on one cache folder; `tls=True` gives one a client that trusts the test CA."""
    made: list[PluginLoader] = []
    clients: list[httpx.Client] = []

    def make(*, tls: bool = False, **kw: object) -> PluginLoader:
        if tls:
            context = ssl.create_default_context()
            ca.configure_trust(context)
            clients.append(httpx.Client(verify=context, timeout=10.0))
            kw["http_client"] = clients[-1]
        kw.setdefault("github_api", servers["http"].url("/api"))
        loader = PluginLoader(tmp_path / "plugins", tmp_path / "temp", **kw)  # type: ignore[arg-type]
        made.append(loader)
        return loader

    yield make
    for loader in made:
        loader.close()
    for client in clients:
        client.close()


def refused(loader: PluginLoader, url: str, plugin_id: str = "p") -> str:
    """Load `url`, expect a LoadError naming it, check nothing was written; return the message."""
    with pytest.raises(LoadError) as info:
        loader.load(plugin_id, url)
    message = str(info.value)
    assert url in message
    assert files_in(loader.plugins_dir) == []
    assert files_in(loader.temp_dir) == []
    return message


# -- redirects ---------------------------------------------------------------------------------


def test_https_to_https_redirect_is_followed(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    target = servers["https2"].serve("/plugin.wasm", WASM)
    url = servers["https"].serve("/plugin.wasm", b"", status=302, headers={"Location": target})
    path = make_loader(tls=True).load("p", url)
    assert path.read_bytes() == WASM
    assert servers["https2"].count("/plugin.wasm") == 1


@pytest.mark.parametrize("hops", [1, 2], ids=["direct", "after-another-https-hop"])
def test_https_redirect_to_plain_http_is_refused(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader, hops: int
) -> None:
    # Plain http to loopback is allowed as a starting point; after https it is a downgrade.
    target = servers["http"].serve("/plugin.wasm", WASM)
    if hops == 2:
        target = servers["https2"].serve("/hop.wasm", b"", status=302, headers={"Location": target})
    url = servers["https"].serve("/plugin.wasm", b"", status=302, headers={"Location": target})
    loader = make_loader(tls=True)
    message = refused(loader, url)
    assert "redirects to plain http" in message
    assert servers["http"].url("/plugin.wasm") in message
    assert servers["https"].count() == 1  # the TLS request itself went through
    assert servers["http"].count() == 0  # refused before connecting


def test_redirect_loop_is_refused(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    srv = servers["http"]
    url = srv.serve("/loop.wasm", b"", status=302, headers={"Location": "/loop.wasm"})
    message = refused(make_loader(), url)
    assert "more than 10 times" in message
    assert srv.count("/loop.wasm") == 11


# -- size ceilings -----------------------------------------------------------------------------


def test_announced_size_over_the_default_ceiling_is_refused_up_front(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    url = servers["http"].serve("/huge.wasm", WASM, content_length=10 * 2**30)
    loader = make_loader()
    assert loader.max_download_size == 256 * MiB
    message = refused(loader, url)
    assert f"announces {10 * 2**30} bytes" in message
    assert f"limit of {256 * MiB} bytes (max_download_size)" in message


@pytest.mark.parametrize("framing", ["close", "chunked"])
def test_unannounced_size_over_the_ceiling_is_cut_off(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader, framing: str
) -> None:
    limit = 64 * 1024
    url = servers["http"].serve("/big.wasm", WASM + bytes(MiB), framing=framing)
    message = refused(make_loader(max_download_size=limit), url)
    assert f"limit of {limit} bytes (max_download_size)" in message
    received = int(message.split("stopped after ")[1].split(" bytes")[0])
    assert limit < received < MiB


def test_a_download_of_exactly_the_ceiling_is_accepted(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    body = WASM + bytes(64 * 1024 - len(WASM))
    url = servers["http"].serve("/fits.wasm", body, framing="close")
    assert make_loader(max_download_size=len(body)).load("p", url).read_bytes() == body


def test_compressed_response_counts_what_it_unpacks_to(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    # Asked for `identity`, the server sends gzip anyway: a few KiB on the wire, 4 MiB unpacked.
    body = gzip.compress(WASM + bytes(4 * MiB))
    url = servers["http"].serve("/bomb.wasm", body, headers={"Content-Encoding": "gzip"})
    assert len(body) < 64 * 1024
    message = refused(make_loader(max_download_size=MiB), url)
    assert f"limit of {MiB} bytes" in message


def test_github_api_answer_has_its_own_small_ceiling(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader
) -> None:
    api = "/api/repos/acme/tool/releases/latest"
    servers["http"].serve(api, b"{}", content_length=100 * MiB)
    with pytest.raises(LoadError, match=r"announces 104857600 bytes.*MAX_API_RESPONSE"):
        make_loader().load("p", "github:acme/tool")


# -- archive bombs -----------------------------------------------------------------------------


def _big_tar_gz(name: str) -> bytes:
    return tar_gz([("README", b"x"), (name, WASM + bytes(2 * MiB))])


def _big_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("p.wasm", WASM + bytes(2 * MiB))
    return buf.getvalue()


def _readme_bomb_tar_gz() -> bytes:
    # The bomb is not the .wasm: a check of the chosen entry alone would unpack it anyway.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        big = tarfile.TarInfo("README")
        big.size = 4 * MiB
        tar.addfile(big, io.BytesIO(bytes(big.size)))
        small = tarfile.TarInfo("p.wasm")
        small.size = len(WASM)
        tar.addfile(small, io.BytesIO(WASM))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("p.tar.gz", lambda: _big_tar_gz("p.wasm")),
        ("p.zip", _big_zip),
        ("p.tar.gz", _readme_bomb_tar_gz),
    ],
    ids=["tar-gz", "zip", "tar-gz-other-entry"],
)
def test_archive_unpacking_past_the_ceiling_is_refused(
    servers: dict[str, LoopbackServer],
    make_loader: MakeLoader,
    name: str,
    make: Callable[[], bytes],
) -> None:
    archive = make()
    assert len(archive) < 64 * 1024  # the download itself is far under the ceiling
    url = servers["http"].serve(f"/{name}", archive)
    message = refused(make_loader(max_download_size=MiB), url)
    assert f"unpacks to more than the limit of {MiB} bytes" in message
    assert "decompression bomb" in message


# -- stalls --------------------------------------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("sent", [0, len(WASM) // 2], ids=["no-body", "half-body"])
def test_stalled_server_times_out(
    servers: dict[str, LoopbackServer], make_loader: MakeLoader, sent: int
) -> None:
    url = servers["http"].serve("/slow.wasm", WASM, stall_after=sent)
    message = refused(make_loader(timeout=0.5), url)
    assert "timed out" in message and "nothing was cached" in message


@pytest.mark.parametrize(
    ("option", "value"), [("max_download_size", 0), ("max_download_size", "1MiB"), ("timeout", 0)]
)
def test_bad_loader_options_are_named(tmp_path: Path, option: str, value: object) -> None:
    with pytest.raises(LoadError, match=f"^{option} must be a positive"):
        PluginLoader(tmp_path, **{option: value})  # type: ignore[arg-type]


# -- the CLI -------------------------------------------------------------------------------------


def test_fetch_reports_the_ceiling_without_a_traceback(
    servers: dict[str, LoopbackServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITKIT_CACHE_DIR", os.fspath(tmp_path / "cache"))
    url = servers["http"].serve("/big.wasm", WASM + bytes(8 * 1024))
    runner = CliRunner()
    result = runner.invoke(main, ["fetch", "p", url, "--max-download-size", "4KiB"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and url in result.stderr
    assert "limit of 4096 bytes" in result.stderr and "Traceback" not in result.output
    assert files_in(tmp_path / "cache" / "plugins") == []
    bad = runner.invoke(main, ["fetch", "p", url, "--max-download-size", "lots"])
    assert bad.exit_code == 2 and "--max-download-size" in bad.stderr
