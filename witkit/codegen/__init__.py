"""Code generation from the resolved WIT model: host bindings and guest skeletons.

`render_host`/`write_host` (in `witkit.codegen.host`) are imported lazily, so generated
packages never import this package, and witkit's other users do not pay for Jinja2 at load time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from witkit.codegen.host import render_host, write_host

__all__ = ["render_host", "write_host"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from witkit.codegen import host

        return getattr(host, name)
    raise AttributeError(f"module 'witkit.codegen' has no attribute {name!r}")
