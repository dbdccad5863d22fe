"""WASI: nothing is granted by default; args, env, preopens and output capture when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runtime.components import WASI
from witkit.runtime import (
    BOOL,
    BYTES,
    STRING,
    U8,
    Instance,
    List,
    Runtime,
    Tuple,
    Wasi,
    build_wasi_config,
)
from witkit.runtime._capture import Capture


def probe(inst: Instance) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    env = inst.func("env", [], List(Tuple(STRING, STRING)))()
    args = inst.func("args", [], List(STRING))()
    dirs = inst.func("dirs", [], List(STRING))()
    return env, args, dirs


def test_default_grants_nothing(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITKIT_SECRET", "do-not-leak")
    inst = rt.instantiate(WASI)
    assert probe(inst) == ([], [], [])
    print_ = inst.func("print", [BYTES, BOOL], U8)
    assert print_(b"into the void\n", False) == 0  # written successfully, and discarded
    assert inst.stdout == "" and inst.stderr == ""


def test_wasi_grants(rt: Runtime, tmp_path: Path) -> None:
    wasi = Wasi(args=["plugin", "--flag"], env={"GREETING": "hi"}, preopens={"/data": tmp_path}, read_only=True)
    inst = rt.instantiate(WASI, wasi=wasi)
    assert probe(inst) == ([("GREETING", "hi")], ["plugin", "--flag"], ["/data"])


def test_output_capture(rt: Runtime) -> None:
    inst = rt.instantiate(WASI, wasi=Wasi(stdout="capture", stderr="capture"))
    print_ = inst.func("print", [BYTES, BOOL], U8)
    print_("héllo\n".encode(), False)
    print_(b"oops", True)
    print_(b"world\n", False)
    assert inst.stdout == "héllo\nworld\n"
    assert inst.stderr == "oops"
    inst.clear_output()
    assert inst.stdout == ""


def test_runtime_default_wasi_applies(tmp_path: Path) -> None:
    rt = Runtime(cache=False, wasi=Wasi(env={"K": "V"}))
    assert probe(rt.instantiate(WASI))[0] == [("K", "V")]


def test_wasi_config_builds() -> None:
    assert Wasi() == Wasi(args=(), env={}, preopens={}, read_only=False, stdout=None, stderr=None, stdin=None, inherit_network=False)
    out, err = Capture("stdout", 10), Capture("stderr", 10)
    build_wasi_config(Wasi())
    with pytest.warns(RuntimeWarning, match="cannot switch TCP/UDP on"):
        build_wasi_config(
            Wasi(args=["a"], env={"A": "1"}, stdin=b"input", stdout="inherit", stderr="capture", inherit_network=True), out, err
        )
    with pytest.raises(ValueError):
        build_wasi_config(Wasi(stdout="file"), out, err)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a Capture"):
        build_wasi_config(Wasi(stdout="capture"))
    out.close()
    err.close()
