"""Locator strings and objects: parsing, round trips and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from witkit.errors import LoadError
from witkit.plugins import (
    FileLocator,
    GitHubLocator,
    UrlLocator,
    asset_stem_for_repo,
    locator_key,
    parse_locator,
)
from witkit.plugins.locators import is_loopback_host

DIGEST = "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("file:path/to/x.wasm", FileLocator(Path("path/to/x.wasm"))),
        ("file:/abs/x.wasm", FileLocator(Path("/abs/x.wasm"))),
        ("file:///abs/my%20x.wasm", FileLocator(Path("/abs/my x.wasm"))),
        ("https://host/path/x.wasm", UrlLocator("https://host/path/x.wasm")),
        ("http://127.0.0.1:8000/x.wasm", UrlLocator("http://127.0.0.1:8000/x.wasm")),
        ("github:org/repo", GitHubLocator("org/repo")),
        ("github:org/my-repo@v1.2.3", GitHubLocator("org/my-repo", "v1.2.3")),
        ("  github:org/repo@release/1.0  ", GitHubLocator("org/repo", "release/1.0")),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse_locator(text) == expected


@pytest.mark.parametrize(
    "text", ["file:x.wasm", "https://host/x.wasm", "github:org/repo", "github:org/repo@v1"]
)
def test_string_round_trip(text: str) -> None:
    assert str(parse_locator(text)) == text


def test_sha256_is_normalized() -> None:
    loc = parse_locator("https://host/x.wasm", sha256="SHA256:" + DIGEST.upper())
    assert loc.sha256 == DIGEST
    assert GitHubLocator("o/r", sha256=DIGEST).sha256 == DIGEST


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ftp://host/x.wasm", "expected 'file:PATH'"),
        ("x.wasm", "did you mean 'file:x.wasm'?"),
        ("", "expected 'file:PATH'"),
        ("file:", "the path is empty"),
        ("file://otherhost/x.wasm", "is not local"),
        ("https:///x.wasm", "not an http(s) URL with a host"),
        ("github:repo-only", "not a GitHub repository slug"),
        ("github:org/repo@", "the tag after '@' is empty"),
        ("github:org/re po", "not a GitHub repository slug"),
        ("github:org/repo@../x", "not a valid release tag"),
        ("github:a/b/c", "not a GitHub repository slug"),
        ("https://host:99999/x.wasm", "has a bad port"),
    ],
)
def test_bad_strings_name_themselves(text: str, fragment: str) -> None:
    with pytest.raises(LoadError) as info:
        parse_locator(text)
    message = str(info.value)
    assert message.startswith(f"bad locator {text!r}")
    assert fragment in message


def test_bad_sha256() -> None:
    with pytest.raises(LoadError, match="is not a SHA-256 digest"):
        UrlLocator("https://host/x.wasm", sha256="abc")


def test_bad_asset_name() -> None:
    with pytest.raises(LoadError, match="not a release asset name"):
        GitHubLocator("o/r", asset="../x.wasm")


@pytest.mark.parametrize(
    ("repo", "stem"),
    [("my-tool", "my_tool_plugin"), ("MyTool", "my_tool_plugin"), ("tool.rs", "tool_rs_plugin")],
)
def test_asset_stem(repo: str, stem: str) -> None:
    assert asset_stem_for_repo(repo) == stem


def test_locator_key_keeps_the_asset_name() -> None:
    assert locator_key(GitHubLocator("o/r", "v1", asset="x")) == "github:o/r@v1#asset=x"
    assert locator_key(GitHubLocator("o/r")) == "github:o/r"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("128.0.0.1", False),
        ("127.example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
