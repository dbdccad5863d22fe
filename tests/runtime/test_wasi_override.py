"""A host's override of a WASI interface serves the component whatever the patch version.

The runtime links its own WASI; an `ImportInterface` the host gives for
`wasi:cli/environment@0.2.0` used to shadow only that exact name, so a component importing
`@0.2.9` silently saw the runtime's environment instead. An override now serves the
component's import of a semver-compatible version, and an incompatible one fails at load.
"""

from __future__ import annotations

import pytest

from tests.runtime.components import WASI
from witkit.errors import PluginError
from witkit.runtime import STRING, ImportFunc, ImportInterface, List, Runtime, Tuple, Wasi
from witkit.runtime._instance import served_import

ENV = List(Tuple(STRING, STRING))


def _env_override(version: str) -> ImportInterface:
    return ImportInterface(f"wasi:cli/environment@{version}", [
        ImportFunc("get-environment", [], ENV, lambda: [("FROM", "host")]),
        ImportFunc("get-arguments", [], List(STRING), lambda: ["host-arg"]),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("imported", "provided"), [("0.2.0", "0.2.0"), ("0.2.9", "0.2.0"), ("0.2.0", "0.2.9"), ("0.2.3", "0.2.9")]
)
def test_an_override_serves_the_component_at_any_compatible_patch_version(
    imported: str, provided: str
) -> None:
    wat = WASI.replace("wasi:cli/environment@0.2.0", f"wasi:cli/environment@{imported}")
    with Runtime(cache=False) as rt:
        inst = rt.instantiate(wat, [_env_override(provided)], wasi=Wasi(env={"FROM": "wasi"}))
        assert inst.func("env", [], ENV)() == [("FROM", "host")]
        assert inst.func("args", [], List(STRING))() == ["host-arg"]


def test_an_override_at_an_incompatible_version_fails_at_load_naming_both() -> None:
    wat = WASI.replace("wasi:cli/environment@0.2.0", "wasi:cli/environment@0.2.9")
    with Runtime(cache=False) as rt, pytest.raises(
        PluginError,
        match=r"the host provides wasi:cli/environment@0\.3\.0, but the component imports "
        r"wasi:cli/environment@0\.2\.9: not a compatible version",
    ):
        rt.instantiate(wat, [_env_override("0.3.0")])


def test_which_import_an_interface_serves() -> None:
    imports = {"a:b/c@1.2.3": None, "a:b/c@2.0.0": None, "x:y/z@0.2.1": None, "x:y/z@0.2.7": None}
    assert served_import("a:b/c@1.2.3", imports) == "a:b/c@1.2.3"  # exact
    assert served_import("a:b/c@1.0.0", imports) == "a:b/c@1.2.3"  # same major
    assert served_import("x:y/z@0.2.0", imports) == "x:y/z@0.2.7"  # 0.x: same minor, newest
    assert served_import("q:r/s@1.0.0", imports) == "q:r/s@1.0.0"  # not imported: as given
    assert served_import("plain", imports) == "plain"
    with pytest.raises(PluginError, match=r"imports p:q/r@0\.0\.2"):  # 0.0.x: exact only
        served_import("p:q/r@0.0.1", {"p:q/r@0.0.2": None})
    with pytest.raises(PluginError, match=r"imports x:y/z@0\.2\.1, x:y/z@0\.2\.7"):
        served_import("x:y/z@0.3.0", imports)
