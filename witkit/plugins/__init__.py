"""Locating, downloading, verifying and caching plugins, and the plugin manifest."""

from __future__ import annotations

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
