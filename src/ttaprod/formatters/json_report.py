"""The JSON report (DESIGN §3): one object, deterministic key order and content."""

from __future__ import annotations

import json
from typing import Any

from ..models import BaselineEntry, Finding, ItemResult, Report
from . import prepared

SCHEMA_VERSION = "1"


def finding_dict(
    finding: Finding, baselined: bool | None = None, suppressed: bool = False
) -> dict[str, Any]:
    out = {
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
        "role": finding.role,
    }
    if finding.trace:
        out["trace"] = [{"path": p, "line": n, "note": t} for p, n, t in finding.trace]
    if baselined is not None:
        out["baselined"] = baselined
    if suppressed:
        out["suppressed"] = finding.suppressed_by or "suppressed"
    return out


def _findings(report: Report, show_baselined: bool, show_suppressed: bool) -> list[dict[str, Any]]:
    if not (show_baselined or show_suppressed):
        return [finding_dict(f) for f in report.findings]
    rows = [(f, 0) for f in report.findings]
    rows += [(f, 1) for f in report.baselined] if show_baselined else []
    rows += [(f, 2) for f in report.suppressed] if show_suppressed else []
    rows.sort(key=lambda pair: (pair[0].sort_key, pair[1]))
    known = (lambda kind: kind == 1) if show_baselined else (lambda kind: None)
    return [finding_dict(f, known(kind), kind == 2) for f, kind in rows]


def _entry(entry: BaselineEntry) -> dict[str, Any]:
    return {
        "rule": entry.rule,
        "path": entry.path,
        "fingerprint": entry.fingerprint,
        "count": entry.count,
        "message": entry.message,
    }


def _extras(report: Report) -> dict[str, Any]:
    """Keys only runs with a baseline, explicit files, --diff or --fix have."""
    out: dict[str, Any] = {}
    if report.baseline is not None:
        out["baseline"] = {
            "file": report.baseline.file,
            "entries": report.baseline.entries,
            "score": report.baseline.score,
            "stale": [_entry(e) for e in report.baseline.stale],
        }
    if report.scope is not None:
        scope = report.scope
        out["scope"] = {
            "mode": scope.mode,
            "files": list(scope.files),
            "ref": scope.ref or None,
            "base": scope.base or None,
            "hidden": scope.hidden,
            "partial": scope.partial,
            "gate_project": scope.gate_project,
        }
    if report.fixes is not None:
        fixes = report.fixes
        out["fixes"] = {
            "mode": fixes.mode,
            "applied": [
                {
                    "rule": f.rule,
                    "path": f.path,
                    "line": f.line,
                    "safe": f.safe,
                    "description": f.description,
                }
                for f in fixes.applied
            ],
            "files": list(fixes.files),
            "env": list(fixes.env),
            "refused": list(fixes.refused),
            "held_back": fixes.held_back,
        }
    return out


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


def gate_dict(report: Report) -> dict[str, Any]:
    return {
        "fail_under": report.gate.fail_under,
        "block_on": list(report.gate.block_on),
        "require_tools": list(report.gate.require_tools),
        "reasons": list(report.gate.reasons),
    }


def report_dict(
    report: Report, show_baselined: bool = False, show_suppressed: bool = False
) -> dict[str, Any]:
    report = prepared(report, human=False)
    stats: dict[str, Any] = {
        "files": report.stats.files,
        "lines": report.stats.lines,
        "parse_errors": report.stats.parse_errors,
        "duration_s": report.stats.duration_s,
        "suppressed": report.stats.suppressed,
        "baselined": report.stats.baselined,
    }
    if report.baseline is not None:
        stats["baseline_stale"] = sum(e.count for e in report.baseline.stale)
    stats["by_severity"] = report.stats.by_severity
    return {
        "version": report.version,
        "root": report.root,
        "score": report.score,
        "grade": report.grade,
        "passed": report.passed,
        "gate": gate_dict(report),
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
        "findings": _findings(report, show_baselined, show_suppressed),
        "tools": [
            {
                "name": t.name,
                "version": t.version,
                "status": t.status.value,
                "duration_s": t.duration_s,
                "findings": t.findings,
                "reason": t.reason,
                **({"cached": True} if t.cached else {}),
            }
            for t in report.tools
        ],
        "stats": stats,
        "notes": list(report.notes),
        **_extras(report),
        **({"shard": report.shard} if report.shard is not None else {}),
    }


def render(report: Report, show_baselined: bool = False, show_suppressed: bool = False) -> str:
    """`show_baselined`: list the findings the baseline knows too, marked `"baselined"`;
    `show_suppressed`: the suppressed ones too, `"suppressed"` saying why."""
    data = report_dict(report, show_baselined, show_suppressed)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
