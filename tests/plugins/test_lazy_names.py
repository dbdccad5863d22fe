"""`witkit.plugins`: its public names load on first use, so one part does not import the others."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import witkit.plugins


def test_every_public_name_comes_from_its_module() -> None:
    for name in witkit.plugins.__all__:
        module = importlib.import_module(witkit.plugins._LAZY[name])
        assert getattr(witkit.plugins, name) is getattr(module, name)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        witkit.plugins.nope  # noqa: B018


def test_dynamic_calls_and_fetch_do_not_import_the_wit_parser() -> None:
    code = (
        "import sys, witkit.plugins.dynamic, witkit.cli.plugin_cmds; "
        "print(sorted(m for m in ('lark', 'witkit.wit.parser', 'witkit.plugins.check')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
