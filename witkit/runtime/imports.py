"""Host imports described with type descriptors: functions, resources and named interfaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from witkit.runtime.types import HostResource, TypeDesc

__all__ = ["Import", "ImportFunc", "ImportInterface", "ImportResource"]


@dataclass(frozen=True)
class ImportFunc:
    """A host function the guest imports: `ImportFunc("log", [STRING], None, log)`.

    `name` is the WIT name inside its interface (or at the world's root), including the
    canonical prefixes for resource functions: `[constructor]blob`, `[method]blob.read`,
    `[static]blob.open`. `impl` receives lifted Python values and returns a Python value; when
    `result` is a `Result`, returning means `ok` and raising `Err(e)` means `err`. Any other
    exception traps the guest's call; the caller gets a `TrapError` whose `__cause__` is it.
    """

    name: str
    params: Sequence[TypeDesc]
    result: TypeDesc | None
    impl: Callable[..., Any]


@dataclass(frozen=True)
class ImportResource:
    """A host resource type the guest imports: `ImportResource("blob", BLOB)`."""

    name: str
    resource: HostResource


@dataclass(frozen=True)
class ImportInterface:
    """A named imported instance, e.g. `ImportInterface("wasi:logging/logging@0.1.0", [...])`."""

    name: str
    items: Sequence[ImportFunc | ImportResource] = field(default_factory=tuple)


Import = ImportFunc | ImportResource | ImportInterface
