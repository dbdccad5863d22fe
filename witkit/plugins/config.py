"""Plugin configuration: string settings given at load time, read by the guest through `witkit:plugin/config`."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import wasmtime
import wasmtime.component as wc

from witkit.errors import PluginError
from witkit.runtime.imports import ImportFunc, ImportInterface
from witkit.runtime.types import STRING, List, Option

__all__ = [
    "CONFIG_INTERFACE",
    "CONFIG_VERSION",
    "config_import",
    "config_import_name",
    "config_wit",
    "config_wit_path",
    "install_config_wit",
    "validate_config",
]

CONFIG_INTERFACE = "witkit:plugin/config"
"""The interface a guest imports to read its configuration (unversioned name)."""
CONFIG_VERSION = "0.1.0"
"""The version of `witkit:plugin` shipped with this witkit."""


def config_wit_path() -> Path:
    """The shipped `plugin-config.wit` (package `witkit:plugin@0.1.0`); copy it into a guest's `wit/deps/`."""
    return Path(str(resources.files("witkit") / "wit_packages" / "plugin-config.wit"))


def config_wit() -> str:
    """The text of the shipped `witkit:plugin` WIT package."""
    return config_wit_path().read_text(encoding="utf-8")


def install_config_wit(wit_dir: str | Path) -> Path:
    """Copy the shipped WIT into `wit_dir/deps/witkit-plugin/` (wit-parser's layout); returns the file.

    A guest project (for example one made by `witkit new`) can then write
    `import witkit:plugin/config@0.1.0;` in its world and read its settings.
    """
    target = Path(wit_dir) / "deps" / "witkit-plugin" / "plugin-config.wit"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(config_wit(), encoding="utf-8")
    return target


def validate_config(config: Mapping[str, Any] | None) -> dict[str, str]:
    """A copy of `config`, or PluginError when a key or a value is not a string."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise PluginError(
            f"plugin config must be a mapping of strings, not {type(config).__name__}"
        )
    out: dict[str, str] = {}
    for k, v in config.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise PluginError(f"plugin config must map strings to strings; got {k!r}: {v!r}")
        out[k] = v
    return out


def config_import_name(component_type: wc.ComponentType, engine: wasmtime.Engine) -> str | None:
    """The name under which the component imports `witkit:plugin/config` (with its version), if it does."""
    for name in component_type.imports(engine):
        if name == CONFIG_INTERFACE or name.startswith(CONFIG_INTERFACE + "@"):
            return name
    return None


def config_import(name: str, config: Mapping[str, str]) -> ImportInterface:
    """The host side of `witkit:plugin/config`, serving `config` under the import `name`."""
    values = dict(config)
    keys = sorted(values)
    return ImportInterface(
        name,
        [
            ImportFunc("get", [STRING], Option(STRING), values.get),
            ImportFunc("keys", [], List(STRING), lambda: list(keys)),
        ],
    )
