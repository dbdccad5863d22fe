"""Hostile input to the WIT reader: whatever the files say, a `WitError` in bounded time and memory.

Each test names the protection it proves and fails if that protection goes: the error's
message and place are asserted, and `pytest.mark.timeout` is a generous guard against a hang
(a test never asserts on elapsed time).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import stat
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.corpus import CORPUS
from witkit.cli import main
from witkit.errors import MAX_QUOTED_LINE, WitError
from witkit.wit import lalr, parser
from witkit.wit.json import to_json
from witkit.wit.model import Resolve
from witkit.wit.parser import MAX_TYPE_NESTING, MAX_WIT_FILE_BYTES, parse_file
from witkit.wit.printer import MAX_STRUCTURAL_TEXT, print_wit, type_text
from witkit.wit.resolve import (
    MAX_IMPLIED_IMPORTS,
    MAX_INCLUDE_COPIES,
    resolve_files,
    resolve_path,
    resolve_source,
)

LIMIT_TEXT = f"more than the {MAX_WIT_FILE_BYTES // (1024 * 1024)} MiB a WIT file may be"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def wit_error(path: Path) -> WitError:
    """Resolve `path`, which must fail with a `WitError` (anything else fails the test)."""
    with pytest.raises(WitError) as info:
        resolve_path(path)
    return info.value


def check_cli(path: Path) -> str:
    """`witkit wit check PATH` must exit 1 with an `error: ...` message and no traceback."""
    result = CliRunner().invoke(main, ["wit", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[0]


# --------------------------------------------------------------------------- huge files


@pytest.mark.timeout(60)
def test_a_file_over_the_ceiling_fails_on_its_size_without_being_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.wit"
    with big.open("wb") as f:  # sparse: no disk is used
        f.truncate(4 << 30)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened although its size is over the ceiling")

    monkeypatch.setattr(parser, "open", never, raising=False)
    error = wit_error(big)
    assert error.message == f"{big}: {4 << 30} bytes, {LIMIT_TEXT}"
    assert (error.path, error.line, error.column) == (str(big), 1, 1)


@pytest.mark.timeout(60)
def test_a_file_one_byte_over_the_ceiling_fails_and_one_at_it_is_read(tmp_path: Path) -> None:
    over = write(tmp_path / "over.wit", " " * (MAX_WIT_FILE_BYTES + 1))
    assert wit_error(over).message == f"{over}: {MAX_WIT_FILE_BYTES + 1} bytes, {LIMIT_TEXT}"
    at = write(tmp_path / "at.wit", "package a:b;".ljust(MAX_WIT_FILE_BYTES))
    assert parse_file(at).package is not None


@pytest.mark.timeout(60)
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_read_no_further_than_the_ceiling() -> None:
    # /dev/zero says it is 0 bytes long and never ends: only the bounded read stops it.
    error = wit_error(Path("/dev/zero"))
    assert error.message == f"/dev/zero: {LIMIT_TEXT}"
    assert check_cli(Path("/dev/zero")) == f"error: /dev/zero: {LIMIT_TEXT}"


def test_text_over_the_ceiling_is_refused_by_parse() -> None:
    with pytest.raises(WitError) as info:
        parser.parse(" " * (MAX_WIT_FILE_BYTES + 1), "given.wit")
    assert info.value.message == f"given.wit: {MAX_WIT_FILE_BYTES + 1} characters, {LIMIT_TEXT}"


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_in_deps_is_refused_not_read(tmp_path: Path) -> None:
    # Reading a pipe nobody writes to would block forever.
    pkg = tmp_path / "pkg"
    write(pkg / "main.wit", "package a:b;\nworld w { import a:c/i; }\n")
    (pkg / "deps").mkdir()
    os.mkfifo(pkg / "deps" / "c.wit")
    assert stat.S_ISFIFO(os.stat(pkg / "deps" / "c.wit").st_mode)
    error = wit_error(pkg)
    assert error.message == f"cannot read {pkg / 'deps' / 'c.wit'}: not a regular file"


def test_an_error_on_a_long_line_does_not_quote_it(tmp_path: Path) -> None:
    line = "package a:b; interface i { type t = " + "list<" * 2000 + "u8" + ">" * 2000 + "; }"
    path = write(tmp_path / "one-line.wit", line)
    error = wit_error(path)
    assert error.message == "type nesting too deep"
    assert (error.line, error.column) == (1, 37 + 5 * 100)
    assert error.location is not None and error.location.source_line is None
    assert check_cli(path) == "error: type nesting too deep"
    assert len(error.render()) < 200
    assert len(line) > MAX_QUOTED_LINE


# --------------------------------------------------------------------------- deep nesting


def nested(kind: str, depth: int) -> str:
    """`depth` levels of `kind<...>` around `u8` (`result<T, u8>` and `tuple<T, u8>` for two)."""
    close = {"list": ">", "option": ">", "result": ", u8>", "tuple": ", u8>"}[kind]
    return f"{kind}<" * depth + "u8" + close * depth


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["list", "option", "result", "tuple"])
@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_deep_type_nesting_fails_at_the_first_level_too_deep(
    tmp_path: Path, kind: str, depth: int
) -> None:
    path = write(
        tmp_path / "deep.wit",
        f"package a:b;\ninterface i {{\n  type t = {nested(kind, depth)};\n}}\n",
    )
    error = wit_error(path)
    assert error.message == "type nesting too deep"
    assert (error.path, error.line) == (str(path), 3)
    assert error.column == len("  type t = ") + 1 + (len(kind) + 1) * MAX_TYPE_NESTING
    assert check_cli(path) == "error: type nesting too deep"


def test_the_nesting_limit_is_wit_parsers_and_real_wit_is_far_below_it(tmp_path: Path) -> None:
    ok = f"package a:b;\ninterface i {{ type t = {nested('list', MAX_TYPE_NESTING)}; }}\n"
    assert resolve_path(write(tmp_path / "ok.wit", ok)).resolve.types
    deep = ok.replace("list<u8>", "list<list<u8>>")
    assert wit_error(write(tmp_path / "deep.wit", deep)).message == "type nesting too deep"


@pytest.mark.timeout(120)
def test_too_deep_nesting_is_found_without_parsing_what_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Megabytes of `list<` are refused after parsing only the text in front of the nesting.
    lark = lalr._parser()
    parsed: list[int] = []

    class Recording:
        def parse(self, text: str) -> object:
            parsed.append(len(text))
            return lark.parse(text)

    monkeypatch.setattr(lalr, "_parser", Recording)
    body = nested("list", (MAX_WIT_FILE_BYTES - 100) // 6)
    path = write(tmp_path / "deep.wit", f"package a:b;\ninterface i {{ type t = {body}; }}\n")
    assert wit_error(path).message == "type nesting too deep"
    assert parsed and max(parsed) < 1000


def test_a_syntax_error_before_too_deep_nesting_is_reported_first(tmp_path: Path) -> None:
    # wit-parser reads a file in order: the first problem in the text is the one reported.
    text = f"package a:b;\ninterface i {{ type = u8; type t = {nested('list', 200)}; }}\n"
    error = wit_error(write(tmp_path / "bad.wit", text))
    assert (error.message, error.line, error.column) == (
        "expected an identifier or string, found '='",
        2,
        20,
    )


# --------------------------------------------------------------------------- long chains

# Far past Python's recursion limit (1,000), so any walk along a chain that recursed would fail.
CHAIN = 2_500


def chain(line: str, count: int = CHAIN) -> str:
    return "".join(line.format(i=i, prev=i - 1) for i in range(1, count))


LONG_CHAINS = {
    "aliases": "interface i {\n  type a0 = u8;\n" + chain("  type a{i} = a{prev};\n") + "}\n",
    "aliases declared backwards": "interface i {\n"
    + "".join(f"  type a{i} = a{i - 1};\n" for i in reversed(range(1, CHAIN)))
    + "  type a0 = u8;\n}\n",
    "options of the last": "interface i {\n  type a0 = u8;\n"
    + chain("  type a{i} = option<a{prev}>;\n")
    + "}\n",
    # The borrow check looks through every type a function returns.
    "records returned": "interface i {\n  record a0 { x: u8 }\n"
    + chain("  record a{i} {{ x: a{prev} }}\n")
    + f"  f: func() -> a{CHAIN - 1};\n}}\n",
    # A world imports an interface after everything it uses, and exports likewise.
    "interfaces used, imported": "interface i0 { type t = u8; }\n"
    + chain("interface i{i} {{ use i{prev}.{{t}}; }}\n")
    + f"world w {{ import i{CHAIN - 1}; }}\n",
    "interfaces used, exported": "interface i0 { type t = u8; }\n"
    + chain("interface i{i} {{ use i{prev}.{{t}}; }}\n")
    + f"world w {{ export i{CHAIN - 1}; }}\n",
    "worlds included": "world w0 { import f: func(); }\n"
    + chain("world w{i} {{ include w{prev}; }}\n"),
    "world types included": "world w {\n  type a0 = u8;\n"
    + chain("  type a{i} = list<a{prev}>;\n")
    + "}\nworld v { include w; }\n",
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("shape", list(LONG_CHAINS))
def test_a_long_chain_resolves_prints_and_converts(tmp_path: Path, shape: str) -> None:
    path = write(tmp_path / "chain.wit", "package a:b;\n" + LONG_CHAINS[shape])
    resolved = resolve_path(path)
    as_json = to_json(resolved.resolve)
    assert sum(len(as_json[kind]) for kind in ("types", "interfaces", "worlds")) >= CHAIN
    assert print_wit(resolved).startswith("package a:b;")


@pytest.mark.timeout(120)
def test_many_items_resolve_print_and_convert(tmp_path: Path) -> None:
    count = 2 * CHAIN
    text = (
        "package a:b;\ninterface i {\n"
        + "".join(
            f"  record r{n} {{ x: u8 }}\n  fn{n}: func(a: r{n}) -> u8;\n" for n in range(count)
        )
        + "}\n"
        + "".join(f"world w{n} {{ import i; export g: func(); }}\n" for n in range(count // 10))
    )
    resolved = resolve_path(write(tmp_path / "many.wit", text))
    as_json = to_json(resolved.resolve)
    assert (len(as_json["types"]), len(as_json["worlds"])) == (count, count // 10)
    assert len(as_json["interfaces"][0]["functions"]) == count
    assert print_wit(resolved).count("record r") == count


@pytest.mark.timeout(120)
def test_a_long_chain_of_packages_is_ordered_without_recursion(tmp_path: Path) -> None:
    # Packages are visited in name order, and the first one needs all the others.
    text = "".join(
        f"package a:p{i:05} {{ interface i {{ use a:p{i + 1:05}/i.{{t}}; }} }}\n"
        for i in range(CHAIN)
    )
    text += f"package a:p{CHAIN:05} {{ interface i {{ type t = u8; }} }}\n"
    resolved = resolve_path(write(tmp_path / "packages.wit", text))
    assert len(resolved.resolve.packages) == CHAIN + 1


def copied_too_much(world: str) -> str:
    return (
        f"`include` copies too much: with this include of `{world}`, all includes together "
        f"copy more than {MAX_INCLUDE_COPIES} world items, types, fields and parameters"
    )


@pytest.mark.timeout(120)
def test_worlds_including_each_other_in_a_chain_stop_at_the_copy_ceiling(tmp_path: Path) -> None:
    # World k adds an import and includes world k - 1, copying its k imports at 2 each (the
    # item and its function): k(k + 1) in all, quadratic in the text.
    text = "package a:b;\nworld w0 { import g0: func(); }\n" + chain(
        "world w{i} {{ import g{i}: func(); include w{prev}; }}\n", 1000
    )
    path = write(tmp_path / "include.wit", text)
    error = wit_error(path)
    first = next(k for k in itertools.count(1) if k * (k + 1) > MAX_INCLUDE_COPIES)
    assert error.message == copied_too_much(f"w{first - 1}")
    line = 2 + first
    assert (error.path, error.line) == (str(path), line)
    assert error.column == text.splitlines()[line - 1].index(f"w{first - 1};") + 1


@pytest.mark.timeout(120)
def test_a_large_type_included_down_a_chain_stops_at_the_copy_ceiling(tmp_path: Path) -> None:
    # One world item, but each include copies its tuple's every element.
    width = MAX_INCLUDE_COPIES // 5
    text = "package a:b;\nworld w0 { type t = tuple<" + ", ".join(["u8"] * width) + ">; }\n"
    text += chain("world w{i} {{ include w{prev}; }}\n", 10)
    path = write(tmp_path / "include.wit", text)
    error = wit_error(path)
    first = next(k for k in itertools.count(1) if k * (width + 2) > MAX_INCLUDE_COPIES)
    assert error.message == copied_too_much(f"w{first - 1}")
    assert (error.path, error.line) == (str(path), 2 + first)


@pytest.mark.timeout(120)
def test_worlds_importing_the_end_of_a_chain_stop_at_the_implied_import_ceiling(
    tmp_path: Path,
) -> None:
    # Each world imports the last of 1,000 interfaces, and so the 999 it uses too.
    text = "package a:b;\ninterface i0 { type t = u8; }\n"
    text += chain("interface i{i} {{ use i{prev}.{{t}}; }}\n", 1000)
    text += "".join(f"world w{n} {{ import i999; }}\n" for n in range(200))
    path = write(tmp_path / "implied.wit", text)
    error = wit_error(path)
    first = next(n for n in itertools.count() if (n + 1) * 999 > MAX_IMPLIED_IMPORTS)
    assert error.message == (
        f"too many implied imports: with world `w{first}`, worlds import more than "
        f"{MAX_IMPLIED_IMPORTS} interfaces only because what they import or export uses them"
    )
    assert (error.path, error.line, error.column) == (str(path), 2 + 1000 + first, 7)


def struct_chain(fields: str, count: int) -> tuple[Resolve, int]:
    """Records `a1` ... each with `fields` of the one before; the last one's id."""
    text = "package a:b;\ninterface i {\n  record a0 { x: u8 }\n"
    text += chain(f"  record a{{i}} {{{{ {fields} }}}}\n", count) + "}\n"
    resolve = resolve_source(text).resolve
    return resolve, resolve.interfaces[0].types[f"a{count - 1}"]


@pytest.mark.timeout(60)
def test_a_long_chain_of_records_spells_out_structurally() -> None:
    # `witkit plugin check` and the generated world check compare types by this spelling.
    resolve, last = struct_chain("x: a{prev}", CHAIN)
    text = type_text(resolve, last, "structural")
    assert text.startswith("record { x: record { x: ") and text.count("record") == CHAIN


@pytest.mark.timeout(60)
def test_a_structural_spelling_that_doubles_at_each_level_stops_at_its_ceiling() -> None:
    resolve, last = struct_chain("x: a{prev}, y: a{prev}", 60)  # 2 ** 60 records written out
    with pytest.raises(WitError) as info:
        type_text(resolve, last, "structural")
    assert info.value.message == (
        "type `a59` is too large to spell out structurally "
        f"(more than {MAX_STRUCTURAL_TEXT} characters)"
    )


# --------------------------------------------------------------------------- cycles

# wit-parser's words, as the corpus's parse-fail cases show them (use-cycle1, pkg-cycle).
CYCLES_IN_ONE_FILE = {
    "worlds including each other": (
        "world a { include b; }\nworld b { include a; }\n",
        "interface or world `b` depends on itself",
        (3, 7),
    ),
    "a world including itself": (
        "world a { include a; }\n",
        "interface or world `a` depends on itself",
        (2, 7),
    ),
    "interfaces using each other": (
        "interface a { use b.{t}; type u = u8; }\ninterface b { use a.{u}; type t = u8; }\n",
        "interface or world `b` depends on itself",
        (3, 11),
    ),
    "types defined by each other": (
        "interface i { type a = b; type b = a; }\n",
        "type `b` depends on itself",
        (2, 24),
    ),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("shape", list(CYCLES_IN_ONE_FILE))
def test_a_cycle_in_one_file_is_an_error(tmp_path: Path, shape: str) -> None:
    body, message, place = CYCLES_IN_ONE_FILE[shape]
    path = write(tmp_path / "cycle.wit", "package a:b;\n" + body)
    error = wit_error(path)
    assert (error.message, error.path, (error.line, error.column)) == (message, str(path), place)


PACKAGE_CYCLES = {
    "packages in deps/ that use each other": (
        "package a:b;\nworld w { import a:c/i; }\n",
        "package a:c;\ninterface i { use a:d/j.{}; }\n",
        "package a:d;\ninterface j { use a:c/i.{}; }\n",
    ),
    "worlds including each other across packages": (
        "package a:b;\nworld w { include a:c/v; }\n",
        "package a:c;\nworld v { include a:d/u; }\n",
        "package a:d;\nworld u { include a:c/v; }\n",
    ),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("shape", list(PACKAGE_CYCLES))
def test_packages_that_need_each_other_are_a_cycle(tmp_path: Path, shape: str) -> None:
    main_wit, c_wit, d_wit = PACKAGE_CYCLES[shape]
    pkg = tmp_path / "pkg"
    write(pkg / "main.wit", main_wit)
    write(pkg / "deps" / "c" / "c.wit", c_wit)  # a package folder
    write(pkg / "deps" / "d.wit", d_wit)  # a single-file package
    error = wit_error(pkg)
    assert error.message == "package `a:c` creates a dependency cycle"
    assert (error.path, error.line, error.column) == (str(pkg / "deps" / "d.wit"), 2, 19)
    assert check_cli(pkg) == "error: package `a:c` creates a dependency cycle"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        # deps/ holds the package itself again: read once more, then seen twice.
        ("up", "..", "package `a:b` is defined in two different locations:"),
        ("loop", "loop", "cannot read {link}: Too many levels of symbolic links"),
        ("loop.wit", "loop.wit", "cannot read {link}: Too many levels of symbolic links"),
        ("gone.wit", "nowhere.wit", "cannot read {link}: No such file or directory"),
    ],
)
def test_a_link_in_deps_that_loops_or_leads_nowhere_is_an_error(
    tmp_path: Path, name: str, target: str, message: str
) -> None:
    pkg = tmp_path / "pkg"
    write(pkg / "main.wit", "package a:b;\nworld w { import a:c/i; }\n")
    write(pkg / "deps" / "c.wit", "package a:c;\ninterface i {}\n")
    link = pkg / "deps" / name
    link.symlink_to(target)
    error = wit_error(pkg)
    assert error.message.splitlines()[0] == message.format(link=link)


# --------------------------------------------------------------------------- the fuzz target

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "wit" / "fixtures"


def load_fuzz_target() -> ModuleType:
    """fuzz/fuzz_wit.py, imported from its path (it must import without atheris)."""
    spec = importlib.util.spec_from_file_location("fuzz_wit", ROOT / "fuzz" / "fuzz_wit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUZZ = load_fuzz_target()

HOSTILE_SEEDS = [
    b"",
    b"\xff\xfe not utf-8",
    b"package a:b;\ninterface i { type t = " + b"list<" * 300 + b"u8" + b">" * 300 + b"; }\n",
    b"package a:b;\nworld a { include b; }\nworld b { include a; }\n",
    b"package a:p { interface i { use a:q/i.{}; } }\npackage a:q { interface i { use a:p/i.{}; } }\n",
    b"/*" * 500 + b"*/" * 500 + b"package a:b;",
    b"package a:b { package c:d { } }",
]


def fuzz_seeds() -> list[bytes]:
    """The project's WIT fixtures, a few small corpus files when the corpus is there, and
    the hostile shapes above."""
    seeds = [p.read_bytes() for p in sorted(FIXTURES.glob("*.wit"))]
    for folder in (CORPUS / "wasi" / "0.3.0", CORPUS / "wit-parser" / "ui" / "parse-fail"):
        small = sorted(p for p in folder.rglob("*.wit") if p.stat().st_size < 3000)
        seeds += [p.read_bytes() for p in small[:10]]
    return seeds + HOSTILE_SEEDS


@pytest.mark.timeout(120)
def test_the_fuzz_target_runs_on_its_seeds_without_a_crash() -> None:
    seeds = fuzz_seeds()
    assert len(seeds) > len(HOSTILE_SEEDS), "the WIT fixtures are missing"
    for data in seeds:
        FUZZ.test_one_input(data)


def test_the_fuzz_target_reports_anything_but_a_wit_error_as_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = b"package a:b;\ninterface i { type t = u8; }\n"
    FUZZ.test_one_input(seed)

    def broken(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(FUZZ, "to_json", broken)
    with pytest.raises(KeyError):
        FUZZ.test_one_input(seed)

    def internal(*args: object) -> None:
        raise WitError("internal error while reading WIT: KeyError()")

    monkeypatch.setattr(FUZZ, "to_json", internal)
    with pytest.raises(FUZZ.Crash, match="witkit failed on its own"):
        FUZZ.test_one_input(seed)

    monkeypatch.setattr(FUZZ, "to_json", lambda resolve: {})
    monkeypatch.setattr(FUZZ, "print_wit", lambda resolved: "not WIT")
    with pytest.raises(FUZZ.Crash, match="printed WIT does not read back"):
        FUZZ.test_one_input(seed)


# --------------------------------------------------------------------------- generated structures

WRAPPERS = [
    "list<{}>",
    "list<{}, 4>",
    "option<{}>",
    "result<{}>",
    "result<_, {}>",
    "result<{}, u8>",
    "tuple<{}>",
    "tuple<u8, {}>",
    "map<string, {}>",
    "future<{}>",
    "stream<{}>",
]
GENERATED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def nested_type(draw: st.DrawFn) -> tuple[int, str]:
    """A type of a drawn depth around the nesting limit, and its depth."""
    depth = draw(st.integers(min_value=0, max_value=MAX_TYPE_NESTING + 20))
    text = "u8"
    for wrapper in draw(st.lists(st.sampled_from(WRAPPERS), min_size=depth, max_size=depth)):
        text = wrapper.format(text)
    return depth, text


@pytest.mark.timeout(120)
@GENERATED
@given(nested_type())
def test_generated_nesting_resolves_up_to_the_limit_and_fails_past_it(
    drawn: tuple[int, str],
) -> None:
    depth, ty = drawn
    data = f"package a:b;\ninterface i {{\n  type t = {ty};\n}}\n".encode()
    FUZZ.test_one_input(data)
    if depth <= MAX_TYPE_NESTING:
        resolve_files([parser.parse_bytes(data, "nested.wit")])
        return
    with pytest.raises(WitError) as info:
        resolve_files([parser.parse_bytes(data, "nested.wit")])
    assert (info.value.message, info.value.line) == ("type nesting too deep", 3)


@st.composite
def item_graph(draw: st.DrawFn) -> str:
    """Packages of interfaces and worlds that use, import, export and include each other at
    random: forward, backward, themselves, across packages, in cycles or not."""
    packages = draw(st.integers(min_value=1, max_value=3))
    interfaces = draw(st.integers(min_value=1, max_value=4))
    worlds = draw(st.integers(min_value=0, max_value=3))
    any_package = st.integers(min_value=0, max_value=packages - 1)
    any_interface = st.integers(min_value=0, max_value=interfaces - 1)
    any_world = st.integers(min_value=0, max_value=max(worlds - 1, 0))

    def interface_path(here: int) -> str:
        there = draw(any_package)
        name = f"i{draw(any_interface)}"
        return name if there == here else f"a:p{there}/{name}"

    out: list[str] = []
    for p in range(packages):
        out.append(f"package a:p{p} {{")
        for i in range(interfaces):
            body: list[str] = []
            for _ in range(draw(st.integers(min_value=0, max_value=2))):
                body.append(f"use {interface_path(p)}.{{t as u{len(body)}}};")
            known = ["u8"] + [f"u{n}" for n in range(len(body))] + ["t", "v"]
            for name in ("t", "v"):
                wrapper = draw(st.sampled_from(["{}", *WRAPPERS]))
                body.append(f"type {name} = {wrapper.format(draw(st.sampled_from(known)))};")
            body.append(f"f: func(x: {draw(st.sampled_from(known))}) -> t;")
            out.append(f"  interface i{i} {{ {' '.join(body)} }}")
        for w in range(worlds):
            items = [
                f"{draw(st.sampled_from(['import', 'export']))} {interface_path(p)};"
                for _ in range(draw(st.integers(min_value=0, max_value=3)))
            ]
            for _ in range(draw(st.integers(min_value=0, max_value=2))):
                there = draw(any_package)
                name = f"w{draw(any_world)}"
                items.append(f"include {name if there == p else f'a:p{there}/{name}'};")
            out.append(f"  world w{w} {{ {' '.join(items)} }}")
        out.append("}")
    return "\n".join(out) + "\n"


@pytest.mark.timeout(120)
@GENERATED
@given(item_graph())
def test_generated_packages_that_refer_to_each_other_resolve_or_fail_cleanly(text: str) -> None:
    FUZZ.test_one_input(text.encode())


@pytest.mark.timeout(120)
@GENERATED
@given(item_graph(), st.data())
def test_mutated_generated_packages_resolve_or_fail_cleanly(text: str, data: st.DataObject) -> None:
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        at = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        operation = data.draw(st.sampled_from(["delete", "duplicate", "swap", "cut"]))
        if operation == "delete" and len(lines) > 1:
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, lines[at])
        elif operation == "swap":
            other = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            cut = data.draw(st.integers(min_value=0, max_value=len(lines[at])))
            lines[at] = lines[at][:cut]
    FUZZ.test_one_input("".join(lines).encode())
