"""Shared helpers for the deployment-file tests: write a project, run the real check."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from ttaprod.models import ItemResult, Report

from ..conftest import run_check

Row = tuple[str, int, str, str]  # path, line, rule, severity


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def report(root: Path, files: dict[str, str], select: tuple[str, ...] = ("TTP5",)) -> Report:
    return run_check(write(root, files), select=select)


def rows(result: Report, prefix: str = "TTP5") -> list[Row]:
    return sorted(
        (f.path, f.line, f.rule, f.severity.value)
        for f in result.findings
        if f.rule.startswith(prefix)
    )


def item(result: Report, item_id: str) -> ItemResult:
    return next(i for i in result.checklist if i.id == item_id)
