"""A hand-written WAT component of the middleware world: it imports `handler` and exports it.

Its exported `handle` is a filter in front of the host's: a request with an empty path is
denied without asking the host, any other goes on to the imported `handle` with its id plus
one, and the host's verdict is returned. Its exported `token` is the plugin's own resource
(the rep is the number it was made with), a different type from the host's imported `token`.
"""

from __future__ import annotations

from tests.runtime.wat import ALLOCATOR

_MEM = '(memory (core memory $m "mem")) (realloc (core func $m "realloc"))'
_REQUEST = '(record (field "path" string) (field "id" u32))'
_VERDICT = '(enum "allow" "deny")'

MIDDLEWARE_WAT = rf"""
(component
  (import "test:middleware/handler" (instance $next
    (type $request {_REQUEST})
    (export "request" (type $req (eq $request)))
    (type $verdict {_VERDICT})
    (export "verdict" (type $ver (eq $verdict)))
    (export "handle" (func (param "req" $req) (result $ver)))))
  (alias export $next "handle" (func $next_handle))

  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $next_handle_l (canon lower (func $next_handle) {_MEM}))
  (type $token (resource (rep i32)))
  (core func $token_new (canon resource.new $token))

  (core module $main
    (import "h" "handle" (func $next (param i32 i32 i32) (result i32)))
    (import "r" "new" (func $token_new (param i32) (result i32)))
    (func (export "handle") (param $path i32) (param $len i32) (param $id i32) (result i32)
      (if (result i32) (i32.eqz (local.get $len))
        (then (i32.const 1))
        (else (call $next (local.get $path) (local.get $len) (i32.add (local.get $id) (i32.const 1))))))
    (func (export "token-new") (param $n i32) (result i32) (call $token_new (local.get $n)))
    (func (export "token-value") (param $rep i32) (result i32) (local.get $rep)))
  (core instance $i (instantiate $main
    (with "h" (instance (export "handle" (func $next_handle_l))))
    (with "r" (instance (export "new" (func $token_new))))))

  (type $request {_REQUEST})
  (export $request_e "request" (type $request))
  (type $verdict {_VERDICT})
  (export $verdict_e "verdict" (type $verdict))
  (export $token_e "token" (type $token))
  (func $handle (param "req" $request_e) (result $verdict_e) (canon lift (core func $i "handle") {_MEM}))
  (func $token_ctor (param "n" u32) (result (own $token_e)) (canon lift (core func $i "token-new")))
  (func $token_value (param "self" (borrow $token_e)) (result u32)
    (canon lift (core func $i "token-value")))

  (component $shim
    (type $reqd {_REQUEST})
    (import "import-type-request" (type $reqi (eq $reqd)))
    (type $verd {_VERDICT})
    (import "import-type-verdict" (type $veri (eq $verd)))
    (import "import-type-token" (type $toki (sub resource)))
    (import "import-func-0" (func $f0 (param "req" $reqi) (result $veri)))
    (import "import-func-1" (func $f1 (param "n" u32) (result (own $toki))))
    (import "import-func-2" (func $f2 (param "self" (borrow $toki)) (result u32)))
    (export $reqe "request" (type $reqi))
    (export $vere "verdict" (type $veri))
    (export $toke "token" (type $toki))
    (export "handle" (func $f0) (func (param "req" $reqe) (result $vere)))
    (export "[constructor]token" (func $f1) (func (param "n" u32) (result (own $toke))))
    (export "[method]token.value" (func $f2) (func (param "self" (borrow $toke)) (result u32))))
  (instance $api (instantiate $shim
    (with "import-type-request" (type $request_e))
    (with "import-type-verdict" (type $verdict_e))
    (with "import-type-token" (type $token_e))
    (with "import-func-0" (func $handle))
    (with "import-func-1" (func $token_ctor))
    (with "import-func-2" (func $token_value))))
  (export "test:middleware/handler" (instance $api))
)
"""
