;; A consumer of example:session/store holding sessions made by the provider. It exposes
;; its own handle indices so a host can drive it: `make(n)` returns the index of a new session,
;; `peek(h)` lends session `h` to `get`, `give-back(h)` moves it into `consume`, `drop(h)` drops it.
(component
  (import "example:session/store" (instance $s
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
