"""One finding per problem: duplicates from several sources merge into one.

Two findings are the same problem when they are at the same place (path and first line)
and about the same checklist item, and come from different sources: ttaprod's TTP101,
ruff's S113 and bandit's B113 on one `requests.get(url)` are one finding. The message
text plays no part. The finding kept is ttaprod's own when there is one (its message and
fix are written for this checklist), else the first by `SOURCE_ORDER`; the others are
named in `also_reported_by`. Findings with no checklist item never merge, and two
findings of one source never merge with each other (they are different rules).

Tools that map one problem to different checklist items still report it once: ruff's F821
(quality.lint) and pyright's reportUndefinedVariable (quality.type-check) on one name are one
finding. Which rules of two tools report the same problem is data (`[same]` in the tool maps,
`rules/tools/`); the later source takes the item of the earlier one on that line and merges.

Also here: every finding on a line that holds a secret gets its snippet masked, whoever
reported it, so no output carries the value; a tool finding on a site that ttaprod counted
as covered is overruled; and tool findings at the place of a ttaprod finding suppressed
inline are suppressed with it.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from . import redact
from .config import TOOL_NAMES
from .models import Finding, Site
from .tools.codemap import code_map

SOURCE_ORDER = ("ttaprod", "ruff", "bandit", "pyright", "safety")
_NUMBER = re.compile(r"(\d+)$")
SECRET_ITEMS = frozenset({"security.secrets-in-env"})

Place = tuple[str, int, str]


def place(finding: Finding) -> Place | None:
    if not finding.checklist_item:
        return None
    return (finding.path, finding.line, finding.checklist_item)


def _number(rule: str) -> str | None:
    if ":" not in rule:
        return None
    match = _NUMBER.search(rule)
    return match.group(1) if match else None


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

    def can_absorb(self, finding: Finding) -> bool:
        return finding.source not in self.sources

    def twin_of(self, finding: Finding) -> bool:
        """ruff's S607 and bandit's B607 are ports of one check, ruff's F401 and pyright's
        reportUnusedImport are declared the same problem: pair them first."""
        rules = (self.primary.rule, *self.others)
        if any(same_problem(finding.rule, rule) for rule in rules):
            return True
        number = _number(finding.rule)
        return number is not None and any(_number(rule) == number for rule in rules)

    def absorb(self, finding: Finding) -> None:
        self.sources.add(finding.source)
        self.others.append(finding.rule)
        for rule in finding.also_reported_by:
            if rule not in self.others:
                self.others.append(rule)

    def result(self) -> Finding:
        if not self.others:
            return self.primary
        merged = tuple(dict.fromkeys((*self.primary.also_reported_by, *self.others)))
        return replace(self.primary, also_reported_by=merged)


@cache
def _same() -> Mapping[str, frozenset[str]]:
    """Rule id → the rules of other tools declared to report the same problem (both ways)."""
    pairs: dict[str, set[str]] = defaultdict(set)
    for tool in TOOL_NAMES:
        for code, others in code_map(tool).same.items():
            for other in others:
                pairs[f"{tool}:{code}"].add(other)
                pairs[other].add(f"{tool}:{code}")
    return {rule: frozenset(others) for rule, others in pairs.items()}


def same_problem(rule: str, other: str) -> bool:
    return other in _same().get(rule, frozenset())


def _align(findings: Sequence[Finding]) -> list[Finding]:
    """A finding declared the same problem as another source's finding on its line takes that
    finding's checklist item (the first source by `SOURCE_ORDER` keeps its own), so the two
    merge: one to one, the same column first (`import os, sys` unused is two pairs)."""
    same = _same()
    lines: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, finding in enumerate(findings):
        if finding.rule in same and finding.checklist_item:
            lines[(finding.path, finding.line)].append(i)
    out = list(findings)
    for members in lines.values():
        members.sort(key=lambda i: _rank(findings[i]))
        taken: set[int] = set()
        for i in members:
            later = findings[i]
            partners = [
                j
                for j in members
                if j not in taken
                and _rank(findings[j]) < _rank(later)
                and findings[j].source != later.source
                and same_problem(later.rule, findings[j].rule)
            ]
            if not partners:
                continue
            j = min(partners, key=lambda j: findings[j].column != later.column)
            taken.add(j)
            out[i] = replace(later, checklist_item=out[j].checklist_item)
    return out


def merge(findings: Sequence[Finding]) -> list[Finding]:
    """Duplicates merged, secret lines masked; sorted by place."""
    by_place: dict[Place, list[Finding]] = defaultdict(list)
    out: list[Finding] = []
    for finding in _align(findings):
        key = place(finding)
        if key is None:
            out.append(finding)
        else:
            by_place[key].append(finding)
    for members in by_place.values():
        out.extend(g.result() for g in _groups(members))
    return sorted(mask_secret_lines(out), key=lambda f: f.sort_key)


def _groups(members: list[Finding]) -> list[_Group]:
    """Source by source (ttaprod first), each finding joins a group that has no finding of its
    source yet, its twin's group first (ruff S607 with bandit B607), else starts its own.

    Linear in the findings at one place (a generated line can hold thousands): groups only
    ever gain sources, so the first group without the current source is found by a pointer
    that only moves forward, and twins by an index of the groups by rule number. Rules
    declared the same problem (a few, `[same]`) look at every group of the place."""
    groups: list[_Group] = []
    by_source: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(members, key=_rank):
        by_source[finding.source].append(finding)
    for source, findings in by_source.items():
        twins: dict[str, deque[_Group]] = defaultdict(deque)
        for group in groups:
            if group.can_absorb(findings[0]):
                for number in dict.fromkeys(
                    n for n in map(_number, (group.primary.rule, *group.others)) if n
                ):
                    twins[number].append(group)
        rest = []
        same = _same()
        for finding in findings:
            if finding.rule in same:  # declared the same problem: a partner, same column first
                partners = [g for g in groups if g.can_absorb(finding) and g.twin_of(finding)]
                if partners:
                    min(partners, key=lambda g: g.primary.column != finding.column).absorb(finding)
                    continue
            number = _number(finding.rule)
            candidates = twins.get(number) if number is not None else None
            while candidates and not candidates[0].can_absorb(finding):
                candidates.popleft()
            if candidates:
                candidates.popleft().absorb(finding)
            else:
                rest.append(finding)
        first_open = 0
        for finding in rest:
            while first_open < len(groups) and source in groups[first_open].sources:
                first_open += 1
            if first_open < len(groups):
                groups[first_open].absorb(finding)
            else:
                groups.append(_Group(finding, {source}))
    return groups


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
) -> tuple[list[Finding], list[Finding]]:
    """Tool findings at the place of a ttaprod finding suppressed inline are suppressed too:
    `# ttaprod: ignore[TTP101]` silences ruff's S113 and bandit's B113 on that call.
    Returns (kept, suppressed)."""
    silenced: dict[Place, Finding] = {}
    for own in own_suppressed:
        key = place(own)
        if key is not None:
            silenced.setdefault(key, own)
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for finding in tool_findings:
        key = place(finding)
        own = silenced.get(key) if key is not None else None
        if own is None:
            kept.append(finding)
        else:
            why = f"with {own.rule} here ({own.suppressed_by or 'suppressed'})"
            dropped.append(replace(finding, suppressed_by=why))
    return kept, dropped


def overrule_covered(
    tool_findings: Iterable[Finding], sites: Iterable[Site]
) -> tuple[list[Finding], list[Finding]]:
    """Tool findings on a site ttaprod judged covered are dropped: ttaprod resolves names,
    wrappers and instances the tool does not see (its analysis decides the sites items). A place
    with any uncovered site of that item keeps the tool's finding."""
    covered: set[Place] = set()
    uncovered: set[Place] = set()
    for site in sites:
        (covered if site.covered else uncovered).add((site.path, site.line, site.item))
    decided = covered - uncovered
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for finding in tool_findings:
        if place(finding) in decided:
            why = f"ttaprod judged this {finding.checklist_item} site covered"
            dropped.append(replace(finding, suppressed_by=why))
        else:
            kept.append(finding)
    return kept, dropped
