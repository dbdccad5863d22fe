"""Atheris fuzz target for dynamic-call values: any bytes -> JSON arguments -> `call_json`.

The first byte picks one of the echo components of `tests/dynamic/test_dynamic.py`'s `CASES`
(one per WIT type kind: every primitive, strings, `list<u8>`, lists, tuples, records, enums,
flags, variants, options nested and not, results); the rest, read as UTF-8 (bad bytes
replaced), is the JSON text of the arguments, handed to `DynamicPlugin.call_json("echo", ...)`.
The only allowed failure is an `ArgumentError` of one line. A value that is accepted must come
back as JSON that, passed in again, comes back unchanged (the JSON form round-trips).

Run it from the repository root (see fuzz/README.md): `python fuzz/fuzz_values.py CORPUS_DIR`.
Without atheris the module still imports, so the test suite calls `test_one_input` on seeds.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for `tests`

try:
    import atheris
except ImportError:  # the suite imports this module without atheris
    atheris = None

_instrumented: Any = atheris.instrument_imports() if atheris else contextlib.nullcontext()
with _instrumented:
    from witkit.errors import ArgumentError
    from witkit.plugins.dynamic import DynamicPlugin, load
    from witkit.runtime import ImportFunc, Runtime

from tests.dynamic.test_dynamic import CASES  # noqa: E402  (after the path is set)
from tests.runtime.wat import echo_component  # noqa: E402


class Crash(AssertionError):
    """A finding: what went wrong for the input, which the fuzzer then saves."""


_runtime: Runtime | None = None
_plugins: dict[int, DynamicPlugin] = {}


def plugin(index: int) -> DynamicPlugin:
    """The echo plugin of `CASES[index]`, loaded once (and again if a call poisoned it)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(cache=False)
    current = _plugins.get(index)
    if current is None or current.instance.poisoned:
        _, desc, _ = CASES[index]
        current = load(echo_component(desc), runtime=_runtime,
                       imports=[ImportFunc("echo", [desc], desc, lambda x: x)])  # fmt: skip
        _plugins[index] = current
    return current


def test_one_input(data: bytes) -> None:
    """Call one echo plugin with `data`; raise `Crash` (or let another exception out) on a bug."""
    if not data:
        return
    index = data[0] % len(CASES)
    text = data[1:].decode("utf-8", errors="replace")
    echo = plugin(index)
    try:
        out = echo.call_json("echo", text)
    except ArgumentError as error:
        message = str(error)
        if "\n" in message or len(message) > 400:
            raise Crash(f"{CASES[index][0]}: an argument error of {len(message)} characters") from error
        return
    again = echo.call_json("echo", json.dumps([json.loads(out)]))
    if json.loads(again) != json.loads(out):
        raise Crash(f"{CASES[index][0]}: {text!r} gave {out}, which comes back as {again}")


def main(argv: list[str]) -> None:
    """Hand `argv` (libFuzzer's options and corpus folders) to atheris and fuzz."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install 'witkit[fuzz]' (see fuzz/README.md)")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
