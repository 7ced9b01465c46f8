"""SARIF: schema-valid (offline), GitHub's needs met, from the fixed report and a real run."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from ttaprod import catalogue, docgen
from ttaprod.formatters import sarif
from ttaprod.models import Report, Severity

from ..conftest import FIXTURES, run_check
from .conftest import validate_sarif


def _run(report: Report) -> dict:
    data = json.loads(sarif.render(report))
    assert len(data["runs"]) == 1
    return data["runs"][0]


def test_fixed_report_is_valid_sarif(sample_report: Report) -> None:
    data = json.loads(sarif.render(sample_report))
    assert data["version"] == "2.1.0"
    validate_sarif(data)


def test_every_result_points_at_its_rule(sample_report: Report) -> None:
    run = _run(sample_report)
    driver, extensions = run["tool"]["driver"], run["tool"]["extensions"]
    assert [e["name"] for e in extensions] == ["ruff", "pyright", "bandit", "safety"]
    for result in run["results"]:
        if "ruleIndex" in result:
            rule = driver["rules"][result["ruleIndex"]]
        else:
            ref = result["rule"]
            rule = extensions[ref["toolComponent"]["index"]]["rules"][ref["index"]]
            assert ref["id"] == result["ruleId"]
        assert rule["id"] == result["ruleId"]
        assert rule["shortDescription"]["text"] and rule["help"]["text"]


def test_levels_fingerprints_and_regions(sample_report: Report) -> None:
    run = _run(sample_report)
    located = [f for f in sample_report.findings if f.path]
    assert len(run["results"]) == len(located)
    for finding, result in zip(located, run["results"], strict=True):
        assert result["level"] == sarif.LEVEL[finding.severity]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == finding.line >= 1
        assert region["startColumn"] == finding.column >= 1
        if finding.fingerprint:
            assert result["partialFingerprints"] == {"ttaprod/v1": finding.fingerprint}
        else:
            assert "partialFingerprints" not in result
    assert {s.value: sarif.LEVEL[s] for s in Severity} == {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "info": "note",
    }


def test_uris_are_relative_to_the_root_and_percent_encoded(sample_report: Report) -> None:
    run = _run(sample_report)
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///srv/caf%C3%A9%20service/"}}
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert "app/%C3%BCn%C3%AFcode_m%C3%B3dulo.py" in uris
    assert all(not u.startswith("/") for u in uris)


def test_security_rules_carry_security_severity(sample_report: Report) -> None:
    rules = {r["id"]: r for r in _run(sample_report)["tool"]["driver"]["rules"]}
    credential = rules["TTP401"]["properties"]
    assert credential["security-severity"] == "9.5" and "security" in credential["tags"]
    assert "security-severity" not in rules["TTP101"]["properties"]


def test_help_uri_matches_the_generated_rules_page_anchor() -> None:
    """Real catalogue: every helpUri anchor is the GitHub slug of the docs/rules.md heading."""
    for spec in catalogue.catalogue().values():
        heading = docgen.rule_page(spec).splitlines()[0]  # "## TTP901 `syntax-error`"
        slug = re.sub(r"[^a-z0-9 -]", "", heading.lstrip("# ").lower()).replace(" ", "-")
        assert sarif.rule_anchor(spec) == slug


def test_score_gate_and_checklist_are_run_properties(sample_report: Report) -> None:
    run = _run(sample_report)
    props = run["properties"]["ttaprod"]
    assert props["score"] == 50.3 and props["grade"] == "F" and props["passed"] is False
    assert len(props["checklist"]) == 32
    assert [f["rule"] for f in props["findingsWithoutLocation"]] == ["TTP501"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True and invocation["exitCode"] == 1
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any(t.startswith("safety failed") for t in texts)


def test_odd_positions_stay_schema_valid(sample_report: Report) -> None:
    odd = replace(sample_report.findings[1], line=0, column=0, end_line=0, end_column=0)
    validate_sarif(json.loads(sarif.render(replace(sample_report, findings=(odd,)))))


@pytest.mark.slow
def test_sarif_of_a_real_run_is_valid() -> None:
    """The bad fixture with ruff and bandit: one result per finding that has a place."""
    report = run_check(FIXTURES / "rag_service_bad", no_tools=False, tools=("ruff", "bandit"))
    assert {t.name: t.status.value for t in report.tools}["ruff"] == "ok"
    data = json.loads(sarif.render(report))
    validate_sarif(data)
    results = data["runs"][0]["results"]
    placed = [f for f in report.findings if f.path]
    assert len(results) == len(placed) > 100
    from_tools = [f for f in placed if f.source != "ttaprod"]
    assert len([r for r in results if "rule" in r]) == len(from_tools) > 10
