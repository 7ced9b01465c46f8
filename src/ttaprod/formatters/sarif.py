"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

Layout: **one run**, `tool.driver` = ttaprod, and one `tool.extensions[]` component per
external tool (ruff, pyright, bandit, safety) holding the rules synthesized from its rule
ids; a tool's results point at their rule with `rule.toolComponent.index`. Why not one
run per tool:

- GitHub keys an analysis by (tool name, category). Runs named `ruff` or `bandit` would
  fight with the user's own uploads of those tools in the same category, show up as
  separately configured tools on the tool-status page, and since June 2025 a file with
  two runs of the same tool and category is rejected outright.
- ttaprod already merged duplicates (`also_reported_by`): one problem is one result, not
  one alert per tool that saw it. Splitting by tool would undo that.
- Every upload is one complete analysis, so an alert fixed by any source closes; the
  score, grade, gate and checklist belong to the whole audit and sit once in the run's
  `properties`.
- GitHub reads rules from extension components the same way CodeQL's query packs are
  shipped, so tool rules keep their help text and the tool stays visible in the rule id
  (`ruff:S113`) and the rule tags.

Paths are relative to the checked root (`uriBaseId` `%SRCROOT%`, resolved through
`originalUriBaseIds`); GitHub reads them relative to the repository root, so run
ttaprod from the repository root in CI. Results without a path cannot be shown by GitHub
(it rejects results without a location); they are counted in the run properties
instead. Pure: the finished report in, a string out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from .. import checklist
from ..models import Finding, Report, RuleSpec, Severity, ToolStatus
from . import message_with_context, prepared
from .json_report import finding_dict, gate_dict, item_dict

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
PROJECT_URL = "https://github.com/ttaprod/ttaprod"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "ttaprod/v1"

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub: ≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. Info has none.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
TOOL_DOCS: dict[str, str] = {
    "ruff": "https://docs.astral.sh/ruff/rules/",
    "pyright": "https://microsoft.github.io/pyright/#/configuration",
    "bandit": "https://bandit.readthedocs.io/en/latest/plugins/index.html",
    "safety": "https://docs.safetycli.com/",
}
_NOTIFY_LEVEL = {
    ToolStatus.FAILED: "error",
    ToolStatus.TIMEOUT: "error",
    ToolStatus.UNAVAILABLE: "warning",
    ToolStatus.SKIPPED: "note",
}
_RUFF_SECURITY = re.compile(r"^ruff:S\d")


def rule_anchor(spec: RuleSpec) -> str:
    """The GitHub anchor of the rule's heading in docs/rules.md (`## TTP101 \\`name\\``)."""
    return f"{spec.code.lower()}-{spec.name}"


def is_security(rule: str, source: str, item: str | None) -> bool:
    if item is not None and (item.startswith("security.") or item == "quality.security-scan"):
        return True
    return source in ("bandit", "safety") or bool(_RUFF_SECURITY.match(rule))


def _worst(findings: Iterable[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def _rule_properties(
    rule: str, source: str, item: str | None, severity: Severity | None
) -> dict[str, Any]:
    tags = [source]
    if item is not None:
        tags += [item.split(".", 1)[0], item]
    properties: dict[str, Any] = {}
    if severity is not None and is_security(rule, source, item):
        tags.append("security")
        if severity in SECURITY_SEVERITY:
            properties["security-severity"] = SECURITY_SEVERITY[severity]
    properties["tags"] = list(dict.fromkeys(tags))
    return properties


def _help(spec: RuleSpec, uri: str) -> dict[str, str]:
    text = [spec.summary, f"Why it matters in production: {spec.why}"]
    markdown = [
        f"**{spec.title}** (`{spec.code}` `{spec.name}`)",
        f"**What it does.** {spec.summary}",
        f"**Why it matters in production.** {spec.why}",
    ]
    if spec.bad:
        markdown.append(f"**Example.**\n\n```python\n{spec.bad[0].code.rstrip()}\n```")
    if spec.use_instead or spec.good:
        text.append(f"Use instead: {spec.use_instead}".rstrip())
        good = f"\n\n```python\n{spec.good[0].code.rstrip()}\n```" if spec.good else ""
        markdown.append(f"**Use instead.** {spec.use_instead}".rstrip() + good)
    if spec.options:
        text.append(f"Options: {spec.options}")
        markdown.append(f"**Options.** {spec.options}")
    if spec.references:
        text.append("References:\n" + "\n".join(f"- {r}" for r in spec.references))
        markdown.append("**References.**\n\n" + "\n".join(f"- <{r}>" for r in spec.references))
    text.append(f"Documentation: {uri}")
    markdown.append(f"[Full documentation]({uri})")
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _own_rule(spec: RuleSpec, severity: Severity | None) -> dict[str, Any]:
    uri = f"{RULES_DOC_URL}#{rule_anchor(spec)}"
    item = spec.checklist_item
    item_line = checklist.BY_ID[item].title if item else "engine notice"
    return {
        "id": spec.code,
        "name": spec.name,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": f"{spec.summary} (Checklist: {item_line}.)"},
        "defaultConfiguration": {"level": LEVEL[spec.severity]},
        "helpUri": uri,
        "help": _help(spec, uri),
        "properties": _rule_properties(spec.code, "ttaprod", item, severity or spec.severity),
    }


def _synthesized_rule(rule: str, source: str, findings: list[Finding]) -> dict[str, Any]:
    """A rule ttaprod has no catalogue entry for: a tool's code (`ruff:S113`)."""
    code = rule.split(":", 1)[1] if ":" in rule else rule
    item = next((f.checklist_item for f in findings if f.checklist_item), None)
    severity = _worst(findings) or Severity.MEDIUM
    where = f"checklist item {item}" if item else "no checklist item"
    text = f"{source} rule {code}, run and reported by ttaprod ({where})."
    descriptor: dict[str, Any] = {
        "id": rule,
        "name": code,
        "shortDescription": {"text": f"{source} {code}"},
        "fullDescription": {"text": text},
        "defaultConfiguration": {"level": LEVEL[severity]},
    }
    docs = TOOL_DOCS.get(source)
    if docs:
        descriptor["helpUri"] = docs
    help_text = text + (f" See the {source} documentation: {docs}" if docs else "")
    descriptor["help"] = {"text": help_text}
    descriptor["properties"] = _rule_properties(rule, source, item, severity)
    return descriptor


def _region(finding: Finding) -> dict[str, int]:
    line = max(finding.line, 1)
    region = {"startLine": line}
    if finding.column >= 1:
        region["startColumn"] = finding.column
    if finding.end_line >= line:
        region["endLine"] = finding.end_line
        same_line_ok = finding.end_line > line or finding.end_column > finding.column
        if finding.end_column >= 1 and finding.column >= 1 and same_line_ok:
            region["endColumn"] = finding.end_column
    return region


def _root_uri(root: str) -> str | None:
    for flavour in (PurePosixPath, PureWindowsPath):
        path = flavour(root)
        if path.is_absolute():
            return path.as_uri().rstrip("/") + "/"
    return None


class _Rules:
    """Rule descriptors by component: index 0 is ttaprod's driver, then one per tool."""

    def __init__(self, report: Report) -> None:
        sources = [t.name for t in report.tools]
        sources += sorted({f.source for f in report.findings} - {"ttaprod", *sources})
        self.components = ["ttaprod", *dict.fromkeys(s for s in sources if s != "ttaprod")]
        by_rule: dict[str, list[Finding]] = {}
        for finding in report.findings:
            by_rule.setdefault(finding.rule, []).append(finding)
        self.rules: dict[str, list[dict[str, Any]]] = {c: [] for c in self.components}
        self.where: dict[str, tuple[int, int]] = {}
        specs = {spec.code: spec for spec in report.rules}
        for rule in sorted(by_rule):
            found = by_rule[rule]
            spec = specs.get(rule)
            component = "ttaprod" if spec else found[0].source
            if component not in self.rules:  # a source nobody listed: keep it with ttaprod
                component = "ttaprod"
            descriptor = (
                _own_rule(spec, _worst(found))
                if spec
                else _synthesized_rule(rule, found[0].source, found)
            )
            self.where[rule] = (self.components.index(component), len(self.rules[component]))
            self.rules[component].append(descriptor)

    def reference(self, rule: str) -> dict[str, Any]:
        component, index = self.where[rule]
        if component == 0:
            return {"ruleIndex": index}
        return {"rule": {"id": rule, "index": index, "toolComponent": {"index": component - 1}}}


def _result(finding: Finding, rules: _Rules) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.rule, **rules.reference(finding.rule)}
    result["level"] = LEVEL[finding.severity]
    result["message"] = {"text": message_with_context(finding)}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": quote(finding.path, safe="/"), "uriBaseId": SRCROOT},
                "region": _region(finding),
            }
        }
    ]
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "source": finding.source,
        "checklistItem": finding.checklist_item,
    }
    if finding.also_reported_by:
        properties["alsoReportedBy"] = list(finding.also_reported_by)
    if finding.fix:
        properties["fix"] = finding.fix
    result["properties"] = properties
    if finding.trace:
        result["codeFlows"] = [{"threadFlows": [{"locations": _flow(finding)}]}]
    fixes = _fixes(finding)
    if fixes:
        result["fixes"] = fixes
    return result


def _flow(finding: Finding) -> list[dict[str, Any]]:
    """The trace of a cross-function finding: each call from the entry point to the site."""
    return [
        {
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT},
                    "region": {"startLine": max(line, 1)},
                },
                "message": {"text": note},
            }
        }
        for path, line, note in finding.trace
    ]


def _fixes(finding: Finding) -> list[dict[str, Any]]:
    """The finding's automatic fix as SARIF `fixes`: replacements in its own file."""
    made = finding.suggestion
    if made is None or not made.replacements:
        return []
    kind = "safe fix: `ttaprod check --fix`" if made.safe else "unsafe fix: `--fix --unsafe-fixes`"
    replacements = [
        {
            "deletedRegion": {
                "startLine": r.line,
                "startColumn": r.column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
            },
            "insertedContent": {"text": r.text},
        }
        for r in made.replacements
    ]
    change = {
        "artifactLocation": {"uri": quote(finding.path, safe="/"), "uriBaseId": SRCROOT},
        "replacements": replacements,
    }
    return [
        {
            "description": {"text": f"{made.description} ({kind})"},
            "artifactChanges": [change],
            "properties": {"safe": made.safe},
        }
    ]


def _tool(report: Report, rules: _Rules) -> dict[str, Any]:
    versions = {t.name: t.version for t in report.tools}
    driver: dict[str, Any] = {
        "name": "ttaprod",
        "version": report.version,
        "semanticVersion": report.version,
        "informationUri": PROJECT_URL,
        "rules": rules.rules["ttaprod"],
    }
    extensions = []
    for name in rules.components[1:]:
        component: dict[str, Any] = {"name": name}
        if versions.get(name):
            component["version"] = versions[name]
        if name in TOOL_DOCS:
            component["informationUri"] = TOOL_DOCS[name]
        component["rules"] = rules.rules[name]
        extensions.append(component)
    tool: dict[str, Any] = {"driver": driver}
    if extensions:
        tool["extensions"] = extensions
    return tool


def _invocation(report: Report) -> dict[str, Any]:
    notifications = []
    for run in report.tools:
        if run.status in _NOTIFY_LEVEL:
            text = f"{run.name} {run.status.value}" + (f": {run.reason}" if run.reason else "")
            notifications.append({"level": _NOTIFY_LEVEL[run.status], "message": {"text": text}})
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "exitCode": 0 if report.passed else 1,
        "exitCodeDescription": "gate passed" if report.passed else "gate failed",
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _properties(report: Report, unlocated: list[Finding]) -> dict[str, Any]:
    return {
        "ttaprod": {
            "score": report.score,
            "grade": report.grade,
            "passed": report.passed,
            "gate": gate_dict(report),
            "categories": [
                {"id": c.id, "title": c.title, "score": c.score, "weight": c.weight}
                for c in report.categories
            ],
            "checklist": [item_dict(i) for i in report.checklist],
            "findingsWithoutLocation": [finding_dict(f) for f in unlocated],
            "notes": list(report.notes),
        }
    }


def sarif_dict(report: Report) -> dict[str, Any]:
    report = prepared(report, human=False)
    rules = _Rules(report)
    located = [f for f in report.findings if f.path]
    unlocated = [f for f in report.findings if not f.path]
    run: dict[str, Any] = {"tool": _tool(report, rules), "invocations": [_invocation(report)]}
    root = _root_uri(report.root)
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root}}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [_result(f, rules) for f in located]
    run["properties"] = _properties(report, unlocated)
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(sarif_dict(report), indent=2, ensure_ascii=False) + "\n"
