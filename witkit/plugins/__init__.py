"""Locating, downloading, verifying and caching plugins, and the plugin manifest."""

from __future__ import annotations

from witkit.plugins.archive import extract_wasm
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
    "CacheRecord",
    "FileLocator",
    "GitHubLocator",
    "IntegrityError",
    "Locator",
    "Manifest",
    "ManifestError",
    "OfflineError",
    "PluginLimits",
    "PluginLoader",
    "PluginSpec",
    "ProgressCallback",
    "StdioMode",
    "UrlLocator",
    "WasiGrants",
    "asset_stem_for_repo",
    "default_cache_dir",
    "extract_wasm",
    "load_manifest",
    "locator_key",
    "parse_duration",
    "parse_locator",
    "parse_manifest",
    "parse_memory_size",
    "validate_plugin_id",
]
