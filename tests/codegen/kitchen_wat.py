"""A hand-written WAT component implementing the kitchen world, for the host-bindings round trip.

Every `api` echo returns its argument: small ones are rebuilt in a return area from their
flattened parameters, `everything` (more than 16 flat values, so passed by pointer) returns
the very pointer it was given, whose layout is also the result's. `blob-size` reads the host's
blob through the imported method, `make-blob` calls the imported constructor, and `counter` is
a guest resource whose rep points at a cell of memory.
"""

from __future__ import annotations

from tests.runtime.wat import ALLOCATOR

_EVERYTHING_FIELDS = """
    (field "flag" bool) (field "a-u8" u8) (field "a-u16" u16) (field "a-u32" u32) (field "a-u64" u64)
    (field "a-s8" s8) (field "a-s16" s16) (field "a-s32" s32) (field "a-s64" s64)
    (field "a-f32" f32) (field "a-f64" f64) (field "letter" char) (field "text" string)
    (field "raw" (list u8)) (field "numbers" (list u32)) (field "points" (list $point))
    (field "pair" (tuple string u32)) (field "maybe" (option string))
    (field "nested" (option (option u32))) (field "color" $color) (field "perms" $perms)
    (field "shape" $shape) (field "ident" u64) (field "type" string) (field "from" u8)"""

_MEM = '(memory (core memory $m "mem")) (realloc (core func $m "realloc"))'

# The api functions: (name, core function, lifted function type in the shim's type names).
_API = [
    ("echo-everything", "$echo_everything", '(param "e" $T_everything) (result $T_everything)'),
    ("echo-shape", "$echo_shape", '(param "s" $T_shape) (result $T_shape)'),
    (
        "echo-nested",
        "$echo_nested",
        '(param "x" (option (option u32))) (result (option (option u32)))',
    ),
    (
        "echo-list",
        "$echo_list",
        '(param "items" (list (tuple $T_color $T_perms))) (result (list (tuple $T_color $T_perms)))',
    ),
    ("unit-result", "$unit_result", '(param "fail" bool) (result (result))'),
    ("ok-only", "$ok_only", '(param "fail" bool) (result (result u32))'),
    ("err-only", "$err_only", '(param "fail" bool) (result (result (error string)))'),
    ("both", "$both", '(param "fail" bool) (result (result $T_point (error $T_color)))'),
    (
        "import",
        "$import",
        '(param "from" u32) (param "in" string) (param "class" bool) (result string)',
    ),
    ("blob-size", "$blob_size", '(param "b" (borrow $T_blob)) (result u32)'),
    ("make-blob", "$make_blob", '(param "data" (list u8)) (result (own $T_blob))'),
    ("[constructor]counter", "$counter_ctor", '(param "start" u32) (result (own $T_counter))'),
    (
        "[method]counter.increment",
        "$counter_increment",
        '(param "self" (borrow $T_counter)) (param "by" u32) (result u32)',
    ),
    ("[method]counter.value", "$counter_value", '(param "self" (borrow $T_counter)) (result u32)'),
    (
        "[static]counter.merge",
        "$counter_merge",
        '(param "a" (borrow $T_counter)) (param "b" (own $T_counter)) (result (own $T_counter))',
    ),
]


_SHIM_TYPES = [
    ("point", '(record (field "x" s32) (field "y" s32))'),
    ("color", '(enum "red" "green" "blue")'),
    ("perms", '(flags "read" "write" "exec")'),
    ("shape", '(variant (case "circle" f64) (case "rect" $point) (case "nothing"))'),
    ("everything", "(record " + _EVERYTHING_FIELDS + ")"),
]


def _names(text: str, suffix: str) -> str:
    for name in ("point", "color", "perms", "shape", "everything", "blob", "counter"):
        text = text.replace(f"$T_{name}", f"${name}{suffix}")
        text = text.replace(f"${name})", f"${name}{suffix})").replace(
            f"${name} ", f"${name}{suffix} "
        )
    return text


def _shim() -> str:
    """wit-component's way to export an interface: a nested component that imports every type
    and function and re-exports them under their WIT names, instantiated with the real ones."""
    lines = ["  (component $api_shim"]
    for name, body in _SHIM_TYPES:
        lines.append(f"    (type ${name}d {_names(body, 'i')})")
        lines.append(f'    (import "import-type-{name}" (type ${name}i (eq ${name}d)))')
    lines.append('    (import "import-type-blob" (type $blobi (sub resource)))')
    lines.append('    (import "import-type-counter" (type $counteri (sub resource)))')
    for i, (_name, _core, sig) in enumerate(_API):
        lines.append(f'    (import "import-func-{i}" (func $f{i} {_names(sig, "i")}))')
    for name, _body in _SHIM_TYPES:
        lines.append(f'    (export ${name}e "{name}" (type ${name}i))')
    lines.append('    (export $blobe "blob" (type $blobi))')
    lines.append('    (export $countere "counter" (type $counteri))')
    for i, (name, _core, sig) in enumerate(_API):
        lines.append(f'    (export "{name}" (func $f{i}) (func {_names(sig, "e")}))')
    lines.append("  )")
    withs = [f'(with "import-type-{n}" (type ${n}_e))' for n, _ in _SHIM_TYPES]
    withs += [
        '(with "import-type-blob" (type $blob))',
        '(with "import-type-counter" (type $counter_e))',
    ]
    withs += [f'(with "import-func-{i}" (func {core}))' for i, (_n, core, _s) in enumerate(_API)]
    lines.append("  (instance $api (instantiate $api_shim")
    lines += [f"    {w}" for w in withs]
    lines.append("  ))")
    return "\n".join(lines)


KITCHEN_WAT = rf"""
(component $root
  (import "witkit:kitchen/store@0.1.0" (instance $store
    (export "blob" (type $blob (sub resource)))
    (export "[constructor]blob" (func (param "init" (list u8)) (result (own $blob))))
    (export "[method]blob.read" (func (param "self" (borrow $blob)) (result (list u8))))))
  (alias export $store "blob" (type $blob))
  (alias export $store "[constructor]blob" (func $blob_new))
  (alias export $store "[method]blob.read" (func $blob_read))
  (import "log" (func $log (param "level" u8) (param "message" string)))

  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $blob_new_l (canon lower (func $blob_new) {_MEM}))
  (core func $blob_read_l (canon lower (func $blob_read) {_MEM}))
  (core func $blob_drop (canon resource.drop $blob))
  (core func $log_l (canon lower (func $log) {_MEM}))

  (type $counter (resource (rep i32)))
  (core func $counter_new (canon resource.new $counter))
  (core func $counter_rep (canon resource.rep $counter))
  (core func $counter_drop (canon resource.drop $counter))

  (core module $main
    (import "m" "mem" (memory 1))
    (import "m" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "h" "blob-new" (func $blob_new (param i32 i32) (result i32)))
    (import "h" "blob-read" (func $blob_read (param i32 i32)))
    (import "h" "blob-drop" (func $blob_drop (param i32)))
    (import "h" "log" (func $log (param i32 i32 i32)))
    (import "r" "new" (func $counter_new (param i32) (result i32)))
    (import "r" "rep" (func $counter_rep (param i32) (result i32)))
    (import "r" "drop" (func $counter_drop (param i32)))
    (data (i32.const 512) "failed")
    (func $area (param $size i32) (result i32)
      (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (local.get $size)))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "greet") (param $p i32) (param $n i32) (result i32) (local $r i32)
      (call $log (i32.const 1) (local.get $p) (local.get $n))
      (local.set $r (call $area (i32.const 12)))
      (i32.store (local.get $r) (local.get $p))
      (i32.store offset=4 (local.get $r) (local.get $n))
      (i32.store offset=8 (local.get $r) (local.get $n))
      (local.get $r))
    (func (export "echo-everything") (param i32) (result i32) (local.get 0))
    (func (export "echo-shape") (param $d i32) (param $a i64) (param $b i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 16)))
      (i32.store8 (local.get $r) (local.get $d))
      (if (i32.eqz (local.get $d)) (then (i64.store offset=8 (local.get $r) (local.get $a))))
      (if (i32.eq (local.get $d) (i32.const 1)) (then
        (i32.store offset=8 (local.get $r) (i32.wrap_i64 (local.get $a)))
        (i32.store offset=12 (local.get $r) (local.get $b))))
      (local.get $r))
    (func (export "echo-nested") (param i32 i32 i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 12)))
      (i32.store8 (local.get $r) (local.get 0))
      (i32.store8 offset=4 (local.get $r) (local.get 1))
      (i32.store offset=8 (local.get $r) (local.get 2))
      (local.get $r))
    (func $pair (export "echo-list") (param i32 i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 8)))
      (i32.store (local.get $r) (local.get 0))
      (i32.store offset=4 (local.get $r) (local.get 1))
      (local.get $r))
    (func (export "unit-result") (param i32) (result i32) (local.get 0))
    (func (export "ok-only") (param $fail i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 8)))
      (i32.store8 (local.get $r) (local.get $fail))
      (i32.store offset=4 (local.get $r) (i32.const 42))
      (local.get $r))
    (func (export "err-only") (param $fail i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 12)))
      (i32.store8 (local.get $r) (local.get $fail))
      (i32.store offset=4 (local.get $r) (i32.const 512))
      (i32.store offset=8 (local.get $r) (i32.const 6))
      (local.get $r))
    (func (export "both") (param $fail i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 12)))
      (i32.store8 (local.get $r) (local.get $fail))
      (if (local.get $fail)
        (then (i32.store8 offset=4 (local.get $r) (i32.const 2)))
        (else (i32.store offset=4 (local.get $r) (i32.const 1))
              (i32.store offset=8 (local.get $r) (i32.const -2))))
      (local.get $r))
    (func (export "import") (param i32 i32 i32 i32) (result i32)
      (call $pair (local.get 1) (local.get 2)))
    (func (export "blob-size") (param $h i32) (result i32) (local $r i32)
      (local.set $r (call $area (i32.const 8)))
      (call $blob_read (local.get $h) (local.get $r))
      (call $blob_drop (local.get $h))
      (i32.load offset=4 (local.get $r)))
    (func (export "make-blob") (param i32 i32) (result i32) (call $blob_new (local.get 0) (local.get 1)))
    (func $make_counter (export "counter-new") (param $start i32) (result i32) (local $rep i32)
      (local.set $rep (call $area (i32.const 4)))
      (i32.store (local.get $rep) (local.get $start))
      (call $counter_new (local.get $rep)))
    (func (export "counter-increment") (param $rep i32) (param $by i32) (result i32)
      (i32.store (local.get $rep) (i32.add (i32.load (local.get $rep)) (local.get $by)))
      (i32.load (local.get $rep)))
    (func (export "counter-value") (param $rep i32) (result i32) (i32.load (local.get $rep)))
    (func (export "counter-merge") (param $a i32) (param $b i32) (result i32) (local $sum i32)
      (local.set $sum (i32.add (i32.load (local.get $a)) (i32.load (call $counter_rep (local.get $b)))))
      (call $counter_drop (local.get $b))
      (call $make_counter (local.get $sum))))
  (core instance $i (instantiate $main
    (with "m" (instance $m))
    (with "h" (instance
      (export "blob-new" (func $blob_new_l)) (export "blob-read" (func $blob_read_l))
      (export "blob-drop" (func $blob_drop)) (export "log" (func $log_l))))
    (with "r" (instance
      (export "new" (func $counter_new)) (export "rep" (func $counter_rep))
      (export "drop" (func $counter_drop))))))

  (type $greeting (record (field "text" string) (field "count" u32)))
  (export $greeting_e "greeting" (type $greeting))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "greet") (param "name" string) (result $greeting_e)
    (canon lift (core func $i "greet") {_MEM}))

  ;; Each type is exported (named) before a later type or the api instance refers to it.
  (type $point (record (field "x" s32) (field "y" s32)))
  (export $point_e "point" (type $point))
  (type $color (enum "red" "green" "blue"))
  (export $color_e "color" (type $color))
  (type $perms (flags "read" "write" "exec"))
  (export $perms_e "perms" (type $perms))
  (type $shape (variant (case "circle" f64) (case "rect" $point_e) (case "nothing")))
  (export $shape_e "shape" (type $shape))
  (type $everything (record {_EVERYTHING_FIELDS.replace("$point", "$point_e").replace("$color", "$color_e").replace("$perms", "$perms_e").replace("$shape", "$shape_e")}))
  (export $everything_e "everything" (type $everything))
  (func $echo_everything (param "e" $everything) (result $everything)
    (canon lift (core func $i "echo-everything") {_MEM}))
  (func $echo_shape (param "s" $shape) (result $shape) (canon lift (core func $i "echo-shape") {_MEM}))
  (func $echo_nested (param "x" (option (option u32))) (result (option (option u32)))
    (canon lift (core func $i "echo-nested") {_MEM}))
  (func $echo_list (param "items" (list (tuple $color $perms))) (result (list (tuple $color $perms)))
    (canon lift (core func $i "echo-list") {_MEM}))
  (func $unit_result (param "fail" bool) (result (result)) (canon lift (core func $i "unit-result")))
  (func $ok_only (param "fail" bool) (result (result u32)) (canon lift (core func $i "ok-only") {_MEM}))
  (func $err_only (param "fail" bool) (result (result (error string)))
    (canon lift (core func $i "err-only") {_MEM}))
  (func $both (param "fail" bool) (result (result $point (error $color)))
    (canon lift (core func $i "both") {_MEM}))
  (func $import (param "from" u32) (param "in" string) (param "class" bool) (result string)
    (canon lift (core func $i "import") {_MEM}))
  (func $blob_size (param "b" (borrow $blob)) (result u32) (canon lift (core func $i "blob-size")))
  (func $make_blob (param "data" (list u8)) (result (own $blob)) (canon lift (core func $i "make-blob") {_MEM}))
  (export $counter_e "counter" (type $counter))
  (func $counter_ctor (param "start" u32) (result (own $counter_e)) (canon lift (core func $i "counter-new")))
  (func $counter_increment (param "self" (borrow $counter_e)) (param "by" u32) (result u32)
    (canon lift (core func $i "counter-increment")))
  (func $counter_value (param "self" (borrow $counter_e)) (result u32) (canon lift (core func $i "counter-value")))
  (func $counter_merge (param "a" (borrow $counter_e)) (param "b" (own $counter_e)) (result (own $counter_e))
    (canon lift (core func $i "counter-merge")))
{_shim()}
  (export "witkit:kitchen/api@0.1.0" (instance $api))
)
"""
