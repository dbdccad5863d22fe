"""Generated kitchen bindings against real components: a WAT one, a componentize-py guest and a
componentize-js guest (the same tests; the JavaScript one with the one exception it needs).

Every value kind goes to the guest and back, resources both ways, results both ways, plus the
failure paths: wrong Python types named by parameter, host exceptions as traps with a cause,
incomplete host imports.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from witkit.errors import BindingError, PluginError, TrapError


def host(kitchen: ModuleType, *, log_error: BaseException | None = None) -> Any:
    """A complete host for the kitchen world: a key-value store, blobs and a log."""
    store_mod = kitchen.store

    class MyBlob(store_mod.Blob):
        def __init__(self, init: bytes) -> None:
            self.data = bytearray(init)

        def read(self) -> bytes:
            return bytes(self.data)

        def append(self, more: bytes) -> None:
            self.data += more

        @staticmethod
        def merge(a: Any, b: Any) -> Any:
            return MyBlob(a.read() + b.read())

    class MyStore(store_mod.Store):
        Blob = MyBlob

        def __init__(self) -> None:
            self.kv: dict[str, bytes] = {}

        def get(self, key: str) -> bytes | None:
            return self.kv.get(key)

        def set(self, key: str, value: bytes) -> None:
            self.kv[key] = value

    class Host(kitchen.KitchenImports):
        def __init__(self) -> None:
            self.store = MyStore()
            self.logs: list[tuple[int, str]] = []

        def log(self, level: int, message: str) -> None:
            if log_error is not None:
                raise log_error
            self.logs.append((level, message))

    return Host()


@pytest.fixture
def loaded(kitchen: ModuleType, compiled: tuple[str, Any, Any]) -> tuple[str, Any, Any]:
    """(source kind, plugin, host imports): a fresh instance per test."""
    kind, rt, component = compiled
    imports = host(kitchen)
    return kind, kitchen.Kitchen.load(component, imports=imports, runtime=rt), imports


def everything(kitchen: ModuleType, **changes: Any) -> Any:
    t = kitchen.types
    base: dict[str, Any] = dict(
        flag=True, a_u8=255, a_u16=65535, a_u32=2**32 - 1, a_u64=2**64 - 1,
        a_s8=-128, a_s16=-32768, a_s32=-(2**31), a_s64=-(2**63), a_f32=1.5, a_f64=-2.25,
        letter="é", text="héllo wörld", raw=b"\x00\x01\xff", numbers=[1, 2, 3],
        points=[t.Point(x=1, y=-1), t.Point(x=0, y=2**31 - 1)], pair=("a", 7), maybe="m",
        nested=kitchen.Some(None), color=t.Color.BLUE, perms=t.Perms.READ | t.Perms.EXEC,
        shape=t.Shape_Rect(t.Point(x=3, y=4)), ident=9, type="t", from_=1,
    )  # fmt: skip
    base.update(changes)
    return t.Everything(**base)


def test_world_functions_and_world_import(
    loaded: tuple[str, Any, Any], kitchen: ModuleType
) -> None:
    _kind, p, imports = loaded
    assert p.add(2, 3) == 5
    greeting = p.greet("bob")
    assert isinstance(greeting, kitchen.Greeting)
    assert "bob" in greeting.text and greeting.count == 3
    assert imports.logs and imports.logs[0][0] == 1 and "bob" in imports.logs[0][1]


def test_every_value_kind_round_trips(loaded: tuple[str, Any, Any], kitchen: ModuleType) -> None:
    _kind, p, _ = loaded
    t = kitchen.types
    values = [
        everything(kitchen),
        everything(kitchen, flag=False, a_u8=0, a_u64=0, a_s64=2**63 - 1, letter="\U0001f600",
                   text="", raw=b"", numbers=[], points=[], maybe=None, nested=None,
                   perms=t.Perms(0), shape=t.Shape_Nothing()),
        everything(kitchen, nested=kitchen.Some(2**32 - 1), shape=t.Shape_Circle(0.5),
                   perms=t.Perms.READ | t.Perms.WRITE | t.Perms.EXEC, color=t.Color.RED),
    ]  # fmt: skip
    for value in values:
        assert p.api.echo_everything(value) == value
    for shape in (t.Shape_Circle(-1.25), t.Shape_Rect(t.Point(x=-5, y=6)), t.Shape_Nothing()):
        assert p.api.echo_shape(shape) == shape
    for nested in (None, kitchen.Some(None), kitchen.Some(0), kitchen.Some(2**32 - 1)):
        assert p.api.echo_nested(nested) == nested
    items = [(t.Color.RED, t.Perms(0)), (t.Color.GREEN, t.Perms.WRITE | t.Perms.EXEC)]
    assert p.api.echo_list(items) == items
    assert p.api.echo_list([]) == []


def test_results_return_ok_and_raise_err(loaded: tuple[str, Any, Any], kitchen: ModuleType) -> None:
    _kind, p, _ = loaded
    t = kitchen.types
    assert p.api.unit_result(False) is None
    assert p.api.ok_only(False) == 42
    assert p.api.err_only(False) is None
    assert p.api.both(False) == t.Point(x=1, y=-2)
    for call, payload in (
        (p.api.unit_result, None),
        (p.api.ok_only, None),
        (p.api.err_only, "failed"),
        (p.api.both, t.Color.BLUE),
    ):
        with pytest.raises(kitchen.Err) as info:
            call(True)
        assert info.value.value == payload


def test_keyword_names(loaded: tuple[str, Any, Any]) -> None:
    _kind, p, _ = loaded
    assert "in-text" in p.api.import_(from_=7, in_="in-text", class_=True)


def test_host_resource_lent_and_handed_over(
    loaded: tuple[str, Any, Any], kitchen: ModuleType
) -> None:
    _kind, p, imports = loaded
    mine = imports.store.Blob(b"abcd")
    assert p.api.blob_size(mine) == 4
    assert mine.read() == b"abcd"  # only lent
    made = p.api.make_blob(b"xyz")
    assert isinstance(made, imports.store.Blob) and isinstance(made, kitchen.store.Blob)
    assert made.read() == b"xyz"
    assert p.api.blob_size(made) == 3


def test_guest_resource_lifecycle(loaded: tuple[str, Any, Any], kitchen: ModuleType) -> None:
    kind, p, _ = loaded
    Counter = p.api.Counter
    assert issubclass(Counter, kitchen.api.Counter)
    c = Counter(5)
    assert isinstance(c, kitchen.api.Counter)
    assert c.increment(2) == 7
    assert c.value() == 7
    with Counter(1) as d:
        taken = Counter(10)
        merged = Counter.merge(c, taken)  # `c` lent, `taken` moved into the guest
        assert isinstance(merged, Counter)
        assert merged.value() == 17
        assert d.value() == 1
        with pytest.raises(PluginError):
            taken.value()
    with pytest.raises(PluginError, match="dropped"):
        d.value()
    merged.drop()
    merged.drop()
    if kind == "js-guest":
        # componentize-js 0.23.0 takes an `own<counter>` of its own resource (`taken`) by
        # deleting `repTable` entry number <handle> instead of the counter's entry, here `c`'s:
        # the guest then fails with `can't access property "rep", repTable.get(...) is
        # undefined` (docs/guests-js.md). When this fails, the tool is fixed: drop the branch.
        with pytest.raises(TrapError, match="unreachable"):
            c.value()
        return
    assert c.value() == 7


def test_wrong_python_type_is_named_by_parameter(
    loaded: tuple[str, Any, Any], kitchen: ModuleType
) -> None:
    _kind, p, _ = loaded
    t = kitchen.types
    with pytest.raises(TypeError, match=r"Kitchen\.add\(\): parameter `b`: expected int \(u32\)"):
        p.add(1, "2")
    with pytest.raises(BindingError, match=r"parameter `a`: -1 does not fit u32"):
        p.add(-1, 2)
    with pytest.raises(
        BindingError, match=r"parameter `e`: field `letter`: expected a one-character str"
    ):
        p.api.echo_everything(everything(kitchen, letter="ab"))
    with pytest.raises(BindingError, match=r"parameter `s`: expected one of Shape_Circle"):
        p.api.echo_shape(t.Point(x=1, y=2))
    with pytest.raises(BindingError, match=r"parameter `x`: expected Some\(\.\.\.\) or None"):
        p.api.echo_nested(3)
    with pytest.raises(BindingError, match=r"Counter\(\): parameter `start`"):
        p.api.Counter("five")
    with pytest.raises(BindingError, match=r"parameter `b`: expected Blob"):
        p.api.blob_size(object())
    assert p.add(1, 2) == 3  # nothing reached the guest: the instance is still usable


def test_host_exception_traps_with_cause(
    kitchen: ModuleType, compiled: tuple[str, Any, Any]
) -> None:
    _kind, rt, component = compiled
    boom = ValueError("disk full")
    p = kitchen.Kitchen.load(component, imports=host(kitchen, log_error=boom), runtime=rt)
    with pytest.raises(TrapError) as info:
        p.greet("bob")
    assert info.value.__cause__ is boom


def test_incomplete_imports_fail_at_load(
    kitchen: ModuleType, compiled: tuple[str, Any, Any]
) -> None:
    _kind, rt, component = compiled

    class NoStore(kitchen.KitchenImports):
        def log(self, level: int, message: str) -> None:
            pass

    with pytest.raises(
        BindingError, match=r"imports\.store must be an instance of kitchen\.store\.Store"
    ):
        kitchen.Kitchen.load(component, imports=NoStore(), runtime=rt)

    imports = host(kitchen)
    imports.store.Blob = object
    with pytest.raises(
        BindingError, match=r"imports\.store\.Blob must name your subclass of kitchen\.store\.Blob"
    ):
        kitchen.Kitchen.load(component, imports=imports, runtime=rt)


def test_unbound_resource_class_says_where_to_look(kitchen: ModuleType) -> None:
    with pytest.raises(PluginError, match="not bound to a loaded plugin"):
        kitchen.api.Counter(1)
