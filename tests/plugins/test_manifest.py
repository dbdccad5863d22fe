"""The plugin manifest in witkit.toml / pyproject.toml: happy paths and every kind of error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugins._support import WASM, LoopbackServer, sha256
from witkit.errors import LoadError
from witkit.plugins import (
    FileLocator,
    GitHubLocator,
    Manifest,
    ManifestError,
    PluginLimits,
    PluginLoader,
    UrlLocator,
    WasiGrants,
    load_manifest,
    parse_duration,
    parse_memory_size,
)
from witkit.plugins.dynamic import spec_wasi
from witkit.runtime import Http

DIGEST = "cd" * 32

FULL = f"""
[project]
name = "not-read"

[plugins.greeter]
locator = "github:acme/greeter@v1.2.0"
sha256 = "{DIGEST.upper()}"
config = {{ greeting = "hello", "dotted.key" = "x" }}

[plugins.greeter.wasi]
args = ["--verbose", "-n"]
env = {{ LANG = "C" }}
preopens = {{ "/data" = "data", "/abs" = "/srv/shared" }}
read_only = true
stdout = "inherit"
stderr = "capture"
network = true

[plugins.greeter.limits]
fuel = 10_000_000
timeout = "1500ms"
memory = "64MiB"

[plugins.bare]
locator = "file:build/bare.wasm"
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write a manifest file."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_witkit_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "witkit.toml", FULL)
    manifest = load_manifest(path)
    assert manifest.path == path.absolute()
    assert manifest.root == tmp_path.absolute()
    assert list(manifest.plugins) == ["greeter", "bare"]
    greeter = manifest["greeter"]
    assert greeter.locator == GitHubLocator("acme/greeter", "v1.2.0", sha256=DIGEST)
    assert greeter.sha256 == DIGEST
    assert greeter.config == {"greeting": "hello", "dotted.key": "x"}
    assert greeter.wasi == WasiGrants(
        args=("--verbose", "-n"),
        env={"LANG": "C"},
        preopens={"/data": tmp_path.absolute() / "data", "/abs": Path("/srv/shared")},
        read_only=True,
        stdout="inherit",
        stderr="capture",
        network=True,
    )
    assert greeter.limits == PluginLimits(fuel=10_000_000, timeout=1.5, memory=64 * 2**20)
    bare = manifest["bare"]
    assert bare.locator == FileLocator(Path("build/bare.wasm"))
    assert (bare.sha256, bare.config, bare.wasi, bare.limits) == (
        None,
        {},
        WasiGrants(),
        PluginLimits(),
    )


def test_http_grant(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "witkit.toml",
        """
[plugins.fetcher]
locator = "file:f.wasm"

[plugins.fetcher.http]
allowed_hosts = ["api.example.com", "*.example.org", "127.0.0.1:8080"]
methods = ["get", "POST"]
timeout = "2s"
max_response_size = "1MiB"
max_requests = 3
max_redirects = 0

[plugins.proxy]
locator = "file:p.wasm"
http = "unrestricted"

[plugins.offline]
locator = "file:o.wasm"
""",
    )
    manifest = load_manifest(path)
    assert manifest["fetcher"].http == Http(
        allowed_hosts=("api.example.com", "*.example.org", "127.0.0.1:8080"),
        methods=("GET", "POST"),
        timeout=2.0,
        max_response_size=2**20,
        max_requests=3,
        max_redirects=0,
        name="fetcher",
    )
    assert manifest["proxy"].http == "unrestricted"
    assert manifest["offline"].http is None
    assert spec_wasi(manifest["fetcher"]).http == manifest["fetcher"].http
    assert spec_wasi(manifest["offline"]).http is None


def test_defaults_grant_nothing() -> None:
    wasi = WasiGrants()
    assert (wasi.args, dict(wasi.env), dict(wasi.preopens)) == ((), {}, {})
    assert (wasi.read_only, wasi.stdout, wasi.stderr, wasi.network) == (False, None, None, False)


def test_stdio_booleans_and_discard(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "witkit.toml",
        '[plugins.p]\nlocator = "file:p.wasm"\nwasi = { stdout = true, stderr = "discard" }\n',
    )
    wasi = load_manifest(path)["p"].wasi
    assert (wasi.stdout, wasi.stderr) == ("inherit", None)


def test_pyproject_tool_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.witkit]\nother-setting = 1\n\n'
        '[tool.witkit.plugins.p]\nlocator = "https://example.com/p.wasm"\n',
    )
    monkeypatch.chdir(tmp_path)
    manifest = load_manifest()
    assert manifest.path == (tmp_path / "pyproject.toml").absolute()
    assert manifest["p"].locator == UrlLocator("https://example.com/p.wasm")


def test_pyproject_without_plugins_is_empty(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert len(load_manifest(tmp_path)) == 0


def test_witkit_toml_is_preferred_in_a_folder(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path, "witkit.toml", '[plugins.p]\nlocator = "file:p.wasm"\n')
    assert list(load_manifest(tmp_path).plugins) == ["p"]


def test_both_files_declaring_plugins_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.witkit.plugins.q]\nlocator = "file:q.wasm"\n')
    write(tmp_path, "witkit.toml", '[plugins.p]\nlocator = "file:p.wasm"\n')
    with pytest.raises(ManifestError, match=r"both witkit\.toml and pyproject\.toml"):
        load_manifest(tmp_path)


def test_no_manifest_here(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"no witkit\.toml or pyproject\.toml") as info:
        load_manifest(tmp_path)
    assert isinstance(info.value, LoadError)
    with pytest.raises(ManifestError, match="no such file"):
        load_manifest(tmp_path / "missing.toml")


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "witkit.toml", '[plugins.p]\nlocator = "file:p.wasm\n')
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    message = str(info.value)
    assert message.startswith(f"{path.absolute()}: not valid TOML")
    assert "line 2" in message


BAD = [
    # (plugin table body, key named in the error, fragment of the message)
    ('locator = "file:p.wasm"\nlocatr = "x"', "locatr", "unknown key"),
    ('locator = "file:p.wasm"\nwasi = { netwrok = true }', "wasi.netwrok", "unknown key"),
    ('locator = "file:p.wasm"\nlimits = { cpu = 1 }', "limits.cpu", "unknown key"),
    ("config = {}", "locator", "missing"),
    ("locator = 42", "locator", "expected a string, got an integer"),
    ('locator = "ftp://x/p.wasm"', "locator", "bad locator 'ftp://x/p.wasm'"),
    ('locator = "file:p.wasm"\nsha256 = "abc"', "sha256", "not a SHA-256 digest"),
    ('locator = "file:p.wasm"\nsha256 = 1', "sha256", "expected a string"),
    (
        'locator = "file:p.wasm"\nconfig = { n = 1 }',
        "config.n",
        "expected a string, got an integer",
    ),
    ('locator = "file:p.wasm"\nconfig = "x"', "config", "expected a table of strings"),
    ('locator = "file:p.wasm"\nwasi = "all"', "wasi", "expected a table, got a string"),
    (
        'locator = "file:p.wasm"\nwasi = { args = "-v" }',
        "wasi.args",
        "expected an array of strings",
    ),
    ('locator = "file:p.wasm"\nwasi = { args = [1] }', "wasi.args[0]", "expected a string"),
    ('locator = "file:p.wasm"\nwasi = { env = { A = true } }', "wasi.env.A", "expected a string"),
    ('locator = "file:p.wasm"\nwasi = { preopens = ["/d"] }', "wasi.preopens", "expected a table"),
    ('locator = "file:p.wasm"\nwasi = { read_only = ["/d"] }', "wasi.read_only", "true or false"),
    ('locator = "file:p.wasm"\nwasi = { stdout = "file" }', "wasi.stdout", "expected one of"),
    ('locator = "file:p.wasm"\nwasi = { network = "yes" }', "wasi.network", "true or false"),
    ('locator = "file:p.wasm"\nlimits = { fuel = "lots" }', "limits.fuel", "expected an integer"),
    ('locator = "file:p.wasm"\nlimits = { fuel = 0 }', "limits.fuel", "positive integer"),
    ('locator = "file:p.wasm"\nlimits = { fuel = true }', "limits.fuel", "expected an integer"),
    ('locator = "file:p.wasm"\nlimits = { timeout = -1 }', "limits.timeout", "positive number"),
    ('locator = "file:p.wasm"\nlimits = { timeout = "soon" }', "limits.timeout", "not a duration"),
    ('locator = "file:p.wasm"\nlimits = { memory = "64 potatoes" }', "limits.memory", "not a size"),
    ('locator = "file:p.wasm"\nlimits = { memory = 1.5 }', "limits.memory", "got a float"),
    ('locator = "file:p.wasm"\nlimits = "none"', "limits", "expected a table"),
    ('locator = "file:p.wasm"\nhttp = { hosts = [] }', "http.hosts", "unknown key"),
    ('locator = "file:p.wasm"\nhttp = "all"', "http", 'expected a table or "unrestricted"'),
    ('locator = "file:p.wasm"\nhttp = true', "http", 'expected a table or "unrestricted"'),
    (
        'locator = "file:p.wasm"\nhttp = { allowed_hosts = "a.example" }',
        "http.allowed_hosts",
        "expected an array of strings",
    ),
    (
        'locator = "file:p.wasm"\nhttp = { allowed_hosts = ["ok.example", "https://a.example"] }',
        "http.allowed_hosts[1]",
        "no scheme, path or user",
    ),
    (
        'locator = "file:p.wasm"\nhttp = { allowed_hosts = ["a.example:99999"] }',
        "http.allowed_hosts[0]",
        "the port must be 1-65535",
    ),
    ('locator = "file:p.wasm"\nhttp = { methods = ["GET", "TRACE"] }', "http.methods[1]", "'TRACE'"),
    ('locator = "file:p.wasm"\nhttp = { timeout = "soon" }', "http.timeout", "not a duration"),
    (
        'locator = "file:p.wasm"\nhttp = { max_response_size = "lots" }',
        "http.max_response_size",
        "not a size",
    ),
    ('locator = "file:p.wasm"\nhttp = { max_requests = 0 }', "http.max_requests", "positive"),
    ('locator = "file:p.wasm"\nhttp = { max_redirects = -1 }', "http.max_redirects", "0 to"),
]


@pytest.mark.parametrize(("body", "key", "fragment"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
@pytest.mark.parametrize("filename", ["witkit.toml", "pyproject.toml"])
def test_errors_name_file_plugin_and_key(
    tmp_path: Path, filename: str, body: str, key: str, fragment: str
) -> None:
    table = "plugins" if filename == "witkit.toml" else "tool.witkit.plugins"
    path = write(tmp_path, filename, f"[{table}.my-plugin]\n{body}\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    err = info.value
    assert (err.path, err.plugin, err.key) == (path.absolute(), "my-plugin", key)
    message = str(err)
    assert message.startswith(f"{path.absolute()}: plugin 'my-plugin': key {key!r}: ")
    assert fragment in message


def test_bad_plugin_id(tmp_path: Path) -> None:
    path = write(tmp_path, "witkit.toml", '[plugins."a/b"]\nlocator = "file:p.wasm"\n')
    with pytest.raises(ManifestError, match="plugin 'a/b': bad plugin id"):
        load_manifest(path)


def test_plugin_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "witkit.toml", '[plugins]\np = "file:p.wasm"\n')
    with pytest.raises(ManifestError, match="plugin 'p': expected a table, got a string"):
        load_manifest(path)


def test_plugins_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "witkit.toml", 'plugins = ["p"]\n')
    with pytest.raises(ManifestError, match=r"\[plugins\] must be a table"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (4096, 4096),
        ("65536", 65536),
        ("64KiB", 64 * 1024),
        ("64 MiB", 64 * 2**20),
        ("64mib", 64 * 2**20),
        ("1GB", 10**9),
        ("1.5GiB", 3 * 2**29),
        ("10B", 10),
    ],
)
def test_memory_sizes(value: int | str, size: int) -> None:
    assert parse_memory_size(value) == size


@pytest.mark.parametrize("value", [True, 0, -5, "0MiB", "64M", "MiB", "1e6", 2.0])
def test_bad_memory_sizes(value: object) -> None:
    with pytest.raises(ValueError):
        parse_memory_size(value)


@pytest.mark.parametrize(
    ("value", "seconds"), [(2, 2.0), (0.25, 0.25), ("500ms", 0.5), ("5s", 5.0), ("2m", 120.0)]
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


def test_fetch_all(
    tmp_path: Path, server: LoopbackServer, make_loader: Callable[..., PluginLoader]
) -> None:
    url = server.serve("/remote.wasm", WASM)
    (tmp_path / "proj" / "build").mkdir(parents=True)
    (tmp_path / "proj" / "build" / "local.wasm").write_bytes(WASM)
    path = write(
        tmp_path / "proj",
        "witkit.toml",
        f'[plugins.remote]\nlocator = "{url}"\nsha256 = "{sha256(WASM)}"\n\n'
        '[plugins.local]\nlocator = "file:build/local.wasm"\n',
    )
    manifest = load_manifest(path)
    assert isinstance(manifest, Manifest)
    loader = make_loader()
    paths = manifest.fetch_all(loader)
    assert paths == {
        "remote": loader.plugins_dir.absolute() / "remote.wasm",
        "local": (tmp_path / "proj" / "build" / "local.wasm").resolve(),
    }
    assert manifest.fetch_all(make_loader(offline=True)) == paths
    assert server.count() == 1
