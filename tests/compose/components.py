"""WAT components for the composition tests: greeters from the example, consumers and a cycle."""

from __future__ import annotations

from pathlib import Path

from tests.runtime.wat import ALLOCATOR

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compose"
ENGLISH = (EXAMPLE / "english.wat").read_text()
FRENCH = (EXAMPLE / "french.wat").read_text()
APP = (EXAMPLE / "app.wat").read_text()

GREETER = "example:greet/greeter"


def consumer(result: str, param: str = "string", interface: str = GREETER) -> str:
    """A consumer importing `greet: func(name: PARAM) -> RESULT` and exporting `run` with the same type.

    RESULT must flatten to more than one core value (string, option<string>, list<...>), so
    both the import and the export pass it through memory.
    """
    flat_params = "i32 i32" if param == "string" else "i32"
    gets = "(local.get 0) (local.get 1)" if param == "string" else "(local.get 0)"
    return f"""
(component
  (import "{interface}" (instance $greeter
    (export "greet" (func (param "name" {param}) (result {result})))))
  (core module $mem {ALLOCATOR})
  (core instance $m (instantiate $mem))
  (core func $greet (canon lower (func $greeter "greet")
    (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $main
    (import "greeter" "greet" (func $greet (param {flat_params} i32)))
    (func (export "run") (param {flat_params}) (result i32)
      (call $greet {gets} (i32.const 32))
      (i32.const 32)))
  (core instance $i (instantiate $main (with "greeter" (instance (export "greet" (func $greet))))))
  (func (export "run") (param "name" {param}) (result {result})
    (canon lift (core func $i "run") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
"""


def cyclic(imports: str, exports: str) -> str:
    """A component importing interface `imports` and exporting `exports`, each with `f: func() -> u32`."""
    return f"""
(component
  (import "{imports}" (instance $in (export "f" (func (result u32)))))
  (core module $m (func (export "f") (result i32) (i32.const 7)))
  (core instance $i (instantiate $m))
  (func $f (result u32) (canon lift (core func $i "f")))
  (instance $out (export "f" (func $f)))
  (export "{exports}" (instance $out))
)
"""


# A provider of example:check/checker whose `greet(n)` returns ok(n) for even n, err("odd") otherwise.
CHECKER = r"""
(component
  (core module $m
    (memory (export "mem") 1)
    (data (i32.const 100) "odd")
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 2048))
    (func (export "greet") (param $n i32) (result i32)
      (if (i32.and (local.get $n) (i32.const 1))
        (then
          (i32.store (i32.const 0) (i32.const 1))
          (i32.store (i32.const 4) (i32.const 100))
          (i32.store (i32.const 8) (i32.const 3)))
        (else
          (i32.store (i32.const 0) (i32.const 0))
          (i32.store (i32.const 4) (local.get $n))))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $greet (param "n" u32) (result (result u32 (error string)))
    (canon lift (core func $i "greet") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (instance $x (export "greet" (func $greet)))
  (export "example:check/checker" (instance $x))
)
"""
CHECK = "example:check/checker"


def failing_greeter(body: str) -> str:
    """A provider of example:greet/greeter whose `greet` runs the core instructions `body`.

    `(loop $l (br $l))` spins until its fuel or its timeout ends it; `unreachable` traps.
    """
    return f"""
(component
  (core module $m
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
    (func (export "greet") (param i32 i32) (result i32)
      {body}
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $greet (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (instance $greeter (export "greet" (func $greet)))
  (export "{GREETER}" (instance $greeter))
)
"""


SPINNER = failing_greeter("(loop $l (br $l))")
TRAPPER = failing_greeter("unreachable")
EACH = "(list (tuple string (result string (error string))))"
"""The consumer's result taking one `result<string, string>` per provider."""


SESSIONS_IFACE = "example:session/store"
SESSIONS = (EXAMPLE / "sessions.wat").read_text()
"""A provider of a `session` resource (constructor, `get`, `consume`, `live`, `crash`)."""
HOLDER = (EXAMPLE / "holder.wat").read_text()
"""A consumer holding sessions, exposing its handle indices (`make`, `peek`, `give-back`, `drop`)."""


READER_IFACE = "example:session/reader"

# A third plugin: it imports example:session/store (from the same provider as its consumer)
# and exports example:session/reader, whose functions take the store's `session`:
# `read(s: borrow<session>)` lends it on to `get`, `take(s: own<session>)` moves it on into
# `consume`, `hold(s: own<session>)` keeps it and `release()` drops the one it keeps.
READER = rf"""
(component
  (import "{SESSIONS_IFACE}" (instance $s
    (export "session" (type $session (sub resource)))
    (export "[method]session.get" (func (param "self" (borrow $session)) (result u32)))
    (export "consume" (func (param "s" (own $session)) (result u32)))))
  (alias export $s "session" (type $session))
  (alias export $s "[method]session.get" (func $get))
  (alias export $s "consume" (func $consume))
  (core func $get_l (canon lower (func $get)))
  (core func $consume_l (canon lower (func $consume)))
  (core func $drop_l (canon resource.drop $session))
  (core module $m
    (import "h" "get" (func $get (param i32) (result i32)))
    (import "h" "consume" (func $consume (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (global $kept (mut i32) (i32.const 0))
    ;; A borrow of an imported resource: the callee ends it before returning.
    (func (export "read") (param $h i32) (result i32) (local $v i32)
      (local.set $v (call $get (local.get $h)))
      (call $drop (local.get $h))
      (local.get $v))
    (func (export "take") (param i32) (result i32) (call $consume (local.get 0)))
    (func (export "hold") (param i32) (global.set $kept (local.get 0)))
    (func (export "release") (call $drop (global.get $kept))))
  (core instance $i (instantiate $m (with "h" (instance
    (export "get" (func $get_l)) (export "consume" (func $consume_l)) (export "drop" (func $drop_l))))))
  (func $read (param "s" (borrow $session)) (result u32) (canon lift (core func $i "read")))
  (func $take (param "s" (own $session)) (result u32) (canon lift (core func $i "take")))
  (func $hold (param "s" (own $session)) (canon lift (core func $i "hold")))
  (func $release (canon lift (core func $i "release")))
  (instance $r
    (export "read" (func $read)) (export "take" (func $take))
    (export "hold" (func $hold)) (export "release" (func $release)))
  (export "{READER_IFACE}" (instance $r))
)
"""

# A consumer of both: it makes sessions in the store and hands them to the reader.
# `make(n)` -> handle index, `lend(h)` = reader.read(borrow h), `pass(h)` = reader.take(own h),
# `park(h)` = reader.hold(own h), `unpark()` = reader.release(), `peek(h)` = session.get(h).
USER = rf"""
(component
  (import "{SESSIONS_IFACE}" (instance $s
    (export "session" (type $session (sub resource)))
    (export "[constructor]session" (func (param "start" u32) (result (own $session))))
    (export "[method]session.get" (func (param "self" (borrow $session)) (result u32)))))
  (alias export $s "session" (type $session))
  (alias export $s "[constructor]session" (func $ctor))
  (alias export $s "[method]session.get" (func $get))
  (import "{READER_IFACE}" (instance $r
    (export "read" (func (param "s" (borrow $session)) (result u32)))
    (export "take" (func (param "s" (own $session)) (result u32)))
    (export "hold" (func (param "s" (own $session))))
    (export "release" (func))))
  (alias export $r "read" (func $read))
  (alias export $r "take" (func $take))
  (alias export $r "hold" (func $hold))
  (alias export $r "release" (func $release))
  (core func $ctor_l (canon lower (func $ctor)))
  (core func $get_l (canon lower (func $get)))
  (core func $read_l (canon lower (func $read)))
  (core func $take_l (canon lower (func $take)))
  (core func $hold_l (canon lower (func $hold)))
  (core func $release_l (canon lower (func $release)))
  (core module $m
    (import "h" "ctor" (func $ctor (param i32) (result i32)))
    (import "h" "get" (func $get (param i32) (result i32)))
    (import "h" "read" (func $read (param i32) (result i32)))
    (import "h" "take" (func $take (param i32) (result i32)))
    (import "h" "hold" (func $hold (param i32)))
    (import "h" "release" (func $release))
    (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
    (func (export "peek") (param i32) (result i32) (call $get (local.get 0)))
    (func (export "lend") (param i32) (result i32) (call $read (local.get 0)))
    (func (export "pass") (param i32) (result i32) (call $take (local.get 0)))
    (func (export "park") (param i32) (call $hold (local.get 0)))
    (func (export "unpark") (call $release)))
  (core instance $i (instantiate $m (with "h" (instance
    (export "ctor" (func $ctor_l)) (export "get" (func $get_l)) (export "read" (func $read_l))
    (export "take" (func $take_l)) (export "hold" (func $hold_l)) (export "release" (func $release_l))))))
  (func (export "make") (param "start" u32) (result u32) (canon lift (core func $i "make")))
  (func (export "peek") (param "h" u32) (result u32) (canon lift (core func $i "peek")))
  (func (export "lend") (param "h" u32) (result u32) (canon lift (core func $i "lend")))
  (func (export "pass") (param "h" u32) (result u32) (canon lift (core func $i "pass")))
  (func (export "park") (param "h" u32) (canon lift (core func $i "park")))
  (func (export "unpark") (canon lift (core func $i "unpark")))
)
"""
