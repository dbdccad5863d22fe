"""Atheris fuzz target for the WIT reader: any bytes in, a model or a `WitError` out.

Each input is one `.wit` file. It is parsed, resolved (its nested `package x { }` blocks
make several packages), turned into JSON, printed back as WIT, and the printed text is
read again. Only a `WitError` may come out of reading; anything else is a crash, and so
is a `WitError` that says "internal error" (witkit's wrapper around its own bugs) or one
raised on reading back what witkit printed (printed WIT must always re-read).

Run it (see fuzz/README.md): `python fuzz/fuzz_wit.py CORPUS_DIR -dict=fuzz/wit.dict`.
Without atheris installed the module still imports, so the test suite can call
`test_one_input` on a few seeds.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

try:
    import atheris
except ImportError:  # the suite imports this module without atheris
    atheris = None

_instrumented: Any = atheris.instrument_imports() if atheris else contextlib.nullcontext()
with _instrumented:
    from witkit.errors import WitError
    from witkit.wit.json import to_json
    from witkit.wit.parser import parse, parse_bytes
    from witkit.wit.printer import print_wit
    from witkit.wit.resolve import resolve_files

FUZZ_NAME = "fuzz.wit"


class Crash(AssertionError):
    """A finding: what went wrong for the input, which the fuzzer then saves."""


def test_one_input(data: bytes) -> None:
    """Read `data` as one WIT file; raise `Crash` (or let any other exception out) on a bug."""
    try:
        resolved = resolve_files([parse_bytes(data, FUZZ_NAME)])
        to_json(resolved.resolve)
        printed = print_wit(resolved)
    except WitError as error:
        if error.message.startswith("internal error"):
            raise Crash(f"witkit failed on its own: {error}") from error
        error.render()
        return
    try:
        resolve_files([parse(printed, "printed.wit")])
    except WitError as error:
        raise Crash(f"printed WIT does not read back:\n{printed}\n{error}") from error


def main(argv: list[str]) -> None:
    """Hand `argv` (libFuzzer's options and corpus folders) to atheris and fuzz."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install 'witkit[fuzz]' (see fuzz/README.md)")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
