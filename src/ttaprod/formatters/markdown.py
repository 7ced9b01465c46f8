"""A Markdown summary for `$GITHUB_STEP_SUMMARY`, PR comments and GitLab notes.

Verdict line (score, grade, gate), gate reasons, the checklist by section (✓ ✗ ! –
with coverage and score), the worst findings, and the tools. GitHub caps a step
summary at 1 MiB, so the findings list stops at `MAX_FINDINGS` (saying how many were
left out) and every cell is cut at `MAX_CELL` characters. Text from the report is
escaped for GitHub-flavoured Markdown: table pipes, HTML, emphasis, and `@` (so a
message never pings a user in a PR comment). Pure: the finished report in, a string out.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .. import checklist
from ..models import Finding, ItemResult, Report, Severity, Status, ToolStatus
from . import prepared

MAX_FINDINGS = 50
MAX_CELL = 300
MAX_SUGGESTIONS = 20  # diffs of suggested fixes shown, worst findings first
MAX_DIFF_LINES = 40
SUMMARY_LIMIT = 1024 * 1024  # GitHub's per-step summary limit, in bytes
STATUS_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.SKIP: "–"}
SEVERITY_MARK = {
    Severity.CRITICAL: "🟥 critical",
    Severity.HIGH: "🟧 high",
    Severity.MEDIUM: "🟨 medium",
    Severity.LOW: "🟦 low",
    Severity.INFO: "⬜ info",
}
TOOL_MARK = {
    ToolStatus.OK: "✓ ok",
    ToolStatus.FAILED: "✗ failed",
    ToolStatus.TIMEOUT: "✗ timeout",
    ToolStatus.UNAVAILABLE: "– unavailable",
    ToolStatus.SKIPPED: "– skipped",
}
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str, limit: int = MAX_CELL) -> str:
    """Plain text made safe for one table cell or one line of Markdown."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _CONTROL.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = text.replace("@", "@\u2060")  # a word joiner: no @mention
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def code(text: str) -> str:
    """An inline code span; falls back to escaped text when it holds a backtick or newline."""
    if "`" in text or "\n" in text or "\r" in text or not text:
        return escape(text)
    return f"`{text}`"


def _verdict(report: Report) -> list[str]:
    mark = "✅ gate passed" if report.passed else "❌ gate failed"
    lines = [f"## ttaprod: {report.score:g}/100 ({report.grade}) · {mark}", ""]
    gate = f"fail-under {report.gate.fail_under:g}"
    if report.gate.block_on:
        gate += f", blocking severities: {', '.join(report.gate.block_on)}"
    if report.gate.require_tools:
        gate += f", required tools: {', '.join(report.gate.require_tools)}"
    lines.append(f"Gate: {escape(gate)}.")
    if report.gate.reasons:
        lines.append("")
        lines.extend(f"- {escape(reason)}" for reason in report.gate.reasons)
    for note in report.notes:
        lines += ["", f"> {escape(note)}"]
    return [*lines, ""]


def _result_cell(item: ItemResult) -> str:
    text = escape(item.reason) if item.reason else ""
    if item.total:
        percent = 100 * (item.covered or 0) / item.total
        text += f" ({percent:.0f}%)"
    return text


def _checklist(report: Report) -> list[str]:
    lines = ["### Checklist", "", "| | Item | Result | Score |", "|:-:|---|---|--:|"]
    scores = {c.id: c.score for c in report.categories}
    by_section: dict[str, list[ItemResult]] = defaultdict(list)
    for item in report.checklist:
        by_section[item.section].append(item)
    for section, title in checklist.SECTIONS.items():
        score = scores.get(section)
        shown = f"**{score:g}/10**" if score is not None else "n/a"
        lines.append(f"| | **{escape(title)}** | | {shown} |")
        for item in by_section.get(section, []):
            item_score = f"{item.score:g}" if item.score is not None else "–"
            name = f"{code(item.id)} {escape(item.title)}"
            lines.append(
                f"| {STATUS_MARK[item.status]} | {name} | {_result_cell(item)} | {item_score} |"
            )
    counts = {s: sum(1 for i in report.checklist if i.status is s) for s in Status}
    legend = " · ".join(f"{STATUS_MARK[s]} {counts[s]} {s.value}" for s in Status)
    return [*lines, "", legend, ""]


def _location(finding: Finding) -> str:
    if not finding.path:
        return "(project)"
    return code(f"{finding.path}:{finding.line}")


def _findings(report: Report) -> list[str]:
    findings = sorted(report.findings, key=lambda f: (-f.severity.rank, f.sort_key))
    if not findings:
        return ["### Findings", "", "No findings.", ""]
    tally = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    counts = ", ".join(
        f"{n} {s.value}" for s, n in sorted(tally.items(), key=lambda kv: -kv[0].rank) if n
    )
    lines = [f"### Findings ({len(findings)}{': ' + counts if counts else ''})", ""]
    lines += ["| Severity | Rule | Location | Message |", "|---|---|---|---|"]
    for finding in findings[:MAX_FINDINGS]:
        message = escape(finding.message)
        if finding.also_reported_by:
            message += f" (also {escape(', '.join(finding.also_reported_by))})"
        made = finding.suggestion
        if made is not None:
            message += f"<br>Fix ({_how(made.safe)}): {escape(made.description)}"
        elif finding.fix:
            message += f"<br>Fix: {escape(finding.fix)}"
        row = [SEVERITY_MARK[finding.severity], code(finding.rule), _location(finding), message]
        lines.append("| " + " | ".join(row) + " |")
    left_out = len(findings) - MAX_FINDINGS
    if left_out > 0:
        lines += [
            "",
            f"… and {left_out} more finding(s) not shown here; see the JSON or SARIF report.",
        ]
    return [*lines, ""]


def _how(safe: bool) -> str:
    return "safe, `--fix`" if safe else "unsafe, `--fix --unsafe-fixes`"


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _suggestions(report: Report) -> list[str]:
    """The diff of each suggested fix, worst findings first (the findings table's order)."""
    worst = sorted(report.findings, key=lambda f: (-f.severity.rank, f.sort_key))
    shown = [f for f in worst[:MAX_FINDINGS] if f.suggestion is not None and f.suggestion.diff]
    if not shown:
        return []
    lines = [f"### Suggested fixes ({len(shown)})", ""]
    for finding in shown[:MAX_SUGGESTIONS]:
        made = finding.suggestion
        assert made is not None
        diff = "\n".join(made.diff.splitlines()[:MAX_DIFF_LINES])
        fence = _fence(diff)
        head = f"{code(finding.rule)} {_location(finding)}: {escape(made.description)}"
        lines += [f"{head} ({_how(made.safe)})", "", f"{fence}diff", diff, fence, ""]
    if len(shown) > MAX_SUGGESTIONS:
        lines += [f"… and {len(shown) - MAX_SUGGESTIONS} more: `ttaprod check --fix-diff`.", ""]
    return lines


def _fixed(report: Report) -> list[str]:
    fixes = report.fixes
    if fixes is None:
        return []
    count = len(fixes.applied)
    lines = [f"Fixed {count} finding(s) in {len(fixes.files)} file(s) before this report."]
    if fixes.held_back:
        lines.append(f"{fixes.held_back} unsafe fix(es) held back (`--unsafe-fixes`).")
    if fixes.env:
        names = ", ".join(code(name) for name in fixes.env)
        lines.append(f"Set these environment variables where the service runs: {names}.")
    lines.extend(f"Left alone: {escape(why)}." for why in fixes.refused)
    return [" ".join(lines), ""]


def _tools(report: Report) -> list[str]:
    if not report.tools:
        return []
    lines = [
        "### Tools",
        "",
        "| Tool | Version | Status | Findings | Time |",
        "|---|---|---|--:|--:|",
    ]
    for run in report.tools:
        status = TOOL_MARK[run.status] + (f": {escape(run.reason)}" if run.reason else "")
        version = escape(run.version) if run.version else "–"
        took = "cached" if run.cached else f"{run.duration_s:.1f}s"
        cells = [escape(run.name), version, status, str(run.findings), took]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _footer(report: Report) -> list[str]:
    stats = report.stats
    parts = [f"{stats.files} files, {stats.lines} lines"]
    if stats.suppressed:
        parts.append(f"{stats.suppressed} suppressed")
    if stats.baselined:
        parts.append(f"{stats.baselined} in baseline")
    if stats.parse_errors:
        parts.append(f"{stats.parse_errors} not parsed")
    parts.append(f"ttaprod {escape(report.version)}")
    return [f"<sub>{' · '.join(parts)}</sub>", ""]


def render(report: Report) -> str:
    report = prepared(report, human=True)
    lines = [
        *_verdict(report),
        *_fixed(report),
        *_checklist(report),
        *_findings(report),
        *_suggestions(report),
        *_tools(report),
        *_footer(report),
    ]
    text = "\n".join(lines)
    if len(text.encode("utf-8")) > SUMMARY_LIMIT:  # only with absurdly long reasons or notes
        text = text.encode("utf-8")[: SUMMARY_LIMIT - 64].decode("utf-8", "ignore")
        text += "\n\n… (summary cut at GitHub's 1 MiB limit)\n"
    return text
