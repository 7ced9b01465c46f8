"""Shared by the project item checks: verdicts with evidence, facts as evidence, findings on
real lines, and reading other project files safely.

A project item is a verdict: `pass` (10) with evidence, `warn` (5), `fail` (0), or `skip`
(no score) with the reason it could not be judged (scoring.STATUS_SCORE).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .. import scoring
from ..engine.analyze import suppressions
from ..engine.project import ProjectIndex
from ..models import Evidence, Fact, Finding, ItemResult, Status
from ..tally import Issue, Tally

MAX_EVIDENCE = 5
PARTIAL = "only some files were checked: the project cannot be judged as a whole"
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def verdict(
    default: ItemResult, status: Status, reason: str, evidence: Iterable[Evidence] = ()
) -> ItemResult:
    """The item's result: its score follows its status; evidence is deduplicated and capped."""
    seen: set[tuple[str, int]] = set()
    kept: list[Evidence] = []
    for item in evidence:
        if (item.path, item.line) not in seen and len(kept) < MAX_EVIDENCE:
            seen.add((item.path, item.line))
            kept.append(item)
    return replace(
        default,
        status=status,
        score=scoring.STATUS_SCORE.get(status),
        covered=None,
        total=None,
        evidence=tuple(kept),
        reason=reason,
    )


def worse(a: Status, b: Status) -> Status:
    """The worse of two applicable statuses (pass < warn < fail)."""
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def evidence(fact: Fact, note: str) -> Evidence:
    return Evidence(fact.path, fact.line, note)


def at(fact: Fact | Evidence | Finding) -> str:
    return f"{fact.path}:{fact.line}"


def where_note(where: str) -> str:
    if where == "module":
        return "at module level"
    if where == "main":
        return 'in the `if __name__ == "__main__":` block'
    return f"in {where.removeprefix('function:').rsplit('.', 1)[-1]}()"


def short_api(api: str) -> str:
    """`opentelemetry.trace.set_tracer_provider` → `trace.set_tracer_provider`."""
    parts = api.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else api


def listed(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def visible(index: ProjectIndex, item: str, rules: tuple[str, ...]) -> list[Finding]:
    """Findings of the per-file pass with these rules that the configuration keeps."""
    tally = Tally(item, index.config, {})
    found = [
        f
        for result in index.files
        for f in result.findings
        if f.rule in rules and tally.applies(f.rule, f.path)
    ]
    return sorted(found, key=lambda f: f.sort_key)


def read_text(index: ProjectIndex, rel: str) -> str | None:
    """A project file's text (UTF-8, within the size limit), None when it cannot be read."""
    path = index.root / rel
    try:
        if path.stat().st_size > index.config.max_file_size_kb * 1024:
            return None
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def finding(index: ProjectIndex, item: str, issue: Issue) -> Finding | None:
    """A project-level finding on a real line, unless the configuration drops it or the
    line (or a comment line just above it) says `# ttaprod: ignore[CODE]`."""
    text = read_text(index, issue.path) or ""
    tally = Tally(item, index.config, {issue.path: text})
    if not tally.applies(issue.rule, issue.path):
        return None
    marks = suppressions(text)
    lines = text.splitlines()
    codes = set(marks.get(issue.line, ()))
    if 1 < issue.line <= len(lines) + 1 and lines[issue.line - 2].strip().startswith("#"):
        codes |= marks.get(issue.line - 1, frozenset())
    if "*" in codes or any(issue.rule.startswith(c) for c in codes):
        return None
    return replace(tally.finding(issue), on_site=False)


def relative(index: ProjectIndex, path: Path) -> str:
    """`path` relative to the checked root (POSIX), `../…` when it lies outside."""
    return Path(os.path.relpath(path, index.root)).as_posix()
