"""`Manifest.load_all`: every plugin of a manifest fetched and loaded with its own grants."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

import witkit
from witkit.plugins import PluginLoader, load_manifest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "compose"


def test_load_all_applies_each_plugins_limits(tmp_path: Path) -> None:
    for name in ("english", "french"):
        binary = wasmtime.wat2wasm((EXAMPLES / f"{name}.wat").read_text())
        (tmp_path / f"{name}.wasm").write_bytes(binary)
    (tmp_path / "witkit.toml").write_text(
        """
[plugins.english]
locator = "file:english.wasm"
config = { tone = "warm" }

[plugins.french]
locator = "file:french.wasm"

[plugins.french.limits]
fuel = 1
"""
    )
    manifest = load_manifest(tmp_path / "witkit.toml")
    loader = PluginLoader(tmp_path / "cache", tmp_path / "temp")
    plugins = manifest.load_all(loader)
    assert sorted(plugins) == ["english", "french"]
    assert plugins["english"].call("greeter/greet", "Ada") == "Hello, Ada!"
    # One unit of fuel per call is not enough to greet anyone: the manifest's limit holds.
    with pytest.raises(witkit.FuelExhausted):
        plugins["french"].call("greeter/greet", "Ada")
