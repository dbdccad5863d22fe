"""A hostile WASI guest, written in WAT: it reaches for files, environment and network it was not given.

It reads and writes files, looks up environment variables, connects and binds TCP sockets on
127.0.0.1 (waiting for finish-connect through `subscribe` and `pollable.block`) and resolves names.

`PROBE` exports one function per reach. Each reports its outcome as a value easy to assert: the
WASI error code's name (`"not-permitted"`, `"access-denied"`, ...) as the error text of a
`result`, or `none` for an environment variable it cannot see. The world imports no WASI
interface; the runtime serves the component's `wasi:` imports from the grants in `Wasi`.

Every path is opened relative to the first preopened directory, the way wasi-libc resolves
paths under a preopen, with `symlink-follow` set: a hostile guest asks for everything it can.
"""

from __future__ import annotations

from tests.hostile.support import Guest
from tests.runtime.wat import ALLOCATOR

FS_ERRORS = (
    "access", "would-block", "already", "bad-descriptor", "busy", "deadlock", "quota", "exist",
    "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted", "invalid", "io",
    "is-directory", "loop", "too-many-links", "message-size", "name-too-long", "no-device",
    "no-entry", "no-lock", "insufficient-memory", "insufficient-space", "not-directory",
    "not-empty", "not-recoverable", "unsupported", "no-tty", "no-such-device", "overflow",
    "not-permitted", "pipe", "read-only", "invalid-seek", "text-file-busy", "cross-device",
)
"""`wasi:filesystem/types.error-code`, every case in order (wasmtime's linker checks the enum)."""

NET_ERRORS = (
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state",
    "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable",
    "connection-refused", "connection-reset", "connection-aborted", "datagram-too-large",
    "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure",
)
"""`wasi:sockets/network.error-code`, every case in order."""

NO_PREOPEN = "no-preopen"
"""The error text when the guest was given no directory at all."""

NO_ADDRESS = "no-address"
"""The error text when a name lookup succeeded but yielded no address."""

PROBE_WIT = """
package hostile:wasi-probe@0.1.0;

world wasi-probe {
  /// The contents of `path`, opened for reading under the first preopen; else the error code.
  export read-file: func(path: string) -> result<string, string>;
  /// Creates or truncates `path` under the first preopen and writes `data` to it.
  export write-file: func(path: string, data: string) -> result<_, string>;
  /// The value of `name` in the environment the guest sees (walks `get-environment`).
  export get-env: func(name: string) -> option<string>;
  /// Opens a TCP connection to 127.0.0.1:`port` and closes it again.
  export connect: func(port: u16) -> result<_, string>;
  /// Binds a TCP socket to 127.0.0.1:`port` (0: any free port).
  export bind: func(port: u16) -> result<_, string>;
  /// Resolves `name` to at least one IP address.
  export lookup: func(name: string) -> result<_, string>;
}
"""


def _names(names: tuple[str, ...]) -> str:
    """WAT string data: the names, each followed by a NUL byte."""
    return "".join(f"{n}\\00" for n in names)


def _enum(names: tuple[str, ...]) -> str:
    return "(enum " + " ".join(f'"{n}"' for n in names) + ")"


# Memory layout under the allocator's heap (which starts at 1024): 16 is the return area of
# imported calls, 64 that of exported results, 128 the NUL-separated error names.
_NAMES_AT = 128
_FS_AT = _NAMES_AT
_NET_AT = _FS_AT + sum(len(n) + 1 for n in FS_ERRORS)
_MISC_AT = _NET_AT + sum(len(n) + 1 for n in NET_ERRORS)
assert _MISC_AT + len(NO_PREOPEN) + len(NO_ADDRESS) + 2 <= 1024, "error names overflow into the heap"

PROBE_WAT = rf"""
(component
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))))

  (import "wasi:filesystem/types@0.2.0" (instance $fst
    (export "descriptor" (type $d (sub resource)))
    (type $ec0 {_enum(FS_ERRORS)})
    (export "error-code" (type $ec (eq $ec0)))
    (type $pf0 (flags "symlink-follow"))
    (export "path-flags" (type $pf (eq $pf0)))
    (type $of0 (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of (eq $of0)))
    (type $df0 (flags "read" "write" "file-integrity-sync" "data-integrity-sync"
                      "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $df (eq $df0)))
    (export "[method]descriptor.open-at" (func
      (param "self" (borrow $d)) (param "path-flags" $pf) (param "path" string)
      (param "open-flags" $of) (param "flags" $df) (result (result (own $d) (error $ec)))))
    (export "[method]descriptor.read" (func
      (param "self" (borrow $d)) (param "length" u64) (param "offset" u64)
      (result (result (tuple (list u8) bool) (error $ec)))))
    (export "[method]descriptor.write" (func
      (param "self" (borrow $d)) (param "buffer" (list u8)) (param "offset" u64)
      (result (result u64 (error $ec)))))))
  (alias export $fst "descriptor" (type $desc))
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre
    (export "descriptor" (type $d (eq $desc)))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))

  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow $p))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "input-stream" (type (sub resource)))
    (export "output-stream" (type (sub resource)))))
  (alias export $streams "input-stream" (type $is))
  (alias export $streams "output-stream" (type $os))
  (import "wasi:sockets/network@0.2.0" (instance $net
    (export "network" (type (sub resource)))
    (type $ec0 {_enum(NET_ERRORS)})
    (export "error-code" (type (eq $ec0)))
    (type $af0 (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type (eq $af0)))
    (type $v4 (tuple u8 u8 u8 u8))
    (export "ipv4-address" (type $v4e (eq $v4)))
    (type $v6 (tuple u16 u16 u16 u16 u16 u16 u16 u16))
    (export "ipv6-address" (type $v6e (eq $v6)))
    (type $s4 (record (field "port" u16) (field "address" $v4e)))
    (export "ipv4-socket-address" (type $s4e (eq $s4)))
    (type $s6 (record (field "port" u16) (field "flow-info" u32) (field "address" $v6e)
                      (field "scope-id" u32)))
    (export "ipv6-socket-address" (type $s6e (eq $s6)))
    (type $ip (variant (case "ipv4" $v4e) (case "ipv6" $v6e)))
    (export "ip-address" (type (eq $ip)))
    (type $sa (variant (case "ipv4" $s4e) (case "ipv6" $s6e)))
    (export "ip-socket-address" (type (eq $sa)))))
  (alias export $net "network" (type $network))
  (alias export $net "error-code" (type $nec))
  (alias export $net "ip-address-family" (type $family))
  (alias export $net "ip-socket-address" (type $address))
  (alias export $net "ip-address" (type $ip))
  (import "wasi:sockets/instance-network@0.2.0" (instance $inet
    (export "network" (type $n (eq $network)))
    (export "instance-network" (func (result (own $n))))))
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp
    (export "input-stream" (type $is2 (eq $is)))
    (export "output-stream" (type $os2 (eq $os)))
    (export "pollable" (type $p (eq $pollable)))
    (export "network" (type $n (eq $network)))
    (export "error-code" (type $e (eq $nec)))
    (export "ip-socket-address" (type $a (eq $address)))
    (export "tcp-socket" (type $s (sub resource)))
    (export "[method]tcp-socket.start-bind" (func
      (param "self" (borrow $s)) (param "network" (borrow $n)) (param "local-address" $a)
      (result (result (error $e)))))
    (export "[method]tcp-socket.finish-bind" (func (param "self" (borrow $s)) (result (result (error $e)))))
    (export "[method]tcp-socket.start-connect" (func
      (param "self" (borrow $s)) (param "network" (borrow $n)) (param "remote-address" $a)
      (result (result (error $e)))))
    (export "[method]tcp-socket.finish-connect" (func
      (param "self" (borrow $s)) (result (result (tuple (own $is2) (own $os2)) (error $e)))))
    (export "[method]tcp-socket.subscribe" (func (param "self" (borrow $s)) (result (own $p))))))
  (alias export $tcp "tcp-socket" (type $socket))
  (import "wasi:sockets/ip-name-lookup@0.2.0" (instance $dns
    (export "pollable" (type $p (eq $pollable)))
    (export "network" (type $n (eq $network)))
    (export "error-code" (type $e (eq $nec)))
    (export "ip-address" (type $a (eq $ip)))
    (export "resolve-address-stream" (type $s (sub resource)))
    (export "resolve-addresses" (func
      (param "network" (borrow $n)) (param "name" string) (result (result (own $s) (error $e)))))
    (export "[method]resolve-address-stream.resolve-next-address" (func
      (param "self" (borrow $s)) (result (result (option $a) (error $e)))))
    (export "[method]resolve-address-stream.subscribe" (func (param "self" (borrow $s)) (result (own $p))))))
  (alias export $dns "resolve-address-stream" (type $lookup))
  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $tcs
    (export "error-code" (type $e (eq $nec)))
    (export "ip-address-family" (type $f (eq $family)))
    (export "tcp-socket" (type $s (eq $socket)))
    (export "create-tcp-socket" (func (param "address-family" $f) (result (result (own $s) (error $e)))))))

  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $getenv (canon lower (func $env "get-environment")
    (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $getdirs (canon lower (func $pre "get-directories")
    (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $open_at (canon lower (func $fst "[method]descriptor.open-at") (memory (core memory $m "mem"))))
  (core func $read (canon lower (func $fst "[method]descriptor.read")
    (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $write (canon lower (func $fst "[method]descriptor.write") (memory (core memory $m "mem"))))
  (core func $drop_desc (canon resource.drop $desc))
  (core func $inet (canon lower (func $inet "instance-network")))
  (core func $create_tcp (canon lower (func $tcs "create-tcp-socket") (memory (core memory $m "mem"))))
  (core func $start_bind (canon lower (func $tcp "[method]tcp-socket.start-bind") (memory (core memory $m "mem"))))
  (core func $finish_bind (canon lower (func $tcp "[method]tcp-socket.finish-bind") (memory (core memory $m "mem"))))
  (core func $start_connect (canon lower (func $tcp "[method]tcp-socket.start-connect") (memory (core memory $m "mem"))))
  (core func $finish_connect (canon lower (func $tcp "[method]tcp-socket.finish-connect") (memory (core memory $m "mem"))))
  (core func $subscribe (canon lower (func $tcp "[method]tcp-socket.subscribe")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $resolve (canon lower (func $dns "resolve-addresses") (memory (core memory $m "mem"))))
  (core func $next_address (canon lower (func $dns "[method]resolve-address-stream.resolve-next-address")
    (memory (core memory $m "mem"))))
  (core func $subscribe_lookup (canon lower (func $dns "[method]resolve-address-stream.subscribe")))
  (core func $drop_lookup (canon resource.drop $lookup))
  (core func $drop_net (canon resource.drop $network))
  (core func $drop_socket (canon resource.drop $socket))
  (core func $drop_pollable (canon resource.drop $pollable))
  (core func $drop_is (canon resource.drop $is))
  (core func $drop_os (canon resource.drop $os))

  (core module $main
    (import "m" "mem" (memory 1))
    (import "h" "getenv" (func $getenv (param i32)))
    (import "h" "getdirs" (func $getdirs (param i32)))
    (import "h" "open-at" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "read" (func $read (param i32 i64 i64 i32)))
    (import "h" "write" (func $write (param i32 i32 i32 i64 i32)))
    (import "h" "drop-desc" (func $drop_desc (param i32)))
    (import "h" "inet" (func $inet (result i32)))
    (import "h" "create-tcp" (func $create_tcp (param i32 i32)))
    ;; self, network, ip-socket-address flattened (case, then 11 joined i32s), return area
    (import "h" "start-bind" (func $start_bind
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "finish-bind" (func $finish_bind (param i32 i32)))
    (import "h" "start-connect" (func $start_connect
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "finish-connect" (func $finish_connect (param i32 i32)))
    (import "h" "subscribe" (func $subscribe (param i32) (result i32)))
    (import "h" "block" (func $block (param i32)))
    (import "h" "resolve" (func $resolve (param i32 i32 i32 i32)))
    (import "h" "next-address" (func $next_address (param i32 i32)))
    (import "h" "subscribe-lookup" (func $subscribe_lookup (param i32) (result i32)))
    (import "h" "drop-lookup" (func $drop_lookup (param i32)))
    (import "h" "drop-net" (func $drop_net (param i32)))
    (import "h" "drop-socket" (func $drop_socket (param i32)))
    (import "h" "drop-pollable" (func $drop_pollable (param i32)))
    (import "h" "drop-is" (func $drop_is (param i32)))
    (import "h" "drop-os" (func $drop_os (param i32)))
    (data (i32.const {_FS_AT}) "{_names(FS_ERRORS)}")
    (data (i32.const {_NET_AT}) "{_names(NET_ERRORS)}")
    (data (i32.const {_MISC_AT}) "{NO_PREOPEN}\00{NO_ADDRESS}\00")
    (global $R i32 (i32.const 16))
    (global $OUT i32 (i32.const 64))

    ;; OUT := err(the n-th NUL-terminated name from `base`)
    (func $fail (param $base i32) (param $n i32) (result i32) (local $end i32)
      (block $found (loop $skip
        (br_if $found (i32.eqz (local.get $n)))
        (loop $c
          (local.set $base (i32.add (local.get $base) (i32.const 1)))
          (br_if $c (i32.load8_u (i32.sub (local.get $base) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip)))
      (local.set $end (local.get $base))
      (block $nul (loop $c
        (br_if $nul (i32.eqz (i32.load8_u (local.get $end))))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $c)))
      (i32.store8 (global.get $OUT) (i32.const 1))
      (i32.store offset=4 (global.get $OUT) (local.get $base))
      (i32.store offset=8 (global.get $OUT) (i32.sub (local.get $end) (local.get $base)))
      (global.get $OUT))
    (func $fs_fail (param $code i32) (result i32) (call $fail (i32.const {_FS_AT}) (local.get $code)))
    (func $net_fail (param $code i32) (result i32) (call $fail (i32.const {_NET_AT}) (local.get $code)))
    (func $ok (result i32) (i32.store8 (global.get $OUT) (i32.const 0)) (global.get $OUT))

    ;; The first preopened directory (its siblings dropped), or -1 when there is none.
    (func $first_dir (result i32) (local $p i32) (local $n i32) (local $i i32) (local $first i32)
      (local.set $first (i32.const -1))
      (call $getdirs (global.get $R))
      (local.set $p (i32.load (global.get $R)))
      (local.set $n (i32.load offset=4 (global.get $R)))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (local.get $i)
          (then (call $drop_desc (i32.load (i32.add (local.get $p) (i32.mul (local.get $i) (i32.const 12))))))
          (else (local.set $first (i32.load (local.get $p)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $first))

    (func (export "read-file") (param $path i32) (param $len i32) (result i32) (local $dir i32) (local $fd i32)
      (local.set $dir (call $first_dir))
      (if (i32.eq (local.get $dir) (i32.const -1))
        (then (return (call $fail (i32.const {_MISC_AT}) (i32.const 0)))))
      ;; path-flags symlink-follow, no open-flags, descriptor-flags read
      (call $open_at (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
                     (i32.const 0) (i32.const 1) (global.get $R))
      (call $drop_desc (local.get $dir))
      (if (i32.load8_u (global.get $R))
        (then (return (call $fs_fail (i32.load8_u offset=4 (global.get $R))))))
      (local.set $fd (i32.load offset=4 (global.get $R)))
      (call $read (local.get $fd) (i64.const 65536) (i64.const 0) (global.get $R))
      (call $drop_desc (local.get $fd))
      (if (i32.load8_u (global.get $R))
        (then (return (call $fs_fail (i32.load8_u offset=4 (global.get $R))))))
      (i32.store offset=4 (global.get $OUT) (i32.load offset=4 (global.get $R)))
      (i32.store offset=8 (global.get $OUT) (i32.load offset=8 (global.get $R)))
      (call $ok))

    (func (export "write-file") (param $path i32) (param $len i32) (param $data i32) (param $size i32)
      (result i32) (local $dir i32) (local $fd i32)
      (local.set $dir (call $first_dir))
      (if (i32.eq (local.get $dir) (i32.const -1))
        (then (return (call $fail (i32.const {_MISC_AT}) (i32.const 0)))))
      ;; path-flags symlink-follow, open-flags create|truncate, descriptor-flags write
      (call $open_at (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
                     (i32.const 9) (i32.const 2) (global.get $R))
      (call $drop_desc (local.get $dir))
      (if (i32.load8_u (global.get $R))
        (then (return (call $fs_fail (i32.load8_u offset=4 (global.get $R))))))
      (local.set $fd (i32.load offset=4 (global.get $R)))
      (call $write (local.get $fd) (local.get $data) (local.get $size) (i64.const 0) (global.get $R))
      (call $drop_desc (local.get $fd))
      (if (i32.load8_u (global.get $R))
        (then (return (call $fs_fail (i32.load8_u offset=8 (global.get $R))))))
      (call $ok))

    (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
      (block $differ (loop $l
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (i32.const 0))

    (func (export "get-env") (param $name i32) (param $len i32) (result i32)
      (local $p i32) (local $end i32)
      (call $getenv (global.get $R))
      (local.set $p (i32.load (global.get $R)))
      (local.set $end (i32.add (local.get $p) (i32.mul (i32.load offset=4 (global.get $R)) (i32.const 16))))
      (i32.store8 (global.get $OUT) (i32.const 0))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.and (i32.eq (i32.load offset=4 (local.get $p)) (local.get $len))
                     (call $same (i32.load (local.get $p)) (local.get $name) (local.get $len)))
          (then
            (i32.store8 (global.get $OUT) (i32.const 1))
            (i32.store offset=4 (global.get $OUT) (i32.load offset=8 (local.get $p)))
            (i32.store offset=8 (global.get $OUT) (i32.load offset=12 (local.get $p)))
            (br $done)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
      (global.get $OUT))

    ;; A fresh IPv4 TCP socket in the global $sock, with the instance network in $net; or an error.
    (global $net (mut i32) (i32.const 0))
    (global $sock (mut i32) (i32.const 0))
    (func $socket (result i32)
      (global.set $net (call $inet))
      (call $create_tcp (i32.const 0) (global.get $R))
      (if (i32.load8_u (global.get $R))
        (then
          (call $drop_net (global.get $net))
          (return (call $net_fail (i32.load8_u offset=4 (global.get $R))))))
      (global.set $sock (i32.load offset=4 (global.get $R)))
      (i32.const 0))
    (func $close (param $out i32) (result i32)
      (call $drop_socket (global.get $sock))
      (call $drop_net (global.get $net))
      (local.get $out))

    (func (export "connect") (param $port i32) (result i32) (local $err i32) (local $p i32)
      (local.set $err (call $socket))
      (if (local.get $err) (then (return (local.get $err))))
      (call $start_connect (global.get $sock) (global.get $net)
        (i32.const 0) (local.get $port) (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
        (global.get $R))
      (if (i32.load8_u (global.get $R))
        (then (return (call $close (call $net_fail (i32.load8_u offset=1 (global.get $R)))))))
      (loop $wait
        (local.set $p (call $subscribe (global.get $sock)))
        (call $block (local.get $p))
        (call $drop_pollable (local.get $p))
        (call $finish_connect (global.get $sock) (global.get $R))
        (if (i32.load8_u (global.get $R))
          (then
            ;; would-block: not connected yet, wait again
            (br_if $wait (i32.eq (i32.load8_u offset=4 (global.get $R)) (i32.const 8)))
            (return (call $close (call $net_fail (i32.load8_u offset=4 (global.get $R))))))))
      (call $drop_is (i32.load offset=4 (global.get $R)))
      (call $drop_os (i32.load offset=8 (global.get $R)))
      (call $close (call $ok)))

    (func (export "bind") (param $port i32) (result i32) (local $err i32)
      (local.set $err (call $socket))
      (if (local.get $err) (then (return (local.get $err))))
      (call $start_bind (global.get $sock) (global.get $net)
        (i32.const 0) (local.get $port) (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
        (global.get $R))
      (if (i32.load8_u (global.get $R))
        (then (return (call $close (call $net_fail (i32.load8_u offset=1 (global.get $R)))))))
      (call $finish_bind (global.get $sock) (global.get $R))
      (if (i32.load8_u (global.get $R))
        (then (return (call $close (call $net_fail (i32.load8_u offset=1 (global.get $R)))))))
      (call $close (call $ok)))

    (func (export "lookup") (param $name i32) (param $len i32) (result i32) (local $s i32) (local $p i32)
      (global.set $net (call $inet))
      (call $resolve (global.get $net) (local.get $name) (local.get $len) (global.get $R))
      (if (i32.load8_u (global.get $R))
        (then
          (call $drop_net (global.get $net))
          (return (call $net_fail (i32.load8_u offset=4 (global.get $R))))))
      (local.set $s (i32.load offset=4 (global.get $R)))
      (loop $wait
        (local.set $p (call $subscribe_lookup (local.get $s)))
        (call $block (local.get $p))
        (call $drop_pollable (local.get $p))
        ;; result<option<ip-address>, error-code>: case at 0, payload at 2
        (call $next_address (local.get $s) (global.get $R))
        (if (i32.load8_u (global.get $R))
          (then
            (br_if $wait (i32.eq (i32.load8_u offset=2 (global.get $R)) (i32.const 8)))
            (call $drop_lookup (local.get $s))
            (call $drop_net (global.get $net))
            (return (call $net_fail (i32.load8_u offset=2 (global.get $R)))))))
      (call $drop_lookup (local.get $s))
      (call $drop_net (global.get $net))
      (if (i32.eqz (i32.load8_u offset=2 (global.get $R)))
        (then (return (call $fail (i32.const {_MISC_AT}) (i32.const 1)))))
      (call $ok)))

  (core instance $i (instantiate $main
    (with "m" (instance $m))
    (with "h" (instance
      (export "getenv" (func $getenv)) (export "getdirs" (func $getdirs))
      (export "open-at" (func $open_at)) (export "read" (func $read)) (export "write" (func $write))
      (export "drop-desc" (func $drop_desc)) (export "inet" (func $inet))
      (export "create-tcp" (func $create_tcp))
      (export "start-bind" (func $start_bind)) (export "finish-bind" (func $finish_bind))
      (export "start-connect" (func $start_connect)) (export "finish-connect" (func $finish_connect))
      (export "subscribe" (func $subscribe)) (export "block" (func $block))
      (export "resolve" (func $resolve)) (export "next-address" (func $next_address))
      (export "subscribe-lookup" (func $subscribe_lookup)) (export "drop-lookup" (func $drop_lookup))
      (export "drop-net" (func $drop_net)) (export "drop-socket" (func $drop_socket))
      (export "drop-pollable" (func $drop_pollable))
      (export "drop-is" (func $drop_is)) (export "drop-os" (func $drop_os))))))
  (func (export "read-file") (param "path" string) (result (result string (error string)))
    (canon lift (core func $i "read-file") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "write-file") (param "path" string) (param "data" string) (result (result (error string)))
    (canon lift (core func $i "write-file") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "get-env") (param "name" string) (result (option string))
    (canon lift (core func $i "get-env") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "connect") (param "port" u16) (result (result (error string)))
    (canon lift (core func $i "connect") (memory (core memory $m "mem"))))
  (func (export "bind") (param "port" u16) (result (result (error string)))
    (canon lift (core func $i "bind") (memory (core memory $m "mem"))))
  (func (export "lookup") (param "name" string) (result (result (error string)))
    (canon lift (core func $i "lookup") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
"""

PROBE = Guest("wasi-probe", PROBE_WIT, "wasi-probe", PROBE_WAT)
"""The hostile WASI guest: reads, writes, reads the environment, connects and binds."""
