"""witkit.runtime: compile, link, instantiate and call WebAssembly components on wasmtime.

The contract generated host bindings code against (see `types` for the value mapping)::

    rt = Runtime(wasi=Wasi(), limits=Limits(fuel=..., timeout=..., memory=...),
                 cache_dir=None, fast_calls=True)
    component = rt.compile(path_or_bytes_or_wat_text)               # cached on disk
    inst = rt.instantiate(component, imports=[ImportFunc(...), ImportResource(...),
                                              ImportInterface("ns:pkg/iface@1.0.0", [...])])
    f = inst.func("ns:pkg/iface@1.0.0#name", [U32, STRING], Result(U32, STRING))
    f(1, "x")                         # lowers, calls, lifts; raises Err for result errors
    inst.stdout, inst.stderr          # captured WASI output (Wasi(stdout="capture"))

Guest-exported resources are Python classes subclassing `ResourceProxy`; host-implemented
resources are any Python class described by `HostResource`.
"""

from __future__ import annotations

from witkit.runtime._instance import Instance, PreparedFunc, build_wasi_config
from witkit.runtime._runtime import CacheStats, Runtime
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import, ImportFunc, ImportInterface, ImportResource
from witkit.runtime.resources import HandleTable, ResourceProxy
from witkit.runtime.types import (
    BOOL,
    BYTES,
    CHAR,
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    STRING,
    U8,
    U16,
    U32,
    U64,
    Borrow,
    Bytes,
    Enum,
    Err,
    FixedList,
    Flags,
    GuestResource,
    HostResource,
    List,
    Ok,
    Option,
    Own,
    Primitive,
    Record,
    ResourceDesc,
    Result,
    Some,
    Tuple,
    TypeDesc,
    Variant,
)

__all__ = [
    "BOOL",
    "BYTES",
    "CHAR",
    "F32",
    "F64",
    "S8",
    "S16",
    "S32",
    "S64",
    "STRING",
    "U8",
    "U16",
    "U32",
    "U64",
    "Borrow",
    "Bytes",
    "CacheStats",
    "Enum",
    "Err",
    "FixedList",
    "Flags",
    "GuestResource",
    "HandleTable",
    "HostResource",
    "Import",
    "ImportFunc",
    "ImportInterface",
    "ImportResource",
    "Instance",
    "Limits",
    "List",
    "Ok",
    "Option",
    "Own",
    "PreparedFunc",
    "Primitive",
    "Record",
    "ResourceDesc",
    "ResourceProxy",
    "Result",
    "Runtime",
    "Some",
    "Tuple",
    "TypeDesc",
    "Variant",
    "Wasi",
    "build_wasi_config",
]
