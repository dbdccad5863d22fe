"""`PluginLoader`: locate, download, verify and cache plugin `.wasm` files by plugin id.

Cache layout (in `plugins_dir`): `<id>.wasm` is the plugin and `<id>.json` a small record
of where it came from (locator, tag, URL) and its digests. A cached plugin is used when the
record's locator matches the requested one, the requested `sha256` (if any) matches the
downloaded asset, and the `.wasm` still has the digest recorded at download time. URLs and
tagged GitHub releases are cached for good; the latest release of a repository is asked
for again once `latest_ttl` seconds have passed, and only downloaded when the tag changed.

An `oci://` locator is resolved to its manifest (`witkit.plugins.oci` has the layout and the
credentials), whose `application/wasm` layer is downloaded and checked against the layer
digest; a tag is resolved once and then cached like a URL, a `@sha256:` digest for good.

`file:` locators of a `.wasm` (or of WAT text, `.wat`) are used in place (never copied), so a
rebuilt local plugin is picked up at once; `file:` archives are unpacked into the cache on every load.

About 800 lines because every download path (URL, GitHub release, OCI layer, archive)
shares one streaming, size-capped, verify-then-rename write; the locator grammar
(`locators.py`), archives (`archive.py`) and registries (`oci.py`) are apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import quote, urljoin, urlsplit

import httpx
import platformdirs

from witkit import __version__
from witkit._cachedirs import file_distrust, private_dir, sweep_stale, trusted_dir
from witkit._parse import loads_json
from witkit.errors import LoadError
from witkit.plugins import oci
from witkit.plugins.archive import (
    MAX_UNPACKED_BYTES,
    archive_suffix,
    extract_wasm,
    is_archive,
    sniff_archive,
)
from witkit.plugins.locators import (
    FileLocator,
    GitHubLocator,
    Locator,
    OciLocator,
    is_loopback_host,
    normalize_sha256,
    parse_locator,
)

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_SIZE",
    "DEFAULT_TIMEOUT",
    "CacheRecord",
    "IntegrityError",
    "OfflineError",
    "PluginLoader",
    "ProgressCallback",
    "default_cache_dir",
    "locator_key",
    "validate_plugin_id",
]

ProgressCallback = Callable[[str, int, "int | None"], None]
"""Called as `progress(plugin_id, bytes_done, bytes_total_or_None)` while downloading."""

WASM_MAGIC = b"\0asm"
MAX_REDIRECTS = 10
DEFAULT_LATEST_TTL = 24 * 60 * 60.0
DEFAULT_MAX_DOWNLOAD_SIZE = MAX_UNPACKED_BYTES
"""256 MiB: the most a download may weigh, and an archive's entries unpacked. Ten times the
largest plugins seen in practice (an 18 MB componentize-py guest) while bounding the disk,
time and memory (the compile cache reads a component whole) a hostile server can claim."""
DEFAULT_TIMEOUT = 30.0
"""Seconds a download may wait for the server's next bytes (10 s at most to connect)."""
MAX_API_RESPONSE = 16 * 2**20
"""The most a GitHub API answer (a release's JSON) may weigh; real ones are kilobytes."""
_CHUNK = 64 * 1024
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_RECORD_VERSION = 1


class IntegrityError(LoadError):
    """A plugin's SHA-256 digest is not the expected one."""

    def __init__(self, message: str, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class OfflineError(LoadError):
    """The loader is offline and the plugin is not (or not usably) in the cache."""


def default_cache_dir() -> Path:
    """The folder witkit caches under: `$WITKIT_CACHE_DIR`, else the platform's user cache."""
    override = os.environ.get("WITKIT_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("witkit"))


def validate_plugin_id(plugin_id: str) -> str:
    """Return `plugin_id` if it is usable as a cache file name, else raise LoadError."""
    if not isinstance(plugin_id, str) or not _ID.fullmatch(plugin_id) or ".." in plugin_id:
        raise LoadError(
            f"bad plugin id {plugin_id!r}: use letters, digits, '.', '_' and '-' "
            "(starting with a letter or digit, no path separators, at most 128 characters)"
        )
    return plugin_id


@dataclass(frozen=True)
class CacheRecord:
    """What the cache remembers about a downloaded plugin (the `<id>.json` sidecar)."""

    locator: str
    """The locator's cache key: its string form plus anything the string cannot hold."""
    asset_sha256: str
    """Digest of the downloaded file (the archive for archive assets)."""
    wasm_sha256: str
    """Digest of the cached `.wasm`."""
    source_url: str
    tag: str | None
    fetched_at: float

    def to_json(self) -> str:
        """Serialize for the sidecar file."""
        return json.dumps({"version": _RECORD_VERSION, **dataclasses.asdict(self)}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CacheRecord | None:
        """Parse a sidecar; None when it is unreadable or from another format version."""
        try:
            data = loads_json(text)
            if not isinstance(data, dict) or data.get("version") != _RECORD_VERSION:
                return None
            tag = data["tag"]
            record = cls(
                locator=str(data["locator"]),
                asset_sha256=str(data["asset_sha256"]),
                wasm_sha256=str(data["wasm_sha256"]),
                source_url=str(data["source_url"]),
                tag=None if tag is None else str(tag),
                fetched_at=float(data["fetched_at"]),
            )
        except (ValueError, KeyError, TypeError, OverflowError):
            return None
        return record


@dataclass(frozen=True)
class _Release:
    tag: str
    asset_name: str
    url: str
    digest: str | None


def locator_key(locator: Locator) -> str:
    """The string a cache record keeps to tell whether a locator changed."""
    if isinstance(locator, GitHubLocator) and locator.asset is not None:
        return f"{locator}#asset={locator.asset}"
    return str(locator)


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check_wasm(path: Path, what: str) -> None:
    with open(path, "rb") as f:
        head = f.read(4)
    if head != WASM_MAGIC:
        raise LoadError(f"{what} is not a WebAssembly file (it starts with {head!r})")


def _unlink(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


class PluginLoader:
    """Locates plugins by locator and keeps them in a cache folder under their plugin id."""

    def __init__(
        self,
        plugins_dir: Path | str | None = None,
        temp_dir: Path | str | None = None,
        *,
        offline: bool = False,
        github_api: str = "https://api.github.com",
        http_client: httpx.Client | None = None,
        progress: ProgressCallback | None = None,
        latest_ttl: float = DEFAULT_LATEST_TTL,
        max_download_size: int = DEFAULT_MAX_DOWNLOAD_SIZE,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`max_download_size` bounds, in bytes, each download and what an archive unpacks
        to; `timeout` is how many seconds to wait for a silent server (it configures the
        client the loader makes itself; a given `http_client` keeps its own timeouts)."""
        if isinstance(max_download_size, bool) or not (
            isinstance(max_download_size, int) and max_download_size > 0
        ):
            raise LoadError(
                f"max_download_size must be a positive number of bytes, got {max_download_size!r}"
            )
        if isinstance(timeout, bool) or not (
            isinstance(timeout, int | float) and 0 < timeout < float("inf")
        ):
            raise LoadError(f"timeout must be a positive number of seconds, got {timeout!r}")
        root = default_cache_dir()
        self.plugins_dir = Path(plugins_dir) if plugins_dir is not None else root / "plugins"
        self.temp_dir = Path(temp_dir) if temp_dir is not None else root / "temp"
        self.offline = offline
        self.github_api = github_api.rstrip("/")
        self.progress = progress
        self.latest_ttl = latest_ttl
        self.max_download_size = max_download_size
        self.timeout = float(timeout)
        self._client = http_client
        self._owns_client = http_client is None
        self._registry_auth = oci.RegistryAuth()

    def __enter__(self) -> PluginLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if the loader created it."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    # -- cache ---------------------------------------------------------------------------

    def wasm_path(self, plugin_id: str) -> Path:
        """Where the cached `.wasm` of a plugin lives (it may not exist)."""
        return (self.plugins_dir / f"{validate_plugin_id(plugin_id)}.wasm").absolute()

    def record_path(self, plugin_id: str) -> Path:
        """Where the cache record of a plugin lives (it may not exist)."""
        return (self.plugins_dir / f"{validate_plugin_id(plugin_id)}.json").absolute()

    def cached(self, plugin_id: str) -> CacheRecord | None:
        """The cache record of a plugin, or None when nothing usable is cached."""
        try:
            text = self.record_path(plugin_id).read_text(encoding="utf-8")
        except OSError:
            return None
        if not self.wasm_path(plugin_id).is_file():
            return None
        return CacheRecord.from_json(text)

    def remove(self, plugin_id: str) -> bool:
        """Drop a plugin from the cache; True if something was removed."""
        found = False
        for path in (self.record_path(plugin_id), self.wasm_path(plugin_id)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                found = True
        return found

    # -- loading -------------------------------------------------------------------------

    def load(self, id: str, locator: Locator | str, *, base: Path | None = None) -> Path:
        """Return the absolute path of plugin `id`'s `.wasm`, fetching it if needed.

        `base` is the folder relative `file:` paths start from (default: the cwd). When the
        latest release of a repository is due for a re-check but GitHub cannot be asked
        (rate limit, network down), the cached copy is used and the check retried next time.
        """
        plugin_id = validate_plugin_id(id)
        loc = parse_locator(locator) if isinstance(locator, str) else locator
        try:
            return self._load(plugin_id, loc, base)
        except OSError as e:
            raise LoadError(f"plugin {plugin_id!r}: {e}") from e

    def _load(self, plugin_id: str, loc: Locator, base: Path | None) -> Path:
        if isinstance(loc, FileLocator):
            return self._load_file(plugin_id, loc, base)
        self._cache_ready()
        key = locator_key(loc)
        record = self.cached(plugin_id)
        miss_reason = self._miss_reason(plugin_id, loc, key, record)
        if miss_reason is None and record is not None:
            if self.offline or not self._is_stale(loc, record):
                return self.wasm_path(plugin_id)
        elif self.offline:
            raise OfflineError(
                f"offline: plugin {plugin_id!r} ({key}) is not in the cache at "
                f"{self.wasm_path(plugin_id)}: {miss_reason}; run without offline mode to download it"
            )
        if isinstance(loc, GitHubLocator):
            try:
                release = self._resolve_release(plugin_id, loc)
            except LoadError:
                if miss_reason is None:
                    return self.wasm_path(plugin_id)
                raise
            if (
                miss_reason is None
                and record is not None
                and (record.tag, record.source_url) == (release.tag, release.url)
            ):
                self._write_record(plugin_id, dataclasses.replace(record, fetched_at=time.time()))
                return self.wasm_path(plugin_id)
            return self._fetch(
                plugin_id,
                key,
                release.url,
                release.asset_name,
                loc.sha256,
                release.digest,
                release.tag,
            )
        if isinstance(loc, OciLocator):
            return self._fetch_oci(plugin_id, key, loc)
        name = urlsplit(loc.url).path.rsplit("/", 1)[-1]
        return self._fetch(plugin_id, key, loc.url, name, loc.sha256, None, None)

    def _miss_reason(
        self, plugin_id: str, loc: Locator, key: str, record: CacheRecord | None
    ) -> str | None:
        if record is None:
            return "nothing is cached under that id"
        if record.locator != key:
            return f"the cached copy came from {record.locator}"
        if loc.sha256 is not None and loc.sha256 != record.asset_sha256:
            return f"the cached copy has sha256 {record.asset_sha256}, not {loc.sha256}"
        for path in (self.wasm_path(plugin_id), self.record_path(plugin_id)):
            problem = file_distrust(path.stat())
            if problem is not None:
                return f"the cached {path.name} cannot be trusted: {problem}"
        # Hashed on every hit: the record holds the digest checked against the download (and
        # against a pinned `sha256`, which for a plain .wasm asset is this same digest).
        if _sha256_file(self.wasm_path(plugin_id)) != record.wasm_sha256:
            return "the cached .wasm was changed after it was downloaded"
        return None

    def _is_stale(self, loc: Locator, record: CacheRecord) -> bool:
        if not (isinstance(loc, GitHubLocator) and loc.tag is None):
            return False
        return time.time() - record.fetched_at > self.latest_ttl

    def _load_file(self, plugin_id: str, loc: FileLocator, base: Path | None) -> Path:
        path = loc.path if loc.path.is_absolute() else (base or Path.cwd()) / loc.path
        path = path.resolve()
        if not path.is_file():
            raise LoadError(f"plugin {plugin_id!r}: {path} does not exist (from {loc})")
        if is_archive(path.name):
            return self._install_from(
                plugin_id,
                f"file:{path.as_posix()}",
                path,
                path.name,
                loc.sha256,
                None,
                None,
                source_url=path.as_uri(),
            )
        if loc.sha256 is not None:
            self._verify(plugin_id, path.as_posix(), loc.sha256, _sha256_file(path), "expected")
        if path.suffix.lower() != ".wat":  # WAT text is compiled as it is, like witkit.load's
            _check_wasm(path, f"plugin {plugin_id!r}: {path}")
        return path

    # -- downloads -----------------------------------------------------------------------

    def _fetch(
        self,
        plugin_id: str,
        key: str,
        url: str,
        asset_name: str,
        expected: str | None,
        published: str | None,
        tag: str | None,
        *,
        publisher: str = "GitHub",
    ) -> Path:
        self._temp_dir_ready()
        fd, name = tempfile.mkstemp(dir=self.temp_dir, prefix=f".witkit-{plugin_id}-", suffix=".part")
        part = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                self._download(plugin_id, url, out)
            return self._install_from(
                plugin_id, key, part, asset_name, expected, published, tag, source_url=url,
                publisher=publisher,
            )  # fmt: skip
        finally:
            _unlink(part)

    def _install_from(
        self,
        plugin_id: str,
        key: str,
        source: Path,
        asset_name: str,
        expected: str | None,
        published: str | None,
        tag: str | None,
        *,
        source_url: str,
        publisher: str = "GitHub",
    ) -> Path:
        """Verify `source`, unpack it if it is an archive, and move the `.wasm` into the cache."""
        asset_sha256 = _sha256_file(source)
        if expected is not None:
            self._verify(plugin_id, source_url, expected, asset_sha256, "expected")
        if published is not None:
            self._verify(
                plugin_id, source_url, published, asset_sha256, f"published by {publisher}"
            )
        self._temp_dir_ready()
        unpacked: Path | None = None
        try:
            wasm = source
            suffix = archive_suffix(asset_name)
            preferred = f"{asset_name[: -len(suffix)]}.wasm" if suffix else f"{plugin_id}.wasm"
            if suffix is None and not asset_name.endswith(".wasm"):
                # A name that says nothing (`.../download`): the first bytes decide.
                suffix = sniff_archive(source)
                asset_name = f"{asset_name or 'download'}{suffix or ''}"
            if suffix is not None:
                fd, name = tempfile.mkstemp(
                    dir=self.temp_dir, prefix=f".witkit-{plugin_id}-", suffix=".wasm"
                )
                os.close(fd)
                unpacked = Path(name)
                try:
                    extract_wasm(
                        source,
                        unpacked,
                        name=asset_name,
                        preferred_name=preferred,
                        max_bytes=self.max_download_size,
                    )
                except LoadError as e:
                    raise LoadError(
                        f"plugin {plugin_id!r} from {source_url}: {e}; nothing was cached"
                    ) from e
                wasm = unpacked
            _check_wasm(wasm, f"plugin {plugin_id!r} from {source_url}")
            record = CacheRecord(
                locator=key,
                asset_sha256=asset_sha256,
                wasm_sha256=_sha256_file(wasm),
                source_url=source_url,
                tag=tag,
                fetched_at=time.time(),
            )
            dest = self.wasm_path(plugin_id)
            self._cache_ready()
            sweep_stale(self.plugins_dir, ".witkit-*.part")
            self._move_into_place(wasm, dest)
            # The record goes last: a crash in between leaves a record that does not match
            # the new file, which the next load treats as a miss.
            self._write_record(plugin_id, record)
            return dest
        finally:
            _unlink(unpacked)

    def _verify(self, plugin_id: str, where: str, expected: str, actual: str, kind: str) -> None:
        if expected != actual:
            raise IntegrityError(
                f"plugin {plugin_id!r}: sha256 mismatch for {where}: "
                f"{kind} {expected}, got {actual}; nothing was cached",
                expected,
                actual,
            )

    def _move_into_place(self, src: Path, dest: Path) -> None:
        try:
            os.replace(src, dest)
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise LoadError(f"cannot move {src} to {dest}: {e}") from e
            # temp_dir is on another file system: copy next to dest, then rename atomically.
            fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".witkit-{dest.name}-", suffix=".part")
            os.close(fd)
            try:
                shutil.copyfile(src, name)
                os.replace(name, dest)
            finally:
                _unlink(Path(name))

    def _cache_ready(self) -> None:
        """Create the cache folder (private), or refuse one that others could write.

        Refused rather than bypassed: what `load` returns is a path the runtime opens later,
        so no check made here could stop a swap between the two, and a cache-less loader
        would download on every load and never work offline.
        """
        private_dir(self.plugins_dir)
        problem = trusted_dir(self.plugins_dir, "plugin cache")
        if problem is not None:
            raise LoadError(f"{problem} (or point WITKIT_CACHE_DIR at a private folder)")

    def _temp_dir_ready(self) -> None:
        """Create the temp folder (private) and delete what killed downloads left in it.

        A shared temp folder is fine when it is sticky (`/tmp`): a download is written to a
        file created with `O_EXCL` there, which nobody else can rename or delete; one others
        could rename it in is refused like an untrusted cache folder.
        """
        private_dir(self.temp_dir)
        problem = trusted_dir(self.temp_dir, "plugin download folder", sticky_ok=True)
        if problem is not None:
            raise LoadError(problem)
        sweep_stale(self.temp_dir, ".witkit-*.part")  # only witkit's own names: the folder
        sweep_stale(self.temp_dir, ".witkit-*.wasm")  # may be one the user shares

    def _write_record(self, plugin_id: str, record: CacheRecord) -> None:
        dest = self.record_path(plugin_id)
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".witkit-{dest.name}-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(record.to_json())
            os.replace(name, dest)
        finally:
            _unlink(Path(name))

    def _client_or_new(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                headers={"User-Agent": f"witkit/{__version__}"},
            )
        return self._client

    def _check_url(self, plugin_id: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return
        if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
            return
        if parts.scheme == "http":
            raise LoadError(
                f"plugin {plugin_id!r}: refusing to download over plain http "
                f"from {parts.hostname}: {url} "
                "(use https://; http:// is only allowed to localhost and loopback addresses)"
            )
        raise LoadError(
            f"plugin {plugin_id!r}: cannot download {url!r}: only https:// URLs are supported"
        )

    def _auth_headers(self, url: str) -> dict[str, str]:
        """The GitHub token goes only to the configured GitHub API origin, a registry's
        authorization only to the registry that asked for it."""
        registry = self._registry_auth.header_for(url)
        if registry:
            return registry
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if not token:
            return {}
        want, got = urlsplit(self.github_api), urlsplit(url)
        if (want.scheme, want.netloc.lower()) != (got.scheme, got.netloc.lower()):
            return {}
        return {"Authorization": f"Bearer {token}"}

    @contextlib.contextmanager
    def _get(self, plugin_id: str, url: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
        """GET `url` as a stream, following redirects while checking every hop's URL.

        Once a hop is on https, no later hop may be plain http, not even to loopback.
        """
        client = self._client_or_new()
        start = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_url(plugin_id, url)
            try:
                request = client.build_request(
                    "GET", url, headers={**headers, **self._auth_headers(url)}
                )
            except httpx.InvalidURL as e:
                raise LoadError(f"plugin {plugin_id!r}: cannot download {url!r}: {e}") from e
            response = client.send(request, stream=True, follow_redirects=False)
            if response.is_redirect and "Location" in response.headers:
                url = urljoin(str(response.url), response.headers["Location"])
                response.close()
                if response.url.scheme == "https" and urlsplit(url).scheme != "https":
                    raise LoadError(
                        f"plugin {plugin_id!r}: {start} redirects to plain http ({url}); refused, "
                        "since a download that has reached https must stay on it; "
                        "nothing was cached"
                    )
                continue
            try:
                yield response
            finally:
                response.close()
            return
        raise LoadError(
            f"plugin {plugin_id!r}: {start} redirects more than {MAX_REDIRECTS} times "
            f"(a loop?), last to {url}; nothing was cached"
        )

    def _download(self, plugin_id: str, url: str, out: BinaryIO | IO[bytes]) -> None:
        # `identity` keeps Content-Length meaningful as the number of body bytes.
        headers = {"Accept": "application/octet-stream", "Accept-Encoding": "identity"}
        try:
            with self._get(plugin_id, url, headers) as response:
                if response.status_code != 200:
                    raise LoadError(
                        f"plugin {plugin_id!r}: GET {url} returned HTTP {response.status_code}"
                    )
                self._receive(
                    plugin_id,
                    url,
                    response,
                    out,
                    (self.max_download_size, "max_download_size"),
                    self.progress,
                )
        except httpx.TimeoutException as e:
            raise LoadError(
                f"plugin {plugin_id!r}: download of {url} timed out: the server sent nothing "
                f"in time ({type(e).__name__}; PluginLoader(timeout=...) sets how long to "
                "wait); nothing was cached"
            ) from e
        except httpx.HTTPError as e:
            raise LoadError(
                f"plugin {plugin_id!r}: download of {url} failed: {e}; nothing was cached"
            ) from e

    def _receive(
        self,
        plugin_id: str,
        url: str,
        response: httpx.Response,
        out: IO[bytes],
        ceiling: tuple[int, str],
        progress: ProgressCallback | None = None,
    ) -> None:
        """Copy a streamed body to `out`: at most `ceiling` (bytes, its name), announced or not."""
        limit, limit_name = ceiling
        total = _content_length(response)
        if total is not None and total > limit:
            raise LoadError(
                f"plugin {plugin_id!r}: refusing {url}: the server announces {total} bytes, "
                f"more than the limit of {limit} bytes ({limit_name}); nothing was cached"
            )
        if progress is not None:
            progress(plugin_id, 0, total)
        written = 0
        for chunk in response.iter_bytes(_CHUNK):
            written += len(chunk)
            # Content-Length counts bytes on the wire; what is written can be more when a
            # server compresses in spite of `Accept-Encoding: identity`. Both are bounded.
            received = max(written, response.num_bytes_downloaded)
            if received > limit:
                raise LoadError(
                    f"plugin {plugin_id!r}: download of {url} stopped after {received} bytes: "
                    f"more than the limit of {limit} bytes ({limit_name}); nothing was cached"
                )
            out.write(chunk)
            if progress is not None:
                progress(plugin_id, response.num_bytes_downloaded, total)
        done = response.num_bytes_downloaded
        if total is not None and done != total:
            raise LoadError(
                f"plugin {plugin_id!r}: download of {url} was cut short "
                f"({done} of {total} bytes); nothing was cached"
            )

    # -- OCI registries --------------------------------------------------------------------

    def _fetch_oci(self, plugin_id: str, key: str, loc: OciLocator) -> Path:
        where = f"plugin {plugin_id!r} from {loc}"
        url = f"{loc.base_url}/v2/{loc.repository}/manifests/{loc.reference}"
        manifest = self._registry_get(plugin_id, loc, url, oci.MANIFEST_ACCEPT, "manifest")
        if loc.digest is not None:
            actual = "sha256:" + hashlib.sha256(manifest).hexdigest()
            if actual != loc.digest:
                raise IntegrityError(
                    f"{where}: the registry's manifest has digest {actual}, not {loc.digest}; "
                    "nothing was cached",
                    loc.digest,
                    actual,
                )
        layer = oci.wasm_layer(manifest, where)
        if layer.size > self.max_download_size:
            raise LoadError(
                f"{where}: the wasm layer is {layer.size} bytes, more than the limit of "
                f"{self.max_download_size} bytes (max_download_size); nothing was cached"
            )
        blob = f"{loc.base_url}/v2/{loc.repository}/blobs/{layer.digest}"
        return self._fetch(
            plugin_id,
            key,
            blob,
            f"{loc.repository.rsplit('/', 1)[-1]}.wasm",
            loc.sha256,
            layer.digest.removeprefix("sha256:"),
            loc.reference,
            publisher="the registry's manifest",
        )

    def _registry_get(
        self, plugin_id: str, loc: OciLocator, url: str, accept: str, what: str
    ) -> bytes:
        """GET a small registry document, answering one 401 challenge for pull access."""
        client = self._client_or_new()
        ceiling = min(
            (MAX_API_RESPONSE, "MAX_API_RESPONSE"), (self.max_download_size, "max_download_size")
        )
        for attempt in range(2):
            body = io.BytesIO()
            try:
                with self._get(plugin_id, url, {"Accept": accept}) as response:
                    status = response.status_code
                    challenge = response.headers.get("WWW-Authenticate")
                    self._receive(plugin_id, url, response, body, ceiling)
            except httpx.HTTPError as e:
                raise LoadError(
                    f"plugin {plugin_id!r}: registry request {url} failed: {e}; nothing was cached"
                ) from e
            if status == 401 and attempt == 0 and challenge:
                scope = f"repository:{loc.repository}:pull"
                self._registry_auth.authorize(
                    client, loc, url, challenge, scope, lambda u: self._check_url(plugin_id, u)
                )
                continue
            break
        if status == 200:
            return body.getvalue()
        if status == 401:
            raise LoadError(
                f"plugin {plugin_id!r}: {self._registry_auth.refused(loc, f'the {what}')}"
            )
        if status == 404:
            ref = f"digest {loc.digest}" if loc.digest else f"tag {loc.tag!r}"
            raise LoadError(
                f"plugin {plugin_id!r}: {loc.registry} has no {ref} in {loc.repository} "
                f"(GET {url} returned 404); nothing was cached"
            )
        raise LoadError(f"plugin {plugin_id!r}: GET {url} returned HTTP {status}")

    # -- GitHub --------------------------------------------------------------------------

    def _api_json(self, plugin_id: str, url: str, what: str) -> Any:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        body = io.BytesIO()
        # The lower ceiling binds, and the message names it.
        ceiling = min(
            (MAX_API_RESPONSE, "MAX_API_RESPONSE"), (self.max_download_size, "max_download_size")
        )
        try:
            with self._get(plugin_id, url, headers) as response:
                self._receive(plugin_id, url, response, body, ceiling)
        except httpx.HTTPError as e:
            raise LoadError(f"plugin {plugin_id!r}: GitHub API request {url} failed: {e}") from e
        status = response.status_code
        if status == 404:
            raise LoadError(f"plugin {plugin_id!r}: {what} not found (GET {url} returned 404)")
        if status in (403, 429) and response.headers.get("X-RateLimit-Remaining") == "0":
            hint = "" if os.environ.get("GITHUB_TOKEN") else "; set GITHUB_TOKEN to raise the limit"
            raise LoadError(f"plugin {plugin_id!r}: GitHub API rate limit reached{hint}")
        if status == 401:
            raise LoadError(
                f"plugin {plugin_id!r}: GitHub rejected the token in GITHUB_TOKEN (401)"
            )
        if status != 200:
            raise LoadError(f"plugin {plugin_id!r}: GET {url} returned HTTP {status}")
        try:
            return loads_json(body.getvalue())
        except ValueError as e:
            raise LoadError(f"plugin {plugin_id!r}: GET {url} did not return JSON: {e}") from e

    def _resolve_release(self, plugin_id: str, loc: GitHubLocator) -> _Release:
        repo = f"{self.github_api}/repos/{quote(loc.org)}/{quote(loc.repo)}"
        if loc.tag is None:
            url, what = f"{repo}/releases/latest", f"latest release of {loc.repo_slug}"
        else:
            url = f"{repo}/releases/tags/{quote(loc.tag, safe='')}"
            what = f"release {loc.tag} of {loc.repo_slug}"
        data = self._api_json(plugin_id, url, what)
        assets = data.get("assets") if isinstance(data, dict) else None
        tag = data.get("tag_name") if isinstance(data, dict) else None
        if not isinstance(assets, list) or not isinstance(tag, str):
            raise LoadError(f"plugin {plugin_id!r}: unexpected GitHub API answer from {url}")
        by_name: dict[str, dict[str, Any]] = {
            a["name"]: a
            for a in assets
            if isinstance(a, dict)
            and isinstance(a.get("name"), str)
            and isinstance(a.get("browser_download_url"), str)
        }
        stem = loc.asset_stem
        if loc.asset is not None and (stem.endswith(".wasm") or is_archive(stem)):
            wanted = [stem]
        else:
            wanted = [f"{stem}{ext}" for ext in (".wasm", ".tar.gz", ".tgz", ".zip")]
        for name in wanted:
            if name in by_name:
                asset = by_name[name]
                return _Release(tag, name, asset["browser_download_url"], _published_digest(asset))
        have = ", ".join(sorted(by_name)) or "none"
        raise LoadError(
            f"plugin {plugin_id!r}: {what} ({tag}) has no asset named "
            f"{' or '.join(wanted)} (assets: {have})"
        )


def _published_digest(asset: dict[str, Any]) -> str | None:
    """GitHub reports `digest: "sha256:..."` for release assets uploaded since mid-2025."""
    digest = asset.get("digest")
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        return None
    try:
        return normalize_sha256(digest)
    except LoadError:
        return None


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
