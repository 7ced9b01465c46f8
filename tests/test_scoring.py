"""The scoring model's promises: bounded, and one more bad finding never raises the score."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ttaprod import assess, checklist, report, ruleset, scoring
from ttaprod.checklist import ItemKind
from ttaprod.config import Config
from ttaprod.engine.project import ProjectIndex
from ttaprod.models import FileResult, Finding, Severity, Site, Status

SITE_ITEMS = [i.id for i in checklist.ITEMS if i.kind is ItemKind.SITES]
ANY_ITEMS = [i.id for i in checklist.ITEMS]
severities = st.sampled_from(list(Severity))
EMPTY_ROOT = Path(tempfile.mkdtemp(prefix="ttaprod-scoring-"))  # project checks read the root


def _finding(item: str, severity: Severity, line: int, on_site: bool) -> Finding:
    return Finding(
        rule="TTP101",
        source="ttaprod",
        checklist_item=item,
        severity=severity,
        path="app/a.py",
        line=line,
        column=1,
        end_line=line,
        end_column=2,
        message="m",
        fingerprint=f"f{line}",
        on_site=on_site,
    )


sites = st.lists(st.tuples(st.sampled_from(SITE_ITEMS), st.booleans(), severities), max_size=30)
loose = st.lists(st.tuples(st.sampled_from(ANY_ITEMS), severities), max_size=10)


def _score(site_specs, loose_specs, lines: int = 1000, code: bool = True) -> report.Report:
    site_values, findings = [], []
    for n, (item, covered, severity) in enumerate(site_specs, start=1):
        site_values.append(Site(item, "TTP101", "app/a.py", n, covered))
        if not covered:
            findings.append(_finding(item, severity, n, on_site=True))
    for n, (item, severity) in enumerate(loose_specs, start=1000):
        findings.append(_finding(item, severity, n, on_site=False))
    index = ProjectIndex(
        root=EMPTY_ROOT,
        config=Config(select=("TTP", "ruff:")),
        python_files=("app/a.py",) if code else (),
        other_files=(),
        files=(FileResult("app/a.py", lines, sites=tuple(site_values)),),
        lines=lines,
    )
    assessed = assess.evaluate(index, findings, ruleset.registry())
    inputs = report.Inputs("x", index, assessed.items, assessed.findings, (), 0.0, 0)
    return report.build(inputs)


@settings(max_examples=300, deadline=None)
@given(sites, loose, st.sampled_from(SITE_ITEMS), severities)
def test_one_more_bad_site_never_raises_the_score(site_specs, loose_specs, item, severity) -> None:
    before = _score(site_specs, loose_specs)
    after = _score([*site_specs, (item, False, severity)], loose_specs)
    assert after.score <= before.score
    assert 0 <= after.score <= 100


@settings(max_examples=300, deadline=None)
@given(sites, loose, st.sampled_from(ANY_ITEMS), severities)
def test_one_more_loose_finding_never_raises_the_score(
    site_specs, loose_specs, item, severity
) -> None:
    before = _score(site_specs, loose_specs)
    after = _score(site_specs, [*loose_specs, (item, severity)])
    assert after.score <= before.score
    for result in after.checklist:
        assert result.score is None or 0 <= result.score <= 10


def test_coverage_ratio_drives_sites_items() -> None:
    result = _score(
        [("errors.timeout", True, Severity.HIGH)] * 3 + [("errors.timeout", False, Severity.HIGH)],
        [],
    )
    timeout = next(i for i in result.checklist if i.id == "errors.timeout")
    assert (timeout.covered, timeout.total, timeout.score) == (3, 4, 7.5)
    assert timeout.status is Status.FAIL  # an uncovered high-severity site
    assert timeout.reason == "3 of 4 calls with a timeout"


def test_nothing_applicable_scores_100_and_items_skip() -> None:
    result = _score([], [], code=False)
    assert result.score == 100.0 and result.grade == "A"
    assert all(i.status is Status.SKIP for i in result.checklist)


def test_critical_finding_blocks_the_gate_whatever_the_score() -> None:
    result = _score(
        [("security.secrets-in-env", True, Severity.LOW)] * 50,
        [("security.secrets-in-env", Severity.CRITICAL)],
    )
    assert not result.passed
    assert "1 critical finding" in result.gate.reasons


def test_density_is_size_neutral() -> None:
    few = [
        Finding(
            "ruff:E1",
            "ruff",
            "quality.lint",
            Severity.LOW,
            "a.py",
            1,
            1,
            1,
            1,
            "m",
            fingerprint="x",
        )
    ] * 10
    assert scoring.density_score(few, 2_000) == scoring.density_score(few * 10, 20_000)
    assert scoring.density_score(few, 2_000) > scoring.density_score(few * 2, 2_000)


def test_grade_bands() -> None:
    assert [scoring.grade(s) for s in (95, 90, 89.9, 80, 70, 60, 59.9)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "F",
    ]
