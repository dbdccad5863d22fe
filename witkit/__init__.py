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

__version__ = "0.1.0"

__all__ = [
    "BindingError",
    "BuildError",
    "FuelExhausted",
    "LimitError",
    "LoadError",
    "MemoryLimitExceeded",
    "PluginError",
    "Timeout",
    "TrapError",
    "WitError",
    "WitkitError",
    "__version__",
]
