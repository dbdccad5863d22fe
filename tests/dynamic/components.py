"""WAT components for the dynamic-call, config and check tests."""

from __future__ import annotations

from tests.runtime.wat import ALLOCATOR

# Reads its configuration through witkit:plugin/config: `setting(key)` and `count()` of keys.
CONFIG_READER = rf"""
(component
  (import "witkit:plugin/config@0.1.0" (instance $config
    (export "get" (func (param "key" string) (result (option string))))
    (export "keys" (func (result (list string))))))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $get (canon lower (func $config "get") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core func $keys (canon lower (func $config "keys") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $shim
    (import "m" "mem" (memory 1))
    (import "h" "get" (func $get (param i32 i32 i32)))
    (import "h" "keys" (func $keys (param i32)))
    (func (export "setting") (param i32 i32) (result i32)
      (call $get (local.get 0) (local.get 1) (i32.const 64))
      (i32.const 64))
    (func (export "count") (result i32)
      (call $keys (i32.const 96))
      (i32.load (i32.const 100))))
  (core instance $s (instantiate $shim
    (with "m" (instance $m))
    (with "h" (instance (export "get" (func $get)) (export "keys" (func $keys))))))
  (func (export "setting") (param "key" string) (result (option string))
    (canon lift (core func $s "setting") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "count") (result u32) (canon lift (core func $s "count")))
)
"""

# The world the check table is measured against.
GREETER_WIT = """
package example:greet;

interface greeter {
  greet: func(name: string) -> string;
}

interface host {
  log: func(message: string);
}

world greeter-plugin {
  import host;
  export greeter;
  export version: func() -> u32;
}
"""

# Function types used by the stub components: WAT type, core parameter count, has a result.
FUNC_TYPES: dict[str, tuple[str, int, bool]] = {
    "greet": ('(param "name" string) (result string)', 2, True),
    "greet-u32-param": ('(param "name" u32) (result string)', 1, True),
    "greet-u32-result": ('(param "name" string) (result u32)', 2, True),
    "version": ("(result u32)", 0, True),
    "log": ('(param "message" string)', 2, False),
    "log-u32": ('(param "message" u32)', 1, False),
}

Items = list[tuple[str | None, str, str]]
"""(interface or None for the world's root, function name, key of FUNC_TYPES)."""


def stub_component(
    exports: Items, imports: Items | None = None, *, instance_exports: list[str] | None = None
) -> str:
    """A component with the given imports (unused) and exports (stubs returning zeros).

    `instance_exports` names root exports that are empty instances (for wrong-kind cases).
    """
    lines: list[str] = []
    by_iface: dict[str | None, list[tuple[str, str]]] = {}
    for iface, name, key in imports or []:
        by_iface.setdefault(iface, []).append((name, key))
    for i, (iface, funcs) in enumerate(by_iface.items()):
        if iface is None:
            for name, key in funcs:
                lines.append(f'(import "{name}" (func {FUNC_TYPES[key][0]}))')
        else:
            inner = " ".join(f'(export "{n}" (func {FUNC_TYPES[k][0]}))' for n, k in funcs)
            lines.append(f'(import "{iface}" (instance $imp{i} {inner}))')
    core = []
    for j, (_iface, _name, key) in enumerate(exports):
        _wat, nparams, has_result = FUNC_TYPES[key]
        params = f"(param {' '.join(['i32'] * nparams)})" if nparams else ""
        result = "(result i32) i32.const 0" if has_result else ""
        core.append(f'(func (export "f{j}") {params} {result})')
    lines.append(f"(core module $alloc {ALLOCATOR})")
    lines.append("(core instance $m (instantiate $alloc))")
    lines.append(f"(core module $stubs {' '.join(core)})")
    lines.append("(core instance $s (instantiate $stubs))")
    exp_by_iface: dict[str | None, list[tuple[str, int]]] = {}
    for j, (iface, name, key) in enumerate(exports):
        lines.append(
            f'(func $f{j} {FUNC_TYPES[key][0]} (canon lift (core func $s "f{j}") '
            f'(memory (core memory $m "mem")) (realloc (core func $m "realloc"))))'
        )
        exp_by_iface.setdefault(iface, []).append((name, j))
    for k, (iface, items) in enumerate(exp_by_iface.items()):
        if iface is None:
            lines += [f'(export "{name}" (func $f{j}))' for name, j in items]
        else:
            inner = " ".join(f'(export "{name}" (func $f{j}))' for name, j in items)
            lines.append(f"(instance $exp{k} {inner})")
            lines.append(f'(export "{iface}" (instance $exp{k}))')
    for name in instance_exports or []:
        lines.append(f"(instance $empty_{name.replace(':', '_').replace('/', '_')})")
        lines.append(
            f'(export "{name}" (instance $empty_{name.replace(":", "_").replace("/", "_")}))'
        )
    return "(component\n  " + "\n  ".join(lines) + "\n)\n"


GREETER = "example:greet/greeter"
HOST = "example:greet/host"
GOOD_EXPORTS: Items = [(GREETER, "greet", "greet"), (None, "version", "version")]
GOOD_IMPORTS: Items = [(HOST, "log", "log")]

# name -> (component, expected mismatches as (kind, direction, WIT name))
CHECK_TABLE: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "fits": (stub_component(GOOD_EXPORTS, GOOD_IMPORTS), []),
    "fits-with-wasi-and-config": (
        stub_component(
            GOOD_EXPORTS,
            [
                *GOOD_IMPORTS,
                ("wasi:cli/environment@0.2.0", "get-arguments", "version"),
                ("witkit:plugin/config@0.1.0", "keys", "version"),
            ],
        ),
        [],
    ),
    "fits-importing-less": (stub_component(GOOD_EXPORTS), []),
    "missing-export-function": (
        stub_component([(GREETER, "greet", "greet")], GOOD_IMPORTS),
        [("missing-export", "export", "version")],
    ),
    "missing-export-interface": (
        stub_component([(None, "version", "version")], GOOD_IMPORTS),
        [("missing-export", "export", GREETER)],
    ),
    "missing-function-in-interface": (
        stub_component([(GREETER, "hello", "greet"), (None, "version", "version")]),
        [("missing-export", "export", f"{GREETER}#greet")],
    ),
    "wrong-param-type": (
        stub_component([(GREETER, "greet", "greet-u32-param"), (None, "version", "version")]),
        [("wrong-type", "export", f"{GREETER}#greet")],
    ),
    "wrong-result-type": (
        stub_component([(GREETER, "greet", "greet-u32-result"), (None, "version", "version")]),
        [("wrong-type", "export", f"{GREETER}#greet")],
    ),
    "extra-import-interface": (
        stub_component(GOOD_EXPORTS, [("example:other/thing", "log", "log")]),
        [("unexpected-import", "import", "example:other/thing")],
    ),
    "extra-import-function-in-world-interface": (
        stub_component(GOOD_EXPORTS, [(HOST, "log", "log"), (HOST, "shout", "log")]),
        [("unexpected-import", "import", f"{HOST}#shout")],
    ),
    "extra-root-import": (
        stub_component(GOOD_EXPORTS, [(None, "debug", "log")]),
        [("unexpected-import", "import", "debug")],
    ),
    "wrong-import-type": (
        stub_component(GOOD_EXPORTS, [(HOST, "log", "log-u32")]),
        [("wrong-type", "import", f"{HOST}#log")],
    ),
    "function-where-interface-expected": (
        stub_component(
            [
                (None, GREETER.replace(":", "-").replace("/", "-"), "greet"),
                (None, "version", "version"),
            ]
        ).replace(
            f'(export "{GREETER.replace(":", "-").replace("/", "-")}"', f'(export "{GREETER}"'
        ),
        [("wrong-kind", "export", GREETER)],
    ),
    "interface-where-function-expected": (
        stub_component([(GREETER, "greet", "greet")], instance_exports=["version"]),
        [("wrong-kind", "export", "version")],
    ),
    "everything-wrong": (
        stub_component(
            [(GREETER, "greet", "greet-u32-result")],
            [(HOST, "log", "log-u32"), ("example:other/thing", "log", "log")],
        ),
        [
            ("wrong-type", "export", f"{GREETER}#greet"),
            ("missing-export", "export", "version"),
            ("wrong-type", "import", f"{HOST}#log"),
            ("unexpected-import", "import", "example:other/thing"),
        ],
    ),
}

# Sends `method url` through witkit:plugin/http and returns what the host answered; `fetch-twice`
# sends it twice in one call and returns the second answer.
HTTP_FETCHER = rf"""
(component
  (import "witkit:plugin/http@0.1.0" (instance $http
    (type $hdrs (list (tuple string string)))
    (type $req0 (record (field "method" string) (field "url" string) (field "headers" $hdrs)
                        (field "body" (option (list u8)))))
    (export "request" (type $req (eq $req0)))
    (type $resp0 (record (field "status" u16) (field "headers" $hdrs) (field "body" (list u8))))
    (export "response" (type $resp (eq $resp0)))
    (type $err0 (variant (case "denied" string) (case "too-large" string) (case "timeout" string)
                         (case "too-many-requests" string) (case "invalid-request" string)
                         (case "failed" string)))
    (export "error" (type $err (eq $err0)))
    (export "send" (func (param "request" $req) (result (result $resp (error $err)))))))
  (alias export $http "response" (type $response))
  (alias export $http "error" (type $error))
  (core module $alloc {ALLOCATOR})
  (core instance $m (instantiate $alloc))
  (core func $send (canon lower (func $http "send") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $shim
    (import "h" "send" (func $send (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (func $fetch (export "fetch") (param i32 i32 i32 i32) (result i32)
      (call $send (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                  (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64))
      (i32.const 64))
    (func (export "fetch-twice") (param i32 i32 i32 i32) (result i32)
      (drop (call $fetch (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (call $fetch (local.get 0) (local.get 1) (local.get 2) (local.get 3))))
  (core instance $s (instantiate $shim (with "h" (instance (export "send" (func $send))))))
  (func (export "fetch") (param "method" string) (param "url" string) (result (result $response (error $error)))
    (canon lift (core func $s "fetch") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "fetch-twice") (param "method" string) (param "url" string) (result (result $response (error $error)))
    (canon lift (core func $s "fetch-twice") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
"""
