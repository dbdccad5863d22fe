"""witkit: a Python toolkit for WebAssembly component plugins, built around WIT."""

from __future__ import annotations

from witkit.errors import (
    BindingError,
    BuildError,
    FuelExhausted,
    LimitError,
    LoadError,
    MemoryLimitExceeded,
    PluginError,
    Timeout,
    TrapError,
    WitError,
    WitkitError,
)
from witkit.runtime import (
    Err,
    Instance,
    Limits,
    Ok,
    ResourceProxy,
    Runtime,
    Some,
    Wasi,
)

__version__ = "0.1.0"

# Plugins without generated bindings, their manifest, and graphs of plugins.
from witkit.compose import compose
from witkit.plugins.dynamic import DynamicPlugin, load
from witkit.plugins.manifest import load_manifest

__all__ = [
    "BindingError",
    "BuildError",
    "DynamicPlugin",
    "Err",
    "FuelExhausted",
    "Instance",
    "LimitError",
    "Limits",
    "LoadError",
    "MemoryLimitExceeded",
    "Ok",
    "PluginError",
    "ResourceProxy",
    "Runtime",
    "Some",
    "Timeout",
    "TrapError",
    "Wasi",
    "WitError",
    "WitkitError",
    "__version__",
    "compose",
    "load",
    "load_manifest",
]
