"""Naming rules shared by host bindings and guest skeletons."""

from __future__ import annotations

import pytest

from witkit.naming import escape, pascal, snake, upper_snake, variant_case_class


@pytest.mark.parametrize(
    ("wit", "expected"),
    [
        ("get-value", "get_value"),
        ("x", "x"),
        ("from", "from_"),
        ("class", "class_"),
        ("self", "self_"),
        ("type", "type"),
        ("http-URL-parser", "http_url_parser"),
        ("a1-b2", "a1_b2"),
    ],
)
def test_snake(wit: str, expected: str) -> None:
    assert snake(wit) == expected


@pytest.mark.parametrize(
    ("wit", "expected"),
    [
        ("http-error", "HttpError"),
        ("blob", "Blob"),
        ("HTTP-error", "HttpError"),
        ("none", "None_"),
        ("true", "True_"),
        ("r1", "R1"),
    ],
)
def test_pascal(wit: str, expected: str) -> None:
    assert pascal(wit) == expected


def test_upper_snake_and_variant_cases() -> None:
    assert upper_snake("not-found") == "NOT_FOUND"
    assert upper_snake("a") == "A"
    assert variant_case_class("shape", "circle") == "Shape_Circle"
    assert variant_case_class("http-error", "dns-timeout") == "HttpError_DnsTimeout"
    assert variant_case_class("choice", "none") == "Choice_None"  # as componentize-py
    assert variant_case_class("true", "false") == "True_False"


def test_escape_leaves_ordinary_names() -> None:
    assert escape("value") == "value"
    assert escape("import") == "import_"
