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


SESSIONS_IFACE = "test:res/sessions"

# A provider of test:res/sessions: a guest resource `session` holding a u32, made by its
# constructor, read by `get`, taken back (and destroyed) by `consume`; `live` counts the
# sessions not yet destroyed, `crash` traps. The interface is exported through a nested
# component, as wit-component does.
SESSIONS = rf"""
(component
  (core module $A
    (memory (export "mem") 1)
    (global $live (mut i32) (i32.const 0))
    (func (export "dtor") (param i32) (global.set $live (i32.sub (global.get $live) (i32.const 1))))
    (func (export "inc") (global.set $live (i32.add (global.get $live) (i32.const 1))))
    (func (export "live") (result i32) (global.get $live)))
  (core instance $a (instantiate $A))
  (type $session (resource (rep i32) (dtor (core func $a "dtor"))))
  (core func $new (canon resource.new $session))
  (core func $rep (canon resource.rep $session))
  (core func $drop (canon resource.drop $session))
  (core module $B
    (import "a" "mem" (memory 1))
    (import "a" "inc" (func $inc))
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (global $next (mut i32) (i32.const 16))
    (func (export "ctor") (param i32) (result i32) (local $r i32)
      (local.set $r (global.get $next))
      (global.set $next (i32.add (global.get $next) (i32.const 4)))
      (i32.store (local.get $r) (local.get 0))
      (call $inc)
      (call $new (local.get $r)))
    (func (export "get") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "consume") (param $h i32) (result i32) (local $v i32)
      (local.set $v (i32.load (call $rep (local.get $h))))
      (call $drop (local.get $h))
      (local.get $v))
    (func (export "crash") unreachable))
  (core instance $b (instantiate $B
    (with "a" (instance $a))
    (with "r" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
  (func $ctor (param "start" u32) (result (own $session)) (canon lift (core func $b "ctor")))
  (func $get (param "self" (borrow $session)) (result u32) (canon lift (core func $b "get")))
  (func $consume (param "s" (own $session)) (result u32) (canon lift (core func $b "consume")))
  (func $live (result u32) (canon lift (core func $a "live")))
  (func $crash (canon lift (core func $b "crash")))
  (component $shim
    (import "import-type-session" (type $si (sub resource)))
    (import "import-func-ctor" (func $f0 (param "start" u32) (result (own $si))))
    (import "import-func-get" (func $f1 (param "self" (borrow $si)) (result u32)))
    (import "import-func-consume" (func $f2 (param "s" (own $si)) (result u32)))
    (import "import-func-live" (func $f3 (result u32)))
    (import "import-func-crash" (func $f4))
    (export $se "session" (type $si))
    (export "[constructor]session" (func $f0) (func (param "start" u32) (result (own $se))))
    (export "[method]session.get" (func $f1) (func (param "self" (borrow $se)) (result u32)))
    (export "consume" (func $f2) (func (param "s" (own $se)) (result u32)))
    (export "live" (func $f3))
    (export "crash" (func $f4)))
  (instance $api (instantiate $shim
    (with "import-type-session" (type $session))
    (with "import-func-ctor" (func $ctor))
    (with "import-func-get" (func $get))
    (with "import-func-consume" (func $consume))
    (with "import-func-live" (func $live))
    (with "import-func-crash" (func $crash))))
  (export "{SESSIONS_IFACE}" (instance $api))
)
"""

# A consumer of test:res/sessions that exposes its own handle indices, so a test can play a
# hostile plugin: `make(n)` returns the index of a new session it holds, `peek(h)` lends
# handle `h` to `get`, `give-back(h)` moves it into `consume`, `drop(h)` drops it.
HOLDER = rf"""
(component
  (import "{SESSIONS_IFACE}" (instance $s
    (export "session" (type $session (sub resource)))
    (export "[constructor]session" (func (param "start" u32) (result (own $session))))
    (export "[method]session.get" (func (param "self" (borrow $session)) (result u32)))
    (export "consume" (func (param "s" (own $session)) (result u32)))))
  (alias export $s "session" (type $session))
  (alias export $s "[constructor]session" (func $ctor))
  (alias export $s "[method]session.get" (func $get))
  (alias export $s "consume" (func $consume))
  (core func $ctor_l (canon lower (func $ctor)))
  (core func $get_l (canon lower (func $get)))
  (core func $consume_l (canon lower (func $consume)))
  (core func $drop_l (canon resource.drop $session))
  (core module $m
    (import "h" "ctor" (func $ctor (param i32) (result i32)))
    (import "h" "get" (func $get (param i32) (result i32)))
    (import "h" "consume" (func $consume (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
    (func (export "peek") (param i32) (result i32) (call $get (local.get 0)))
    (func (export "give-back") (param i32) (result i32) (call $consume (local.get 0)))
    (func (export "drop") (param i32) (call $drop (local.get 0))))
  (core instance $i (instantiate $m (with "h" (instance
    (export "ctor" (func $ctor_l)) (export "get" (func $get_l))
    (export "consume" (func $consume_l)) (export "drop" (func $drop_l))))))
  (func (export "make") (param "start" u32) (result u32) (canon lift (core func $i "make")))
  (func (export "peek") (param "h" u32) (result u32) (canon lift (core func $i "peek")))
  (func (export "give-back") (param "h" u32) (result u32) (canon lift (core func $i "give-back")))
  (func (export "drop") (param "h" u32) (canon lift (core func $i "drop")))
)
"""
