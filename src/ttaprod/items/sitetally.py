"""Sites judged at project level: a tally of covered and uncovered sites whose findings are
built from facts (`project.common.finding`: select/ignore, per-file ignores and inline
`# ttaprod: ignore[CODE]` apply), turned into one item result scored like any sites item."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .. import checklist, scoring
from ..engine.project import ProjectIndex
from ..models import Evidence, Fact, Finding, ItemResult, Severity, Status
from ..tally import Issue, Tally
from .common import finding

MAX_EVIDENCE = 3


@dataclass
class SiteTally:
    index: ProjectIndex
    item: str
    covered: int = 0
    total: int = 0
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def applies(self, rule: str, path: str) -> bool:
        return Tally(self.item, self.index.config, {}).applies(rule, path)

    def covered_site(self, fact: Fact, label: str) -> None:
        self.total += 1
        self.covered += 1
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(Evidence(fact.path, fact.line, label))

    def uncovered_site(self, issue: Issue, weight: int = 1) -> None:
        """`weight` sites judged by one finding (a client and the calls made through it).
        Suppressed inline, the sites count as covered; an info finding does not uncover."""
        self.total += weight
        found = finding(self.index, self.item, issue)
        if found is None:
            self.covered += weight
            return
        self.findings.append(replace(found, on_site=True))
        if found.severity is Severity.INFO:
            self.covered += weight

    def result(
        self, default: ItemResult, none_reason: str, noun: str = ""
    ) -> tuple[ItemResult, tuple[Finding, ...]]:
        """The item's result; `noun` names the sites ("calls cached"), by default the
        checklist's site noun and covered phrase."""
        findings = tuple(sorted(self.findings, key=lambda f: f.sort_key))
        notes = "; ".join(self.notes)
        if self.total == 0:
            reason = none_reason + (f"; {notes}" if notes else "")
            return replace(default, status=Status.SKIP, score=None, reason=reason), findings
        spec = checklist.BY_ID[self.item]
        noun = noun or f"{spec.site_noun} {spec.covered_phrase}"
        reason = f"{self.covered} of {self.total} {noun}"
        result = replace(
            default,
            status=scoring.sites_status(self.covered, self.total, findings),
            score=scoring.sites_score(self.covered, self.total, findings),
            covered=self.covered,
            total=self.total,
            evidence=tuple(self.evidence),
            reason=reason + (f"; {notes}" if notes else ""),
        )
        return result, findings


def column_of(index: ProjectIndex, fact: Fact, anchor: str) -> int:
    """1-based column of `anchor`'s first line on the fact's line (1 when not found)."""
    from .common import read_text

    text = read_text(index, fact.path) or ""
    lines = text.splitlines()
    line = lines[fact.line - 1] if 0 < fact.line <= len(lines) else ""
    first = anchor.splitlines()[0] if anchor else ""
    at = line.find(first) if first else -1
    return at + 1 if at >= 0 else 1


def external_match(reach: str, guarded: dict[str, tuple[str, Fact]]) -> tuple[str, Fact] | None:
    """The guard of another module that calls one of `reach` (or its class)."""
    for qual in reach.split(","):
        if not qual:
            continue
        parts = qual.split(".")
        for i in range(len(parts), 0, -1):
            found = guarded.get(".".join(parts[:i]))
            if found is not None:
                return found
    return None
