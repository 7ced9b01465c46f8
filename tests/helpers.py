"""What the tests ask of a run, said once: write a project, check it with the real engine,
and read what the user would see (findings as rows, an item's verdict, its evidence).

Test modules keep small adapters of their own (which rules, which file), built on these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from textwrap import dedent

from ttaprod.api import CheckOptions
from ttaprod.api import check as run
from ttaprod.models import Finding, ItemResult, Report

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def run_check(path: Path, **options: object) -> Report:
    """ttaprod's own analysis (no external tools, no cache) on `path`. A test that selects
    rules tests them whatever their tier: the rules in preview run too."""
    options.setdefault("no_tools", True)
    options.setdefault("no_cache", True)
    if options.get("select"):
        options.setdefault("preview", True)
    return run(CheckOptions(paths=(path,), **options))  # type: ignore[arg-type]


def write(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: source} under `root`, each source dedented."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def check(root: Path, files: dict[str, str], **options: object) -> Report:
    """Write `files` under `root` and check the project."""
    return run_check(write(root, files), **options)


@cache
def fixture_report(name: str, preview: bool = False) -> Report:
    """One analysis of a project under fixtures/ (with the rules in preview, or not), shared
    by every test that reads it."""
    return run_check(FIXTURES / name, preview=preview or None)


def found(report: Report, codes: Iterable[str]) -> list[Finding]:
    """The findings of these rules (codes or prefixes), in report order."""
    wanted = tuple(codes)
    return [f for f in report.findings if f.rule.startswith(wanted)]


_ALSO_AT = re.compile(r"Also at (.*?)(?: and \d+ more)?\.$")


def advice_sites(finding: Finding) -> list[tuple[str, int]]:
    """The sites an architecture-advice finding stands for (`Tally.advice`): its own place
    and the places its message lists after "Also at"."""
    sites = [(finding.path, finding.line)]
    listed = _ALSO_AT.search(finding.message)
    for place in listed.group(1).split(", ") if listed else ():
        path, _, line = place.rpartition(":")
        sites.append((path, int(line)))
    return sites


def rows(report: Report, codes: Iterable[str]) -> list[tuple[str, int, str, str]]:
    """(path, line, rule, severity) of the findings of these rules, sorted."""
    return sorted((f.path, f.line, f.rule, f.severity.value) for f in found(report, codes))


def item(report: Report, item_id: str) -> ItemResult:
    return next(i for i in report.checklist if i.id == item_id)


def coverage(report: Report, item_id: str) -> tuple[int, int]:
    result = item(report, item_id)
    return result.covered or 0, result.total or 0


def evidence(result: ItemResult) -> list[tuple[str, int, str]]:
    return [(e.path, e.line, e.note) for e in result.evidence]
