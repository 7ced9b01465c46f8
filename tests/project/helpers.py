"""Shared helpers for the project item tests: write a project, run the real check, read items."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from ttaprod.models import ItemResult, Report

from ..conftest import run_check


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def check(root: Path, files: dict[str, str], **options: object) -> Report:
    return run_check(write(root, files), **options)


def item(report: Report, item_id: str) -> ItemResult:
    return next(i for i in report.checklist if i.id == item_id)


def evidence(result: ItemResult) -> list[tuple[str, int, str]]:
    return [(e.path, e.line, e.note) for e in result.evidence]


def rows(report: Report, *rules: str) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.rule) for f in report.findings if f.rule in rules)
