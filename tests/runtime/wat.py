"""Build real test components as WAT text from witkit type descriptors.

`echo_component(desc)` makes a component exporting `echo: func(x: T) -> T` that lowers its
argument into a host import `echo: func(x: T) -> T` and returns what the host gives back, so one
call exercises the runtime's lowering and lifting on both the export and the import side,
through wasmtime's real canonical ABI (linear memory, realloc, return areas).
"""

from __future__ import annotations

from witkit.runtime.types import (
    Borrow,
    Bytes,
    Enum,
    Flags,
    List,
    Option,
    Own,
    Primitive,
    Record,
    Result,
    Tuple,
    TypeDesc,
    Variant,
)

STREAMS = r"""
  (import "wasi:io/error@0.2.0" (instance $ioerr (export "error" (type (sub resource)))))
  (alias export $ioerr "error" (type $error))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "output-stream" (type $os (sub resource)))
    (export "error" (type $err (eq $error)))
    (type $se (variant (case "last-operation-failed" (own $err)) (case "closed")))
    (export "stream-error" (type $se2 (eq $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se2)))))))
  (alias export $streams "output-stream" (type $os))
"""
"""Component imports of wasi:io's `error` and `streams` (an `output-stream` with
`blocking-write-and-flush`), declaring types `$os` and `$error` for what follows."""

STDOUT = STREAMS + r"""
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (export "output-stream" (type (eq $os))) (export "get-stdout" (func (result (own 0))))))
"""
"""`STREAMS` and wasi:cli/stdout as `$stdout` (`get-stdout`)."""

# A bump allocator that grows memory on demand; `reset` rewinds it after a call.
ALLOCATOR = r"""
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func $handle_alloc_error unreachable)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32) (local $end i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (local.set $end (i32.add (local.get $r) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (if (i32.eq (memory.grow (i32.sub (i32.add (i32.shr_u (local.get $end) (i32.const 16)) (i32.const 1))
                                            (memory.size)))
                      (i32.const -1))
            (then (call $handle_alloc_error)))))
      (global.set $bump (local.get $end))
      (local.get $r))
    (func (export "reset") (global.set $bump (i32.const 1024)))
"""

_FLAT_PRIM = {
    "bool": "i32", "u8": "i32", "u16": "i32", "u32": "i32", "s8": "i32", "s16": "i32", "s32": "i32",
    "char": "i32", "u64": "i64", "s64": "i64", "f32": "f32", "f64": "f64",
}


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def _join_all(cases: list[list[str]]) -> list[str]:
    out: list[str] = []
    for flat in cases:
        for i, t in enumerate(flat):
            if i < len(out):
                out[i] = _join(out[i], t)
            else:
                out.append(t)
    return out


def flatten(desc: TypeDesc) -> list[str]:
    """The canonical ABI's flat core types for `desc`."""
    if isinstance(desc, Primitive):
        return ["i32", "i32"] if desc.name == "string" else [_FLAT_PRIM[desc.name]]
    if isinstance(desc, (Bytes, List)):
        return ["i32", "i32"]
    if isinstance(desc, Record):
        return [t for _w, _a, d in desc.fields for t in flatten(d)]
    if isinstance(desc, Tuple):
        return [t for d in desc.elems for t in flatten(d)]
    if isinstance(desc, (Enum, Own, Borrow)):
        return ["i32"]
    if isinstance(desc, Flags):
        return ["i32"] if desc.names else []
    if isinstance(desc, Variant):
        return ["i32", *_join_all([flatten(d) if d is not None else [] for _n, _c, d in desc.cases])]
    if isinstance(desc, Option):
        return ["i32", *flatten(desc.elem)]
    if isinstance(desc, Result):
        return ["i32", *_join_all([flatten(d) if d is not None else [] for d in (desc.ok, desc.err)])]
    raise TypeError(desc)


class WatTypes:
    """Component-level type definitions for descriptors, imported (`imp`) or exported (`exp`)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.lines: list[str] = []
        self.count = 0

    def ref(self, desc: TypeDesc) -> str:
        """A type reference usable in a function type, defining named types on the way."""
        if isinstance(desc, Primitive):
            return desc.name
        if isinstance(desc, Bytes):
            return "(list u8)"
        if isinstance(desc, List):
            return f"(list {self.ref(desc.elem)})"
        if isinstance(desc, Tuple):
            return f"(tuple {' '.join(self.ref(e) for e in desc.elems)})"
        if isinstance(desc, Option):
            return f"(option {self.ref(desc.elem)})"
        if isinstance(desc, Result):
            ok = f" {self.ref(desc.ok)}" if desc.ok is not None else ""
            err = f" (error {self.ref(desc.err)})" if desc.err is not None else ""
            return f"(result{ok}{err})"
        if isinstance(desc, Record):
            body = "(record " + " ".join(f'(field "{w}" {self.ref(d)})' for w, _a, d in desc.fields) + ")"
        elif isinstance(desc, Enum):
            body = "(enum " + " ".join(f'"{n}"' for n in desc.names) + ")"
        elif isinstance(desc, Flags):
            body = "(flags " + " ".join(f'"{n}"' for n in desc.names) + ")"
        elif isinstance(desc, Variant):
            cases = []
            for n, _c, d in desc.cases:
                cases.append(f'(case "{n}" {self.ref(d)})' if d is not None else f'(case "{n}")')
            body = "(variant " + " ".join(cases) + ")"
        else:
            raise TypeError(desc)
        i = self.count
        self.count += 1
        local = f"${self.mode}def{i}"
        self.lines.append(f"(type {local} {body})")
        if self.mode == "imp":
            self.lines.append(f'(import "t{i}" (type $imp{i} (eq {local})))')
            return f"$imp{i}"
        self.lines.append(f'(export $exp{i} "t{i}" (type {local}))')
        return f"$exp{i}"


def echo_component(desc: TypeDesc) -> str:
    """WAT for a component whose export `echo` hands its argument to the host import `echo` and back."""
    imp = WatTypes("imp")
    exp = WatTypes("exp")
    imp_ref = imp.ref(desc)
    params = flatten(desc)
    assert len(params) <= 16, "keep echo types small enough to pass flat"
    results = flatten(desc)
    multi = len(results) > 1
    getters = " ".join(f"local.get {i}" for i in range(len(params)))
    lowered_params = " ".join(params + (["i32"] if multi else []))
    lowered_results = "" if multi else f"(result {' '.join(results)})"
    lifted_results = "(result i32)" if multi else f"(result {' '.join(results)})"
    body = f"{getters} i32.const 64 call $g i32.const 64" if multi else f"{getters} call $g"
    exp_ref = exp.ref(desc)
    nl = "\n  "
    return f"""
(component
  {nl.join(imp.lines)}
  (import "echo" (func $host (param "x" {imp_ref}) (result {imp_ref})))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $g (canon lower (func $host) (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $shim
    (import "h" "g" (func $g (param {lowered_params}) {lowered_results}))
    (func (export "echo") (param {" ".join(params)}) {lifted_results} {body}))
  (core instance $s (instantiate $shim (with "h" (instance (export "g" (func $g))))))
  {nl.join(exp.lines)}
  (func $echo (param "x" {exp_ref}) (result {exp_ref})
    (canon lift (core func $s "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (export "echo" (func $echo))
)
"""
