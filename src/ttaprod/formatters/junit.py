"""JUnit XML for the test tabs of GitLab, Jenkins and Azure Pipelines.

One `<testsuite>` per checklist section, one `<testcase>` per checklist item
(classname = section id, name = "item id: title"), and a last suite `ttaprod` with the
gate verdict and the findings that belong to no checklist item.

- `fail` → `<failure message=reason type="ttaprod.fail">` listing the item's findings,
  one per line: `path:line:col rule [severity] message`.
- `warn` → a *passing* testcase whose `<system-out>` says why and lists the findings.
  A warn item is below full marks but not failed; CI tools turn any `<failure>` into a
  red (GitLab) or unstable (Jenkins) result, which would contradict the gate when it
  passed. The gate testcase is the one that fails exactly when the exit code is 1.
- `skip` → `<skipped message=reason/>`.

Text is made XML 1.0 safe (control characters other than tab, LF and CR become
U+FFFD); ElementTree escapes the rest. Pure: the finished report in, a string out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from .. import checklist
from ..models import Finding, ItemResult, Report, Status
from . import prepared

MAX_LISTED = 200
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Text that XML 1.0 can carry."""
    return _INVALID_XML.sub("\ufffd", text)


def finding_line(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}:{finding.column}" if finding.path else "(project)"
    also = f" (also {', '.join(finding.also_reported_by)})" if finding.also_reported_by else ""
    return f"{where} {finding.rule} [{finding.severity.value}] {finding.message}{also}"


def _listing(head: str, findings: list[Finding]) -> str:
    lines = [head] if head else []
    lines += [finding_line(f) for f in findings[:MAX_LISTED]]
    if len(findings) > MAX_LISTED:
        lines.append(f"… and {len(findings) - MAX_LISTED} more finding(s)")
    return "\n".join(lines)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrib.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _summary(item: ItemResult) -> str:
    parts = [f"{item.status.value}: {item.reason}" if item.reason else item.status.value]
    if item.score is not None:
        parts.append(f"score {item.score:g}/10")
    return " · ".join(parts)


def _testcase(suite: ET.Element, item: ItemResult, findings: list[Finding]) -> None:
    case = _sub(
        suite, "testcase", classname=item.section, name=f"{item.id}: {item.title}", time="0"
    )
    if item.status is Status.FAIL:
        failure = _sub(case, "failure", message=_summary(item), type="ttaprod.fail")
        failure.text = clean(_listing("", findings) or item.reason)
    elif item.status is Status.SKIP:
        _sub(case, "skipped", message=item.reason or "not applicable")
    elif item.status is Status.WARN:
        _sub(case, "system-out", _listing(_summary(item), findings))
    elif findings or item.evidence:
        evidence = [
            f"evidence: {e.path}:{e.line} {e.note}" if e.path else f"evidence: {e.note}"
            for e in item.evidence
        ]
        _sub(case, "system-out", _listing("\n".join([_summary(item), *evidence]), findings))


def _suite(parent: ET.Element, name: str, cases: list[ET.Element]) -> None:
    suite = _sub(parent, "testsuite", name=name)
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, "0")
    suite.set("time", "0")
    suite.extend(cases)
    _count(suite)


def _count(element: ET.Element) -> None:
    cases = element.findall(".//testcase")
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def _gate_suite(root: ET.Element, report: Report, unmapped: list[Finding]) -> None:
    holder = ET.Element("holder")
    verdict = f"score {report.score:g}/100 ({report.grade}), fail-under {report.gate.fail_under:g}"
    gate = _sub(
        holder,
        "testcase",
        classname="ttaprod",
        name="ttaprod.gate: Production-readiness gate",
        time="0",
    )
    if report.passed:
        _sub(gate, "system-out", f"gate passed: {verdict}")
    else:
        reasons = "; ".join(report.gate.reasons)
        _sub(
            gate,
            "failure",
            "\n".join(report.gate.reasons),
            message=f"gate failed: {reasons}",
            type="ttaprod.gate",
        )
    name = "ttaprod.other-findings: Findings outside the checklist"
    other = _sub(holder, "testcase", classname="ttaprod", name=name, time="0")
    blocking = [f for f in unmapped if f.severity.value in report.gate.block_on]
    if blocking:
        message = f"{len(blocking)} blocking finding(s) outside the checklist"
        _sub(other, "failure", _listing("", unmapped), message=message, type="ttaprod.blocking")
    elif unmapped:
        _sub(other, "system-out", _listing(f"{len(unmapped)} finding(s)", unmapped))
    _suite(root, "ttaprod", list(holder))


def render(report: Report) -> str:
    report = prepared(report, human=True)
    by_item: dict[str, list[Finding]] = defaultdict(list)
    unmapped: list[Finding] = []
    for finding in report.findings:
        item = finding.checklist_item
        if item is not None and item in checklist.BY_ID:
            by_item[item].append(finding)
        else:
            unmapped.append(finding)
    root = ET.Element("testsuites", {"name": "ttaprod"})
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, "0")
    root.set("time", f"{report.stats.duration_s:.3f}")
    for section, title in checklist.SECTIONS.items():
        holder = ET.Element("holder")
        for item in (i for i in report.checklist if i.section == section):
            _testcase(holder, item, by_item.get(item.id, []))
        _suite(root, title, list(holder))
    _gate_suite(root, report, unmapped)
    _count(root)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
