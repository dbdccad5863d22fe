"""OCI registries: the Wasm artifact layout, registry credentials and the token flow, and push.

Artifacts follow the layout `wkg` and wasm-pkg-tools publish (the `oci-wasm` crate): an OCI
image manifest whose config has media type `application/vnd.wasm.config.v0+json` and whose
one layer is the component, media type `application/wasm`. The loader pulls them
(`PluginLoader.load` with an `oci://` locator); `push` puts a component there.

Credentials, first found wins: `WITKIT_REGISTRY_TOKEN` (a bearer token sent as is),
`WITKIT_REGISTRY_USERNAME` with `WITKIT_REGISTRY_PASSWORD`, then the registry's entry under
`auths` in Docker's config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
`auth` (base64 `user:password`), `username`/`password` or `identitytoken`. They are sent
only when the registry asks (a 401 challenge): `Basic` gets them directly, `Bearer` trades
them at the challenge's realm for a token scoped to the repository (the distribution spec's
token flow).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from witkit import __version__
from witkit.errors import LoadError
from witkit.plugins.locators import OciLocator, is_loopback_host

__all__ = [
    "CONFIG_MEDIA_TYPE",
    "MANIFEST_MEDIA_TYPE",
    "WASM_LAYER_MEDIA_TYPE",
    "PushResult",
    "RegistryAuth",
    "WasmLayer",
    "push",
    "wasm_layer",
]

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.wasm.config.v0+json"
WASM_LAYER_MEDIA_TYPE = "application/wasm"
MANIFEST_ACCEPT = f"{MANIFEST_MEDIA_TYPE}, application/vnd.docker.distribution.manifest.v2+json"
_CHALLENGE_PARAM = re.compile(r'\s*([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_CHUNK = 64 * 1024
MAX_TOKEN_RESPONSE = 1 << 20
"""The most a token endpoint's answer may weigh (real ones are a few kilobytes)."""


@dataclass(frozen=True)
class WasmLayer:
    """The component layer a Wasm artifact's manifest names."""

    digest: str
    """`sha256:HEX`."""
    size: int


def wasm_layer(manifest: bytes, where: str) -> WasmLayer:
    """The `application/wasm` layer of a manifest's bytes; LoadError naming `where` if none."""
    try:
        data = json.loads(manifest)
    except ValueError as e:
        raise LoadError(f"{where}: the manifest is not JSON: {e}") from None
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        kind = data.get("mediaType") if isinstance(data, dict) else None
        raise LoadError(f"{where}: not an image manifest (media type {kind!r}, no layers)")
    wasm = [
        layer
        for layer in layers
        if isinstance(layer, dict) and layer.get("mediaType") == WASM_LAYER_MEDIA_TYPE
    ]
    if len(wasm) != 1:
        seen = sorted({str(la.get("mediaType")) for la in layers if isinstance(la, dict)})
        raise LoadError(
            f"{where}: expected one {WASM_LAYER_MEDIA_TYPE} layer, found {len(wasm)} "
            f"(layer media types: {', '.join(seen) or 'none'}); is this a Wasm artifact?"
        )
    digest, size = wasm[0].get("digest"), wasm[0].get("size")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise LoadError(f"{where}: the wasm layer's digest {digest!r} is not sha256:HEX")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise LoadError(f"{where}: the wasm layer's size {size!r} is not a byte count")
    return WasmLayer(digest, size)


def _docker_config_path() -> Path:
    folder = os.environ.get("DOCKER_CONFIG")
    return Path(folder) / "config.json" if folder else Path.home() / ".docker" / "config.json"


def _docker_auth(registry: str) -> tuple[str, str] | str | None:
    """(user, password), an identity token, or None from Docker's config for `registry`."""
    path = _docker_config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise LoadError(f"cannot read registry credentials from {path}: {e}") from None
    auths = data.get("auths") if isinstance(data, dict) else None
    if not isinstance(auths, dict):
        return None
    entry: Any = None
    for key, value in auths.items():
        host = urlsplit(key if "://" in key else f"//{key}").netloc
        if host.lower() == registry.lower():
            entry = value
            break
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("identitytoken"), str) and entry["identitytoken"]:
        return str(entry["identitytoken"])
    if isinstance(entry.get("auth"), str) and entry["auth"]:
        try:
            user, sep, password = base64.b64decode(entry["auth"]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep = ""
        if not sep:
            raise LoadError(f"{path}: auths[{registry!r}].auth is not base64 of 'user:password'")
        return user, password
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and isinstance(secret, str):
        return name, secret
    return None


def registry_credentials(registry: str) -> tuple[str, str] | str | None:
    """The credentials for `registry`: a bearer token (str), (user, password), or None."""
    token = os.environ.get("WITKIT_REGISTRY_TOKEN", "").strip()
    if token:
        return token
    user = os.environ.get("WITKIT_REGISTRY_USERNAME")
    if user:
        return user, os.environ.get("WITKIT_REGISTRY_PASSWORD", "")
    found = _docker_auth(registry)
    # A Docker identity token is a refresh token for the token endpoint, not a bearer token.
    return ("<token>", found) if isinstance(found, str) else found


def _where_from(creds: tuple[str, str] | str | None) -> str:
    if creds is None:
        return "no credentials were found"
    if os.environ.get("WITKIT_REGISTRY_TOKEN", "").strip():
        return "the token in WITKIT_REGISTRY_TOKEN was refused"
    if os.environ.get("WITKIT_REGISTRY_USERNAME"):
        return "the credentials in WITKIT_REGISTRY_USERNAME/PASSWORD were refused"
    return f"the credentials from {_docker_config_path()} were refused"


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="...",service="..."` -> ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _CHALLENGE_PARAM.finditer(rest)
    }
    return scheme.lower(), params


class RegistryAuth:
    """The Authorization header to send to each registry origin, learned from its challenges."""

    def __init__(self) -> None:
        self._headers: dict[str, str] = {}

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.lower()}"

    def header_for(self, url: str) -> dict[str, str]:
        """The Authorization header for `url`'s origin, if one was set up."""
        value = self._headers.get(self._origin(url))
        return {"Authorization": value} if value else {}

    def authorize(
        self,
        client: httpx.Client,
        loc: OciLocator,
        url: str,
        challenge: str,
        scope: str,
        check_url: Callable[[str], None],
    ) -> None:
        """Answer `challenge` (a 401's WWW-Authenticate from `url`) for `scope`."""
        creds = registry_credentials(loc.registry)
        scheme, params = parse_challenge(challenge)
        origin = self._origin(url)
        if isinstance(creds, str):
            self._headers[origin] = f"Bearer {creds}"
            return
        if scheme == "basic":
            if creds is None:
                raise LoadError(
                    f"registry {loc.registry} requires a login for {loc.repository} and "
                    "no credentials were found: set WITKIT_REGISTRY_USERNAME and "
                    "WITKIT_REGISTRY_PASSWORD (or WITKIT_REGISTRY_TOKEN), or `docker login`"
                )
            self._headers[origin] = "Basic " + base64.b64encode(
                f"{creds[0]}:{creds[1]}".encode()
            ).decode("ascii")
            return
        if scheme != "bearer" or "realm" not in params:
            raise LoadError(
                f"registry {loc.registry} answered 401 with a challenge witkit cannot "
                f"answer: {challenge!r}"
            )
        self._headers[origin] = (
            f"Bearer {self._token(client, loc, params, scope, creds, check_url)}"
        )

    def _token(
        self,
        client: httpx.Client,
        loc: OciLocator,
        params: dict[str, str],
        scope: str,
        creds: tuple[str, str] | None,
        check_url: Callable[[str], None],
    ) -> str:
        query = {"scope": scope, **({"service": params["service"]} if "service" in params else {})}
        realm = params["realm"]
        url = f"{realm}{'&' if '?' in realm else '?'}{urlencode(query)}"
        check_url(url)
        headers = {}
        if creds is not None and creds[0] == "<token>":
            # A refresh token from `docker login` goes through the OAuth2 form of the flow.
            form = {"grant_type": "refresh_token", "refresh_token": creds[1], "scope": scope,
                    "service": params.get("service", ""), "client_id": "witkit"}  # fmt: skip
            request = client.build_request("POST", realm, data=form)
        else:
            if creds is not None:
                raw = f"{creds[0]}:{creds[1]}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
            request = client.build_request("GET", url, headers=headers)
        try:
            response = client.send(request, stream=True)
            try:
                body = b""
                for chunk in response.iter_bytes(_CHUNK):
                    body += chunk
                    if len(body) > MAX_TOKEN_RESPONSE:
                        raise LoadError(f"registry token endpoint {realm}: answer too large")
            finally:
                response.close()
        except httpx.HTTPError as e:
            raise LoadError(f"registry token endpoint {realm} failed: {e}") from e
        if response.status_code in (401, 403):
            raise LoadError(
                f"registry {loc.registry}: the token endpoint {realm} refused access to "
                f"{scope} ({response.status_code}): {_where_from(creds)}"
            )
        if response.status_code != 200:
            raise LoadError(f"registry token endpoint {realm} returned HTTP {response.status_code}")
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise LoadError(f"registry token endpoint {realm} returned no token")
        return token

    def refused(self, loc: OciLocator, what: str) -> LoadError:
        """The error for a 401 that persists after the challenge was answered."""
        creds = registry_credentials(loc.registry)
        return LoadError(
            f"registry {loc.registry} refused {what} of {loc.repository} (HTTP 401): "
            f"{_where_from(creds)}"
        )


@dataclass(frozen=True)
class PushResult:
    """Where a pushed component is: its manifest digest and its layer's digest and size."""

    locator: OciLocator
    manifest_digest: str
    layer_digest: str
    size: int

    @property
    def pinned(self) -> str:
        """The locator pinned to the manifest digest."""
        return f"oci://{self.locator.registry}/{self.locator.repository}@{self.manifest_digest}"


def _config_blob(layer_digest: str) -> bytes:
    config = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [layer_digest],
    }
    return json.dumps(config, separators=(",", ":")).encode()


def _manifest(config: bytes, layer_digest: str, size: int) -> bytes:
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
            "size": len(config),
        },
        "layers": [{"mediaType": WASM_LAYER_MEDIA_TYPE, "digest": layer_digest, "size": size}],
    }
    return json.dumps(manifest, separators=(",", ":")).encode()


class _Pusher:
    def __init__(self, loc: OciLocator, client: httpx.Client) -> None:
        self.loc = loc
        self.client = client
        self.auth = RegistryAuth()
        self.scope = f"repository:{loc.repository}:pull,push"

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" or (
            parts.scheme == "http" and is_loopback_host(parts.hostname or "")
        ):
            return
        raise LoadError(f"refusing {url}: only https://, or plain http:// to loopback")

    def send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        content: Callable[[], Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request, answering a 401 challenge once; `content` makes the body afresh."""
        for attempt in range(2):
            self.check_url(url)
            try:
                response = self.client.request(
                    method,
                    url,
                    headers={**(headers or {}), **self.auth.header_for(url)},
                    content=None if content is None else content(),
                )
            except httpx.HTTPError as e:
                raise LoadError(f"push to {self.loc}: {what} failed: {e}") from e
            challenge = response.headers.get("WWW-Authenticate")
            if response.status_code == 401 and attempt == 0 and challenge:
                self.auth.authorize(
                    self.client, self.loc, url, challenge, self.scope, self.check_url
                )
                continue
            if response.status_code == 401:
                raise self.auth.refused(self.loc, "a push")
            return response
        raise AssertionError("unreachable")

    def upload(self, digest: str, size: int, content: Callable[[], Any]) -> None:
        base = f"{self.loc.base_url}/v2/{self.loc.repository}/blobs"
        head = self.send("HEAD", f"{base}/{digest}", "checking a blob")
        if head.status_code == 200:
            return
        started = self.send("POST", f"{base}/uploads/", "starting an upload")
        where = started.headers.get("Location")
        if started.status_code != 202 or not where:
            raise LoadError(
                f"push to {self.loc}: starting an upload returned HTTP {started.status_code}"
                f"{_registry_message(started)}"
            )
        url = urljoin(f"{self.loc.base_url}/", where)
        url += ("&" if "?" in url else "?") + urlencode({"digest": digest})
        done = self.send(
            "PUT",
            url,
            "uploading a blob",
            content=content,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
        )
        if done.status_code != 201:
            raise LoadError(
                f"push to {self.loc}: uploading {digest} returned HTTP {done.status_code}"
                f"{_registry_message(done)}"
            )


def _registry_message(response: httpx.Response) -> str:
    """`: CODE message` from a distribution error body, or nothing."""
    try:
        errors = json.loads(response.read()).get("errors")
        first = errors[0]
        return f": {first.get('code')} {first.get('message')}"
    except (ValueError, AttributeError, TypeError, IndexError, KeyError, httpx.HTTPError):
        return ""


def _file_chunks(path: Path) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            while block := f.read(_CHUNK):
                yield block

    return chunks


def push(
    path: str | os.PathLike[str],
    locator: OciLocator,
    *,
    client: httpx.Client | None = None,
    timeout: float = 30.0,
) -> PushResult:
    """Put the component at `path` into a registry as a Wasm artifact tagged `locator.tag`."""
    source = Path(path)
    if locator.digest is not None or locator.tag is None:
        raise LoadError(f"push to {locator}: give a tag (oci://REGISTRY/NAME:TAG), not a digest")
    try:
        with open(source, "rb") as f:
            if f.read(4) != b"\0asm":
                raise LoadError(f"{source} is not a WebAssembly file")
            f.seek(0)
            layer_digest = "sha256:" + hashlib.file_digest(f, "sha256").hexdigest()
        size = source.stat().st_size
    except OSError as e:
        raise LoadError(f"cannot read {source}: {e}") from e
    own = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        headers={"User-Agent": f"witkit/{__version__}"},
    )
    try:
        pusher = _Pusher(locator, http)
        config = _config_blob(layer_digest)
        pusher.upload(layer_digest, size, _file_chunks(source))
        config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
        pusher.upload(config_digest, len(config), lambda: config)
        manifest = _manifest(config, layer_digest, size)
        url = f"{locator.base_url}/v2/{locator.repository}/manifests/{locator.tag}"
        done = pusher.send(
            "PUT", url, "putting the manifest", content=lambda: manifest,
            headers={"Content-Type": MANIFEST_MEDIA_TYPE},
        )  # fmt: skip
        if done.status_code != 201:
            raise LoadError(
                f"push to {locator}: the manifest was refused with HTTP {done.status_code}"
                f"{_registry_message(done)}"
            )
    finally:
        if own:
            http.close()
    return PushResult(locator, "sha256:" + hashlib.sha256(manifest).hexdigest(), layer_digest, size)
