"""GitLab Code Quality: the fields GitLab reads, severities mapped, unique fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace

from ttaprod.formatters import gitlab
from ttaprod.models import Report, Severity


def test_issues_have_what_gitlab_reads(sample_report: Report) -> None:
    issues = json.loads(gitlab.render(sample_report))
    located = [f for f in sample_report.findings if f.path]
    assert len(issues) == len(located)
    for issue, finding in zip(issues, located, strict=True):
        assert issue["check_name"] == finding.rule
        assert issue["description"].startswith(f"{finding.rule}: ")
        assert issue["severity"] == gitlab.SEVERITY[finding.severity]
        assert issue["location"] == {"path": finding.path, "lines": {"begin": finding.line}}
        assert issue["type"] == "issue" and issue["categories"]
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    assert "aa55aa55aa55aa55aa55aa55aa55aa55-2" in fingerprints, "same problem twice: ordinal"


def test_severity_map() -> None:
    assert {s.value: gitlab.SEVERITY[s] for s in Severity} == {
        "critical": "blocker",
        "high": "critical",
        "medium": "major",
        "low": "minor",
        "info": "info",
    }


def test_fingerprint_without_one_is_stable(sample_report: Report) -> None:
    ruff = sample_report.findings[2]
    assert not ruff.fingerprint
    first = gitlab.issues(replace(sample_report, findings=(ruff,)))[0]["fingerprint"]
    moved = replace(ruff, column=99)
    assert gitlab.issues(replace(sample_report, findings=(moved,)))[0]["fingerprint"] == first
