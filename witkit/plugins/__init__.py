"""Locating, downloading, verifying and caching plugins, and the plugin manifest.

The names below are imported on first use, so `witkit.plugins.dynamic` (and `witkit.load`)
does not pay for the world checker and its WIT parser, nor the loader for `witkit.plugins.check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witkit._lazy import lazy_attributes

_MODULES = {
    "witkit.plugins.archive": ("extract_wasm",),
    "witkit.plugins.check": ("Mismatch", "WorldMismatch", "check_component", "require_world"),
    "witkit.plugins.config": ("CONFIG_INTERFACE", "config_wit", "config_wit_path"),
    "witkit.plugins.dynamic": ("ArgumentError", "DynamicPlugin", "load"),
    "witkit.plugins.loader": (
        "CacheRecord", "IntegrityError", "OfflineError", "PluginLoader", "ProgressCallback",
        "default_cache_dir", "locator_key", "validate_plugin_id",
    ),
    "witkit.plugins.locators": (
        "FileLocator", "GitHubLocator", "Locator", "OciLocator", "UrlLocator",
        "asset_stem_for_repo",
        "parse_locator",
    ),
    "witkit.plugins.manifest": (
        "Manifest", "ManifestError", "PluginLimits", "PluginSpec", "StdioMode", "WasiGrants",
        "load_manifest", "parse_duration", "parse_manifest", "parse_memory_size",
    ),
}  # fmt: skip
_LAZY = {name: module for module, names in _MODULES.items() for name in names}
"""Public names imported on first access, and the module each comes from."""

if TYPE_CHECKING:
    from witkit.plugins.archive import extract_wasm
    from witkit.plugins.check import Mismatch, WorldMismatch, check_component, require_world
    from witkit.plugins.config import CONFIG_INTERFACE, config_wit, config_wit_path
    from witkit.plugins.dynamic import ArgumentError, DynamicPlugin, load
    from witkit.plugins.loader import (
        CacheRecord,
        IntegrityError,
        OfflineError,
        PluginLoader,
        ProgressCallback,
        default_cache_dir,
        locator_key,
        validate_plugin_id,
    )
    from witkit.plugins.locators import (
        FileLocator,
        GitHubLocator,
        Locator,
        OciLocator,
        UrlLocator,
        asset_stem_for_repo,
        parse_locator,
    )
    from witkit.plugins.manifest import (
        Manifest,
        ManifestError,
        PluginLimits,
        PluginSpec,
        StdioMode,
        WasiGrants,
        load_manifest,
        parse_duration,
        parse_manifest,
        parse_memory_size,
    )


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "CONFIG_INTERFACE",
    "ArgumentError",
    "CacheRecord",
    "DynamicPlugin",
    "FileLocator",
    "GitHubLocator",
    "IntegrityError",
    "Locator",
    "Manifest",
    "ManifestError",
    "Mismatch",
    "OciLocator",
    "OfflineError",
    "PluginLimits",
    "PluginLoader",
    "PluginSpec",
    "ProgressCallback",
    "StdioMode",
    "UrlLocator",
    "WasiGrants",
    "WorldMismatch",
    "asset_stem_for_repo",
    "check_component",
    "config_wit",
    "config_wit_path",
    "default_cache_dir",
    "extract_wasm",
    "load",
    "load_manifest",
    "locator_key",
    "parse_duration",
    "parse_locator",
    "parse_manifest",
    "parse_memory_size",
    "require_world",
    "validate_plugin_id",
]
