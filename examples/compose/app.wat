;; The consumer: imports example:greet/greeter from any number of providers and exports
;; run(name), which greets `name` through every provider. With several providers the import
;; returns one (provider id, greeting) pair per provider (see witkit.composition.Cardinality).
(component
  (import "example:greet/greeter" (instance $greeter
    (export "greet" (func (param "name" string) (result (list (tuple string string)))))))
  (core module $mem
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32) (local $end i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (local.set $end (i32.add (local.get $r) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))))))
      (global.set $bump (local.get $end))
      (local.get $r)))
  (core instance $m (instantiate $mem))
  (core func $greet (canon lower (func $greeter "greet")
    (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $main
    (import "greeter" "greet" (func $greet (param i32 i32 i32)))
    ;; run(name_ptr, name_len) -> pointer to (list_ptr, list_len): the import's answer as is.
    (func (export "run") (param i32 i32) (result i32)
      (call $greet (local.get 0) (local.get 1) (i32.const 32))
      (i32.const 32)))
  (core instance $i (instantiate $main (with "greeter" (instance (export "greet" (func $greet))))))
  (func (export "run") (param "name" string) (result (list (tuple string string)))
    (canon lift (core func $i "run") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
