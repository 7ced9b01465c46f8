"""The JSON report (DESIGN §3): one object, deterministic key order and content."""

from __future__ import annotations

import json
from typing import Any

from ..models import Finding, ItemResult, Report

SCHEMA_VERSION = "1"


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "source": finding.source,
        "checklist_item": finding.checklist_item,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "also_reported_by": list(finding.also_reported_by),
    }


def item_dict(item: ItemResult) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status.value,
        "score": item.score,
        "covered": item.covered,
        "total": item.total,
        "evidence": [{"path": e.path, "line": e.line, "note": e.note} for e in item.evidence],
        "reason": item.reason,
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "version": report.version,
        "root": report.root,
        "score": report.score,
        "grade": report.grade,
        "passed": report.passed,
        "gate": {
            "fail_under": report.gate.fail_under,
            "block_on": list(report.gate.block_on),
            "require_tools": list(report.gate.require_tools),
            "reasons": list(report.gate.reasons),
        },
        "categories": [
            {
                "id": c.id,
                "title": c.title,
                "score": c.score,
                "weight": c.weight,
                "items": list(c.items),
            }
            for c in report.categories
        ],
        "checklist": [item_dict(i) for i in report.checklist],
        "findings": [finding_dict(f) for f in report.findings],
        "tools": [
            {
                "name": t.name,
                "version": t.version,
                "status": t.status.value,
                "duration_s": t.duration_s,
                "findings": t.findings,
                "reason": t.reason,
            }
            for t in report.tools
        ],
        "stats": {
            "files": report.stats.files,
            "lines": report.stats.lines,
            "parse_errors": report.stats.parse_errors,
            "duration_s": report.stats.duration_s,
            "suppressed": report.stats.suppressed,
            "baselined": report.stats.baselined,
            "by_severity": report.stats.by_severity,
        },
        "notes": list(report.notes),
    }


def render(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
