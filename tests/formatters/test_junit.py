"""JUnit XML: well-formed, one suite per section, counts that add up, statuses mapped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from ttaprod import checklist
from ttaprod.formatters import junit
from ttaprod.models import Report, Status


def _parse(report: Report) -> ET.Element:
    text = junit.render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def _counts(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped"))  # type: ignore[return-value]


def test_suites_per_section_and_counts_add_up(sample_report: Report) -> None:
    root = _parse(sample_report)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [*checklist.SECTIONS.values(), "ttaprod"]
    total = [0, 0, 0, 0]
    for suite in suites:
        cases = suite.findall("testcase")
        expected = (
            len(cases),
            sum(c.find("failure") is not None for c in cases),
            sum(c.find("error") is not None for c in cases),
            sum(c.find("skipped") is not None for c in cases),
        )
        assert _counts(suite) == expected
        total = [a + b for a, b in zip(total, expected, strict=True)]
    assert _counts(root) == tuple(total)
    assert total[0] == len(sample_report.checklist) + 2


def test_statuses_map_to_junit_elements(sample_report: Report) -> None:
    root = _parse(sample_report)
    cases = {c.get("name", "").split(":")[0]: c for c in root.iter("testcase")}
    for item in sample_report.checklist:
        case = cases[item.id]
        assert case.get("classname") == item.section
        assert case.get("name") == f"{item.id}: {item.title}"
        failure, skipped = case.find("failure"), case.find("skipped")
        assert (failure is not None) == (item.status is Status.FAIL)
        assert (skipped is not None) == (item.status is Status.SKIP)
        if item.status is Status.WARN:
            out = case.find("system-out")
            assert out is not None and (out.text or "").startswith("warn: ")
    timeout = cases["errors.timeout"].find("failure")
    assert timeout is not None and timeout.get("type") == "ttaprod.fail"
    assert "app/client.py:12:16 TTP101 [high]" in (timeout.text or "")
    skipped = cases["quality.security-scan"].find("skipped")
    assert skipped is not None and "<redacted> & 100%" in (skipped.get("message") or "")


def test_gate_testcase_fails_exactly_when_the_gate_fails(sample_report: Report) -> None:
    gate = _parse(sample_report).find(
        ".//testcase[@name='ttaprod.gate: Production-readiness gate']"
    )
    assert gate is not None and gate.find("failure") is not None
    passed = replace(sample_report, passed=True, gate=replace(sample_report.gate, reasons=()))
    gate = _parse(passed).find(".//testcase[@name='ttaprod.gate: Production-readiness gate']")
    assert gate is not None and gate.find("failure") is None


def test_findings_outside_the_checklist_fail_only_when_blocking(sample_report: Report) -> None:
    name = ".//testcase[@name='ttaprod.other-findings: Findings outside the checklist']"
    case = _parse(sample_report).find(name)
    assert case is not None and case.find("failure") is None
    assert "TTP901" in (case.findtext("system-out") or "")
    blocking = replace(
        sample_report, gate=replace(sample_report.gate, block_on=("critical", "high"))
    )
    case = _parse(blocking).find(name)
    assert case is not None and case.find("failure") is not None


def test_control_characters_never_reach_the_xml(sample_report: Report) -> None:
    text = junit.render(sample_report)
    assert "\x1b" not in text and "\\x1b[1m(unused-import)" in text
    nasty = replace(sample_report.findings[2], message="bell \x07 nul \x00 ok\ttab")
    ET.fromstring(junit.render(replace(sample_report, findings=(nasty,))).encode("utf-8"))


def test_long_failure_lists_are_capped(sample_report: Report) -> None:
    one = sample_report.findings[1]
    many = tuple(replace(one, line=n) for n in range(1, junit.MAX_LISTED + 11))
    root = _parse(replace(sample_report, findings=many))
    failure = root.find(".//testcase[@classname='errors']/failure")
    assert failure is not None and (failure.text or "").endswith("… and 10 more finding(s)")
