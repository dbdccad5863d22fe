"""The fuzz targets beside `fuzz/fuzz_wit.py`: dynamic-call values and manifests.

Each runs here on seeds (atheris is not needed to import them), and each shows it reports a
bug as a crash rather than letting it pass.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from witkit.errors import ArgumentError

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]


def _target(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "fuzz" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VALUES = _target("fuzz_values")
MANIFESTS = _target("fuzz_manifest")


def _value_seeds() -> list[bytes]:
    from tests.dynamic.test_dynamic import CASES, as_plain
    from witkit.runtime.values import json_out

    odd = b'[{"x": [1, "2", null, {"ok": 1e999}]}]'
    seeds = []
    for i, (_, desc, values) in enumerate(CASES):
        for v in values:
            seeds.append(bytes([i]) + json.dumps([json_out(desc)(as_plain(desc, v))]).encode())
        seeds += [bytes([i]) + odd, bytes([i]) + b"[" * 5000]
    return [*seeds, b"", b"\x00not json", bytes([3]) + b'["' + b"9" * 5000 + b'"]']


def test_the_values_target_runs_on_its_seeds_without_a_crash() -> None:
    seeds = _value_seeds()
    assert len(seeds) > 60
    for data in seeds:
        VALUES.test_one_input(data)


def test_the_values_target_reports_a_long_error_and_a_broken_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugin = VALUES.plugin(1)  # u8

    def long_error(name: str, text: str) -> str:
        raise ArgumentError("x" * 500)

    monkeypatch.setattr(plugin, "call_json", long_error)
    with pytest.raises(VALUES.Crash, match="an argument error of 500 characters"):
        VALUES.test_one_input(bytes([1]) + b"[1]")
    answers = iter(["1", "2"])
    monkeypatch.setattr(plugin, "call_json", lambda name, text: next(answers))
    with pytest.raises(VALUES.Crash, match="which comes back as 2"):
        VALUES.test_one_input(bytes([1]) + b"[1]")


MANIFEST_SEEDS = [
    b"",
    b"[plugins.a]\nlocator = 'file:x.wasm'\n",
    b"[plugins.a]\nlocator = 'file:x.wasm'\n[plugins.a.limits]\nfuel = 1e400\ntimeout = 'nan'\n",
    b"[plugins.a]\nlocator = 'github:a/b@v1'\n[plugins.a.wasi]\npreopens = { '/d' = '.' }\n",
    b"[plugins.a]\nlocator = 'https://example.com/x.wasm'\n[plugins.a.http]\n"
    b"allowed_hosts = ['*.example.org', 'a:b:c']\nmax_requests = -1\n",
    b"[plugins.a]\nlocator = 'oci://127.0.0.1:5000/a/b:1'\nsha256 = 'zz'\n",
    b"[plugins.a]\nlocator = 'file:x.wasm'\nconfig = { k = 1 }\n",
    b"[plugins." + b"a" * 5000 + b"]\n",
    b"x = " + b"[" * 5000,
    b"\xff\xfe",
    b"[plugins.a]\nlocator = 'file:x.wasm'\nfuel = " + b"9" * 5000 + b"\n",
]


def test_the_manifest_target_runs_on_its_seeds_without_a_crash() -> None:
    for data in MANIFEST_SEEDS:
        MANIFESTS.test_one_input(data)


def test_the_manifest_target_reports_an_error_that_does_not_name_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from witkit.plugins.manifest import ManifestError

    def vague(path: Path) -> None:
        raise ManifestError("something is wrong", Path("elsewhere.toml"))

    monkeypatch.setattr(MANIFESTS, "load_manifest", vague)
    with pytest.raises(MANIFESTS.Crash, match="does not name the file"):
        MANIFESTS.test_one_input(b"")
