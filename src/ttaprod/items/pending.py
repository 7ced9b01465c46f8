"""Findings a file cannot judge alone: the detector records them as facts, a project-level
check (`itemchecks.register(item)`) decides with every file's facts in hand.

    ctx.pending(node, Problem(...), site=True, **data)    # in a detector: a `pending` fact
    Judge(index, item).finding(fact)                      # in the check: the Finding
    judge.result(default, covered, total, findings)       # the item result, rescored

A pending fact carries the problem (rule, message, severity, fix), the source of the flagged
node (for the fingerprint and the column), and whether it stands for one site of the item. In
the check, `# ttaprod: ignore[CODE]` on the reported line (or on a comment line just above it)
still suppresses it, and select/ignore/per-file-ignores/severity overrides apply as for any
finding (the report filters what checks return).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .. import catalogue, checklist, redact, scoring, selection
from ..engine.analyze import fingerprint, suppressions
from ..engine.context import PENDING
from ..engine.project import ProjectIndex
from ..models import Evidence, Fact, Finding, ItemResult, Severity, Status


def pending_facts(index: ProjectIndex, rules: tuple[str, ...]) -> list[Fact]:
    """Pending facts of `rules`, except where per-file-ignores turn the rule off."""
    ignores = index.config.per_file_ignores
    return [
        f
        for f in index.facts_of(PENDING)
        if f.get("rule") in rules and not selection.ignored_for_path(f.get("rule"), f.path, ignores)
    ]


@dataclass
class Judge:
    index: ProjectIndex
    item: str
    _texts: dict[str, list[str]] = field(default_factory=dict)
    _marks: dict[str, dict[int, frozenset[str]]] = field(default_factory=dict)

    def _lines(self, path: str) -> list[str]:
        if path not in self._texts:
            try:
                text = (self.index.root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._texts[path] = text.splitlines()
            self._marks[path] = suppressions(text)
        return self._texts[path]

    def suppressed(self, fact: Fact) -> bool:
        lines = self._lines(fact.path)
        marks = self._marks[fact.path]
        codes = set(marks.get(fact.line, ()))
        above = lines[fact.line - 2].strip() if 2 <= fact.line <= len(lines) + 1 else ""
        if above.startswith("#"):
            codes |= marks.get(fact.line - 1, frozenset())
        rule = fact.get("rule")
        return "*" in codes or rule in codes or any(rule.startswith(c) for c in codes)

    def finding(self, fact: Fact) -> Finding | None:
        """The finding a pending fact stands for; None when suppressed inline."""
        if self.suppressed(fact):
            return None
        rule = fact.get("rule")
        spec = catalogue.catalogue()[rule]
        lines = self._lines(fact.path)
        source = lines[fact.line - 1] if 0 < fact.line <= len(lines) else ""
        anchor = fact.get("anchor")
        first, *rest = anchor.splitlines() or [""]
        column = source.find(first) + 1 if first and first in source else 1
        if rest:
            end_line, end_column = fact.line + len(rest), len(rest[-1]) + 1
        else:
            end_line, end_column = fact.line, column + len(first)
        severity = Severity(fact.get("severity")) if fact.get("severity") else spec.severity
        return Finding(
            rule=rule,
            source="ttaprod",
            checklist_item=spec.checklist_item or self.item,
            severity=severity,
            path=fact.path,
            line=fact.line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            message=redact.redact_text(fact.get("message")),
            fix=fact.get("fix") or None,
            fingerprint=fingerprint(rule, fact.path, anchor),
            snippet=redact.redact_text(source),
            statement_line=fact.line,
            on_site=True,  # every pending finding is about a site its detector counted
        )

    def item_findings(self) -> list[Finding]:
        """The per-file findings of this item, as the report will show them."""
        own = [f for r in self.index.files for f in r.findings if f.checklist_item == self.item]
        return self.shown(own)

    def shown(self, findings: list[Finding]) -> list[Finding]:
        """`findings` as the report will show them (select/ignore, severity overrides)."""
        return selection.filter_findings(findings, self.index.config)

    def result(
        self,
        default: ItemResult,
        covered: int,
        total: int,
        added: list[Finding],
        evidence: list[Evidence] | None = None,
    ) -> ItemResult:
        """`default` with `covered`/`total` more sites and the findings `added`, rescored;
        `evidence` (what this check found) is shown before the default's."""
        covered += default.covered or 0
        total += default.total or 0
        findings = [*self.item_findings(), *self.shown(added)]
        status = scoring.sites_status(covered, total, findings)
        if status is Status.SKIP:
            return default
        reason = default.reason
        if total:
            spec = checklist.BY_ID[self.item]
            reason = f"{covered} of {total} {spec.site_noun} {spec.covered_phrase}"
        shown = [*(evidence or ()), *default.evidence][: max(3, len(default.evidence))]
        return replace(
            default,
            status=status,
            score=scoring.sites_score(covered, total, findings),
            covered=covered,
            total=total,
            evidence=tuple(shown),
            reason=reason,
        )
