"""Read the line rate of a Cobertura `coverage.xml` (coverage.py `coverage xml`,
`pytest --cov-report=xml`) without trusting it.

Only the root element is read: the file is fed to expat in chunks and parsing stops at the
first start tag, so a huge report costs one chunk. A DOCTYPE or entity declaration is refused
before any expansion (no billion-laughs, no external entities). Every problem is a
`CoverageError` with a one-line reason, never a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

CHUNK = 64 * 1024
MAX_HEAD = 1024 * 1024  # the root element must start within the first MiB


class CoverageError(Exception):
    """coverage.xml cannot be used; the message says why, in a few words."""


class _Stop(Exception):
    pass


@dataclass(frozen=True)
class Coverage:
    line_rate: float  # 0 to 1
    line: int  # line of the root element
    covered: int | None = None
    valid: int | None = None

    @property
    def percent(self) -> str:
        return f"{self.line_rate * 100:.1f}%"


def _refuse(*_: Any) -> None:
    raise CoverageError("declares a DOCTYPE or entities (not read)")


def _root(path: Path) -> tuple[str, dict[str, str], int]:
    parser = expat.ParserCreate()
    found: list[tuple[str, dict[str, str], int]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        found.append((name, attrs, parser.CurrentLineNumber))
        raise _Stop

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        with path.open("rb") as handle:
            read = 0
            while read < MAX_HEAD:
                chunk = handle.read(CHUNK)
                read += len(chunk)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except _Stop:
        return found[0]
    except expat.ExpatError as exc:
        raise CoverageError(f"is not well-formed XML (line {exc.lineno}: {_reason(exc)})") from None
    except OSError as exc:
        raise CoverageError(f"cannot be read ({exc.strerror or exc})") from None
    raise CoverageError("has no root element in its first MiB")


def _reason(exc: expat.ExpatError) -> str:
    return expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)


def _count(attrs: dict[str, str], name: str) -> int | None:
    try:
        value = int(attrs[name])
    except (KeyError, ValueError):
        return None
    return value if value >= 0 else None


def read(path: Path) -> Coverage:
    name, attrs, line = _root(path)
    if name != "coverage":
        raise CoverageError(f"is not a Cobertura report (root element <{name[:40]}>)")
    raw = attrs.get("line-rate")
    try:
        rate = float(raw) if raw is not None else math.nan
    except ValueError:
        rate = math.nan
    if not 0.0 <= rate <= 1.0:
        raise CoverageError("has no valid line-rate on its <coverage> element")
    return Coverage(rate, line, _count(attrs, "lines-covered"), _count(attrs, "lines-valid"))
