"""witkit.runtime: compile, link, instantiate and call WebAssembly components on wasmtime.

The contract generated host bindings code against (see `types` for the value mapping):

    POINT = Record(Point, [("x", "x", S32), ("max-len", "max_len", U32)])   # once per WIT type
    BLOB = HostResource(Blob, "blob", on_drop=Blob.close)                   # host-implemented
    COUNTER = GuestResource(Counter, "counter")        # guest-exported; Counter(ResourceProxy)

    rt = Runtime(wasi=Wasi(), limits=Limits(fuel=..., timeout=..., memory=...))
    inst = rt.instantiate(rt.compile(path_bytes_or_wat), imports=[
        ImportInterface("my:pkg/host@1.0.0", [
            ImportFunc("log", [STRING], None, impl.log),
            ImportResource("blob", BLOB),
            ImportFunc("[constructor]blob", [BYTES], Own(BLOB), Blob),
            ImportFunc("[method]blob.size", [Borrow(BLOB)], U32, Blob.size),
        ]),
    ])
    move = inst.func("my:pkg/api@1.0.0#move", [POINT, S32], Result(POINT, STRING))
    move(Point(1, 2), 3)                   # returns the ok value or raises Err(message)
    inst.func("my:pkg/api@1.0.0#[method]counter.get", [Borrow(COUNTER)], U32)(counter)
    inst.dynamic("name")                   # the same without bindings: types read from the component
    inst.stdout, inst.stderr               # captured WASI output (Wasi(stdout="capture"))

Async calls: `rt.instantiate_async(...)` makes an `AsyncInstance` whose prepared calls are
coroutines (`await inst.func(...)(...)`), driven from the event loop; imports may be `async def`.

Errors: `TrapError` (with `guest_backtrace`), `FuelExhausted`, `Timeout`,
`MemoryLimitExceeded`; after any of them the instance is poisoned and further calls raise
`PluginError("instance trapped earlier; reload the plugin ...")`.
"""

from __future__ import annotations

from witkit.runtime._async import AsyncInstance
from witkit.runtime._instance import Instance, PreparedFunc, build_wasi_config
from witkit.runtime._rewrite import hidden as is_bulk_twin
from witkit.runtime._runtime import CacheStats, Runtime, Source, shared_runtime
from witkit.runtime.config import Http, Limits, Wasi
from witkit.runtime.described import DynamicResource
from witkit.runtime.imports import Import, ImportFunc, ImportInterface, ImportResource
from witkit.runtime.pool import AsyncPool, Pool
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
    "AsyncInstance",
    "AsyncPool",
    "Borrow",
    "Bytes",
    "CacheStats",
    "DynamicResource",
    "Enum",
    "Err",
    "FixedList",
    "Flags",
    "GuestResource",
    "HandleTable",
    "HostResource",
    "Http",
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
    "Pool",
    "PreparedFunc",
    "Primitive",
    "Record",
    "ResourceDesc",
    "ResourceProxy",
    "Result",
    "Runtime",
    "Some",
    "Source",
    "Tuple",
    "TypeDesc",
    "Variant",
    "Wasi",
    "build_wasi_config",
    "is_bulk_twin",
    "shared_runtime",
]
