"""The kit of every project item check: count the item's sites (or practices), turn what is
wrong into findings, and give one item result with its evidence.

    tally = Tally(index, "performance.cache")
    tally.covered_site(path, line, "cached by @lru_cache")
    tally.uncovered_site(Issue("TTP314", path, line, "…", anchor))
    return tally.result(default, "no LLM calls found")

An `Issue` becomes a `Finding` through `ttaprod.findings.new_finding`, on the real line of its
file. The configuration decides whether its rule counts at all (select/ignore, per-file
ignores); a `# ttaprod: ignore[...]` mark (`ttaprod.suppression`) keeps the finding out of the
report but returns it marked suppressed, so the run counts it. A suppressed or informational
problem does not uncover its site. Items judged by a verdict rather than a count use
`verdict()`. Evidence is capped at `MAX_EVIDENCE` per item, everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from . import catalogue, checklist, redact, roles, scoring, selection, sourcelines
from .engine.project import CheckResult, ProjectIndex
from .findings import new_finding
from .models import Evidence, Finding, ItemResult, Severity, Status
from .suppression import Marks

MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Issue:
    """One problem at a line of a project file, before it becomes a Finding."""

    rule: str
    path: str
    line: int
    message: str
    anchor: str  # what was flagged, stable across unrelated edits (source, a key path)
    column: int = 1  # 0: the anchor's span, found on the line
    severity: Severity | None = None  # None: the catalogue's
    fix: str | None = None
    secret: str | None = None  # a value to mask in the snippet; never printed
    end_line: int = 0  # 0: the flagged line (and `end_column` 0: the line's end)
    end_column: int = 0
    statement_line: int = 0  # the first line of the flagged statement, when it differs
    trace: tuple[tuple[str, int, str], ...] = ()  # (path, line, note) from entry to site
    fingerprint: str = ""  # made already (where the anchor itself cannot be stored)


@dataclass
class Tally:
    index: ProjectIndex
    item: str
    texts: Mapping[str, str] = field(default_factory=dict)  # already read (deployment files)
    covered: int = 0
    total: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _marks: dict[str, Marks] = field(default_factory=dict)

    # --- what counts ---------------------------------------------------------------------
    def applies(self, rule: str, path: str) -> bool:
        """Whether the configuration runs `rule` on `path` (a rule it drops is not counted)."""
        return applies(self.index, rule, path)

    def prove(self, proof: Evidence) -> None:
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(proof)

    def covered_site(self, path: str, line: int, note: str) -> None:
        self.total += 1
        self.covered += 1
        self.prove(Evidence(path, line, note))

    def uncovered_site(self, issue: Issue, weight: int = 1) -> None:
        """`weight` sites judged by one problem (a client and the calls made through it). A
        suppressed problem, or one the configuration drops, does not uncover them; nor does an
        informational one."""
        self.total += weight
        found = self.report(issue)
        if found is None or found.severity is Severity.INFO:
            self.covered += weight

    def advice(self, issues: list[tuple[Issue, int]], summary: str) -> None:
        """Architecture advice (a cache, a limiter): every issue stands for `weight` sites, but
        the project gets one finding, at the first, naming the others. An issue a mark
        suppresses, or whose rule the configuration drops there, covers its sites."""
        standing: list[Issue] = []
        weights = 0
        for issue, weight in issues:
            self.total += weight
            if not self.applies(issue.rule, issue.path):
                self.covered += weight
                continue
            silenced = self.marks(issue.path).silence(
                self.finding(issue), issue.statement_line or issue.line
            )
            if silenced is not None:
                self.suppressed.append(silenced)
                self.covered += weight
            else:
                standing.append(issue)
                weights += weight
        if not standing:
            return
        first, others = standing[0], standing[1:]
        message = first.message
        if others:
            shown = ", ".join(f"{i.path}:{i.line}" for i in others[:MAX_EVIDENCE])
            more = f" and {len(others) - MAX_EVIDENCE} more" if len(others) > MAX_EVIDENCE else ""
            message = (
                f"{summary.format(n=weights)}: reported once for the project. First "
                f"here: {first.message} Also at {shown}{more}."
            )
        found = self.finding(replace(first, message=message, anchor=f"{first.rule}:project"))
        self.findings.append(found)
        if found.severity is Severity.INFO:
            self.covered += weights

    def practice(
        self, rule: str, path: str, issues: list[Issue], proof: Evidence | None = None
    ) -> None:
        """One practice of a deployment file (a rule on a file or workload): followed when none
        of `issues` stands."""
        if not self.applies(rule, path):
            return
        self.total += 1
        standing = [found for issue in issues if (found := self.report(issue)) is not None]
        if not standing:
            self.covered += 1
            if proof is not None:
                self.prove(proof)

    def unverifiable(self, rule: str, path: str, count: int) -> None:
        """`count` practices of a file that could not be read: counted, never followed."""
        if self.applies(rule, path):
            self.total += count

    # --- findings -----------------------------------------------------------------------
    def report(self, issue: Issue, on_site: bool = True) -> Finding | None:
        """The finding `issue` stands for, kept for the report; None when the configuration
        drops its rule there, or a mark suppresses it (then it is kept as suppressed)."""
        if not self.applies(issue.rule, issue.path):
            return None
        found = self.finding(issue, on_site)
        silenced = self.marks(issue.path).silence(found, issue.statement_line or issue.line)
        if silenced is not None:
            self.suppressed.append(silenced)
            return None
        self.findings.append(found)
        return found

    def finding(self, issue: Issue, on_site: bool = True) -> Finding:
        source = self.line(issue.path, issue.line)
        column, end_line, end_column = issue.column, issue.end_line or issue.line, issue.end_column
        if column == 0:  # the span of the anchor, found on the line
            first, *rest = issue.anchor.splitlines() or [""]
            at = source.find(first) if first else -1
            if at < 0 and first:  # anchors keep string literals masked (secrets never stored)
                at = redact.mask_string_literals(source).find(first)
            column = at + 1 if at >= 0 else 1
            if rest:
                end_line, end_column = issue.line + len(rest), len(rest[-1]) + 1
            else:
                end_column = column + len(first)
        if not end_column:
            end_column = max(column, len(source) + 1)
        snippet = source.rstrip()
        if issue.secret:
            keep = 4 if redact.known_format(issue.secret) else 0
            snippet = snippet.replace(issue.secret, redact.mask_value(issue.secret, keep=keep))
        snippet = sourcelines.snippet(snippet)
        override = self.index.config.severity_for(issue.rule)
        role = self.index.role_of(issue.path) if issue.path else "service"
        spec = catalogue.catalogue()[issue.rule]
        severity = roles.capped(spec.roles, role, override or issue.severity or spec.severity)
        return new_finding(
            issue.rule,
            issue.path,
            issue.line,
            issue.message,
            anchor=issue.anchor,
            column=column,
            end_line=end_line,
            end_column=end_column,
            severity=severity,
            item=self.item,
            fix=issue.fix,
            snippet=snippet,
            statement_line=issue.statement_line or issue.line,
            on_site=on_site,
            role=role,
            trace=issue.trace,
            print_=issue.fingerprint,
        )

    # --- results -------------------------------------------------------------------------
    def found(self) -> tuple[Finding, ...]:
        """What the item check returns: the findings, and the suppressed ones (marked)."""
        return tuple(sorted([*self.findings, *self.suppressed], key=lambda f: f.sort_key))

    def result(self, default: ItemResult, none_reason: str, noun: str = "") -> CheckResult:
        """The item scored from this tally alone; `noun` names what is counted (by default
        the checklist's "<sites> <covered phrase>"); `skip` with `none_reason` when nothing
        was counted."""
        notes = "; ".join(self.notes)
        if self.total == 0:
            reason = none_reason + (f"; {notes}" if notes else "")
            skipped = replace(default, status=Status.SKIP, score=None, reason=reason)
            return skipped, self.found()
        spec = checklist.BY_ID[self.item]
        noun = noun or f"{spec.site_noun} {spec.covered_phrase}"
        reason = f"{self.covered} of {self.total} {noun}" + (f"; {notes}" if notes else "")
        result = replace(
            default,
            status=scoring.sites_status(self.covered, self.total, self.findings),
            score=scoring.sites_score(self.covered, self.total, self.findings),
            covered=self.covered,
            total=self.total,
            evidence=tuple(self.evidence),
            reason=reason,
        )
        return result, self.found()

    def added_to(self, default: ItemResult) -> CheckResult:
        """`default` (the per-file sites of the item) with this tally's sites and findings
        added, rescored with every finding of the item; this tally's evidence first."""
        covered = self.covered + (default.covered or 0)
        total = self.total + (default.total or 0)
        per_file = visible(self.index, lambda f: f.checklist_item == self.item)
        findings = [*per_file, *selection.filter_findings(self.findings, self.index.config)]
        status = scoring.sites_status(covered, total, findings)
        if status is Status.SKIP:
            return default, self.found()
        reason = default.reason
        if total:
            spec = checklist.BY_ID[self.item]
            reason = f"{covered} of {total} {spec.site_noun} {spec.covered_phrase}"
        shown = [*self.evidence, *default.evidence][:MAX_EVIDENCE]
        result = replace(
            default,
            status=status,
            score=scoring.sites_score(covered, total, findings),
            covered=covered,
            total=total,
            evidence=tuple(shown),
            reason=reason,
        )
        return result, self.found()

    # --- the files ------------------------------------------------------------------------
    def line(self, path: str, number: int) -> str:
        if path not in self._lines:
            text = self.texts.get(path)
            if text is None:
                text = self.index.read_text(path) or ""
            self._lines[path] = sourcelines.split(text)
            self._marks[path] = Marks.read(text)
        lines = self._lines[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def marks(self, path: str) -> Marks:
        self.line(path, 0)
        return self._marks[path]


def applies(index: ProjectIndex, rule: str, path: str) -> bool:
    """Whether `rule` runs on `path`: selected, not ignored there, and on in the file's role."""
    config = index.config
    if not selection.is_selected(rule, config.select, config.ignore):
        return False
    if selection.ignored_for_path(rule, path, config.per_file_ignores):
        return False
    spec = catalogue.catalogue().get(rule)
    if spec is None:
        return True
    if spec.preview and not config.preview:
        return False
    return not path or roles.applies(spec.roles, index.role_of(path))


def in_preview(index: ProjectIndex, rule: str) -> str:
    """Why `rule` did not judge anything: it is in preview and the run is not ("" else)."""
    spec = catalogue.catalogue().get(rule)
    if spec is None or not spec.preview or index.config.preview:
        return ""
    return f"{rule} is in preview: run with --preview (or preview = true) to judge it"


def visible(index: ProjectIndex, keep: Callable[[Finding], bool]) -> list[Finding]:
    """Findings of the per-file pass that `keep` accepts, as the report will show them
    (select/ignore, per-file ignores, severity overrides)."""
    found = [f for result in index.files for f in result.findings if keep(f)]
    return selection.filter_findings(found, index.config)


def verdict(
    default: ItemResult, status: Status, reason: str, evidence: Iterable[Evidence] = ()
) -> ItemResult:
    """A project item judged by a verdict: its score follows its status; evidence is
    deduplicated by place and capped."""
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
