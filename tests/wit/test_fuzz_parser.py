"""Fuzzing `witkit.wit.parse`: whatever the text, only a `WitError` may come out."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witkit.errors import WitError
from witkit.wit import ast, parse

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def seed_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.wit"))]
    # A few real files when the shared corpus is there; small ones keep each example fast.
    for folder in (CORPUS / "wasi" / "0.3.0", CORPUS / "wit-parser" / "ui"):
        if folder.is_dir():
            files = sorted(p for p in folder.rglob("*.wit") if p.stat().st_size < 4000)
            texts += [p.read_text(encoding="utf-8") for p in files[:15]]
    return texts


SEEDS = seed_texts()
TOKEN = re.compile(r"\s+|%?[A-Za-z_][\w-]*|\d+(?:\.\d+)*|->|//|/\*|\*/|.", re.DOTALL)
WIT_PIECES = [
    "package", "interface", "world", "use", "import", "export", "include", "with", "as",
    "type", "record", "variant", "enum", "flags", "resource", "func", "async", "static",
    "constructor", "list", "map", "option", "result", "tuple", "future", "stream", "own",
    "borrow", "_", "u8", "u32", "string", "error-context", "a", "b-c", "%type", "ns:pkg",
    "1.0.0", "4", "@since(version = 1.0.0)", "@unstable(feature = x)", "@deprecated",
    "{", "}", "(", ")", "<", ">", ":", ";", ",", ".", "=", "/", "@", "->", "///", "//", "/*",
    "*/", "/**", "\n", "\r\n", " ", "%", "-", "\ufeff", "\x00", "\u202e", "é",
]  # fmt: skip


def check(source: str) -> None:
    try:
        result = parse(source, "fuzz.wit")
    except WitError as error:
        assert error.location is not None
        assert error.render().startswith("error: ")
        return
    assert isinstance(result, ast.File)


@st.composite
def mutated_wit(draw: st.DrawFn) -> str:
    tokens = TOKEN.findall(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not tokens:
            break
        index = draw(st.integers(min_value=0, max_value=len(tokens) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if operation == "delete":
            del tokens[index]
        elif operation == "duplicate":
            tokens.insert(index, tokens[index])
        elif operation == "swap":
            other = draw(st.integers(min_value=0, max_value=len(tokens) - 1))
            tokens[index], tokens[other] = tokens[other], tokens[index]
        else:
            noise = draw(st.binary(min_size=1, max_size=4)).decode("latin-1")
            tokens.insert(index, noise)
    return "".join(tokens)


FAST = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(st.text(max_size=200))
def test_random_text(source: str) -> None:
    check(source)


@FAST
@given(st.lists(st.sampled_from(WIT_PIECES), max_size=60).map(" ".join))
def test_random_wit_shaped_text(source: str) -> None:
    check(source)


@FAST
@given(mutated_wit())
def test_mutated_wit(source: str) -> None:
    check(source)


def test_seeds_parse() -> None:
    for text in SEEDS:
        parse(text, "seed.wit")
