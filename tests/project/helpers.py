"""The project item tests' adapters: findings as (path, line, rule) of exact rules."""

from __future__ import annotations

from ttaprod.models import Report

from ..helpers import check, evidence, item, write

__all__ = ["check", "evidence", "item", "rows", "write"]


def rows(report: Report, *rules: str) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.rule) for f in report.findings if f.rule in rules)
