"""A printing componentize-py guest: captured output, `witkit call` as a user runs it, load limits.

wasmtime-py's `stdout_custom` callbacks panic on wasmtime's tokio threads ("panic in a
function that cannot unwind", often an abort); witkit captures through a file instead. The
loop below runs the CLI as subprocesses on a componentize-py guest that prints, which is where
the panic showed (a WAT guest writing to stdout did not trigger it).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

import witkit
from tests.runtime.components import WASI
from tests.support.guests import build_guest, cache_dir
from witkit import FuelExhausted, Timeout, WitkitError
from witkit.codegen.host import write_host
from witkit.runtime import BOOL, BYTES, U8, Limits, Runtime, Wasi, shared_runtime
from witkit.wit.resolve import resolve_path, select_world

PRINTER_WIT = Path(__file__).resolve().parent / "printer_wit"
PRINTER_APP = '''
import wit_world


class WitWorld(wit_world.WitWorld):
    def shout(self, text: str) -> str:
        print("printing", text)
        return text.upper()

    def spin(self) -> None:
        while True:
            print("x" * 100)
'''
ROOT = Path(__file__).resolve().parents[2]
COMPILED = cache_dir().parent / "components"
"""The tests' shared compile cache (the guest is 18 MB: compiling it takes seconds)."""
PANIC_WORDS = ("panicked", "panic in a function", "RUST_BACKTRACE")


@pytest.fixture(scope="module")
def printer() -> Path:
    return build_guest(PRINTER_WIT, "printer", {"app.py": PRINTER_APP})


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "witkit", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_call_on_a_printing_guest_never_panics_in_50_runs(printer: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: _cli("call", str(printer), "shout", '"hi"'), range(50)))
    for i, run in enumerate(runs):
        assert run.returncode == 0, (i, run.returncode, run.stderr[-2000:])
        assert not any(word in run.stderr for word in PANIC_WORDS), (i, run.stderr[-2000:])
        assert run.stdout.strip() == '"HI"'
        assert "printing hi" in run.stderr  # the guest's stdout is shown on stderr


def test_timeout_of_a_printing_guest_exits_cleanly(printer: Path) -> None:
    run = _cli("call", str(printer), "spin", "--timeout", "500ms")
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.stderr.rstrip().endswith("error: spin: ran past its timeout of 0.5 s")
    assert not any(word in run.stderr for word in PANIC_WORDS), run.stderr[-2000:]
    assert "x" * 100 in run.stderr


def test_componentize_py_print_is_captured_in_process(printer: Path) -> None:
    rt = Runtime(cache_dir=COMPILED, wasi=Wasi(stdout="capture", stderr="capture"))
    plugin = witkit.load(printer, runtime=rt)
    assert plugin.call_json("shout", '["a"]') == '"A"'
    assert plugin.call_json("shout", '["b"]') == '"B"'
    assert plugin.stdout == "printing a\nprinting b\n"
    assert plugin.stderr == ""


def test_capture_limit_counts_what_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    rt = Runtime(cache=False)
    inst = rt.instantiate(WASI, wasi=Wasi(stdout="capture", capture_limit=8))
    write = inst.func("print", [BYTES, BOOL], U8)
    write(b"12345", False)
    write(b"67890abc", False)
    with caplog.at_level("WARNING", logger="witkit.runtime"):
        assert inst.stdout == "12345678"
    assert inst.stdout_dropped == 5
    assert "reached its limit of 8 bytes" in caplog.text
    inst.clear_output()
    write(b"z", False)
    assert (inst.stdout, inst.stdout_dropped) == ("z", 0)
    inst.close()
    assert inst.stdout == "z"  # still readable after close


def test_missing_preopen_folder_is_one_witkit_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(WitkitError, match=r"^preopen '/data': host folder '.*nowhere' does not exist$"):
        Runtime(cache=False).instantiate(WASI, wasi=Wasi(preopens={"/data": missing}))
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    with pytest.raises(WitkitError, match="is not a folder"):
        Runtime(cache=False).instantiate(WASI, wasi=Wasi(preopens={"/data": a_file}))


@pytest.fixture(scope="module")
def printer_bindings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    resolved = resolve_path(PRINTER_WIT)
    world = select_world(resolved.resolve, resolved.packages)
    out = tmp_path_factory.mktemp("printer-bindings")
    write_host(resolved.resolve, world, out, source="printer_wit")
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("printer")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] == "printer"]:
            del sys.modules[name]


def test_generated_load_honours_per_plugin_limits(printer: Path, printer_bindings: ModuleType) -> None:
    # No runtime given: load() takes the shared runtime able to enforce these limits.
    plugin = printer_bindings.Printer.load(printer, limits=Limits(timeout=0.5))
    with pytest.raises(Timeout, match=r"ran past its timeout of 0\.5 s"):
        plugin.spin()
    fueled = printer_bindings.Printer.load(printer, limits=Limits(fuel=1_000_000))
    with pytest.raises(FuelExhausted):
        fueled.spin()
    unlimited = printer_bindings.Printer.load(printer)
    assert unlimited.shout("ok") == "OK"
    # witkit.load takes its runtime from the same place.
    dynamic = witkit.load(printer, limits=Limits(timeout=0.5))
    with pytest.raises(Timeout):
        dynamic.call_json("spin", "[]")
    assert shared_runtime(Limits(timeout=9.0)) is shared_runtime(Limits(timeout=0.5))


@pytest.mark.parametrize("memory", [None, 64 << 20], ids=["cow-memory", "memory-limit"])
def test_instantiation_is_not_charged_against_per_call_fuel(printer: Path, memory: int | None) -> None:
    # With a memory limit, instantiating this guest runs about 11 million units of fuel.
    rt = Runtime(cache_dir=COMPILED, limits=Limits(fuel=1_000_000, memory=memory))
    plugin = witkit.load(printer, runtime=rt)
    assert plugin.call_json("shout", '["x"]') == '"X"'
    used = plugin.instance.fuel_used
    assert used is not None and 0 < used < 1_000_000
    with pytest.raises(FuelExhausted, match="limit 1000000 per call"):
        plugin.call_json("spin", "[]")
