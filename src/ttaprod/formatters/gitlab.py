"""GitLab Code Quality report: a JSON array of Code Climate issues.

Each finding becomes `{description, check_name, fingerprint, severity, location:
{path, lines: {begin}}}` plus the Code Climate fields GitLab ignores but other
consumers want (`type`, `categories`, `engine_name`, `content`). Severity:
critical → blocker, high → critical, medium → major, low → minor, info → info.
GitLab keys issues by fingerprint, so a fingerprint seen twice in one report (the same
problem twice in one file) gets an ordinal suffix, and a finding without one gets a
hash of rule, path, line and message. Findings without a path have no place in a
code-quality diff and are left out. Pure: the finished report in, a string out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..models import Finding, Report, Severity
from . import prepared

SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
CATEGORY_BY_SECTION = {
    "security": "Security",
    "performance": "Performance",
    "quality": "Bug Risk",
    "errors": "Bug Risk",
    "observability": "Bug Risk",
    "deploy": "Bug Risk",
    "cost": "Performance",
}


def _category(finding: Finding) -> str:
    if finding.source in ("bandit", "safety"):
        return "Security"
    if finding.checklist_item == "quality.lint":
        return "Style"
    section = (finding.checklist_item or "").split(".", 1)[0]
    return CATEGORY_BY_SECTION.get(section, "Bug Risk")


def _base_fingerprint(finding: Finding) -> str:
    if finding.fingerprint:
        return finding.fingerprint
    key = f"{finding.rule}\0{finding.path}\0{finding.line}\0{finding.message}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _description(finding: Finding) -> str:
    text = f"{finding.rule}: {finding.message}"
    if finding.also_reported_by:
        text += f" (also reported by {', '.join(finding.also_reported_by)})"
    return text


def issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "issue",
        "description": _description(finding),
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITY[finding.severity],
        "location": {"path": finding.path, "lines": {"begin": max(finding.line, 1)}},
        "categories": [_category(finding)],
        "engine_name": finding.source,
    }
    if finding.fix:
        data["content"] = {"body": f"Fix: {finding.fix}"}
    return data


def issues(report: Report) -> list[dict[str, Any]]:
    report = prepared(report, human=False)
    seen: dict[str, int] = {}
    out = []
    for finding in report.findings:
        if not finding.path:
            continue
        base = _base_fingerprint(finding)
        seen[base] = seen.get(base, 0) + 1
        fingerprint = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(issue(finding, fingerprint))
    return out


def render(report: Report) -> str:
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"
