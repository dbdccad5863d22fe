"""Resources: proxies for guest-exported resources and the handle table for host-implemented ones."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from witkit.errors import PluginError

if TYPE_CHECKING:
    from wasmtime.component import ResourceAny

    from witkit.runtime._instance import Instance

__all__ = ["HandleTable", "ResourceProxy"]

P = TypeVar("P", bound="ResourceProxy")


class ResourceProxy:
    """Base class of Python wrappers for resources a guest exports.

    Generated bindings subclass it and add the resource's methods, which call
    `self._witkit_instance.func("iface#[method]name.op", [Borrow(DESC), ...], ...)(self, ...)`.
    A proxy owning its handle drops it with `drop()` or at the end of a `with` block; passing
    it to the guest as `own<R>` moves the handle and the proxy becomes unusable. A proxy that is
    garbage-collected undropped has its destructor run at the start of the instance's next call.
    """

    _witkit_instance: Instance
    _witkit_handle: ResourceAny | None
    _witkit_owned: bool
    _witkit_state: str

    @classmethod
    def _witkit_wrap(cls: type[P], instance: Instance, handle: ResourceAny, *, owned: bool = True) -> P:
        """Wrap a handle the guest gave us, without calling `__init__`."""
        self = object.__new__(cls)  # subclasses may use __new__ as the WIT constructor
        self._witkit_instance = instance
        self._witkit_handle = handle
        self._witkit_owned = owned
        self._witkit_state = "live"
        return self

    def _witkit_live_handle(self) -> ResourceAny:
        """The handle, or a PluginError saying why there is none."""
        handle: ResourceAny | None = getattr(self, "_witkit_handle", None)
        if handle is None:
            state = getattr(self, "_witkit_state", "uninitialised")
            raise PluginError(f"{type(self).__name__} resource is {state}; it cannot be used any more")
        return handle

    def _witkit_moved(self) -> None:
        """Record that ownership went to the guest."""
        self._witkit_handle = None
        self._witkit_state = "moved into the guest"

    def drop(self) -> None:
        """Run the guest's destructor now; later uses raise PluginError. Idempotent."""
        handle = getattr(self, "_witkit_handle", None)
        if handle is None:
            return
        self._witkit_handle = None
        self._witkit_state = "dropped"
        if self._witkit_owned:
            self._witkit_instance._drop_resource(handle)

    def __del__(self) -> None:
        # Never run guest code from the garbage collector: queue the drop for the next call.
        try:
            handle = getattr(self, "_witkit_handle", None)
            if handle is not None and self._witkit_owned:
                self._witkit_handle = None
                self._witkit_instance._defer_drop(handle)
        except Exception:  # interpreter shutdown, half-built proxy
            pass

    def __enter__(self: P) -> P:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.drop()

    def __repr__(self) -> str:
        state = getattr(self, "_witkit_state", "uninitialised")
        return f"<{type(self).__name__} resource ({state})>"


class HandleTable:
    """Host resource objects the guest can currently reach, by the 32-bit rep wasmtime hands it.

    An object enters the table when it is lowered into the guest: as an `own` (counted; it
    stays until the guest drops every owned handle or gives them back) or as a `borrow` (kept
    only for the duration of the call that lends it). So a handle the guest passes back lifts
    to the very same Python object, and nothing outlives the guest's use of it.

    When the instance ends (closed, or poisoned by a trap, a limit or a cancel) the guest can
    never drop what it still owns: `abandon()` empties the table and hands back those objects
    with their `on_drop`, which the instance runs, once each.
    """

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}
        self._reps: dict[int, int] = {}
        self._owners: dict[int, int] = {}
        self._lent: list[int] = []
        self._drops: dict[int, Callable[[Any], Any]] = {}
        self._next = 1

    def _enter(self, obj: Any) -> int:
        rep = self._reps.get(id(obj))
        if rep is None:
            rep = self._next
            self._next += 1
            if self._next > 0xFFFF_FFFF:
                raise PluginError("host resource table is full")
            self._reps[id(obj)] = rep
            self._objects[rep] = obj
        return rep

    def give(self, obj: Any, on_drop: Callable[[Any], Any] | None = None) -> int:
        """The rep for handing the guest an owned handle to `obj` (`on_drop`: what releasing
        it runs, should the instance end while the guest still owns it)."""
        rep = self._enter(obj)
        self._owners[rep] = self._owners.get(rep, 0) + 1
        if on_drop is not None:
            self._drops[rep] = on_drop
        return rep

    def lend(self, obj: Any) -> int:
        """The rep for lending `obj` to the guest for one call (see `release_lent`)."""
        rep = self._enter(obj)
        if not self._owners.get(rep):
            self._lent.append(rep)
        return rep

    def release_lent(self) -> None:
        """Forget objects that were only lent to the call that just ended."""
        for rep in self._lent:
            if not self._owners.get(rep):
                self._forget(rep)
        self._lent.clear()

    def get(self, rep: int) -> Any:
        """The object behind `rep`."""
        try:
            return self._objects[rep]
        except KeyError:
            raise PluginError(f"the guest used an unknown host resource handle {rep}") from None

    def taken(self, rep: int) -> Any:
        """The guest handed an owned handle back to the host: the object behind it."""
        obj = self.get(rep)
        if self._release_owner(rep) and rep not in self._lent:
            self._forget(rep)
        return obj

    def dropped(self, rep: int) -> Any:
        """The guest dropped an owned handle; returns the object when that was the last one."""
        if rep in self._objects and self._release_owner(rep):
            return self._forget(rep)
        return None

    def _release_owner(self, rep: int) -> bool:
        left = self._owners.get(rep, 0) - 1
        if left > 0:
            self._owners[rep] = left
            return False
        self._owners.pop(rep, None)
        return True

    def abandon(self) -> list[tuple[Any, Callable[[Any], Any] | None]]:
        """Empty the table; the objects the guest still owned, each with its `on_drop`."""
        owned = [(self._objects[rep], self._drops.get(rep)) for rep in self._owners if rep in self._objects]
        self._objects.clear()
        self._reps.clear()
        self._owners.clear()
        self._lent.clear()
        self._drops.clear()
        return owned

    def _forget(self, rep: int) -> Any:
        self._drops.pop(rep, None)
        obj = self._objects.pop(rep, None)
        if obj is not None:
            self._reps.pop(id(obj), None)
        return obj

    def __len__(self) -> int:
        return len(self._objects)
