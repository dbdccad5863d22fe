"""JSON and TOML readers that turn every way untrusted text can fail into one `ValueError`.

`json.loads` and `tomllib.loads` raise more than their decode errors on hostile input: a
RecursionError for deep nesting, a plain ValueError for a number past Python's int-string limit
(4,300 digits), a UnicodeDecodeError for bytes that are not UTF-8. Callers catch `ValueError`
alone and turn its one-line message into their own WitkitError naming the file or parameter.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

__all__ = ["loads_json", "loads_toml"]


def _reason(e: Exception) -> str:
    if isinstance(e, RecursionError):
        return "nested too deeply"
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 (byte {e.start})"
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def loads_json(text: str | bytes) -> Any:
    """`json.loads`, raising only ValueError (with a one-line reason) on bad input."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError, TypeError) as e:
        raise ValueError(_reason(e)) from None


def loads_toml(data: str | bytes) -> dict[str, Any]:
    """`tomllib.loads` of text or UTF-8 bytes, raising only ValueError on bad input."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return tomllib.loads(text)
    except (ValueError, RecursionError) as e:
        raise ValueError(_reason(e)) from None
