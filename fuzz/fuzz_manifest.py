"""Atheris fuzz target for plugin manifests: any bytes as `witkit.toml` -> `load_manifest`.

Each input is written as a `witkit.toml` in a scratch folder and read with
`witkit.load_manifest`. The only allowed failure is a `ManifestError` of one line that
names the file; a manifest that is accepted must give every plugin its WASI grants and
limits (`spec_wasi`, `spec_limits`) without an error, since `load_all` builds them next.

Run it from the repository root (see fuzz/README.md):
`python fuzz/fuzz_manifest.py CORPUS_DIR -dict=fuzz/manifest.dict`. Without atheris the
module still imports, so the test suite calls `test_one_input` on seeds.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path
from typing import Any

try:
    import atheris
except ImportError:  # the suite imports this module without atheris
    atheris = None

_instrumented: Any = atheris.instrument_imports() if atheris else contextlib.nullcontext()
with _instrumented:
    from witkit.plugins.dynamic import spec_limits, spec_wasi
    from witkit.plugins.manifest import ManifestError, load_manifest


class Crash(AssertionError):
    """A finding: what went wrong for the input, which the fuzzer then saves."""


_folder = Path(tempfile.mkdtemp(prefix="witkit-fuzz-manifest-"))
MANIFEST = _folder / "witkit.toml"


def test_one_input(data: bytes) -> None:
    """Read `data` as a manifest; raise `Crash` (or let another exception out) on a bug."""
    MANIFEST.write_bytes(data)
    try:
        manifest = load_manifest(MANIFEST)
    except ManifestError as error:
        message = str(error)
        if "\n" in message.strip() or "witkit.toml" not in message:
            raise Crash(f"a manifest error that does not name the file in one line: {message!r}") from error
        return
    for spec in manifest.plugins.values():
        spec_wasi(spec)
        spec_limits(spec)


def main(argv: list[str]) -> None:
    """Hand `argv` (libFuzzer's options and corpus folders) to atheris and fuzz."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install 'witkit[fuzz]' (see fuzz/README.md)")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
