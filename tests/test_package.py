"""The package root: its public names, and that importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import witkit


def test_lazy_names_resolve_to_their_modules() -> None:
    from witkit.composition import compose
    from witkit.plugins.dynamic import load
    from witkit.runtime import Runtime

    assert witkit.Runtime is Runtime
    assert witkit.load is load
    assert witkit.compose is compose
    assert set(dir(witkit)) == set(witkit.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        witkit.nope  # noqa: B018


def test_wit_commands_do_not_import_the_runtime() -> None:
    # `witkit wit check` starts fast because it never loads wasmtime, httpx or the runtime.
    code = (
        "import sys, witkit, witkit.cli, witkit.wit; "
        "from witkit.wit import resolve_source; resolve_source('package a:b; world w {}'); "
        "print(sorted(m for m in ('wasmtime', 'httpx', 'witkit.runtime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
