"""The scoring model (README "Scoring"): pure functions from facts to numbers.

- A sites item scores 10 × covered / total, minus a penalty for each of its findings that
  is not about one site (a wrongly built primitive, say); 0 at the least. With no site
  counted it has no score (its findings still set its status and can block the gate).
- A tool item scores 10 / (1 + d / 5), where d is severity-weighted diagnostics per
  1,000 lines: size-neutral, and 5 weighted diagnostics per KLOC halve the score.
- Project and files items score what their check says (10 pass, 5 warn, 0 fail).
- A category is the weighted mean of its applicable items (0–10); the score is the
  weighted mean of applicable categories × 10 (0–100). Skipped items weigh nothing.

Every term only falls when a finding is added, so one more bad finding never raises
the score, and everything is clamped to its range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .models import CategoryResult, Finding, ItemResult, Severity, Status

# Points a sites item loses for a finding that is not about a counted site.
EXTRA_FINDING_PENALTY: dict[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 3.0,
    Severity.MEDIUM: 1.5,
    Severity.LOW: 0.5,
    Severity.INFO: 0.0,
}
# Weight of one tool diagnostic in the density of a tool item.
DENSITY_WEIGHT: dict[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 2.0,
    Severity.LOW: 1.0,
    Severity.INFO: 0.0,
}
DENSITY_HALF = 5.0
STATUS_SCORE = {Status.PASS: 10.0, Status.WARN: 5.0, Status.FAIL: 0.0}
GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))


def _clamp(value: float, low: float = 0.0, high: float = 10.0) -> float:
    return max(low, min(high, value))


def worst(findings: Iterable[Finding]) -> Severity | None:
    ranked = [f.severity for f in findings]
    return max(ranked, key=lambda s: s.rank) if ranked else None


def _applies(total: int, findings: Sequence[Finding]) -> bool:
    return total > 0 or any(f.severity is not Severity.INFO for f in findings)


def sites_score(covered: int, total: int, findings: Sequence[Finding]) -> float | None:
    """None when no site was counted: the item then has no score to weigh (its findings
    still set its status and can block the gate), so a finding never lifts a mean."""
    if total == 0:
        return None
    ratio = covered / total
    penalty = sum(EXTRA_FINDING_PENALTY[f.severity] for f in findings if not f.on_site)
    return round(_clamp(10.0 * ratio - penalty), 2)


WARN_COVERAGE = 0.9  # a sites item at or above this, with nothing high, is `warn`, not `fail`


def sites_status(covered: int, total: int, findings: Sequence[Finding]) -> Status:
    """What a reviewer signing the checklist would write (DESIGN §1): `pass` when every site is
    covered and nothing above low is reported; `warn` when at least 90 % are, with nothing high
    or critical; `fail` otherwise."""
    if not _applies(total, findings):
        return Status.SKIP
    worst_severity = worst(f for f in findings if f.severity is not Severity.INFO)
    rank = worst_severity.rank if worst_severity is not None else -1
    ratio = covered / total if total else 1.0
    if rank >= Severity.HIGH.rank or ratio < WARN_COVERAGE:
        return Status.FAIL
    if covered < total or rank > Severity.LOW.rank:
        return Status.WARN
    return Status.PASS


def density(findings: Sequence[Finding], lines: int) -> float:
    weighted = sum(DENSITY_WEIGHT[f.severity] for f in findings)
    return weighted / max(lines / 1000.0, 1.0)


def density_score(findings: Sequence[Finding], lines: int) -> float:
    return round(_clamp(10.0 / (1.0 + density(findings, lines) / DENSITY_HALF)), 2)


def density_status(findings: Sequence[Finding], lines: int) -> Status:
    relevant = [f for f in findings if f.severity is not Severity.INFO]
    if not relevant:
        return Status.PASS
    worst_severity = worst(relevant)
    if worst_severity is Severity.CRITICAL or density_score(findings, lines) < 5.0:
        return Status.FAIL
    return Status.WARN


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    pairs = [(value, weight) for value, weight in pairs if weight > 0]
    total_weight = sum(weight for _, weight in pairs)
    if total_weight == 0:
        return None
    return sum(value * weight for value, weight in pairs) / total_weight


def category_score(items: Sequence[ItemResult]) -> float | None:
    mean = _weighted_mean((i.score, i.weight) for i in items if i.score is not None)
    return None if mean is None else round(mean, 2)


def overall_score(categories: Sequence[CategoryResult]) -> float:
    """0–100. With nothing applicable the score is 100: there is nothing to hold against."""
    mean = _weighted_mean((c.score, c.weight) for c in categories if c.score is not None)
    return 100.0 if mean is None else round(_clamp(mean * 10.0, 0.0, 100.0), 1)


def grade(score: float) -> str:
    for floor, letter in GRADES:
        if score >= floor:
            return letter
    return "F"
