"""The shared annotation core: host spelling and componentize-py's guest spelling of the same types."""

from __future__ import annotations

from tests.codegen.conftest import KITCHEN_WIT, REPO
from witkit.codegen.pytypes import COMPONENTIZE_PY, HOST, Imports, PyTypes
from witkit.naming import pascal
from witkit.wit import model as m
from witkit.wit.resolve import resolve_path


def _api() -> tuple[m.Resolve, m.Interface]:
    resolve = resolve_path(REPO / KITCHEN_WIT).resolve
    iid = resolve.interface_by_id("witkit:kitchen/api@0.1.0")
    assert iid is not None
    return resolve, resolve.interfaces[iid]


def _qualify(resolve: m.Resolve):  # type: ignore[no-untyped-def]
    def qualify(tid: int) -> str:
        td = resolve.types[tid]
        assert td.owner is not None and td.name is not None
        owner = resolve.interfaces[td.owner.id].name
        return f"{owner}.{pascal(td.name)}"

    return qualify


def test_host_and_guest_spellings() -> None:
    resolve, api = _api()
    host_imports, guest_imports = Imports(), Imports()
    host = PyTypes(resolve, _qualify(resolve), host_imports, HOST)
    guest = PyTypes(resolve, _qualify(resolve), guest_imports, COMPONENTIZE_PY)
    f = api.functions
    items = f["echo-list"].params[0].type
    assert host.annotation(items) == "list[tuple[types.Color, types.Perms]]"
    assert guest.annotation(items) == "List[Tuple[types.Color, types.Perms]]"
    nested = f["echo-nested"].params[0].type
    assert host.annotation(nested) == "Some[int | None] | None"
    assert guest.annotation(nested) == "Optional[Some[Optional[int]]]"
    assert host.signature_types(f["both"].result) == ("types.Point", "types.Color")
    assert host.signature_types(f["unit-result"].result) == ("None", "None")
    counter = f["[static]counter.merge"]
    assert counter.resource is not None
    assert guest.annotation(counter.result, self_resource=counter.resource) == "Self"
    assert host.annotation(counter.result, self_resource=counter.resource) == "api.Counter"
    assert host.annotation(f["make-blob"].params[0].type) == "bytes"
    assert host_imports.lines() == ["from witkit.runtime import Some"]
    assert guest_imports.lines() == [
        "from typing import List, Optional, Self, Tuple",
        "",
        "from componentize_py_types import Some",
    ]


def test_result_inside_a_value() -> None:
    resolve = m.Resolve(
        types=(m.TypeDef(None, m.Result("u32", "string"), None), m.TypeDef(None, m.List(0), None))
    )
    host = PyTypes(resolve, str, Imports(), HOST)
    guest = PyTypes(resolve, str, Imports(), COMPONENTIZE_PY)
    assert host.annotation(1) == "list[Ok[int] | Err[str]]"
    assert guest.annotation(1) == "List[Result[int, str]]"
