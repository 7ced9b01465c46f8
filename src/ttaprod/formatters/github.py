"""GitHub Actions annotations: one workflow command per line on stdout.

    ::error file=app/client.py,line=12,endLine=12,col=5,endColumn=30,title=TTP101 …::message

critical/high → `error`, medium → `warning`, low/info → `notice`. The gate verdict comes
first and findings follow worst first, because GitHub shows only the first few
annotations of each kind per step. Escaping follows the runner's rules: in the message
`%`, CR and LF become `%25`, `%0D`, `%0A`; in properties also `:` → `%3A` and
`,` → `%2C`. Pure: the finished report in, a string out.
"""

from __future__ import annotations

from ..models import Finding, Report, Severity, ToolStatus
from . import message_with_context, prepared

COMMAND: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
_TOOL_COMMAND = {
    ToolStatus.FAILED: "warning",
    ToolStatus.TIMEOUT: "warning",
    ToolStatus.UNAVAILABLE: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _position(finding: Finding) -> dict[str, str | int]:
    if not finding.path:
        return {}
    line = max(finding.line, 1)
    position: dict[str, str | int] = {"file": finding.path, "line": line}
    if finding.end_line >= line:
        position["endLine"] = finding.end_line
    if finding.column >= 1:
        position["col"] = finding.column
        # GitHub reads endColumn only for an annotation on a single line.
        if finding.end_line == line and finding.end_column > finding.column:
            position["endColumn"] = finding.end_column
    return position


MAX_DIFF_LINES = 12


def _suggested(finding: Finding) -> str:
    """The finding's fix: what it does and the lines it changes."""
    made = finding.suggestion
    if made is None:
        return ""
    how = "safe: `ttaprod check --fix`" if made.safe else "unsafe: `--fix --unsafe-fixes`"
    changed = [
        line
        for line in made.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    text = f"\nSuggested fix ({how}): {made.description}"
    if changed:
        text += "\n" + "\n".join(changed[:MAX_DIFF_LINES])
    return text


def annotation(finding: Finding) -> str:
    message = message_with_context(finding) + _suggested(finding)
    title = f"{finding.rule} ({finding.severity.value})"
    if finding.checklist_item:
        title += f" · {finding.checklist_item}"
    return command(COMMAND[finding.severity], message, **_position(finding), title=title)


def _verdict(report: Report) -> str:
    head = f"Score {report.score:g}/100 ({report.grade}), {len(report.findings)} finding(s)"
    if report.passed:
        return command("notice", f"{head}; gate passed", title="ttaprod gate passed")
    reasons = "; ".join(report.gate.reasons)
    return command("error", f"{head}; {reasons}", title="ttaprod gate failed")


def render(report: Report) -> str:
    report = prepared(report, human=True)
    lines = [_verdict(report)]
    for run in report.tools:
        if run.status in _TOOL_COMMAND:
            text = f"{run.name} {run.status.value}" + (f": {run.reason}" if run.reason else "")
            text += "; its checklist items were not assessed"
            lines.append(
                command(_TOOL_COMMAND[run.status], text, title=f"ttaprod: {run.name} did not run")
            )
    worst_first = sorted(report.findings, key=lambda f: (-f.severity.rank, f.sort_key))
    lines.extend(annotation(f) for f in worst_first)
    return "\n".join(lines) + "\n"
