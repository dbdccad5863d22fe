"""Values round-trip through real components built for third-party worlds.

wit-bindgen's `records` and `variants` runtime-test worlds (`tests/thirdparty/wit/`, copied
unchanged) are built into Python guests with componentize-py, written here; the host calls
them through the bindings `witkit generate` writes. These worlds are where canonical ABI
mistakes show: flags of 8, 16 and 32 bits, tuples of one, variants whose cases join flat
types of different kinds (`variant-casts`: s32 with s64, f32 with f64, s64 with f32, ...),
payload-less cases, results in value position and as return values.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.guests import build_guest
from witkit.codegen.host import write_host
from witkit.runtime import Err, Ok
from witkit.wit import resolve_path

pytestmark = pytest.mark.slow

THIRDPARTY = Path(__file__).resolve().parents[1] / "thirdparty" / "wit"

RECORDS_GUEST = """\
from wit_world import exports


class ToTest(exports.ToTest):
    def multiple_results(self):
        return (4, 5)

    def swap_tuple(self, a):
        return (a[1], a[0])

    def roundtrip_flags1(self, a):
        return a

    def roundtrip_flags2(self, a):
        return a

    def roundtrip_flags3(self, a, b, c):
        return (a, b, c)

    def roundtrip_record1(self, a):
        return a

    def tuple1(self, a):
        return a
"""

VARIANTS_GUEST = """\
from componentize_py_types import Err, Ok
from wit_world import exports


class ToTest(exports.ToTest):
    def roundtrip_option(self, a):
        return None if a is None else int(a)

    def roundtrip_result(self, a):
        if isinstance(a, Ok):
            return float(a.value)
        raise Err(int(a.value))

    def roundtrip_enum(self, a):
        return a

    def invert_bool(self, a):
        return not a

    def variant_casts(self, a):
        return a

    def variant_zeros(self, a):
        return a

    def variant_typedefs(self, a, b, c):
        return None

    def variant_enums(self, a, b, c):
        return (a, b, c)
"""


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    if not THIRDPARTY.is_dir():
        pytest.skip(f"no third-party WIT under {THIRDPARTY}")
    root = tmp_path_factory.mktemp("roundtrip")
    names = {}
    for name in ("records", "variants"):
        resolved = resolve_path(THIRDPARTY / f"wit-bindgen-{name}")
        world = next(
            i for i, w in enumerate(resolved.resolve.worlds)
            if w.name == "test" and w.package in resolved.packages
        )  # fmt: skip
        write_host(resolved.resolve, world, root, f"tp_{name}")
        names[name] = f"tp_{name}"
    sys.path.insert(0, str(root))
    try:
        yield {name: importlib.import_module(f"{pkg}.to_test") for name, pkg in names.items()}
    finally:
        sys.path.remove(str(root))
        for mod in list(sys.modules):
            if mod.split(".")[0] in names.values():
                del sys.modules[mod]


def _plugin(name: str, guest: str) -> object:
    package = importlib.import_module(f"tp_{name}")
    component = build_guest(THIRDPARTY / f"wit-bindgen-{name}", "test", {"app.py": guest})
    return package.Test.load(component).to_test


def test_records_world_round_trips(bound: dict[str, ModuleType]) -> None:
    t = bound["records"]
    p = _plugin("records", RECORDS_GUEST)
    assert p.multiple_results() == (4, 5)
    assert p.swap_tuple((1, 2**32 - 1)) == (2**32 - 1, 1)
    assert p.roundtrip_flags1(t.F1.A | t.F1.B) == t.F1.A | t.F1.B
    assert p.roundtrip_flags1(t.F1(0)) == t.F1(0)
    assert p.roundtrip_flags2(t.F2.C | t.F2.E) == t.F2.C | t.F2.E
    f8, f16, f32 = t.Flag8.B0 | t.Flag8.B7, t.Flag16.B15 | t.Flag16.B8, t.Flag32.B31 | t.Flag32.B0
    assert p.roundtrip_flags3(f8, f16, f32) == (f8, f16, f32)
    all32 = t.Flag32(2**32 - 1)
    assert p.roundtrip_flags3(t.Flag8(0), t.Flag16(0), all32)[2] == all32
    assert p.roundtrip_record1(t.R1(255, t.F1.B)) == t.R1(255, t.F1.B)
    assert p.tuple1((7,)) == (7,)


def test_variants_world_round_trips(bound: dict[str, ModuleType]) -> None:
    t = bound["variants"]
    p = _plugin("variants", VARIANTS_GUEST)
    assert p.roundtrip_option(None) is None
    assert p.roundtrip_option(7.0) == 7
    assert p.roundtrip_result(Ok(3)) == 3.0
    with pytest.raises(Err) as info:
        p.roundtrip_result(Err(2.0))
    assert info.value.value == 2
    assert p.roundtrip_enum(t.E1.B) is t.E1.B
    assert p.invert_bool(True) is False
    casts = (t.C1_A(-5), t.C2_B(1.5), t.C3_B(-2.25), t.C4_A(-(2**63)), t.C5_B(1e300), t.C6_A(0.5))
    assert p.variant_casts(casts) == casts
    other = (t.C1_B(2**62), t.C2_A(-1), t.C3_A(2**31 - 1), t.C4_B(3.5), t.C5_A(2**63 - 1),
             t.C6_B(-1e-300))  # fmt: skip
    assert p.variant_casts(other) == other
    zeros = (t.Z1_A(1), t.Z2_B(), t.Z3_A(0.25), t.Z4_B())
    assert p.variant_zeros(zeros) == zeros
    assert p.variant_zeros((t.Z1_B(), t.Z2_A(-9), t.Z3_B(), t.Z4_A(-0.5))) == (
        t.Z1_B(), t.Z2_A(-9), t.Z3_B(), t.Z4_A(-0.5)
    )  # fmt: skip
    assert p.variant_typedefs(None, False, Err(None)) is None
    assert p.variant_enums(True, Ok(None), t.MyErrno.B) == (True, Ok(None), t.MyErrno.B)
    assert p.variant_enums(False, Err(None), t.MyErrno.SUCCESS) == (
        False, Err(None), t.MyErrno.SUCCESS
    )  # fmt: skip
