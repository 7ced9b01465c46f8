"""The deployment-file tests' adapters: TTP5 rules by default, rows with severities."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Report

from ..helpers import check, item, write
from ..helpers import rows as rows_of

__all__ = ["item", "report", "rows", "write"]

Row = tuple[str, int, str, str]  # path, line, rule, severity


def report(
    root: Path, files: dict[str, str], select: tuple[str, ...] = ("TTP5",), preview: bool = True
) -> Report:
    """The project checked with the deploy rules in preview too (TTP505): their tests judge
    what each rule does; the default set is what the fixtures show."""
    return check(root, files, select=select, preview=preview)


def rows(result: Report, prefix: str = "TTP5") -> list[Row]:
    return rows_of(result, (prefix,))
