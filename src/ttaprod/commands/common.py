"""Pieces every command shares: exit codes, the console, option parsing helpers."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
FORMATS = ("rich", "json", "sarif", "junit", "github", "markdown", "gitlab")  # of check's -f

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_PASSED",
    "FORMATS",
    "OutputError",
    "UsageError",
    "console",
    "open_text",
    "split_codes",
    "to_stdout",
    "tool_names",
    "writing",
]


def console(file: IO[str] | None = None, no_color: bool = False) -> Console:
    from rich.console import Console  # imported when something is drawn: a fast start

    return Console(
        file=file,
        no_color=no_color or bool(os.environ.get("NO_COLOR")),
        highlight=False,
        soft_wrap=False,
    )


def split_codes(values: list[str] | None) -> tuple[str, ...]:
    codes: list[str] = []
    for value in values or []:
        codes.extend(c.strip() for c in value.split(",") if c.strip())
    return tuple(codes)


def tool_names(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from ..tools import parse_selection

    try:
        return parse_selection(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


class OutputError(UsageError):
    """The report could not be written to standard output (a full disk, a closed pipe)."""


@contextlib.contextmanager
def to_stdout() -> Iterator[None]:
    """Writing the report to standard output: a failed write is a one-line error."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(
            f"cannot write the report to standard output: {exc.strerror or exc}"
        ) from None


def open_text(target: Path) -> IO[str]:
    try:
        return target.open("w", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def writing(target: Path) -> Iterator[IO[str]]:
    """A report file open for writing; a write that fails (a full disk) is a one-line error
    naming the file, not a traceback."""
    handle = open_text(target)
    try:
        with handle:
            yield handle
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
