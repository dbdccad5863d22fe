"""A host resource the guest drops: the host object's drop hook runs, as the canonical ABI's
destructor of an own handle."""

from __future__ import annotations

import importlib

from tests.codegen.conftest import Generated
from witkit.runtime import Runtime

# `churn(n)` constructs n host `thing`s and drops each own handle at once.
DROPS_WAT = r"""
(component
  (import "test:drops/things" (instance $things
    (export "thing" (type $thing (sub resource)))
    (export "[constructor]thing" (func (param "n" u32) (result (own $thing))))
    (export "[method]thing.dropped" (func (param "self" (borrow $thing)) (result bool)))))
  (alias export $things "thing" (type $thing))
  (alias export $things "[constructor]thing" (func $new))
  (core func $new_l (canon lower (func $new)))
  (core func $drop (canon resource.drop $thing))
  (core module $m
    (import "h" "new" (func $new (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (func (export "churn") (param $n i32) (local $i i32)
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (call $drop (call $new (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))))
  (core instance $i (instantiate $m
    (with "h" (instance (export "new" (func $new_l)) (export "drop" (func $drop))))))
  (func (export "churn") (param "n" u32) (canon lift (core func $i "churn"))))
"""


def test_guest_drop_runs_the_host_objects_hook(
    generated: Generated, mypy_errors: dict[str, list[str]]
) -> None:
    assert mypy_errors["drops"] == []
    drops = importlib.import_module("drops")
    things = importlib.import_module("drops.things")
    made: list[int] = []
    released: list[int] = []

    class Thing(things.Thing):  # type: ignore[misc, name-defined]
        def __init__(self, n: int) -> None:
            self.n = n
            made.append(n)

        def dropped(self) -> bool:  # the WIT method of that name
            return False

        def dropped_(self) -> None:  # the hook, renamed past the WIT method
            released.append(self.n)

    class Things(things.Things):  # type: ignore[misc, name-defined]
        pass

    Things.Thing = Thing

    class Host(drops.DropsImports):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.things = Things()

    plugin = drops.Drops.load(DROPS_WAT, imports=Host(), runtime=Runtime(cache=False))
    plugin.churn(3)
    assert made == [0, 1, 2]
    assert released == [0, 1, 2]
