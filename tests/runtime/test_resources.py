"""Resources: a guest-exported resource through a proxy class, and a host-implemented one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.runtime.components import BLOB, COUNTER
from witkit.errors import BindingError, PluginError
from witkit.runtime import (
    STRING,
    U32,
    Borrow,
    GuestResource,
    HostResource,
    ImportFunc,
    ImportResource,
    Instance,
    Own,
    ResourceProxy,
    Runtime,
)


class Counter(ResourceProxy):
    """What generated bindings for `resource counter` look like."""

    def __new__(cls, inst: Instance, start: int) -> Counter:
        made: Counter = inst.func("[constructor]counter", [U32], Own(COUNTER_R))(start)
        return made

    def get(self) -> int:
        out: int = self._witkit_instance.func("[method]counter.get", [Borrow(COUNTER_R)], U32)(self)
        return out

    def inc(self) -> None:
        self._witkit_instance.func("[method]counter.inc", [Borrow(COUNTER_R)], None)(self)

    @staticmethod
    def merge(inst: Instance, a: Counter, b: Counter) -> Counter:
        out: Counter = inst.func("[static]counter.merge", [Borrow(COUNTER_R), Borrow(COUNTER_R)], Own(COUNTER_R))(a, b)
        return out


COUNTER_R = GuestResource(Counter, "counter")


def drops(inst: Instance) -> int:
    out: int = inst.func("drops", [], U32)()
    return out


def test_guest_resource_through_proxy(rt: Runtime) -> None:
    inst = rt.instantiate(COUNTER)
    c = Counter(inst, 41)
    assert isinstance(c, Counter)
    c.inc()
    assert c.get() == 42
    with Counter(inst, 1) as d:
        merged = Counter.merge(inst, c, d)
        assert merged.get() == 43
    assert drops(inst) == 1  # `d` dropped by the with block, its guest destructor ran
    merged.drop()
    merged.drop()  # idempotent
    assert drops(inst) == 2
    with pytest.raises(PluginError, match="dropped"):
        merged.get()
    assert c.get() == 42  # others unaffected


def test_guest_resource_type_checked(rt: Runtime) -> None:
    inst = rt.instantiate(COUNTER)
    get = inst.func("[method]counter.get", [Borrow(COUNTER_R)], U32)
    with pytest.raises(BindingError):
        get(object())


class Blob:
    """A host-implemented resource."""

    def __init__(self, data: str) -> None:
        self.data = data


def blob_imports(dropped: list[Any], made: list[Blob]) -> list[Any]:
    blob = HostResource(Blob, "blob", on_drop=dropped.append)

    def ctor(data: str) -> Blob:
        b = Blob(data)
        made.append(b)
        return b

    return [
        ImportResource("blob", blob),
        ImportFunc("[constructor]blob", [STRING], Own(blob), ctor),
        ImportFunc("[method]blob.size", [Borrow(blob)], U32, lambda b: len(b.data)),
    ], blob  # type: ignore[return-value]


def test_host_resource_created_used_and_dropped_by_guest(rt: Runtime) -> None:
    dropped: list[Any] = []
    made: list[Blob] = []
    imports, _blob = blob_imports(dropped, made)  # type: ignore[misc]
    inst = rt.instantiate(BLOB, imports)
    assert inst.func("measure-temp", [STRING], U32)("hello") == 5
    assert len(made) == 1 and dropped == made  # the guest dropped its handle: on_drop ran
    assert len(inst._handles) == 0


def test_host_resource_comes_back_as_the_same_object(rt: Runtime) -> None:
    dropped: list[Any] = []
    made: list[Blob] = []
    imports, blob = blob_imports(dropped, made)  # type: ignore[misc]
    inst = rt.instantiate(BLOB, imports)
    b = inst.func("make", [STRING], Own(blob))("xyz")
    assert b is made[0]
    assert len(inst._handles) == 0  # ownership came back to the host
    measure = inst.func("measure", [Borrow(blob)], U32)
    assert measure(b) == 3
    for i in range(50):
        assert measure(Blob("x" * i)) == i
    assert len(inst._handles) == 0  # lent objects are not kept after the call
    assert inst.func("take", [Own(blob)], U32)(Blob("four")) == 4
    assert [x.data for x in dropped] == ["four"]
    assert len(inst._handles) == 0


def test_handle_table_counts_owned_handles() -> None:
    from witkit.runtime import HandleTable

    table = HandleTable()
    obj = Blob("shared")
    rep = table.give(obj)
    assert table.give(obj) == rep and table.lend(obj) == rep
    table.release_lent()
    assert table.dropped(rep) is None  # one owned handle left
    assert table.get(rep) is obj
    assert table.dropped(rep) is obj and len(table) == 0
    with pytest.raises(PluginError):
        table.get(rep)
    lent = table.lend(Blob("lent"))
    assert len(table) == 1
    table.release_lent()
    assert len(table) == 0 and lent != rep


def test_collected_proxy_is_dropped_before_the_next_call(rt: Runtime) -> None:
    import gc

    inst = rt.instantiate(COUNTER)
    c = Counter(inst, 1)
    kept = Counter(inst, 2)
    del c
    gc.collect()
    assert drops(inst) == 1  # the destructor ran at the start of this call, not inside the GC
    assert kept.get() == 2


def test_handle_from_another_instance_is_refused(rt: Runtime) -> None:
    one, two = rt.instantiate(COUNTER), rt.instantiate(COUNTER)
    c = Counter(one, 1)
    with pytest.raises(BindingError, match="belongs to another plugin instance"):
        two.func("[method]counter.get", [Borrow(COUNTER_R)], U32)(c)
    with pytest.raises(BindingError, match="belongs to another plugin instance"):
        two.func("[static]counter.merge", [Borrow(COUNTER_R), Borrow(COUNTER_R)], Own(COUNTER_R))(Counter(two, 5), c)
    # Refused before wasmtime saw it: the instance that was handed the foreign resource stays usable.
    assert not two.poisoned
    assert Counter(two, 7).get() == 7
    assert c.get() == 1


@pytest.mark.hostile
@pytest.mark.parametrize("ending", ["trap", "timeout", "cancel", "close"])
def test_host_resources_the_guest_still_owns_are_dropped_once_when_the_instance_ends(
    ending: str,
) -> None:
    import threading
    import time

    from witkit.errors import Cancelled, Timeout, TrapError
    from witkit.runtime import Limits

    dropped: list[Any] = []
    imports, blob = blob_imports(dropped, [])  # type: ignore[misc]
    limits = Limits(timeout=0.2) if ending == "timeout" else None
    with Runtime(cache=False, cancellable=True, limits=limits or Limits()) as rt:
        inst = rt.instantiate(BLOB, imports, limits=limits)
        kept, lent = Blob("kept"), Blob("lent")
        inst.func("keep", [Own(blob)], None)(kept)
        assert inst.func("measure", [Borrow(blob)], U32)(lent) == 4
        assert dropped == [] and len(inst._handles) == 1  # the guest holds `kept`
        if ending == "trap":
            with pytest.raises(TrapError):
                inst.func("boom", [], None)()
        elif ending == "timeout":
            with pytest.raises(Timeout):
                inst.func("spin", [], None)()
        elif ending == "cancel":
            spin = inst.func("spin", [], None)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    spin()
                except BaseException as e:
                    errors.append(e)

            # A cancel that lands before the call enters the guest leaves the instance usable
            # (nothing to release yet): call again until one lands inside the guest.
            for _attempt in range(50):
                thread = threading.Thread(target=run)
                thread.start()
                while not inst.cancel():
                    time.sleep(0.001)
                thread.join()
                assert isinstance(errors[-1], Cancelled)
                if inst.poisoned:
                    break
                assert "before it entered the guest" in str(errors[-1])
                assert dropped == []
            assert inst.poisoned
        else:
            inst.close()
        assert dropped == [kept]  # once, and not the object that was only lent
        assert len(inst._handles) == 0
        inst.close()
        assert dropped == [kept]


def test_a_host_on_drop_that_raises_when_the_instance_ends_is_logged(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(obj: Any) -> None:
        raise RuntimeError("cannot release")

    blob = HostResource(Blob, "blob", on_drop=refuse)
    inst = rt.instantiate(BLOB, [
        ImportResource("blob", blob),
        ImportFunc("[constructor]blob", [STRING], Own(blob), Blob),
        ImportFunc("[method]blob.size", [Borrow(blob)], U32, lambda b: len(b.data)),
    ])
    inst.func("keep", [Own(blob)], None)(Blob("x"))
    inst.close()  # does not raise
    assert "on_drop of" in caplog.text and "cannot release" in caplog.text
