"""The plugin manifest: `[plugins.<id>]` in `witkit.toml` or `[tool.witkit.plugins.<id>]` in `pyproject.toml`.

```toml
[plugins.greeter]
locator = "github:acme/greeter@v1.2.0"
sha256 = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b"
config = { greeting = "hello" }

[plugins.greeter.wasi]
args = ["--verbose"]
env = { LANG = "C" }
preopens = { "/data" = "./data" }   # guest path = host path (relative to this file)
read_only = true                    # every preopen read-only (default false)
stdout = "inherit"                  # "inherit" | "capture" | "discard" (default), or true/false
stderr = true
network = false

[plugins.greeter.http]                  # outbound HTTP through witkit:plugin/http
allowed_hosts = ["api.example.com", "*.example.org", "127.0.0.1:8080"]
methods = ["GET", "POST"]               # default ["GET", "HEAD"]
timeout = "10s"                         # per request; the call's own timeout bounds it too
max_response_size = "1MiB"              # decoded body bytes (default 10MiB)
max_requests = 8                        # per call, redirect hops included (default 16)
max_redirects = 3                       # per request, each hop checked (default 5)

[plugins.greeter.limits]
fuel = 10_000_000
timeout = "5s"                      # seconds as a number, or "500ms", "5s", "2m"
memory = "64MiB"                    # bytes as an integer, or "64MiB", "1GB", ...
```

`http = "unrestricted"` (instead of the `[plugins.<id>.http]` table) links
`wasi:http/outgoing-handler` whole, to any host: see `witkit.runtime.Wasi`.

Every key is checked; an unknown key or a value of the wrong type is a `ManifestError`
naming the file, the plugin id and the key. Other tables of the file are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from witkit._parse import loads_toml
from witkit.errors import GrantError, LoadError
from witkit.plugins.loader import PluginLoader, validate_plugin_id
from witkit.plugins.locators import Locator, normalize_sha256, parse_locator
from witkit.runtime.config import (
    HTTP_METHODS,
    MAX_FUEL,
    MAX_MEMORY,
    MAX_TIMEOUT,
    Http,
    HttpGrant,
    host_pattern,
)

if TYPE_CHECKING:
    from witkit.plugins.dynamic import DynamicPlugin
    from witkit.runtime import Runtime

__all__ = [
    "Manifest",
    "ManifestError",
    "PluginLimits",
    "PluginSpec",
    "StdioMode",
    "WasiGrants",
    "load_manifest",
    "parse_duration",
    "parse_manifest",
    "parse_memory_size",
]

StdioMode = Literal["inherit", "capture"]
"""A guest's stdout/stderr passed through to the host's, or kept for the host to read."""

_STDIO_MODES = ("inherit", "capture", "discard")
_PLUGIN_KEYS = ("locator", "sha256", "config", "wasi", "http", "limits")
_HTTP_KEYS = (
    "allowed_hosts", "methods", "timeout", "max_response_size", "max_requests", "max_redirects",
)  # fmt: skip
_WASI_KEYS = ("args", "env", "preopens", "read_only", "stdout", "stderr", "network")
_LIMIT_KEYS = ("fuel", "timeout", "memory")

_MEMORY_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*")


class ManifestError(LoadError):
    """A manifest is not valid TOML or breaks the schema; names the file, plugin and key."""

    def __init__(
        self, message: str, path: Path | None, plugin: str | None = None, key: str | None = None
    ) -> None:
        where = str(path) if path is not None else "<manifest>"
        if plugin is not None:
            where += f": plugin {plugin!r}"
        if key is not None:
            where += f": key {key!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.plugin = plugin
        self.key = key


@dataclass(frozen=True)
class WasiGrants:
    """The WASI capabilities a plugin is granted; nothing is granted by default."""

    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    preopens: Mapping[str, Path] = field(default_factory=dict)
    """Guest path -> absolute host folder."""
    read_only: bool = False
    """Every preopen is read-only for the guest."""
    stdout: StdioMode | None = None
    """None discards the output."""
    stderr: StdioMode | None = None
    network: bool = False


@dataclass(frozen=True)
class PluginLimits:
    """Resource ceilings for a plugin's calls; None means the runtime's default."""

    fuel: int | None = None
    timeout: float | None = None
    """Seconds of wall-clock time per call."""
    memory: int | None = None
    """Bytes of linear memory."""


@dataclass(frozen=True)
class PluginSpec:
    """One plugin of a manifest: where it comes from, its config, grants and limits."""

    id: str
    locator: Locator
    sha256: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)
    wasi: WasiGrants = field(default_factory=WasiGrants)
    limits: PluginLimits = field(default_factory=PluginLimits)
    http: HttpGrant = None
    """`[plugins.<id>.http]` as an `Http` allow list, `"unrestricted"`, or None (no network)."""


@dataclass(frozen=True)
class Manifest:
    """The plugins a project declares, in file order."""

    path: Path | None
    """The file the manifest was read from (None when built from data)."""
    root: Path
    """The folder relative `file:` locators and preopen paths start from."""
    plugins: Mapping[str, PluginSpec] = field(default_factory=dict)

    def __getitem__(self, plugin_id: str) -> PluginSpec:
        return self.plugins[plugin_id]

    def __len__(self) -> int:
        return len(self.plugins)

    def fetch_all(self, loader: PluginLoader) -> dict[str, Path]:
        """Load every plugin through `loader`; returns plugin id -> cached `.wasm` path."""
        return {
            pid: loader.load(pid, spec.locator, base=self.root)
            for pid, spec in self.plugins.items()
        }

    def load_all(
        self, loader: PluginLoader | None = None, *, runtime: Runtime | None = None
    ) -> dict[str, DynamicPlugin]:
        """Fetch and load every plugin, each with its own config, WASI grants and limits.

        Returns plugin id -> a plugin ready for calls by name (`DynamicPlugin.call`); for
        typed calls, pass `manifest.fetch_all(loader)[id]` to generated bindings instead.
        """
        from witkit.plugins.dynamic import load

        return {
            pid: load(spec, runtime=runtime, loader=loader, base=self.root)
            for pid, spec in self.plugins.items()
        }


def parse_memory_size(value: object) -> int:
    """Bytes from an integer or a string like `"64MiB"`, `"1GB"`, `"65536"`."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an integer or a size string like '64MiB', got {_kind(value)}")
    if isinstance(value, int):
        amount = value
    else:
        m = _MEMORY.fullmatch(value)
        unit = m.group(2).lower() if m else ""
        if m is None or unit not in _MEMORY_UNITS:
            raise ValueError(f"{_short_int(value)} is not a size (use e.g. 65536, '64KiB', '64MiB', '1GB')")
        scaled = float(m.group(1)) * _MEMORY_UNITS[unit]
        if not scaled < 2.0**63:  # round(inf) raises OverflowError
            raise ValueError(f"{_short_int(value)} is larger than any memory ceiling")
        amount = round(scaled)
    if amount <= 0:
        raise ValueError(f"a memory size must be positive, got {_short_int(value)}")
    if amount > MAX_MEMORY:
        raise ValueError(f"a memory size must be at most {MAX_MEMORY}, got {_short_int(value)}")
    return amount


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like `"500ms"`, `"5s"`, `"2m"`, `"1h"`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected seconds or a duration like '5s', got {_kind(value)}")
    if isinstance(value, str):
        m = _DURATION.fullmatch(value)
        if m is None:
            raise ValueError(f"{_short_int(value)} is not a duration (use e.g. 2.5, '500ms', '5s', '2m')")
        seconds = float(m.group(1)) * _DURATION_UNITS[m.group(2)]
    else:
        try:
            seconds = float(value)
        except OverflowError:
            seconds = float("inf")
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"a timeout must be a positive number of seconds, got {_short_int(value)}")
    if seconds > MAX_TIMEOUT:
        raise ValueError(
            f"a timeout must be at most {MAX_TIMEOUT:g} seconds, got {_short_int(value)}"
        )
    return seconds


def _short_int(value: object) -> str:
    """`repr` cut short: an integer too long to print (int-string limit), a string too long to read."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {int(value.bit_length() * 0.30103) + 1} digits"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return names.get(type(value), type(value).__name__)


class _Checker:
    """Validates one plugin table, raising errors that carry the file, plugin and key."""

    def __init__(self, path: Path | None, plugin: str, prefix: str) -> None:
        self.path = path
        self.plugin = plugin
        self.prefix = prefix

    def error(self, key: str, message: str) -> ManifestError:
        return ManifestError(message, self.path, self.plugin, key or None)

    def table(self, key: str, value: object, known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_kind(value)}")
        for k in value:
            if k not in known:
                full = f"{key}.{k}" if key else k
                raise self.error(full, f"unknown key (expected one of: {', '.join(known)})")
        return cast(dict[str, Any], value)

    def string(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {_kind(value)}")
        return value

    def strings(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.error(key, f"expected an array of strings, got {_kind(value)}")
        return tuple(self.string(f"{key}[{i}]", v) for i, v in enumerate(value))

    def string_table(self, key: str, value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table of strings, got {_kind(value)}")
        return {k: self.string(f"{key}.{k}", v) for k, v in value.items()}

    def boolean(self, key: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def stdio(self, key: str, value: object) -> StdioMode | None:
        if isinstance(value, bool):
            return "inherit" if value else None
        if value == "inherit" or value == "capture":
            return value
        if value == "discard":
            return None
        raise self.error(
            key, f"expected one of {', '.join(map(repr, _STDIO_MODES))} or a boolean, got {value!r}"
        )

    def positive_int(self, key: str, value: object, top: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {_kind(value)}")
        if value <= 0:
            raise self.error(key, f"expected a positive integer, got {_short_int(value)}")
        if value > top:
            raise self.error(key, f"expected at most {top}, got {_short_int(value)}")
        return value

    def count(self, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {_kind(value)}")
        if not 0 <= value <= 2**31:
            raise self.error(key, f"expected 0 to {2**31}, got {_short_int(value)}")
        return value

    def convert(self, key: str, value: object, parse: Any) -> Any:
        try:
            return parse(value)
        except (ValueError, LoadError) as e:
            raise self.error(key, str(e)) from None


def _wasi(c: _Checker, value: object, root: Path) -> WasiGrants:
    t = c.table("wasi", value, _WASI_KEYS)
    preopens: dict[str, Path] = {}
    for guest, host in c.string_table("wasi.preopens", t.get("preopens", {})).items():
        if not guest:
            raise c.error("wasi.preopens", "a guest path may not be empty")
        preopens[guest] = (root / Path(host).expanduser()).absolute()
    return WasiGrants(
        args=c.strings("wasi.args", t.get("args", [])),
        env=c.string_table("wasi.env", t.get("env", {})),
        preopens=preopens,
        read_only=c.boolean("wasi.read_only", t.get("read_only", False)),
        stdout=c.stdio("wasi.stdout", t["stdout"]) if "stdout" in t else None,
        stderr=c.stdio("wasi.stderr", t["stderr"]) if "stderr" in t else None,
        network=c.boolean("wasi.network", t.get("network", False)),
    )


def _http(c: _Checker, value: object, plugin_id: str) -> HttpGrant:
    if value == "unrestricted":
        return "unrestricted"
    if not isinstance(value, dict):
        raise c.error(
            "http", f'expected a table or "unrestricted", got {_short_int(value)}'
        )
    t = c.table("http", value, _HTTP_KEYS)
    hosts = c.strings("http.allowed_hosts", t.get("allowed_hosts", []))
    for i, entry in enumerate(hosts):
        c.convert(f"http.allowed_hosts[{i}]", entry, host_pattern)
    methods = c.strings("http.methods", t.get("methods", ["GET", "HEAD"]))
    for i, method in enumerate(methods):
        if method.upper() not in HTTP_METHODS:
            raise c.error(
                f"http.methods[{i}]", f"{method!r} is not one of {', '.join(HTTP_METHODS)}"
            )
    size = t.get("max_response_size")
    try:
        return Http(
            allowed_hosts=hosts,
            methods=tuple(m.upper() for m in methods),
            timeout=c.convert("http.timeout", t["timeout"], parse_duration)
            if "timeout" in t
            else Http.timeout,
            max_response_size=c.convert("http.max_response_size", size, parse_memory_size)
            if size is not None
            else Http.max_response_size,
            max_requests=c.positive_int("http.max_requests", t["max_requests"], 2**31)
            if "max_requests" in t
            else Http.max_requests,
            max_redirects=c.count("http.max_redirects", t["max_redirects"])
            if "max_redirects" in t
            else Http.max_redirects,
            name=plugin_id,
        )
    except GrantError as e:  # every key is checked above; kept so nothing escapes unnamed
        raise c.error("http", str(e)) from None


def _limits(c: _Checker, value: object) -> PluginLimits:
    t = c.table("limits", value, _LIMIT_KEYS)
    return PluginLimits(
        fuel=c.positive_int("limits.fuel", t["fuel"], MAX_FUEL) if "fuel" in t else None,
        timeout=c.convert("limits.timeout", t["timeout"], parse_duration)
        if "timeout" in t
        else None,
        memory=c.convert("limits.memory", t["memory"], parse_memory_size)
        if "memory" in t
        else None,
    )


def _plugin(
    path: Path | None, root: Path, prefix: str, plugin_id: str, value: object
) -> PluginSpec:
    c = _Checker(path, plugin_id, prefix)
    try:
        validate_plugin_id(plugin_id)
    except LoadError as e:
        raise ManifestError(str(e), path, plugin_id) from None
    t = c.table("", value, _PLUGIN_KEYS)
    if "locator" not in t:
        raise c.error("locator", "missing (every plugin needs a locator)")
    sha256 = None
    if "sha256" in t:
        sha256 = c.convert("sha256", c.string("sha256", t["sha256"]), normalize_sha256)
    locator_text = c.string("locator", t["locator"])
    locator = c.convert("locator", locator_text, lambda s: parse_locator(s, sha256=sha256))
    return PluginSpec(
        id=plugin_id,
        locator=locator,
        sha256=sha256,
        config=c.string_table("config", t.get("config", {})),
        wasi=_wasi(c, t["wasi"], root) if "wasi" in t else WasiGrants(),
        limits=_limits(c, t["limits"]) if "limits" in t else PluginLimits(),
        http=_http(c, t["http"], plugin_id) if "http" in t else None,
    )


def parse_manifest(
    plugins: Mapping[str, Any],
    *,
    path: Path | None = None,
    root: Path | None = None,
    table: str = "plugins",
) -> Manifest:
    """Validate a `plugins` table (id -> plugin table) already read from TOML or elsewhere."""
    base = root if root is not None else (path.parent if path is not None else Path.cwd())
    base = base.absolute()
    if not isinstance(plugins, dict):
        raise ManifestError(f"[{table}] must be a table, got {_kind(plugins)}", path)
    specs = {pid: _plugin(path, base, table, pid, value) for pid, value in plugins.items()}
    return Manifest(path=path, root=base, plugins=specs)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return loads_toml(path.read_bytes())
    except ValueError as e:
        raise ManifestError(f"not valid TOML: {e}", path) from None
    except OSError as e:
        raise ManifestError(f"cannot be read: {e.strerror or e}", path) from None


def _plugins_table(path: Path, data: dict[str, Any]) -> tuple[Any, str]:
    if path.name == "pyproject.toml":
        node: Any = data
        for part in ("tool", "witkit"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            raise ManifestError("[tool.witkit] must be a table", path)
        return node.get("plugins", {}), "tool.witkit.plugins"
    return data.get("plugins", {}), "plugins"


def load_manifest(path: Path | str | None = None) -> Manifest:
    """Read the plugin manifest from `path`, or from `witkit.toml`/`pyproject.toml` in the cwd.

    A folder is searched like the cwd. When both files declare plugins, that is an error.
    """
    target = Path(path) if path is not None else Path.cwd()
    if not target.is_dir():
        if not target.exists():
            raise ManifestError("no such file", target)
        data = _read_toml(target)
        plugins, table = _plugins_table(target, data)
        return parse_manifest(plugins, path=target.absolute(), table=table)
    witkit_toml, pyproject = target / "witkit.toml", target / "pyproject.toml"
    if not witkit_toml.is_file() and not pyproject.is_file():
        raise ManifestError("no witkit.toml or pyproject.toml here to read plugins from", target)
    if witkit_toml.is_file() and pyproject.is_file():
        plugins, _ = _plugins_table(pyproject, _read_toml(pyproject))
        if plugins:
            raise ManifestError(
                f"plugins are declared in both witkit.toml and {pyproject.name}; keep one", target
            )
    chosen = witkit_toml if witkit_toml.is_file() else pyproject
    return load_manifest(chosen)
