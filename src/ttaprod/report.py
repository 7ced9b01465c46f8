"""Assemble the finished Report from the assessed checklist and the findings: categories,
score, gate, baseline and scope. Pure: it reads no file and runs no check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import __version__, catalogue, checklist, ratchet, scoring
from .baseline import Baseline
from .config import Config
from .engine.project import ProjectIndex
from .models import (
    CategoryResult,
    Finding,
    Gate,
    ItemResult,
    Report,
    RuleSpec,
    Stats,
    ToolRun,
    ToolStatus,
)


@dataclass(frozen=True)
class Inputs:
    root_label: str
    index: ProjectIndex
    items: tuple[ItemResult, ...]  # every checklist item, assessed (`assess.evaluate`)
    findings: tuple[Finding, ...]  # own and tool findings, filtered and merged
    suppressed: tuple[Finding, ...]  # silenced by a mark or by ttaprod's judgement, with why
    duration_s: float
    parse_errors: int
    notes: tuple[str, ...] = ()
    baseline: Baseline | None = None
    baseline_label: str = ""  # how the report names the baseline file
    focus: ratchet.Focus = field(default_factory=ratchet.Focus)


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
        require_tools=config.require_tools,
        reasons=tuple(reasons),
    )


def _required_tool_reasons(config: Config, tools: Sequence[ToolRun]) -> list[str]:
    reasons = []
    for name in config.require_tools:
        run = next((t for t in tools if t.name == name), None)
        if run is None or run.status is not ToolStatus.OK:
            status = run.status.value if run else "not run"
            reasons.append(f"required tool {name} did not run ({status})")
    return reasons


def _rules(*groups: Sequence[Finding]) -> tuple[RuleSpec, ...]:
    """The catalogue entries of the own rules the report mentions (for SARIF's descriptors)."""
    specs = catalogue.catalogue()
    codes = sorted({f.rule for group in groups for f in group if f.rule in specs})
    return tuple(specs[code] for code in codes)


def build(inputs: Inputs) -> Report:
    index = inputs.index
    config = index.config
    findings = list(inputs.findings)
    items = list(inputs.items)
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
        suppressed=len(inputs.suppressed),
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
        suppressed=inputs.suppressed,
        rules=_rules(findings, outcome.baselined, inputs.suppressed),
        baseline=outcome.summary,
        scope=outcome.scope,
    )
