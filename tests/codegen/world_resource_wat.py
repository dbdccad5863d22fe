"""A hand-written WAT component of the world-resource world: a resource declared in the world.

`make-and-read(start)` constructs the host's `cell`, reads it, hands it to the host's `twice`
by borrow and drops it, returning `start + 2 * start`; `read(c)` reads a cell the host lends
it; `read-zero` makes one through the static `zero` and reads it.
"""

from __future__ import annotations

WORLD_RESOURCE_WAT = r"""
(component
  (import "cell" (type $cell (sub resource)))
  (import "[constructor]cell" (func $cell_new (param "start" u32) (result (own $cell))))
  (import "[method]cell.get" (func $cell_get (param "self" (borrow $cell)) (result u32)))
  (import "[static]cell.zero" (func $cell_zero (result (own $cell))))
  (import "twice" (func $twice (param "c" (borrow $cell)) (result u32)))
  (core func $cell_new_l (canon lower (func $cell_new)))
  (core func $cell_get_l (canon lower (func $cell_get)))
  (core func $cell_zero_l (canon lower (func $cell_zero)))
  (core func $twice_l (canon lower (func $twice)))
  (core func $cell_drop (canon resource.drop $cell))
  (core module $main
    (import "h" "new" (func $new (param i32) (result i32)))
    (import "h" "get" (func $get (param i32) (result i32)))
    (import "h" "zero" (func $zero (result i32)))
    (import "h" "twice" (func $twice (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (func (export "make-and-read") (param $start i32) (result i32) (local $h i32) (local $r i32)
      (local.set $h (call $new (local.get $start)))
      (local.set $r (i32.add (call $get (local.get $h)) (call $twice (local.get $h))))
      (call $drop (local.get $h))
      (local.get $r))
    (func (export "read") (param $h i32) (result i32) (local $r i32)
      (local.set $r (call $get (local.get $h)))
      (call $drop (local.get $h))
      (local.get $r))
    (func (export "read-zero") (result i32) (local $h i32) (local $r i32)
      (local.set $h (call $zero))
      (local.set $r (call $get (local.get $h)))
      (call $drop (local.get $h))
      (local.get $r)))
  (core instance $i (instantiate $main
    (with "h" (instance
      (export "new" (func $cell_new_l)) (export "get" (func $cell_get_l))
      (export "zero" (func $cell_zero_l)) (export "twice" (func $twice_l))
      (export "drop" (func $cell_drop))))))
  (func (export "make-and-read") (param "start" u32) (result u32)
    (canon lift (core func $i "make-and-read")))
  (func (export "read") (param "c" (borrow $cell)) (result u32) (canon lift (core func $i "read")))
  (func (export "read-zero") (result u32) (canon lift (core func $i "read-zero")))
)
"""
