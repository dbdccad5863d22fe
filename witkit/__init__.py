"""witkit: a Python toolkit for WebAssembly component plugins, built around WIT.

The error family is imported at once; everything else (the runtime, dynamic
plugins, the manifest, composition) is imported on first use, so that
`import witkit` and every `witkit` command start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witkit._lazy import lazy_attributes
from witkit.errors import (
    BindingError,
    BuildError,
    Cancelled,
    FuelExhausted,
    GrantError,
    LimitError,
    LimitsError,
    LoadError,
    MemoryLimitExceeded,
    PluginError,
    Timeout,
    TrapError,
    WitError,
    WitkitError,
)

__version__ = "0.1.0"

_LAZY = {
    "Err": "witkit.runtime",
    "Http": "witkit.runtime",
    "Instance": "witkit.runtime",
    "Limits": "witkit.runtime",
    "Ok": "witkit.runtime",
    "Pool": "witkit.runtime",
    "AsyncPool": "witkit.runtime",
    "ResourceProxy": "witkit.runtime",
    "Runtime": "witkit.runtime",
    "Some": "witkit.runtime",
    "Wasi": "witkit.runtime",
    "DynamicPlugin": "witkit.plugins.dynamic",
    "load": "witkit.plugins.dynamic",
    "load_async": "witkit.plugins.dynamic",
    "AsyncDynamicPlugin": "witkit.plugins.dynamic",
    "load_manifest": "witkit.plugins.manifest",
    "discover": "witkit.plugins.discover",
    "compose": "witkit.composition",
}
"""Public names imported on first access, and the module each comes from."""

if TYPE_CHECKING:
    from witkit.composition import compose
    from witkit.plugins.discover import discover
    from witkit.plugins.dynamic import AsyncDynamicPlugin, DynamicPlugin, load, load_async
    from witkit.plugins.manifest import load_manifest
    from witkit.runtime import (
        AsyncPool,
        Err,
        Http,
        Instance,
        Limits,
        Ok,
        Pool,
        ResourceProxy,
        Runtime,
        Some,
        Wasi,
    )


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AsyncDynamicPlugin",
    "AsyncPool",
    "BindingError",
    "BuildError",
    "Cancelled",
    "DynamicPlugin",
    "Err",
    "FuelExhausted",
    "GrantError",
    "Http",
    "Instance",
    "LimitError",
    "Limits",
    "LimitsError",
    "LoadError",
    "MemoryLimitExceeded",
    "Ok",
    "PluginError",
    "Pool",
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
    "discover",
    "load",
    "load_async",
    "load_manifest",
]
