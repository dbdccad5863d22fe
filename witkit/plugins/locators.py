"""Plugin locators: where a plugin's `.wasm` comes from, as objects and as strings.

Every locator may carry `sha256`, the digest of the file as published (for an archive
asset, the archive's digest, not the unpacked `.wasm`'s; for an OCI artifact, its
`application/wasm` layer's).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from witkit.errors import LoadError

__all__ = [
    "FileLocator",
    "GitHubLocator",
    "Locator",
    "OciLocator",
    "UrlLocator",
    "asset_stem_for_repo",
    "is_loopback_host",
    "normalize_sha256",
    "parse_locator",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GITHUB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Tags may hold slashes (`release/v1`) but never whitespace, `..` or control characters.
_GITHUB_TAG = re.compile(r"[A-Za-z0-9._+/-]+")
# The distribution spec's grammar for repository names and tags.
_OCI_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
)
_OCI_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_OCI_REGISTRY = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")


def normalize_sha256(value: str, *, what: str = "sha256") -> str:
    """Return a SHA-256 hex digest in lower case, accepting an optional `sha256:` prefix."""
    digest = value.strip().lower()
    digest = digest.removeprefix("sha256:")
    if not _SHA256.fullmatch(digest):
        raise LoadError(f"{what} {value!r} is not a SHA-256 digest (64 hex digits)")
    return digest


def is_loopback_host(host: str) -> bool:
    """Whether `host` is `localhost` or a loopback address (127.0.0.0/8, ::1)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def asset_stem_for_repo(repo: str) -> str:
    """The default release asset stem for a repository: `my-tool` -> `my_tool_plugin`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", repo)
    snake = re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").lower()
    return f"{snake}_plugin"


def _checked_sha256(obj: object, value: str | None) -> None:
    if value is not None:
        object.__setattr__(obj, "sha256", normalize_sha256(value))


@dataclass(frozen=True)
class FileLocator:
    """A plugin on the local disk; a relative `path` is resolved against the loader's `base`."""

    path: Path
    sha256: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if not str(self.path) or str(self.path) == ".":
            raise LoadError("file locator has an empty path")
        _checked_sha256(self, self.sha256)

    def __str__(self) -> str:
        return f"file:{self.path.as_posix()}"


@dataclass(frozen=True)
class UrlLocator:
    """A plugin downloaded from an `https://` URL (`http://` only to loopback hosts)."""

    url: str
    sha256: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LoadError(f"{self.url!r} is not an http(s) URL with a host")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port lazily
        except ValueError as e:
            raise LoadError(f"{self.url!r} has a bad port: {e}") from None
        _checked_sha256(self, self.sha256)

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class GitHubLocator:
    """A release asset of a GitHub repository; the latest release when `tag` is None.

    `asset` names the asset, with or without its extension; by default it is the repository
    name in snake_case with a `_plugin` suffix (`my-tool` -> `my_tool_plugin.wasm`, or the
    same stem with `.tar.gz`, `.tgz` or `.zip`).
    """

    repo_slug: str
    tag: str | None = None
    asset: str | None = field(default=None, kw_only=True)
    sha256: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        org, sep, repo = self.repo_slug.partition("/")
        if not sep or not _GITHUB_NAME.fullmatch(org) or not _GITHUB_NAME.fullmatch(repo):
            raise LoadError(f"{self.repo_slug!r} is not a GitHub repository slug like 'org/repo'")
        if self.tag is not None and (
            not _GITHUB_TAG.fullmatch(self.tag) or ".." in self.tag or self.tag.startswith("/")
        ):
            raise LoadError(f"{self.tag!r} is not a valid release tag for {self.repo_slug}")
        if self.asset is not None and (
            not self.asset or "/" in self.asset or "\\" in self.asset or self.asset in (".", "..")
        ):
            raise LoadError(f"{self.asset!r} is not a release asset name")
        _checked_sha256(self, self.sha256)

    @property
    def org(self) -> str:
        """The owner of the repository."""
        return self.repo_slug.partition("/")[0]

    @property
    def repo(self) -> str:
        """The repository name without its owner."""
        return self.repo_slug.partition("/")[2]

    @property
    def asset_stem(self) -> str:
        """The asset name to look for, without an extension when the default is used."""
        return self.asset if self.asset is not None else asset_stem_for_repo(self.repo)

    def __str__(self) -> str:
        return f"github:{self.repo_slug}" + (f"@{self.tag}" if self.tag else "")


@dataclass(frozen=True)
class OciLocator:
    """A Wasm OCI artifact in a registry: `oci://registry/namespace/name:tag` or `...@sha256:HEX`.

    `registry` is a host with an optional port. `digest` (the manifest's `sha256:...`) pins
    the artifact; otherwise `tag` names it (`latest` when neither is given). The registry is
    spoken to over https, or plain http when it is a loopback host.
    """

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = field(default=None, kw_only=True)
    sha256: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if not _OCI_REGISTRY.fullmatch(self.registry):
            raise LoadError(f"{self.registry!r} is not a registry host[:port]")
        if not _OCI_REPOSITORY.fullmatch(self.repository) or len(self.repository) > 255:
            raise LoadError(
                f"{self.repository!r} is not a repository name (lower-case path components "
                "like 'namespace/name')"
            )
        if self.digest is not None:
            object.__setattr__(
                self, "digest", "sha256:" + normalize_sha256(self.digest, what="manifest digest")
            )
        elif self.tag is None:
            object.__setattr__(self, "tag", "latest")
        if self.tag is not None and not _OCI_TAG.fullmatch(self.tag):
            raise LoadError(f"{self.tag!r} is not an OCI tag (letters, digits, '_', '.', '-')")
        _checked_sha256(self, self.sha256)

    @property
    def reference(self) -> str:
        """What the manifest is asked for by: the digest when there is one, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def base_url(self) -> str:
        """`https://registry`, or `http://registry` for a loopback registry."""
        host = urlsplit(f"//{self.registry}").hostname or self.registry
        return f"{'http' if is_loopback_host(host) else 'https'}://{self.registry}"

    def __str__(self) -> str:
        ref = f"@{self.digest}" if self.digest else f":{self.tag}"
        return f"oci://{self.registry}/{self.repository}{ref}"


Locator = FileLocator | UrlLocator | GitHubLocator | OciLocator
"""Any locator object."""


def parse_locator(text: str, *, sha256: str | None = None) -> Locator:
    """Parse `file:path`, `https://host/x.wasm`, `github:org/repo[@tag]` or
    `oci://registry/namespace/name[:tag|@sha256:HEX]` into a locator."""
    if not isinstance(text, str):
        raise LoadError(f"a locator must be a string, not {type(text).__name__}")
    s = text.strip()
    try:
        if s.startswith("file:"):
            return FileLocator(_file_path(s), sha256=sha256)
        if s.startswith(("https://", "http://")):
            return UrlLocator(s, sha256=sha256)
        if s.startswith("github:"):
            slug, _, tag = s.removeprefix("github:").partition("@")
            if "@" in s and not tag:
                raise LoadError("the tag after '@' is empty")
            return GitHubLocator(slug, tag or None, sha256=sha256)
        if s.startswith("oci://"):
            return _oci_locator(s.removeprefix("oci://"), sha256)
    except LoadError as e:
        raise LoadError(f"bad locator {text!r}: {e}") from None
    hint = ""
    if s.endswith((".wasm", ".tar.gz", ".tgz", ".zip")) and "://" not in s:
        hint = f" (did you mean 'file:{s}'?)"
    raise LoadError(
        f"bad locator {text!r}: expected 'file:PATH', 'https://HOST/PATH' "
        f"'github:ORG/REPO[@TAG]' or 'oci://REGISTRY/NAME[:TAG]'{hint}"
    )


def _file_path(s: str) -> Path:
    if s.startswith("file://"):
        parts = urlsplit(s)
        if parts.netloc not in ("", "localhost"):
            raise LoadError(f"file URL host {parts.netloc!r} is not local")
        path = unquote(parts.path)
    else:
        path = s.removeprefix("file:")
    if not path:
        raise LoadError("the path is empty")
    return Path(path)


def _oci_locator(s: str, sha256: str | None) -> OciLocator:
    registry, sep, rest = s.partition("/")
    if not sep or not rest:
        raise LoadError("expected 'oci://REGISTRY/NAMESPACE/NAME[:TAG|@sha256:HEX]'")
    if "@" in rest:
        repository, _, digest = rest.partition("@")
        if not digest.startswith("sha256:"):
            raise LoadError(f"the digest {digest!r} after '@' must be 'sha256:HEX'")
        return OciLocator(registry, repository, digest=digest, sha256=sha256)
    head, colon, tag = rest.rpartition(":")
    if colon and "/" not in tag:
        if not tag:
            raise LoadError("the tag after ':' is empty")
        return OciLocator(registry, head, tag, sha256=sha256)
    return OciLocator(registry, rest, sha256=sha256)
