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
