"""tomllib on 3.11+, tomli before; tables nested past the recursion limit are a decode error
like any other (a 10,000-deep table in a checked project must not crash the run)."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # pyright: ignore[reportMissingImports]

TOMLDecodeError = tomllib.TOMLDecodeError


class _TooDeep(TOMLDecodeError):
    def __init__(self) -> None:
        ValueError.__init__(self, "tables or arrays nested too deeply")


def loads(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise _TooDeep() from None


__all__ = ["TOMLDecodeError", "loads"]
