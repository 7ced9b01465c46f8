"""One finding per problem: duplicates from several sources merge into one.

Two findings are the same problem when they are at the same place (path and first line)
and about the same checklist item, and come from different sources: ttaprod's TTP101,
ruff's S113 and bandit's B113 on one `requests.get(url)` are one finding. The message
text plays no part. The finding kept is ttaprod's own when there is one (its message and
fix are written for this checklist), else the first by `SOURCE_ORDER`; the others are
named in `also_reported_by`. Findings with no checklist item never merge, and two
findings of one source never merge with each other (they are different rules).

Also here: every finding on a line that holds a secret gets its snippet masked, whoever
reported it, so no output carries the value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from . import redact
from .models import Finding

SOURCE_ORDER = ("ttaprod", "ruff", "bandit", "pyright", "safety")
SECRET_ITEMS = frozenset({"security.secrets-in-env"})

Place = tuple[str, int, str]


def place(finding: Finding) -> Place | None:
    if not finding.checklist_item:
        return None
    return (finding.path, finding.line, finding.checklist_item)


def _rank(finding: Finding) -> tuple[int, tuple[str, int, int, str]]:
    source = (
        SOURCE_ORDER.index(finding.source) if finding.source in SOURCE_ORDER else len(SOURCE_ORDER)
    )
    return (source, finding.sort_key)


@dataclass
class _Group:
    primary: Finding
    sources: set[str] = field(default_factory=set)
    others: list[str] = field(default_factory=list)

    def absorb(self, finding: Finding) -> bool:
        if finding.source in self.sources:
            return False
        self.sources.add(finding.source)
        self.others.append(finding.rule)
        for rule in finding.also_reported_by:
            if rule not in self.others:
                self.others.append(rule)
        return True

    def result(self) -> Finding:
        if not self.others:
            return self.primary
        merged = tuple(dict.fromkeys((*self.primary.also_reported_by, *self.others)))
        return replace(self.primary, also_reported_by=merged)


def merge(findings: Sequence[Finding]) -> list[Finding]:
    """Duplicates merged, secret lines masked; sorted by place."""
    by_place: dict[Place, list[Finding]] = defaultdict(list)
    out: list[Finding] = []
    for finding in findings:
        key = place(finding)
        if key is None:
            out.append(finding)
        else:
            by_place[key].append(finding)
    for members in by_place.values():
        groups: list[_Group] = []
        for finding in sorted(members, key=_rank):
            if not any(g.absorb(finding) for g in groups):
                groups.append(_Group(finding, {finding.source}))
        out.extend(g.result() for g in groups)
    return sorted(mask_secret_lines(out), key=lambda f: f.sort_key)


def mask_secret_lines(findings: Iterable[Finding]) -> list[Finding]:
    findings = list(findings)
    secret = {(f.path, f.line) for f in findings if f.checklist_item in SECRET_ITEMS}
    return [
        replace(f, snippet=redact.mask_string_literals(f.snippet))
        if f.snippet and (f.path, f.line) in secret
        else f
        for f in findings
    ]


def absorb_suppressed(
    tool_findings: Iterable[Finding], own_suppressed: Iterable[Finding]
) -> tuple[list[Finding], int]:
    """Tool findings at the place of a ttaprod finding suppressed inline are suppressed too:
    `# ttaprod: ignore[TTP101]` silences ruff's S113 and bandit's B113 on that call."""
    silenced = {key for key in map(place, own_suppressed) if key is not None}
    findings = list(tool_findings)
    kept = [f for f in findings if place(f) not in silenced]
    return kept, len(findings) - len(kept)
