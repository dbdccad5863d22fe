"""witkit's pytest plugin, run through `pytester`: every fixture and assertion helper."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CALC_WAT = """\
(component
  (core module $m
    (func (export "boom") unreachable)
    (func (export "spin") (param i32) (result i32) (local i32)
      (block (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br 0)))
      (local.get 1)))
  (core instance $i (instantiate $m))
  (func (export "boom") (canon lift (core func $i "boom")))
  (func (export "spin") (param "n" u32) (result u32) (canon lift (core func $i "spin")))
)
"""

CALC_WIT = """\
package test:calc;

world calc {
  export boom: func();
  export spin: func(n: u32) -> u32;
}

world other {
  export spin: func(n: string) -> u32;
  export missing: func();
}
"""


@pytest.fixture
def calc(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".wat", calc=CALC_WAT)
    pytester.makefile(".wit", calc=CALC_WIT)
    return pytester


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _this_witkit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest subprocesses import this checkout's witkit."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # The plugin is named like its module, so `-p` and the pytest11 entry point never
    # register it twice.
    return pytester.runpytest_subprocess("-p", "witkit.pytest_plugin", "-q", *args)


def test_assertions_pass_where_they_hold(calc: pytest.Pytester) -> None:
    calc.makepyfile(
        """
        import witkit
        from witkit.pytest_plugin import assert_fuel_under, assert_satisfies, assert_traps

        def test_traps(witkit_plugin):
            plugin = witkit_plugin("calc.wat")
            assert_traps(plugin, "boom", match="unreachable")

        def test_fuel(witkit_plugin):
            plugin = witkit_plugin("calc.wat", limits=witkit.Limits(fuel=1_000_000))
            assert assert_fuel_under(plugin, 100_000, "spin", 10) == 10

        def test_world(tmp_path):
            import wasmtime
            path = tmp_path / "calc.wasm"
            path.write_bytes(wasmtime.wat2wasm(open("calc.wat").read()))
            assert_satisfies(path, "calc.wit", "calc")
        """
    )
    _run(calc).assert_outcomes(passed=3)


def test_assertions_fail_with_a_reason(calc: pytest.Pytester) -> None:
    calc.makepyfile(
        """
        import witkit
        from witkit.pytest_plugin import assert_fuel_under, assert_satisfies, assert_traps

        def test_does_not_trap(witkit_plugin):
            assert_traps(witkit_plugin("calc.wat"), "spin", 3)

        def test_wrong_trap(witkit_plugin):
            assert_traps(witkit_plugin("calc.wat"), "boom", match="out of bounds")

        def test_too_much_fuel(witkit_plugin):
            plugin = witkit_plugin("calc.wat", limits=witkit.Limits(fuel=10_000_000))
            assert_fuel_under(plugin, 50, "spin", 10_000)

        def test_out_of_fuel(witkit_plugin):
            plugin = witkit_plugin("calc.wat", limits=witkit.Limits(fuel=500))
            assert_fuel_under(plugin, 100_000, "spin", 1_000_000)

        def test_unmeasured(witkit_plugin):
            assert_fuel_under(witkit_plugin("calc.wat"), 100, "spin", 1)

        def test_wrong_world(tmp_path):
            import wasmtime
            path = tmp_path / "calc.wasm"
            path.write_bytes(wasmtime.wat2wasm(open("calc.wat").read()))
            assert_satisfies(path, "calc.wit", "other")
        """
    )
    result = _run(calc)
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines_random(
        [
            "*spin did not trap: it returned 3*",
            "*boom trapped, but * does not match 'out of bounds'*",
            "*spin used * fuel, more than 50*",
            "*spin ran out of fuel*",
            "*load the plugin with a fuel limit*",
            "*does not satisfy world `test:calc/other`*",
        ]
    )
    out = result.stdout.str()
    assert "missing" in out and "spin" in out


def test_grants_reach_the_plugin(calc: pytest.Pytester) -> None:
    calc.makepyfile(
        """
        import witkit
        from witkit.errors import FuelExhausted
        import pytest

        def test_limits_apply(witkit_plugin):
            plugin = witkit_plugin("calc.wat", limits=witkit.Limits(fuel=1_000))
            with pytest.raises(FuelExhausted):
                plugin.call("spin", 1_000_000)

        def test_closed_after_the_test(witkit_plugin):
            plugin = witkit_plugin("calc.wat")
            assert plugin.call("spin", 2) == 2
        """
    )
    _run(calc).assert_outcomes(passed=2)


HELLO_WIT = "package test:hello;\n\nworld hello {\n  export hello: func(name: string) -> string;\n}\n"


@pytest.mark.slow
def test_witkit_build_builds_a_guest_once_per_session(pytester: pytest.Pytester) -> None:
    project = pytester.mkdir("guest")
    (project / "wit").mkdir()
    (project / "wit" / "hello.wit").write_text(HELLO_WIT)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "hello"\n\n[tool.witkit]\nwit = "wit"\nworld = "hello"\n'
    )
    (project / "app.py").write_text(
        "import wit_world\n\n\nclass WitWorld(wit_world.WitWorld):\n"
        "    def hello(self, name: str) -> str:\n        return f'hi {name}'\n"
    )
    pytester.makepyfile(
        """
        from witkit.pytest_plugin import assert_satisfies

        def test_first(witkit_build, witkit_plugin):
            path = witkit_build("guest")
            assert path.name == "hello.wasm"
            assert witkit_plugin("guest").call("hello", "Ada") == "hi Ada"
            assert_satisfies(path, "guest/wit", "hello")

        def test_second(witkit_build):
            before = witkit_build("guest").stat().st_mtime_ns
            assert witkit_build("guest").stat().st_mtime_ns == before
        """
    )
    _run(pytester).assert_outcomes(passed=2)
    built = pytester.path / "guest" / "build" / "hello.wasm"
    # `witkit build --json` on the same project: the session's build is in its cache.
    from click.testing import CliRunner

    from witkit.cli import main

    result = CliRunner().invoke(main, ["build", str(project), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["path"] == str(built) and report["cached"] is True
    assert report["sha256"] == hashlib.sha256(built.read_bytes()).hexdigest()
    assert report["size"] == built.stat().st_size
