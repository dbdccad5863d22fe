"""The `Runtime`: one wasmtime engine, an on-disk compile cache and the epoch ticker for timeouts."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import importlib.metadata
import os
import platform
import sys
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import wasmtime.component as wc
from wasmtime import Config, Engine, WasmtimeError

from witkit._cachedirs import file_distrust, private_dir, sweep_stale, trusted_dir, warn_untrusted
from witkit.errors import PluginError
from witkit.runtime import _abi, _memory, _rewrite, _seal
from witkit.runtime._async import AsyncInstance
from witkit.runtime._instance import EPOCH_TICK, ComponentFacts, Instance
from witkit.runtime.config import Limits, Wasi
from witkit.runtime.imports import Import

__all__ = ["CacheStats", "Runtime", "shared_runtime"]

Source = str | os.PathLike[str] | bytes | bytearray | wc.Component
"""What `Runtime.compile` and `Runtime.instantiate` take: a path, WAT text, wasm bytes, a Component."""



@dataclass
class CacheStats:
    """What the compile cache did since the runtime was created."""

    hits: int = 0
    misses: int = 0
    rejected: int = 0
    """Entries found but not trusted (truncated, corrupt, or from another wasmtime/config)."""
    writes: int = 0
    rehashed: int = 0
    """Hits whose seal was racy or stale, so the entry was hashed again (the rest were mapped)."""
    untrusted: int = 0
    """Compiles that left the cache alone because others could write its folder (see `compile`)."""


class _EpochTicker:
    """A daemon thread bumping the engine's epoch every `EPOCH_TICK` seconds while the runtime lives.

    `fast()` shortens the tick to `ASYNC_TICK` for good (async instances yield to the event
    loop at every tick, so the tick bounds how long the loop waits).
    """

    def __init__(self, engine: Engine) -> None:
        self._stop = threading.Event()
        stop = self._stop
        self.interval = EPOCH_TICK

        def run() -> None:
            while not stop.wait(self.interval):
                engine.increment_epoch()

        self._thread = threading.Thread(target=run, name="witkit-epoch", daemon=True)
        self._thread.start()

    def fast(self) -> None:
        self.interval = ASYNC_TICK

    def stop(self) -> None:
        self._stop.set()


ASYNC_TICK = 0.001
"""Seconds between epoch ticks once a runtime has async instances: how often they yield."""


class Runtime:
    """Owns a wasmtime `Engine`, compiles (with an on-disk cache) and instantiates components.

    `limits` decide the engine configuration: fuel metering is compiled in only with a fuel
    limit and epoch interruption only with a timeout, so unlimited runtimes pay for neither.
    `cancellable=True` compiles epoch checks in without a timeout, so `Instance.cancel()` can
    stop a running call from another thread (a runtime with a timeout is always cancellable).
    `fast_calls=False` selects wasmtime-py's public `Func.__call__` path; the fast path is
    also skipped automatically when wasmtime's private ctypes shapes are not the expected ones.
    `bulk=True` (Linux) moves `list<u8>` and `string` arguments and results at memory speed:
    components are rewritten at load time and the host copies bytes straight into the guest's
    linear memory (see `witkit.runtime._bulk`; exports it cannot serve keep the normal path).
    It backs linear memories itself, which costs copy-on-write memory images at instantiation.

    Debugging switches, read from the environment when the runtime is created:

    * `WITKIT_WASI_OUTPUT=1`: show every plugin's stdout/stderr on the host's (unless captured);
    * `WITKIT_DEBUG=1`: compile with DWARF debug info (for gdb/lldb);
    * `WITKIT_PROFILE=perfmap|jitdump|vtune`: let a native profiler see JIT code;
    * `WITKIT_FAST_CALLS=0`: force the public-API call path;
    * `WITKIT_CACHE=0`: do not read or write the compile cache.
    """

    def __init__(
        self,
        *,
        wasi: Wasi | None = None,
        limits: Limits | None = None,
        cache_dir: str | Path | None = None,
        cache: bool = True,
        fast_calls: bool = True,
        cancellable: bool = False,
        bulk: bool = False,
    ) -> None:
        self.wasi = wasi if wasi is not None else Wasi()
        if _env_flag("WITKIT_WASI_OUTPUT"):
            self.wasi = dataclasses.replace(
                self.wasi,
                stdout=self.wasi.stdout or "inherit",
                stderr=self.wasi.stderr or "inherit",
            )
        self.limits = limits if limits is not None else Limits()
        self._fuel_enabled = self.limits.fuel is not None
        # Epoch interruption serves timeouts and `Instance.cancel()` (a runtime with a timeout
        # is always cancellable): wasm code checks the epoch at loop heads and function entries.
        self._epoch_enabled = self.limits.timeout is not None or cancellable
        self._debug = _env_flag("WITKIT_DEBUG")
        self._profiler = os.environ.get("WITKIT_PROFILE", "").strip() or None
        config = Config()
        config.consume_fuel = self._fuel_enabled
        config.epoch_interruption = self._epoch_enabled
        if self._debug:
            config.debug_info = True
        # With a memory ceiling, witkit backs linear memories itself: the ceiling then covers all
        # of a plugin's memories together, and a refused growth is seen (see `_memory`).
        # `bulk=True` (see `_bulk`): list<u8> and string cross at memory speed, which needs the
        # host address of the guest's memory, so witkit backs memories then too.
        self._bulk = bulk and _memory.AVAILABLE
        self._own_memory = (self.limits.memory is not None or self._bulk) and _memory.AVAILABLE
        if self._own_memory:
            # Copy-on-write memory images need wasmtime's own mmap-backed memories.
            config.memory_init_cow = False
            _memory.install(ctypes.cast(config.ptr(), ctypes.c_void_p).value or 0)
        if self._profiler is not None:
            try:
                config.profiler = self._profiler
            except WasmtimeError as e:
                raise PluginError(f"WITKIT_PROFILE={self._profiler}: {e}") from e
        self.engine = Engine(config)
        if os.environ.get("WITKIT_CACHE", "").strip() == "0":
            cache = False
        if os.environ.get("WITKIT_FAST_CALLS", "").strip() == "0":
            fast_calls = False
        self.cache_dir: Path | None = None
        if cache:
            self.cache_dir = (
                Path(cache_dir)
                if cache_dir is not None
                else Path(platformdirs.user_cache_dir("witkit")) / "components"
            )
        self.cache_stats = CacheStats()
        reason = _abi.check_shapes()
        self.fast_calls_unavailable: str | None = reason
        self.fast_calls = fast_calls and reason is None
        self._ticker: _EpochTicker | None = None
        self._facts: weakref.WeakKeyDictionary[wc.Component, ComponentFacts] = weakref.WeakKeyDictionary()
        self._ticker_lock = threading.Lock()

    # -- compiling ----------------------------------------------------------------------------------

    def compile(self, source: Source) -> wc.Component:
        """A compiled component from a `.wasm`/`.wat` path, wasm bytes, WAT text, or a Component.

        A `str` is WAT text when it starts with `(` or `;;`, a file path otherwise.

        The compile cache is used only while its folder can be trusted (`witkit._cachedirs`:
        yours, writable by nobody else, and so is every folder above it). Otherwise the
        component is compiled without the cache, neither reading nor writing it, and a
        `RuntimeWarning` (once per process) names the folder, what is wrong and the fix:
        refusing would stop a program the cache only speeds up, and gain nothing, since
        nothing is read from the folder.
        """
        if isinstance(source, wc.Component):
            return source
        data: bytes | None = None
        entry = None
        if self.cache_dir is not None and self._cache_trusted(self.cache_dir):
            digest, data = self._source_digest(source)
            entry = self.cache_dir / f"{self._key(digest)}.cwasm"
            cached = self._load(entry)
            if cached is not None:
                self.cache_stats.hits += 1
                return cached
        self.cache_stats.misses += 1
        if data is None:
            data = self._read_source(source)
        what = _describe(source)
        _check_kind(data, what)
        if self._bulk:
            data = _rewrite.rewrite_source(data)
        try:
            component = wc.Component(
                self.engine, data if data.startswith(b"\0asm") else data.decode("utf-8")
            )
        except (WasmtimeError, UnicodeDecodeError) as e:
            raise PluginError(f"cannot compile {what}: {e}") from e
        if entry is not None:
            self._store(entry, component)
        return component

    def _cache_trusted(self, folder: Path) -> bool:
        """Whether the compile cache at `folder` may be used now; warns once if not."""
        problem = trusted_dir(folder, "compile cache") or trusted_dir(
            folder / "sources", "compile cache", parents=False
        )
        if problem is None:
            return True
        self.cache_stats.untrusted += 1
        warn_untrusted(problem, "compiling without the cache", stacklevel=3)
        return False

    @staticmethod
    def _read_source(source: str | os.PathLike[str] | bytes | bytearray) -> bytes:
        if isinstance(source, str) and _is_wat_text(source):
            return source.encode("utf-8")
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            try:
                return path.read_bytes()
            except OSError as e:
                raise PluginError(f"cannot read component {path}: {e}") from e
        return bytes(source)

    def _source_digest(
        self, source: str | os.PathLike[str] | bytes | bytearray
    ) -> tuple[str, bytes | None]:
        """The source's sha256 (hex) and, where they had to be read for it, its bytes.

        A file source is hashed once per change: its seal in `sources/` (keyed by the path)
        gives the digest while the file's `stat` still matches, so a cache hit reads nothing
        of an unchanged 18 MB component.
        """
        if not isinstance(source, (str, os.PathLike)) or (
            isinstance(source, str) and _is_wat_text(source)
        ):
            data = self._read_source(source)
            return hashlib.sha256(data).hexdigest(), data
        assert self.cache_dir is not None
        path = Path(source)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            raise PluginError(f"cannot read component {path}: {e}") from e
        try:
            st = os.fstat(fd)
            name = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()
            seal_path = self.cache_dir / "sources" / f"{name}.seal"
            seal = _seal.read_seal(seal_path)
            if seal is not None and seal.trusts(st):
                return seal.sha256, None
            try:
                digest, blob = _seal.file_sha256(fd)
            except OSError as e:
                raise PluginError(f"cannot read component {path}: {e}") from e
            try:
                private_dir(seal_path.parent)
                _seal.write_seal(seal_path, _seal.Seal.of(st, digest))
            except OSError:
                pass  # an unwritable cache only costs hashing the source next time
            return digest, bytes(blob)
        finally:
            os.close(fd)

    def _cache_key(self, data: bytes) -> str:
        """The cache key of a component whose source is `data`."""
        return self._key(hashlib.sha256(data).hexdigest())

    def _key(self, source_sha256: str) -> str:
        return hashlib.sha256(source_sha256.encode() + b";" + self._engine_fingerprint).hexdigest()

    @functools.cached_property
    def _engine_fingerprint(self) -> bytes:
        """What, besides the source, decides the compiled code: built on the first cached compile."""
        return (
            f"wasmtime={_wasmtime_version()};fuel={self._fuel_enabled};epoch={self._epoch_enabled};"
            f"debug={self._debug};profiler={self._profiler};bulk={_rewrite.VERSION if self._bulk else 0};"
            f"arch={platform.machine()};os={sys.platform}"
        ).encode()

    def _load(self, entry: Path) -> wc.Component | None:
        """The entry's component if it can be trusted; None (a miss or a rejection) otherwise.

        An entry is wasmtime's serialized component as it is, so that wasmtime can map it
        (`deserialize_file`, about 2 ms for 34 MB) rather than copy it in (about 40 ms). Its
        seal (`.seal` beside it) vouches for the bytes: when the open file's `fstat` matches,
        the file is mapped through that same open descriptor; otherwise it is hashed against
        the seal's digest and, if it holds, read from the bytes and sealed again.
        """
        seal_path = entry.with_suffix(".seal")
        try:
            fd = os.open(entry, os.O_RDONLY)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if file_distrust(st) is not None:  # not written by this user's witkit
                self.cache_stats.rejected += 1
                return None
            seal = _seal.read_seal(seal_path)
            if seal is None:  # a writer between its rename and its seal, or a stranger's file
                return None
            if seal.trusts(st):
                try:
                    return wc.Component.deserialize_file(self.engine, _fd_path(fd, entry))
                except WasmtimeError:
                    self.cache_stats.rejected += 1
                    return None
            try:
                digest, blob = _seal.file_sha256(fd)
            except OSError:
                return None
            if digest != seal.sha256:
                self.cache_stats.rejected += 1
                return None
            try:
                component = wc.Component.deserialize(self.engine, blob)
            except WasmtimeError:
                self.cache_stats.rejected += 1
                return None
            self.cache_stats.rehashed += 1
            with contextlib.suppress(OSError):
                _seal.write_seal(seal_path, _seal.Seal.of(st, digest))
            return component
        finally:
            os.close(fd)

    def _store(self, entry: Path, component: wc.Component) -> None:
        try:
            payload = component.serialize()
            private_dir(entry.parent)
            sweep_stale(entry.parent, ".tmp-*")
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".cwasm")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(payload)
                    f.flush()
                    os.replace(tmp, entry)
                    st = os.fstat(f.fileno())  # after the rename, which changes st_ctime
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            digest = hashlib.sha256(payload).hexdigest()
            _seal.write_seal(entry.with_suffix(".seal"), _seal.Seal.of(st, digest))
            self.cache_stats.writes += 1
        except (OSError, WasmtimeError):
            # A cache that cannot be written only costs a recompile next time.
            pass

    @property
    def fuel_metering(self) -> bool:
        """Whether instances can have a fuel limit (the runtime was made with `Limits(fuel=...)`)."""
        return self._fuel_enabled

    @property
    def epoch_interruption(self) -> bool:
        """Whether instances can have a timeout and be cancelled (`Limits(timeout=...)` or
        `cancellable=True`)."""
        return self._epoch_enabled

    # -- instantiating ---------------------------------------------------------------------------------

    def _facts_of(self, component: wc.Component) -> ComponentFacts:
        """What the instances of `component` share (made by the first that asks)."""
        facts = self._facts.get(component)
        if facts is None:
            facts = self._facts.setdefault(component, ComponentFacts())
        return facts

    def instantiate(
        self,
        component: Source,
        imports: Sequence[Import] = (),
        *,
        wasi: Wasi | None = None,
        limits: Limits | None = None,
    ) -> Instance:
        """A new instance in its own store, linked against `imports` (and WASI when it imports any)."""
        comp = self.compile(component)
        lim = self._check_limits(limits)
        return Instance(
            self, comp, imports, wasi if wasi is not None else self.wasi, lim, self.fast_calls
        )

    def instantiate_async(
        self,
        component: Source,
        imports: Sequence[Import] = (),
        *,
        wasi: Wasi | None = None,
        limits: Limits | None = None,
    ) -> AsyncInstance:
        """Like `instantiate`, for calls awaited on an asyncio event loop (see `AsyncInstance`).

        Imports whose implementation is an `async def` are awaited on the caller's loop while
        the guest waits. Needs epoch interruption: `Runtime(cancellable=True)` or a timeout.
        """
        comp = self.compile(component)
        lim = self._check_limits(limits)
        return AsyncInstance(self, comp, imports, wasi if wasi is not None else self.wasi, lim)

    def _check_limits(self, limits: Limits | None) -> Limits:
        lim = limits if limits is not None else self.limits
        if lim.fuel is not None and not self._fuel_enabled:
            raise PluginError(
                "this Runtime has no fuel metering; create it with Runtime(limits=Limits(fuel=...))"
            )
        if lim.timeout is not None and not self._epoch_enabled:
            raise PluginError(
                "this Runtime has no timeouts; create it with Runtime(limits=Limits(timeout=...))"
            )
        return lim

    def _ensure_ticker(self, fast: bool = False) -> None:
        with self._ticker_lock:
            if self._ticker is None:
                self._ticker = _EpochTicker(self.engine)
                weakref.finalize(self, self._ticker.stop)
            if fast:
                self._ticker.fast()

    def close(self) -> None:
        """Stop the epoch ticker thread, if one runs."""
        with self._ticker_lock:
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: dict[tuple[bool, bool, bool], Runtime] = {}
_shared_lock = threading.Lock()


def shared_runtime(limits: Limits | None = None, *, epoch: bool = False) -> Runtime:
    """The process-wide runtime for loads given no `runtime`, able to enforce `limits`.

    Fuel metering, epoch interruption and witkit-backed memories are engine settings, so
    there is one shared runtime per combination of limit kinds (at most eight, made on first
    use); its own default limits are none, the caller passes `limits` to `instantiate`.
    Generated `load()` and `witkit.load()` both take their runtime from here; `epoch=True`
    (async loads) picks one with epoch interruption even without a timeout.
    """
    lim = limits if limits is not None else Limits()
    key = (lim.fuel is not None, lim.timeout is not None or epoch, lim.memory is not None)
    with _shared_lock:
        runtime = _shared.get(key)
        if runtime is None:
            runtime = Runtime(limits=Limits(
                fuel=1 if key[0] else None,
                timeout=1.0 if key[1] else None,
                memory=1 if key[2] else None,
            ))
            runtime.limits = Limits()  # the engine can enforce them; no default applies
            _shared[key] = runtime
    return runtime


def _fd_path(fd: int, path: Path) -> str:
    """A path naming the open file `fd` itself where the system has one, else `path`.

    Mapping through `/proc/self/fd` maps the very file whose `fstat` matched the seal, even if
    the entry is replaced by another writer in between.
    """
    proc = f"/proc/self/fd/{fd}"
    return proc if os.path.exists(proc) else str(path)


@functools.cache
def _wasmtime_version() -> str:
    try:
        return importlib.metadata.version("wasmtime")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


_CORE_VERSION = b"\x01\x00\x00\x00"
"""The version field of a core WebAssembly module (a component's says layer 1)."""


def _is_wat_text(source: str) -> bool:
    """Whether a `str` given as a component is WAT text (it opens with a form or a comment)."""
    return source.lstrip().startswith(("(", ";;"))


def _describe(source: str | os.PathLike[str] | bytes | bytearray) -> str:
    """How an error names the thing being compiled: its path, or what kind of data it is."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not _is_wat_text(source)):
        return f"component {os.fspath(source)}"
    return "component"


def _check_kind(data: bytes, what: str) -> None:
    """Refuse, with a plain message, data that is neither a component binary nor WAT text."""
    if data.startswith(b"\0asm"):
        if data[4:8] == _CORE_VERSION:
            raise PluginError(
                f"cannot compile {what}: it is a core WebAssembly module, not a component "
                "(make one with `wasm-tools component new`, or build the guest as a component)"
            )
        return
    head = data.lstrip()[:2]
    if not (head.startswith(b"(") or head == b";;"):
        raise PluginError(
            f"cannot compile {what}: it is neither a WebAssembly binary nor WAT text "
            f"(it starts with {data[:8]!r})"
        )
