"""Assess every checklist item: its default result (site coverage, tool density, or not
assessed), then the project item checks the registry holds for it (each under the guard),
then the config's weight. The report only assembles what this returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from . import checklist, merge, scoring, selection
from .checklist import ItemKind
from .engine.project import ProjectIndex
from .engine.registry import Registry
from .models import Evidence, Finding, ItemResult, Site, Status, ToolRun, ToolStatus
from .tally import MAX_EVIDENCE

# Which tools assess the tool-kind items.
TOOLS_FOR_ITEM: dict[str, tuple[str, ...]] = {
    "quality.lint": ("ruff",),
    "quality.type-check": ("pyright",),
    "quality.security-scan": ("bandit", "safety"),
}
NOT_ASSESSED = "not assessed by this version of ttaprod"
NO_PYTHON = "no Python files to judge"
WEIGHT_ZERO = "not applicable (weight 0 in config)"


def _sites(index: ProjectIndex) -> dict[str, list[Site]]:
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


def assess(
    index: ProjectIndex, findings: Sequence[Finding], registry: Registry
) -> tuple[list[ItemResult], list[Finding]]:
    """Every checklist item's result, and the findings the item checks added (unfiltered)."""
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
        result, added = registry.judge(item.id, index, result)
        extra.extend(added)
        weight = index.config.item_weight(item.id)
        if weight == 0:  # the user says it does not apply (a CLI has no /metrics)
            result = replace(result, status=Status.SKIP, score=None, reason=WEIGHT_ZERO)
        results.append(replace(result, weight=weight))
    return results, extra


@dataclass(frozen=True)
class Assessment:
    items: tuple[ItemResult, ...]  # every checklist item
    findings: tuple[Finding, ...]  # what the report shows: filtered, merged, sorted
    suppressed: tuple[Finding, ...]  # what the item checks found and marks silenced


def evaluate(index: ProjectIndex, raw: Sequence[Finding], registry: Registry) -> Assessment:
    """The checklist and the findings a report shows: `raw` filtered by the configuration and
    merged across sources, plus what the item checks found."""
    findings = merge.merge(selection.filter_findings(raw, index.config))
    items, extra = assess(index, findings, registry)
    suppressed = [f for f in extra if f.suppressed_by]
    shown = selection.filter_findings([f for f in extra if not f.suppressed_by], index.config)
    if shown or suppressed:
        # What the item checks found merges with the tools' findings as the per-file findings
        # did (TTP101 judged across modules and ruff's S113 on that call are one finding), and a
        # tool's finding at the place of one they found silenced is silenced with it.
        own = [f for f in findings if f.source == "ttaprod"]
        tool_findings = [f for f in findings if f.source != "ttaprod"]
        tool_findings, absorbed = merge.absorb_suppressed(tool_findings, suppressed)
        findings = merge.merge([*own, *tool_findings, *shown])
        suppressed.extend(absorbed)
    return Assessment(tuple(items), tuple(findings), tuple(suppressed))
