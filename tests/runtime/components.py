"""Hand-written WAT components for runtime behaviour tests (traps, limits, resources, interfaces)."""

from __future__ import annotations

from tests.runtime.wat import ALLOCATOR, STDOUT

# Arithmetic in a named interface, a trap, an infinite loop, a host call that may raise, and
# a memory-hungry function whose allocator traps (like Rust's) when memory.grow is refused.
BEHAVIOUR = rf"""
(component
  (import "host-fail" (func $host_fail (param "n" u32) (result u32)))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $hf (canon lower (func $host_fail)))
  (core module $main
    (import "h" "fail" (func $fail (param i32) (result i32)))
    (import "m" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func $boom (export "boom") unreachable)
    (func $spin (export "spin") (loop $l br $l))
    (func (export "call-host") (param i32) (result i32) local.get 0 call $fail)
    (func (export "hog") (param $mib i32) (result i32)
      (local $i i32)
      (loop $l
        (drop (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 1048576)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $mib))))
      (local.get $i))
    (func (export "grow-quietly") (param i32) (result i32) (memory.grow (local.get 0)))
    (memory 1))
  (core instance $i (instantiate $main
    (with "h" (instance (export "fail" (func $hf))))
    (with "m" (instance $m))))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (instance $math (export "add" (func $add)))
  (export "test:rt/math@1.0.0" (instance $math))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "boom") (canon lift (core func $i "boom")))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "call-host") (param "n" u32) (result u32) (canon lift (core func $i "call-host")))
  (func (export "hog") (param "mib" u32) (result u32) (canon lift (core func $i "hog")))
  (func (export "grow-quietly") (param "pages" u32) (result s32) (canon lift (core func $i "grow-quietly")))
)
"""

# A guest-defined resource `counter` with a constructor, methods, a static function and a
# destructor that counts drops.
COUNTER = r"""
(component
  (core module $A
    (memory (export "mem") 1)
    (global $drops (mut i32) (i32.const 0))
    (func (export "dtor") (param i32) (global.set $drops (i32.add (global.get $drops) (i32.const 1))))
    (func (export "drops") (result i32) (global.get $drops)))
  (core instance $a (instantiate $A))
  (type $counter (resource (rep i32) (dtor (core func $a "dtor"))))
  (core func $new (canon resource.new $counter))
  (core module $B
    (import "a" "mem" (memory 1))
    (import "r" "new" (func $new (param i32) (result i32)))
    (global $next (mut i32) (i32.const 16))
    (func $ctor (export "ctor") (param i32) (result i32) (local $rep i32)
      (local.set $rep (global.get $next))
      (global.set $next (i32.add (global.get $next) (i32.const 4)))
      (i32.store (local.get $rep) (local.get 0))
      (call $new (local.get $rep)))
    (func (export "get") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "inc") (param i32) (i32.store (local.get 0) (i32.add (i32.load (local.get 0)) (i32.const 1))))
    (func (export "merge") (param i32 i32) (result i32)
      (call $ctor (i32.add (i32.load (local.get 0)) (i32.load (local.get 1)))))
    (func (export "consume") (param i32) (result i32) (i32.const 1)))
  (core instance $b (instantiate $B (with "a" (instance $a)) (with "r" (instance (export "new" (func $new))))))
  (export $c "counter" (type $counter))
  (func (export "[constructor]counter") (param "start" u32) (result (own $c)) (canon lift (core func $b "ctor")))
  (func (export "[method]counter.get") (param "self" (borrow $c)) (result u32) (canon lift (core func $b "get")))
  (func (export "[method]counter.inc") (param "self" (borrow $c)) (canon lift (core func $b "inc")))
  (func (export "[static]counter.merge") (param "a" (borrow $c)) (param "b" (borrow $c)) (result (own $c))
    (canon lift (core func $b "merge")))
  (func (export "drops") (result u32) (canon lift (core func $a "drops")))
)
"""

# A component using a host-defined resource `blob` (constructor, method, drop).
BLOB = rf"""
(component
  (import "blob" (type $blob (sub resource)))
  (import "[constructor]blob" (func $ctor (param "data" string) (result (own $blob))))
  (import "[method]blob.size" (func $size (param "self" (borrow $blob)) (result u32)))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $ctor_l (canon lower (func $ctor) (memory (core memory $m "mem"))))
  (core func $size_l (canon lower (func $size)))
  (core func $drop (canon resource.drop $blob))
  (core module $main
    (import "h" "ctor" (func $ctor (param i32 i32) (result i32)))
    (import "h" "size" (func $size (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (func (export "measure-temp") (param i32 i32) (result i32) (local $h i32) (local $n i32)
      (local.set $h (call $ctor (local.get 0) (local.get 1)))
      (local.set $n (call $size (local.get $h)))
      (call $drop (local.get $h))
      (local.get $n))
    (func (export "make") (param i32 i32) (result i32) (call $ctor (local.get 0) (local.get 1)))
    (func (export "measure") (param i32) (result i32) (local $n i32)
      ;; a borrowed handle must be dropped before returning
      (local.set $n (call $size (local.get 0)))
      (call $drop (local.get 0))
      (local.get $n))
    (func (export "take") (param i32) (result i32) (local $n i32)
      (local.set $n (call $size (local.get 0)))
      (call $drop (local.get 0))
      (local.get $n))
    ;; keeps an owned handle without dropping it, for the cleanup tests: a trap, a timeout
    ;; or closing the instance must end the guest's hold on it
    (global $kept (mut i32) (i32.const 0))
    (func (export "keep") (param i32) (global.set $kept (local.get 0)))
    (func (export "boom") unreachable)
    (func (export "spin") (loop $l br $l)))
  (core instance $i (instantiate $main (with "h" (instance
    (export "ctor" (func $ctor_l)) (export "size" (func $size_l)) (export "drop" (func $drop))))))
  (func (export "measure-temp") (param "data" string) (result u32)
    (canon lift (core func $i "measure-temp") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "make") (param "data" string) (result (own $blob))
    (canon lift (core func $i "make") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "measure") (param "b" (borrow $blob)) (result u32) (canon lift (core func $i "measure")))
  (func (export "take") (param "b" (own $blob)) (result u32) (canon lift (core func $i "take")))
  (func (export "keep") (param "b" (own $blob)) (canon lift (core func $i "keep")))
  (func (export "boom") (canon lift (core func $i "boom")))
  (func (export "spin") (canon lift (core func $i "spin")))
)
"""

# A WASI component reading its environment, arguments and preopened directories, and writing
# to stdout or stderr through wasi:io/streams (what `println!` and `print()` end up calling).
WASI = rf"""
(component
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))))
{STDOUT}
  (import "wasi:cli/stderr@0.2.0" (instance $stderr (export "output-stream" (type (eq $os))) (export "get-stderr" (func (result (own 0))))))
  (import "wasi:filesystem/types@0.2.0" (instance $fst (export "descriptor" (type (sub resource)))))
  (alias export $fst "descriptor" (type $desc))
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre
    (export "descriptor" (type $d (eq $desc)))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $getenv (canon lower (func $env "get-environment") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $getargs (canon lower (func $env "get-arguments") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $get_stdout (canon lower (func $stdout "get-stdout")))
  (core func $get_stderr (canon lower (func $stderr "get-stderr")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory (core memory $m "mem"))))
  (core func $drop_os (canon resource.drop $os))
  (core func $getdirs (canon lower (func $pre "get-directories") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $drop_desc (canon resource.drop $desc))
  (core module $main
    (import "m" "mem" (memory 1))
    (import "h" "getenv" (func $getenv (param i32)))
    (import "h" "getargs" (func $getargs (param i32)))
    (import "h" "stdout" (func $stdout (result i32)))
    (import "h" "stderr" (func $stderr (result i32)))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "drop" (func $drop (param i32)))
    (import "h" "getdirs" (func $getdirs (param i32)))
    (import "h" "dropdesc" (func $dropdesc (param i32)))
    (func (export "dirs") (result i32) (local $p i32) (local $n i32) (local $i i32) (local $b i32)
      (call $getdirs (i32.const 64))
      (local.set $p (i32.load (i32.const 64)))
      (local.set $n (i32.load (i32.const 68)))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.add (local.get $p) (i32.mul (local.get $i) (i32.const 12))))
        (call $dropdesc (i32.load (local.get $b)))
        (i64.store (i32.add (local.get $p) (i32.mul (local.get $i) (i32.const 8)))
                   (i64.load offset=4 (local.get $b)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (i32.const 64))
    (func (export "env") (result i32) (call $getenv (i32.const 64)) (i32.const 64))
    (func (export "args") (result i32) (call $getargs (i32.const 64)) (i32.const 64))
    (func (export "print") (param i32 i32 i32) (result i32) (local $h i32)
      (local.set $h (if (result i32) (local.get 2) (then (call $stderr)) (else (call $stdout))))
      (call $write (local.get $h) (local.get 0) (local.get 1) (i32.const 64))
      (call $drop (local.get $h))
      (i32.load8_u (i32.const 64))))
  (core instance $i (instantiate $main (with "m" (instance $m)) (with "h" (instance
    (export "getenv" (func $getenv)) (export "getargs" (func $getargs))
    (export "stdout" (func $get_stdout)) (export "stderr" (func $get_stderr))
    (export "write" (func $write)) (export "drop" (func $drop_os))
    (export "getdirs" (func $getdirs)) (export "dropdesc" (func $drop_desc))))))
  (func (export "env") (result (list (tuple string string)))
    (canon lift (core func $i "env") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "args") (result (list string))
    (canon lift (core func $i "args") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "dirs") (result (list string))
    (canon lift (core func $i "dirs") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "print") (param "text" (list u8)) (param "to-stderr" bool) (result u8)
    (canon lift (core func $i "print") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
"""
