"""Real componentize-py runs: the errors it reports for broken guests, and guests that build.

componentize-py's raw output for each broken guest is kept in the test cache by content
hash (like built components), so a warm cache replays it instead of spending seconds
per run; the diagnosis is always computed afresh.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.guest.conftest import GREETER_APP, GREETER_WIT
from tests.support.guests import KITCHEN_WIT, build_guest, cache_dir, kitchen_component
from witkit.guest import componentize as cpy
from witkit.guest.cache import cache_key
from witkit.guest.config import load_config
from witkit.guest.diagnose import ComponentizeError, diagnose
from witkit.guest.plan import plan_for
from witkit.guest.scaffold import new_project

pytestmark = pytest.mark.slow

BROKEN = {
    "missing-class": {"app.py": "import wit_world\n\n\nclass Other:\n    pass\n"},
    "missing-method": {
        "app.py": "import wit_world\n\n\nclass WitWorld(wit_world.WitWorld):\n"
        "    def hello(self) -> None:\n        pass\n"
    },
    "import-error": {"app.py": "import wit_world\nimport nonexistent_mod\n" + GREETER_APP},
    "syntax-error": {"app.py": GREETER_APP.replace("-> str:", "-> str")},
}


def _real_output(root: Path) -> str:
    """componentize-py's output for the project at `root` (cached by content hash)."""
    config = load_config(root)
    saved = cache_dir() / "errors" / f"{cache_key(config)}.txt"
    if saved.is_file():
        return saved.read_text()
    run = cpy.componentize(config, root / "out.wasm")
    assert run.returncode != 0, "the broken guest built"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(run.text)
    return run.text


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each broken project and componentize-py's output for it, built two at a time."""
    roots: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("broken")
    for name, files in BROKEN.items():
        root = base / name
        (root / "wit").mkdir(parents=True)
        (root / "wit" / "world.wit").write_text(GREETER_WIT)
        (root / "pyproject.toml").write_text('[tool.witkit]\nwit = "wit"\nworld = "greeter"\n')
        for rel, text in files.items():
            (root / rel).write_text(text)
        roots[name] = root
    kitchen = new_project("kitchen", KITCHEN_WIT, "kitchen", base / "no-resource-module")
    (kitchen / "api.py").unlink()
    shutil.rmtree(kitchen / "tests")
    roots["no-resource-module"] = kitchen
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = dict(zip(roots, pool.map(_real_output, roots.values()), strict=True))
    return {name: (roots[name], texts[name]) for name in roots}


def _diagnose(outputs: dict[str, tuple[Path, str]], name: str) -> ComponentizeError:
    root, raw = outputs[name]
    config = load_config(root)
    return diagnose(raw, config, lambda: plan_for(config.wit, config.world))


def test_no_rust_backtrace_in_raw_output(outputs: dict[str, tuple[Path, str]]) -> None:
    for _, raw in outputs.values():
        assert "Stack backtrace" not in raw
        assert "anyhow" not in raw


def test_missing_class(outputs: dict[str, tuple[Path, str]]) -> None:
    e = _diagnose(outputs, "missing-class")
    assert e.message.startswith("app.py: no class `WitWorld`; the world-level exports of world")
    assert "`greet`" in e.message


def test_missing_method(outputs: dict[str, tuple[Path, str]]) -> None:
    assert _diagnose(outputs, "missing-method").message == (
        "app.py: class `WitWorld` does not implement `greet`"
    )


def test_import_error(outputs: dict[str, tuple[Path, str]]) -> None:
    assert _diagnose(outputs, "import-error").message == (
        "app.py:2: ModuleNotFoundError: No module named 'nonexistent_mod' "
        "(while componentize-py imported the guest)"
    )


def test_syntax_error(outputs: dict[str, tuple[Path, str]]) -> None:
    message = _diagnose(outputs, "syntax-error").message
    assert message.startswith("app.py:5: SyntaxError: expected ':'")


def test_missing_resource_module(outputs: dict[str, tuple[Path, str]]) -> None:
    e = _diagnose(outputs, "no-resource-module")
    assert e.file == "api.py"
    assert e.message == (
        "api.py: missing; exported interface `witkit:kitchen/api@0.1.0` has resources, and "
        "componentize-py looks for their classes (`Counter`) in a module named `api`"
    )


def test_kitchen_guest_builds() -> None:
    wasm = kitchen_component()
    assert wasm.read_bytes()[:8] == b"\0asm\x0d\x00\x01\x00"  # a component, not a core module
    assert wasm.stat().st_size > 1_000_000


def test_build_guest_reuses_the_cache() -> None:
    first = kitchen_component()
    mtime = first.stat().st_mtime_ns
    assert kitchen_component() == first
    assert first.stat().st_mtime_ns == mtime


def test_greeter_example_builds_and_greets() -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "greeter"
    wasm = build_guest(root / "wit", "greeter", {"app.py": (root / "app.py").read_text()})
    wasmtime = pytest.importorskip("wasmtime")
    from wasmtime import component

    config = wasmtime.Config()
    config.cache = True  # wasmtime's own compile cache: seconds the first time, then instant
    engine = wasmtime.Engine(config)
    linker = component.Linker(engine)
    linker.add_wasip2()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    logs: list[tuple[str, str]] = []
    with linker.root() as root_instance:
        root_instance.add_func("log", lambda _store, level, message: logs.append((level, message)))
    instance = linker.instantiate(store, component.Component.from_file(engine, str(wasm)))
    greet = instance.get_func(store, "greet")
    assert greet is not None
    assert greet(store, "Ada") == "Hello, Ada!"
    greet.post_return(store)
    assert logs == [("info", "greeted 'Ada'")]


def test_unfilled_stub_names_its_function_on_the_host_side(tmp_path: Path) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    from wasmtime import component

    greeter = Path(__file__).resolve().parents[2] / "examples" / "greeter"
    project = new_project("stubs", greeter / "wit", None, tmp_path / "stubs")
    wasm = build_guest(project / "wit", "greeter", project)
    config = wasmtime.Config()
    config.cache = True
    engine = wasmtime.Engine(config)
    linker = component.Linker(engine)
    linker.add_wasip2()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.stderr_file = str(tmp_path / "stderr.txt")
    store.set_wasi(wasi)
    with linker.root() as root_instance:
        root_instance.add_func("log", lambda _store, level, message: None)
    instance = linker.instantiate(store, component.Component.from_file(engine, str(wasm)))
    greet = instance.get_func(store, "greet")
    assert greet is not None
    with pytest.raises(wasmtime.WasmtimeError):
        greet(store, "Ada")
    assert "NotImplementedError: greet" in (tmp_path / "stderr.txt").read_text()
