"""Turn per-file results, tool results and project checks into one finished Report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from . import __version__, checklist, itemchecks, merge, ratchet, scoring, selection
from .baseline import Baseline
from .checklist import ItemKind
from .config import Config
from .models import (
    CategoryResult,
    Evidence,
    Finding,
    Gate,
    ItemResult,
    Report,
    Site,
    Stats,
    Status,
    ToolRun,
    ToolStatus,
)

# Which tools assess the tool-kind items.
TOOLS_FOR_ITEM: dict[str, tuple[str, ...]] = {
    "quality.lint": ("ruff",),
    "quality.type-check": ("pyright",),
    "quality.security-scan": ("bandit", "safety"),
}
NOT_ASSESSED = "not assessed by this version of ttaprod"
NO_PYTHON = "no Python files to judge"
WEIGHT_ZERO = "not applicable (weight 0 in config)"
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Inputs:
    root_label: str
    index: itemchecks.ProjectIndex
    findings: tuple[Finding, ...]  # own and tool findings, before filtering
    suppressed: int
    duration_s: float
    parse_errors: int
    notes: tuple[str, ...] = ()
    baseline: Baseline | None = None
    baseline_label: str = ""  # how the report names the baseline file
    focus: ratchet.Focus = field(default_factory=ratchet.Focus)


def _visible(finding: Finding, config: Config) -> bool:
    # A tool's findings (`ruff:S113`) show unless ignored (`ruff:`, `ruff:S1`, `pyright:report…`):
    # `select` picks ttaprod's own rules; which tools run is `--tools` / `[tool.ttaprod.tools]`.
    tool = finding.rule.split(":", 1)[0] + ":" if ":" in finding.rule else None
    select = (*config.select, tool) if tool else config.select
    if not selection.is_selected(finding.rule, select, config.ignore):
        return False
    return not selection.ignored_for_path(finding.rule, finding.path, config.per_file_ignores)


def filter_findings(findings: Sequence[Finding], config: Config) -> list[Finding]:
    out = []
    for finding in findings:
        if not _visible(finding, config):
            continue
        override = config.severity_for(finding.rule)
        out.append(replace(finding, severity=override) if override else finding)
    return sorted(out, key=lambda f: f.sort_key)


def _sites(index: itemchecks.ProjectIndex) -> dict[str, list[Site]]:
    by_item: dict[str, list[Site]] = defaultdict(list)
    for result in index.files:
        for site in result.sites:
            if not selection.ignored_for_path(site.rule, site.path, index.config.per_file_ignores):
                by_item[site.item].append(site)
    return by_item


def _sites_result(
    item: checklist.ChecklistItem, sites: list[Site], findings: list[Finding]
) -> ItemResult:
    covered = sum(1 for s in sites if s.covered)
    total = len(sites)
    status = scoring.sites_status(covered, total, findings)
    if status is Status.SKIP:
        reason = f"no {item.site_noun} found"
    elif total == 0:
        reason = f"{len(findings)} finding(s), no {item.site_noun} counted"
    else:
        reason = f"{covered} of {total} {item.site_noun} {item.covered_phrase}"
    examples = sorted((s for s in sites if s.covered), key=lambda s: (s.path, s.line))
    evidence = tuple(
        Evidence(s.path, s.line, s.label or item.covered_phrase) for s in examples[:MAX_EVIDENCE]
    )
    return ItemResult(
        id=item.id,
        title=item.title,
        section=item.section,
        status=status,
        score=scoring.sites_score(covered, total, findings),
        covered=covered,
        total=total,
        evidence=evidence if status is not Status.SKIP else (),
        reason=reason,
    )


def _tool_result(
    item: checklist.ChecklistItem, findings: list[Finding], tools: Sequence[ToolRun], lines: int
) -> ItemResult:
    wanted = TOOLS_FOR_ITEM.get(item.id, ())
    ran = [t for t in tools if t.name in wanted and t.status is ToolStatus.OK]
    base = ItemResult(item.id, item.title, item.section, Status.SKIP, None)
    if not ran:
        why = [
            f"{t.name} {t.status.value}" + (f": {t.reason}" if t.reason else "")
            for t in tools
            if t.name in wanted
        ]
        return replace(base, reason="; ".join(why) or f"{', '.join(wanted)} did not run")
    names = ", ".join(t.name for t in ran)
    reason = f"{len(findings)} finding(s) from {names} in {lines} lines"
    missing = [f"{t.name} {t.status.value}" for t in tools if t.name in wanted and t not in ran]
    notes = [f"{t.name}: {t.reason.split(': ')[0]}" for t in ran if t.reason]  # e.g. hidden imports
    if missing or notes:
        reason += f" ({'; '.join(missing + notes)})"
    return replace(
        base,
        status=scoring.density_status(findings, lines),
        score=scoring.density_score(findings, lines),
        evidence=tuple(Evidence("", 0, f"{t.name} {t.version or ''}".strip()) for t in ran),
        reason=reason,
    )


def _item_results(
    index: itemchecks.ProjectIndex, findings: list[Finding]
) -> tuple[list[ItemResult], list[Finding]]:
    by_item: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.checklist_item:
            by_item[finding.checklist_item].append(finding)
    sites = _sites(index)
    results: list[ItemResult] = []
    extra: list[Finding] = []
    for item in checklist.ITEMS:
        own = by_item.get(item.id, [])
        if item.kind is ItemKind.SITES:
            result = _sites_result(item, sites.get(item.id, []), own)
        elif item.kind is ItemKind.TOOL:
            result = _tool_result(item, own, index.tools, index.tool_lines or index.lines)
        else:
            result = ItemResult(
                item.id, item.title, item.section, Status.SKIP, None, reason=NOT_ASSESSED
            )
        if item.kind is ItemKind.PROJECT and not index.python_files:
            # Nothing to judge a service by: a tree of manifests or docs is not a service
            # that lacks tracing. Files items (Dockerfile, manifests) are still judged.
            results.append(
                replace(result, reason=NO_PYTHON, weight=index.config.item_weight(item.id))
            )
            continue
        for check in itemchecks.checks_for(item.id):
            result, added = check(index, result)
            extra.extend(added)
        weight = index.config.item_weight(item.id)
        if weight == 0:  # the user says it does not apply (a CLI has no /metrics)
            result = replace(result, status=Status.SKIP, score=None, reason=WEIGHT_ZERO)
        results.append(replace(result, weight=weight))
    return results, extra


def _categories(items: list[ItemResult], config: Config) -> tuple[CategoryResult, ...]:
    out = []
    for section, title in checklist.SECTIONS.items():
        members = [i for i in items if i.section == section]
        out.append(
            CategoryResult(
                id=section,
                title=title,
                score=scoring.category_score(members),
                weight=config.section_weight(section),
                items=tuple(i.id for i in members),
            )
        )
    return tuple(out)


def _gate(score: float, outcome: ratchet.Outcome, config: Config, tool_reasons: list[str]) -> Gate:
    reasons: list[str] = []
    below = ratchet.score_reason(outcome, score, config)
    if below:
        reasons.append(below)
    reasons.extend(ratchet.finding_reasons(outcome, config))
    reasons.extend(tool_reasons)
    return Gate(
        fail_under=config.fail_under,
        block_on=tuple(s.value for s in config.block_on),
        require_tools=tuple(config.extra.get("require-tools", ())),
        reasons=tuple(reasons),
    )


def _required_tool_reasons(config: Config, tools: Sequence[ToolRun]) -> list[str]:
    reasons = []
    for name in config.extra.get("require-tools", ()):
        run = next((t for t in tools if t.name == name), None)
        if run is None or run.status is not ToolStatus.OK:
            status = run.status.value if run else "not run"
            reasons.append(f"required tool {name} did not run ({status})")
    return reasons


def build(inputs: Inputs) -> Report:
    index = inputs.index
    config = index.config
    findings = merge.merge(filter_findings(inputs.findings, config))
    items, extra = _item_results(index, findings)
    if extra:
        findings = sorted([*findings, *filter_findings(extra, config)], key=lambda f: f.sort_key)
    categories = _categories(items, config)
    score = scoring.overall_score(categories)  # of all findings: the score describes the code
    outcome = ratchet.apply(findings, index, inputs.baseline, inputs.focus, inputs.baseline_label)
    findings = list(outcome.reported)
    gate = _gate(score, outcome, config, _required_tool_reasons(config, index.tools))
    stats = Stats(
        files=len(index.python_files),
        lines=index.lines,
        parse_errors=inputs.parse_errors,
        duration_s=round(inputs.duration_s, 3),
        suppressed=inputs.suppressed,
        baselined=len(outcome.baselined),
        by_severity=dict(sorted(Counter(f.severity.value for f in findings).items())),
    )
    return Report(
        version=__version__,
        root=inputs.root_label,
        score=score,
        grade=scoring.grade(score),
        passed=not gate.reasons,
        gate=gate,
        categories=categories,
        checklist=tuple(items),
        findings=tuple(findings),
        tools=index.tools,
        stats=stats,
        notes=(*inputs.notes, *outcome.notes),
        baselined=outcome.baselined,
        baseline=outcome.summary,
        scope=outcome.scope,
    )
