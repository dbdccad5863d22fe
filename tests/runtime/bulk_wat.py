"""WAT components for the bulk-data path: echoes, a hostile allocator, a composed and a resource export."""

from __future__ import annotations

_ALLOC = r"""
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (global $posts (mut i32) (i32.const 0))
    (global $evil (mut i32) (i32.const 0))
    (func $realloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32) (local $end i32)
      (if (global.get $evil) (then (return (global.get $evil))))
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (local.set $end (i32.add (local.get $r) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (if (i32.eq (memory.grow (i32.sub (i32.add (i32.shr_u (local.get $end) (i32.const 16)) (i32.const 1))
                                            (memory.size)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $r))
"""

# echo: copy (ptr, len) into a fresh buffer; the return area at 8 holds (ptr, len).
_ECHO = r"""
    (func (export "echo") (param $p i32) (param $n i32) (result i32)
      (local $q i32)
      (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
      (memory.copy (local.get $q) (local.get $p) (local.get $n))
      (i32.store (i32.const 8) (local.get $q))
      (i32.store (i32.const 12) (local.get $n))
      (i32.const 8))
"""

BULK = r"""
(component
  (core module $m
""" + _ALLOC + _ECHO + r"""
    ;; make: n bytes counting up from `start` (mod 256)
    (func (export "make") (param $n i32) (param $start i32) (result i32)
      (local $q i32) (local $i i32)
      (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
      (block $done (loop $fill
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $q) (local.get $i)) (i32.add (local.get $start) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
      (i32.store (i32.const 8) (local.get $q))
      (i32.store (i32.const 12) (local.get $n))
      (i32.const 8))
    (func (export "post") (param i32)
      (global.set $posts (i32.add (global.get $posts) (i32.const 1)))
      (global.set $bump (i32.const 1024)))
    (func (export "sum") (param $p i32) (param $n i32) (param $k i32) (result i64)
      (local $i i32) (local $s i64)
      (block $done (loop $add
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i64.add (local.get $s) (i64.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $add)))
      (i64.add (local.get $s) (i64.extend_i32_s (local.get $k))))
    (func (export "posts") (result i32) (global.get $posts))
    (func (export "set-evil") (param i32) (global.set $evil (local.get 0)))
    (func (export "bad-area") (param i32 i32) (result i32) (i32.const 9))
    (func (export "bad-result") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (i32.const 0xFFFFFF00))
      (i32.store (i32.const 20) (i32.const 100))
      (i32.const 16))
    (func (export "bad-utf8") (param i32 i32) (result i32)
      (i32.store8 (i32.const 32) (i32.const 0xFF))
      (i32.store (i32.const 16) (i32.const 32))
      (i32.store (i32.const 20) (i32.const 1))
      (i32.const 16))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $bytes (list u8))
  (func (export "echo") (param "x" $bytes) (result $bytes)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "post"))))
  (func (export "echo-str") (param "x" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) string-encoding=utf8
      (post-return (core func $i "post"))))
  (func (export "make") (param "n" u32) (param "start" u32) (result $bytes)
    (canon lift (core func $i "make") (memory $mem) (realloc $realloc) (post-return (core func $i "post"))))
  (func (export "sum") (param "x" $bytes) (param "k" s32) (result s64)
    (canon lift (core func $i "sum") (memory $mem) (realloc $realloc)))
  (func (export "posts") (result u32) (canon lift (core func $i "posts")))
  (func (export "set-evil") (param "p" u32) (canon lift (core func $i "set-evil")))
  (func (export "bad-area") (param "x" $bytes) (result $bytes)
    (canon lift (core func $i "bad-area") (memory $mem) (realloc $realloc)))
  (func (export "bad-result") (param "x" $bytes) (result $bytes)
    (canon lift (core func $i "bad-result") (memory $mem) (realloc $realloc)))
  (func (export "bad-utf8") (param "x" string) (result string)
    (canon lift (core func $i "bad-utf8") (memory $mem) (realloc $realloc)))
)
"""

# The same echo lifted inside a nested component whose instance the outer one re-exports:
# the outer export is an alias, not a lift, so the bulk path must leave it alone.
COMPOSED = r"""
(component
  (component $inner
    (core module $m
""" + _ALLOC + _ECHO + r"""
    )
    (core instance $i (instantiate $m))
    (alias core export $i "mem" (core memory $mem))
    (alias core export $i "realloc" (core func $realloc))
    (type $bytes (list u8))
    (func (export "echo") (param "x" $bytes) (result $bytes)
      (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
  )
  (instance $x (instantiate $inner))
  (alias export $x "echo" (func $echo))
  (export "echo" (func $echo))
)
"""

# An export returning a resource handle next to a string: not for the bulk path.
RESOURCE = r"""
(component
  (type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core module $m
    (import "" "new" (func $new (param i32) (result i32)))
""" + _ALLOC + r"""
    (func (export "make") (param i32 i32) (result i32) (call $new (local.get 1)))
  )
  (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (export $re "r" (type $r))
  (func (export "make") (param "x" string) (result (own $re))
    (canon lift (core func $i "make") (memory $mem) (realloc $realloc)))
)
"""
