"""From practices checked in deployment files to findings and one checklist verdict.

Each item counts practices: one per (file or workload, rule) that applies. A practice with a
finding is not covered; the item scores 10 × covered / total through the scoring helpers, so
one more finding never raises the score. Rules the configuration does not select (or ignores
for a path) are not counted at all; `# ttaprod: ignore[TTP5nn]` on the reported line (or on a
comment line just above it) accepts that practice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import catalogue, redact, scoring, selection
from .config import Config
from .engine.analyze import fingerprint, suppressions
from .models import Evidence, Finding, ItemResult, Severity, Status

MAX_EVIDENCE = 10


@dataclass(frozen=True)
class Issue:
    """One problem found in a deployment file, before it becomes a Finding."""

    rule: str
    path: str
    line: int
    message: str
    anchor: str  # what was flagged, stable across unrelated edits (a key path, an instruction)
    column: int = 1
    severity: Severity | None = None  # None: the catalogue's
    fix: str | None = None
    secret: str | None = None  # a value to mask in the snippet; never printed


@dataclass
class Tally:
    item: str
    config: Config
    texts: dict[str, str]
    covered: int = 0
    total: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _suppressed: dict[str, dict[int, frozenset[str]]] = field(default_factory=dict)

    def applies(self, rule: str, path: str) -> bool:
        config = self.config
        if not selection.is_selected(rule, config.select, config.ignore):
            return False
        return not selection.ignored_for_path(rule, path, config.per_file_ignores)

    def practice(
        self, rule: str, path: str, issues: list[Issue], proof: Evidence | None = None
    ) -> None:
        """Count one practice: covered when none of `issues` stands."""
        if not self.applies(rule, path):
            return
        standing = [i for i in issues if not self._is_suppressed(i)]
        self.total += 1
        if standing:
            self.findings.extend(self.finding(i) for i in standing)
        else:
            self.covered += 1
            if proof is not None and len(self.evidence) < MAX_EVIDENCE:
                self.evidence.append(proof)

    def unverifiable(self, rule: str, path: str, count: int) -> None:
        """`count` practices of a file that could not be read: counted, never covered."""
        if self.applies(rule, path):
            self.total += count

    def _is_suppressed(self, issue: Issue) -> bool:
        """`# ttaprod: ignore[CODE]` at the end of the reported line, or on a comment line of
        its own just above it (a Dockerfile has no end-of-line comments)."""
        text = self.texts.get(issue.path, "")
        if issue.path not in self._suppressed:
            self._suppressed[issue.path] = suppressions(text)
        marks = self._suppressed[issue.path]
        codes = set(marks.get(issue.line, ()))
        above = _line(text, issue.line - 1).strip()
        if above.startswith("#"):
            codes |= marks.get(issue.line - 1, frozenset())
        return "*" in codes or issue.rule in codes

    def finding(self, issue: Issue) -> Finding:
        spec = catalogue.catalogue()[issue.rule]
        severity = self.config.severity_for(issue.rule) or issue.severity or spec.severity
        source_line = _line(self.texts.get(issue.path, ""), issue.line)
        snippet = source_line.strip()
        if issue.secret:
            snippet = snippet.replace(
                issue.secret,
                redact.mask_value(issue.secret, keep=4 if redact.known_format(issue.secret) else 0),
            )
        snippet = redact.redact_text(snippet)
        return Finding(
            rule=issue.rule,
            source="ttaprod",
            checklist_item=self.item,
            severity=severity,
            path=issue.path,
            line=issue.line,
            column=issue.column,
            end_line=issue.line,
            end_column=max(issue.column, len(source_line) + 1),
            message=issue.message,
            fix=issue.fix,
            fingerprint=fingerprint(issue.rule, issue.path, issue.anchor),
            snippet=snippet,
            statement_line=issue.line,
            on_site=True,
        )

    def result(
        self, default: ItemResult, noun: str, none_reason: str
    ) -> tuple[ItemResult, tuple[Finding, ...]]:
        findings = tuple(sorted(self.findings, key=lambda f: f.sort_key))
        notes = "; ".join(self.notes)
        if self.total == 0:
            reason = none_reason + (f"; {notes}" if notes else "")
            return replace(default, status=Status.SKIP, score=None, reason=reason), findings
        status = scoring.sites_status(self.covered, self.total, findings)
        reason = f"{self.covered} of {self.total} {noun}" + (f"; {notes}" if notes else "")
        result = replace(
            default,
            status=status,
            score=scoring.sites_score(self.covered, self.total, findings),
            covered=self.covered,
            total=self.total,
            evidence=tuple(self.evidence),
            reason=reason,
        )
        return result, findings


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""
