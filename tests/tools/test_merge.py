"""Merging duplicates: same place and checklist item from several sources is one finding."""

from __future__ import annotations

from ttaprod import merge
from ttaprod.models import Finding, Severity, Site


def _finding(
    rule: str, line: int = 12, item: str | None = "errors.timeout", **extra: object
) -> Finding:
    source = rule.split(":", 1)[0] if ":" in rule else "ttaprod"
    values: dict = {
        "rule": rule,
        "source": source,
        "checklist_item": item,
        "severity": Severity.MEDIUM,
        "path": "app/client.py",
        "line": line,
        "column": 16,
        "end_line": line,
        "end_column": 33,
        "message": f"{rule} says so",
        "fingerprint": rule,
    }
    values.update(extra)
    return Finding(**values)


def test_timeout_reported_by_three_sources_is_one_finding_with_ttaprods_message() -> None:
    own = _finding(
        "TTP101", severity=Severity.HIGH, message="requests.get() without a timeout", column=16
    )
    ruff = _finding("ruff:S113", column=16, end_column=28)
    bandit = _finding("bandit:B113", column=16)
    merged = merge.merge([bandit, ruff, own])
    assert len(merged) == 1
    (finding,) = merged
    assert finding.rule == "TTP101"
    assert finding.message == "requests.get() without a timeout"
    assert finding.severity is Severity.HIGH
    assert finding.also_reported_by == ("ruff:S113", "bandit:B113")


def test_without_ttaprod_the_first_tool_by_source_order_is_kept() -> None:
    merged = merge.merge([_finding("bandit:B113"), _finding("ruff:S113")])
    assert [(f.rule, f.also_reported_by) for f in merged] == [("ruff:S113", ("bandit:B113",))]


def test_merge_ignores_message_text_and_columns_but_not_line_or_item() -> None:
    a = _finding("ruff:S113", message="one wording", column=3)
    b = _finding("bandit:B113", message="another wording entirely", column=40)
    assert len(merge.merge([a, b])) == 1
    other_line = _finding("bandit:B113", line=13)
    assert len(merge.merge([a, other_line])) == 2
    other_item = _finding("bandit:B501", item="security.tls")
    assert len(merge.merge([a, other_item])) == 2


def test_one_source_never_merges_with_itself_and_no_item_never_merges() -> None:
    two_ruff = [
        _finding("ruff:S105", item="security.secrets-in-env"),
        _finding("ruff:S106", item="security.secrets-in-env"),
    ]
    assert len(merge.merge(two_ruff)) == 2
    no_item = [_finding("ruff:E999", item=None), _finding("pyright:error", item=None)]
    assert len(merge.merge(no_item)) == 2


def test_two_own_rules_on_one_line_each_keep_a_tool_twin_at_most_once() -> None:
    own_a = _finding("TTP101")
    own_b = _finding("TTP102", message="second own rule")
    ruff = _finding("ruff:S113")
    merged = merge.merge([own_a, own_b, ruff])
    assert sorted(f.rule for f in merged) == ["TTP101", "TTP102"]
    assert sum(len(f.also_reported_by) for f in merged) == 1


def test_snippets_on_a_line_holding_a_secret_are_masked_whoever_reports() -> None:
    secret = _finding("bandit:B105", item="security.secrets-in-env", snippet='PASSWORD = "hunter2"')
    other = _finding(
        "pyright:reportAssignmentType", item="quality.type-check", snippet='PASSWORD = "hunter2"'
    )
    merged = merge.merge([secret, other])
    assert len(merged) == 2
    assert all("hunter2" not in f.snippet for f in merged)


def test_a_suppressed_own_finding_silences_its_tool_twins() -> None:
    suppressed = [_finding("TTP101")]
    kept, absorbed = merge.absorb_suppressed(
        [_finding("ruff:S113"), _finding("bandit:B113"), _finding("ruff:T201", line=20)], suppressed
    )
    assert [f.rule for f in kept] == ["ruff:T201"]
    assert len(absorbed) == 2 and all(
        f.suppressed_by == "with TTP101 here (suppressed)" for f in absorbed
    )


def test_ports_of_one_check_pair_up_on_a_line_with_several() -> None:
    item = "quality.security-scan"
    ruff = _finding("ruff:S607", item=item, column=20)
    bandit_603 = _finding("bandit:B603", item=item, column=5)
    bandit_607 = _finding("bandit:B607", item=item, column=5)
    merged = merge.merge([bandit_603, bandit_607, ruff])
    assert sorted((f.rule, f.also_reported_by) for f in merged) == [
        ("bandit:B603", ()),
        ("ruff:S607", ("bandit:B607",)),
    ]


def test_a_site_ttaprod_judged_covered_overrules_the_tools() -> None:
    covered = Site(
        "errors.timeout", "TTP101", "app/client.py", 12, True, "timeout via TimeoutPrimitive"
    )
    mixed = [
        Site("errors.timeout", "TTP101", "app/client.py", 20, True),
        Site("errors.timeout", "TTP101", "app/client.py", 20, False),
    ]
    findings = [_finding("ruff:S113"), _finding("bandit:B113"), _finding("ruff:S113", line=20)]
    kept, overruled = merge.overrule_covered(findings, [covered, *mixed])
    assert [(f.rule, f.line) for f in kept] == [("ruff:S113", 20)]
    assert [f.suppressed_by for f in overruled] == [
        "ttaprod judged this errors.timeout site covered"
    ] * 2


def test_one_problem_two_tools_two_items_is_one_finding_pair_by_pair() -> None:
    """`import os, sys` both unused: ruff's F401 (quality.lint) and pyright's reportUnusedImport
    (quality.type-check) at each name pair up; ruff's other finding on the line stays apart."""
    lint, types = "quality.lint", "quality.type-check"
    findings = [
        _finding("pyright:reportUnusedImport", line=1, item=types, column=8),
        _finding("pyright:reportUnusedImport", line=1, item=types, column=12),
        _finding("ruff:E401", line=1, item=lint, column=1),
        _finding("ruff:F401", line=1, item=lint, column=8),
        _finding("ruff:F401", line=1, item=lint, column=12),
        _finding("pyright:reportUndefinedVariable", line=2, item=types, column=5),
    ]
    merged = merge.merge(findings)
    assert sorted((f.rule, f.column, f.checklist_item, f.also_reported_by) for f in merged) == [
        ("pyright:reportUndefinedVariable", 5, types, ()),  # no ruff twin on its line
        ("ruff:E401", 1, lint, ()),
        ("ruff:F401", 8, lint, ("pyright:reportUnusedImport",)),
        ("ruff:F401", 12, lint, ("pyright:reportUnusedImport",)),
    ]


def test_rules_declared_the_same_come_from_the_tool_maps() -> None:
    assert merge.same_problem("ruff:F821", "pyright:reportUndefinedVariable")
    assert merge.same_problem("pyright:reportUndefinedVariable", "ruff:F821")
    assert not merge.same_problem("ruff:F821", "pyright:reportUnusedImport")
