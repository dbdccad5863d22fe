"""`oci://` locators and `witkit push` against a real registry (CNCF distribution) on loopback."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import wasmtime
from click.testing import CliRunner

import witkit
from tests.plugins._registry import HTPASSWD, REGISTRY_BINARY, Registry, TokenServer
from witkit.cli import main
from witkit.errors import LoadError
from witkit.plugins import PluginLoader, parse_locator
from witkit.plugins.oci import CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE, push

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    REGISTRY_BINARY is None,
    reason="docker-registry is not installed (apt-get install docker-registry; .ci/run does)",
)


@pytest.fixture(scope="session")
def component(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compose example's English greeter as a binary component."""
    path = tmp_path_factory.mktemp("oci") / "english.wasm"
    path.write_bytes(wasmtime.wat2wasm((ROOT / "examples/compose/english.wat").read_text()))
    return path


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """An open registry on a free loopback port."""
    reg = Registry(tmp_path_factory.mktemp("registry") / "open")
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry behind htpasswd (bcrypt) auth with one user, `ada` / `s3cret`."""
    if HTPASSWD is None:
        pytest.skip("htpasswd is not installed (apt-get install apache2-utils; .ci/run does)")
    reg = Registry(tmp_path_factory.mktemp("registry") / "auth", users={"ada": "s3cret"})
    yield reg
    reg.close()


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("WITKIT_REGISTRY_TOKEN", "WITKIT_REGISTRY_USERNAME", "WITKIT_REGISTRY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("WITKIT_CACHE_DIR", str(tmp_path / "cache"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_is_empty(tmp_path: Path) -> None:
    plugins = tmp_path / "cache" / "plugins"
    temp = tmp_path / "cache" / "temp"
    assert not plugins.exists() or list(plugins.iterdir()) == []
    assert not temp.exists() or list(temp.iterdir()) == []


def test_push_then_fetch_brings_the_component_back_verified(
    registry: Registry, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loc = f"oci://{registry.host}/witkit/english:1.0.0"
    pushed = CliRunner().invoke(main, ["push", str(component), loc, "--json"])
    assert pushed.exit_code == 0, pushed.output
    result = json.loads(pushed.output)
    assert result["sha256"] == _sha(component)
    # The registry holds the Wasm artifact layout wkg publishes.
    manifest = httpx.get(
        f"http://{registry.host}/v2/witkit/english/manifests/1.0.0",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert "sha256:" + hashlib.sha256(manifest.content).hexdigest() == result["manifest_digest"]
    body = manifest.json()
    assert body["config"]["mediaType"] == CONFIG_MEDIA_TYPE
    assert [la["mediaType"] for la in body["layers"]] == [WASM_LAYER_MEDIA_TYPE]

    fetched = CliRunner().invoke(main, ["fetch", "english", loc, "--sha256", _sha(component)])
    assert fetched.exit_code == 0, fetched.output
    path = Path(fetched.output.strip())
    assert path.read_bytes() == component.read_bytes()
    assert witkit.load(path).call("greeter/greet", "Ada") == "Hello, Ada!"

    # Pinned by manifest digest, through a manifest entry.
    project = tmp_path / "app"
    project.mkdir()
    (project / "witkit.toml").write_text(
        f'[plugins.pinned]\nlocator = "{result["pinned"]}"\nsha256 = "{_sha(component)}"\n'
    )
    monkeypatch.chdir(project)
    from_manifest = CliRunner().invoke(main, ["fetch"])
    assert from_manifest.exit_code == 0, from_manifest.output
    pid, cached = from_manifest.output.split()
    assert pid == "pinned" and Path(cached).read_bytes() == component.read_bytes()


def test_wrong_digest_is_one_error_and_nothing_is_cached(
    registry: Registry, component: Path, tmp_path: Path
) -> None:
    push(component, parse_locator(f"oci://{registry.host}/witkit/digest:v1"))  # type: ignore[arg-type]
    result = CliRunner().invoke(
        main, ["fetch", "english", f"oci://{registry.host}/witkit/digest:v1", "--sha256", "0" * 64]
    )
    assert result.exit_code == 1
    assert result.output.count("error:") == 1
    assert "sha256 mismatch" in result.output and "nothing was cached" in result.output
    _cache_is_empty(tmp_path)
    unknown = f"oci://{registry.host}/witkit/digest@sha256:{'1' * 64}"
    with PluginLoader() as loader, pytest.raises(LoadError, match="has no digest sha256:1111"):
        loader.load("english", unknown)
    _cache_is_empty(tmp_path)


def test_missing_tag_names_the_tag(registry: Registry, component: Path, tmp_path: Path) -> None:
    push(component, parse_locator(f"oci://{registry.host}/witkit/tags:v1"))  # type: ignore[arg-type]
    result = CliRunner().invoke(main, ["fetch", "x", f"oci://{registry.host}/witkit/tags:v2"])
    assert result.exit_code == 1
    assert result.output.count("error:") == 1
    assert "has no tag 'v2' in witkit/tags" in result.output
    _cache_is_empty(tmp_path)


def test_auth_failure_and_success(
    auth_registry: Registry, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loc = f"oci://{auth_registry.host}/private/english:v1"
    # No credentials at all.
    refused = CliRunner().invoke(main, ["push", str(component), loc])
    assert refused.exit_code == 1 and "no credentials were found" in refused.output
    # Docker's config with the right login: push works.
    docker = tmp_path / "docker"
    docker.mkdir()
    auth = base64.b64encode(b"ada:s3cret").decode()
    (docker / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {"auth": auth}}}))
    assert CliRunner().invoke(main, ["push", str(component), loc]).exit_code == 0
    # The wrong password from the environment: one error, nothing cached.
    monkeypatch.setenv("WITKIT_REGISTRY_USERNAME", "ada")
    monkeypatch.setenv("WITKIT_REGISTRY_PASSWORD", "wrong")
    result = CliRunner().invoke(main, ["fetch", "english", loc])
    assert result.exit_code == 1
    assert result.output.count("error:") == 1
    assert "refused the manifest of private/english (HTTP 401)" in result.output
    assert "WITKIT_REGISTRY_USERNAME/PASSWORD were refused" in result.output
    _cache_is_empty(tmp_path)
    monkeypatch.setenv("WITKIT_REGISTRY_PASSWORD", "s3cret")
    fetched = CliRunner().invoke(main, ["fetch", "english", loc])
    assert fetched.exit_code == 0, fetched.output
    assert Path(fetched.output.strip()).read_bytes() == component.read_bytes()


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry behind bearer tokens from a token server that knows `bo` / `pa55`."""
    pytest.importorskip("cryptography", reason="the token server signs JWTs with cryptography")
    tokens = TokenServer({"bo": "pa55"})
    reg = Registry(tmp_path_factory.mktemp("registry") / "token", token=tokens)
    reg.tokens = tokens  # type: ignore[attr-defined]
    yield reg
    reg.close()
    tokens.close()


def test_bearer_token_flow(
    token_registry: Registry, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loc = f"oci://{token_registry.host}/team/english:v1"
    anonymous = CliRunner().invoke(main, ["push", str(component), loc])
    assert anonymous.exit_code == 1
    assert "refused access to repository:team/english:pull,push (401)" in anonymous.output
    assert "no credentials were found" in anonymous.output
    monkeypatch.setenv("WITKIT_REGISTRY_USERNAME", "bo")
    monkeypatch.setenv("WITKIT_REGISTRY_PASSWORD", "pa55")
    pushed = CliRunner().invoke(main, ["push", str(component), loc])
    assert pushed.exit_code == 0, pushed.output
    fetched = CliRunner().invoke(main, ["fetch", "english", loc])
    assert fetched.exit_code == 0, fetched.output
    assert Path(fetched.output.strip()).read_bytes() == component.read_bytes()
    issued = token_registry.tokens.issued  # type: ignore[attr-defined]
    assert "repository:team/english:pull" in issued  # the fetch asked for pull only
    monkeypatch.setenv("WITKIT_REGISTRY_PASSWORD", "nope")
    refused = CliRunner().invoke(main, ["fetch", "again", loc])
    assert refused.exit_code == 1 and refused.output.count("error:") == 1
    assert "WITKIT_REGISTRY_USERNAME/PASSWORD were refused" in refused.output
    assert not (tmp_path / "cache" / "plugins" / "again.wasm").exists()


class _CuttingProxy:
    """Forwards to a registry, but sends only half of every blob it serves, then hangs up."""

    def __init__(self, upstream: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                r = httpx.get(f"http://{upstream}{self.path}", headers=dict(self.headers.items()))
                self.send_response(r.status_code)
                for k in ("Content-Type", "Docker-Content-Digest", "WWW-Authenticate"):
                    if k in r.headers:
                        self.send_header(k, r.headers[k])
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                body = r.content[: len(r.content) // 2] if "/blobs/" in self.path else r.content
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_server_that_stops_mid_blob(registry: Registry, component: Path, tmp_path: Path) -> None:
    push(component, parse_locator(f"oci://{registry.host}/witkit/cut:v1"))  # type: ignore[arg-type]
    proxy = _CuttingProxy(registry.host)
    try:
        result = CliRunner().invoke(main, ["fetch", "english", f"oci://{proxy.host}/witkit/cut:v1"])
    finally:
        proxy.close()
    assert result.exit_code == 1
    assert result.output.count("error:") == 1
    assert "nothing was cached" in result.output
    _cache_is_empty(tmp_path)


def test_the_layer_size_ceiling(registry: Registry, component: Path, tmp_path: Path) -> None:
    push(component, parse_locator(f"oci://{registry.host}/witkit/big:v1"))  # type: ignore[arg-type]
    with (
        PluginLoader(max_download_size=100) as loader,
        pytest.raises(LoadError, match="more than the limit of 100 bytes"),
    ):
        loader.load("english", f"oci://{registry.host}/witkit/big:v1")
    _cache_is_empty(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("oci://127.0.0.1:5000", "expected 'oci://REGISTRY"),
        ("oci://127.0.0.1:5000/Upper/name", "is not a repository name"),
        ("oci://127.0.0.1:5000/a/b@md5:00", "must be 'sha256:HEX'"),
        ("oci://127.0.0.1:5000/a/b:", "the tag after ':' is empty"),
    ],
)
def test_bad_oci_locators(text: str, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        parse_locator(text)


def test_plain_http_only_to_loopback() -> None:
    assert parse_locator("oci://ghcr.io/a/b:v1").base_url == "https://ghcr.io"  # type: ignore[union-attr]
    assert parse_locator("oci://localhost:5000/a/b").base_url == "http://localhost:5000"  # type: ignore[union-attr]
