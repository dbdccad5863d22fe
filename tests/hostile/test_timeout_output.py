"""A guest stopped by its timeout while it writes to stdout: the process still exits cleanly.

The issue seen was a Rust panic printed at process exit after such a timeout (10 of 11 runs).
Each run here is a fresh Python process whose guest loops writing to stdout through WASI until
`Limits(timeout=...)` stops it, through `witkit call` and through the Python API with stdout
inherited and captured; every one must exit with its own status and print no panic.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.runtime.wat import STDOUT

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
"""Fresh processes per way of running the guest (21 in all)."""
PANIC_WORDS = ("panicked", "panic in a function", "RUST_BACKTRACE")

CHATTER = rf"""
(component
{STDOUT}
  (core module $mem (memory (export "mem") 1))
  (core instance $m (instantiate $mem))
  (core func $get_stdout (canon lower (func $stdout "get-stdout")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory (core memory $m "mem"))))
  (core module $main
    (import "m" "mem" (memory 1))
    (import "h" "stdout" (func $stdout (result i32)))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (data (memory 0) (i32.const 0) "chatter chatter chatter chatter chatter chatter chatter chatter\n")
    (func (export "chatter") (local $h i32)
      (local.set $h (call $stdout))
      (loop $l
        (call $write (local.get $h) (i32.const 0) (i32.const 64) (i32.const 128))
        (br $l))))
  (core instance $i (instantiate $main
    (with "m" (instance $m))
    (with "h" (instance (export "stdout" (func $get_stdout)) (export "write" (func $write))))))
  (func (export "chatter") (canon lift (core func $i "chatter")))
)
"""

API = """
import sys
from witkit import Timeout
from witkit.runtime import Limits, Runtime, Wasi

rt = Runtime(cache=False, limits=Limits(timeout=0.2))
inst = rt.instantiate(open(sys.argv[1]).read(), wasi=Wasi(stdout=sys.argv[2]))
try:
    inst.func("chatter", [], None)()
except Timeout as e:
    print("stopped:", e, file=sys.stderr)
    if sys.argv[2] == "capture":
        print("captured", len(inst.stdout) > 0, file=sys.stderr)
    sys.exit(3)
"""


def _run(cmd: list[str]) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WITKIT_CACHE": "0"}
    return subprocess.run(cmd, capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("how", ["cli", "api-inherit", "api-capture"])
def test_a_timeout_while_writing_stdout_exits_without_a_panic(tmp_path: Path, how: str) -> None:
    wat = tmp_path / "chatter.wat"
    wat.write_text(CHATTER)
    script = tmp_path / "api.py"
    script.write_text(API)
    if how == "cli":
        cmd = [sys.executable, "-m", "witkit", "call", str(wat), "chatter", "--timeout", "200ms"]
        status, last = 1, "error: chatter: ran past its timeout of 0.2 s"
    else:
        cmd = [sys.executable, str(script), str(wat), how.removeprefix("api-")]
        status, last = 3, "captured True" if how == "api-capture" else "ran past its timeout of 0.2 s"
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: _run(cmd), range(RUNS)))
    for i, run in enumerate(runs):
        err = run.stderr.decode(errors="replace")
        assert run.returncode == status, (i, run.returncode, err[-2000:])
        assert not any(word in err for word in PANIC_WORDS), (i, err[-2000:])
        assert err.rstrip().endswith(last), (i, err[-300:])
        out = run.stdout.decode(errors="replace")
        if how == "api-inherit":
            assert out.startswith("chatter chatter"), (i, out[:100])  # it did write, to our pipe
        else:
            assert out == "", (i, out[:100])
