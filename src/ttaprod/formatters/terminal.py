"""The terminal report (rich): verdict, checklist by section, findings by file, footer.

Fits 80 columns; colour only on a terminal and never with NO_COLOR or --no-color.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import groupby

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .. import checklist, redact
from ..models import BaselineSummary, Finding, ItemResult, Report, Severity, Status, ToolStatus
from . import prepared

STATUS_MARK = {
    Status.PASS: ("✓", "green"),
    Status.FAIL: ("✗", "red"),
    Status.WARN: ("!", "yellow"),
    Status.SKIP: ("–", "dim"),
}
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
MAX_STALE_SHOWN = 20
TOOL_STYLE = {
    ToolStatus.OK: "green",
    ToolStatus.FAILED: "red",
    ToolStatus.TIMEOUT: "red",
    ToolStatus.UNAVAILABLE: "yellow",
    ToolStatus.SKIPPED: "dim",
}


def _files_only(report: Report) -> bool:
    """A run on explicit files (pre-commit): the project's checklist and score are context,
    not the verdict, so the terminal shows the findings and the gate."""
    return report.scope is not None and report.scope.mode == "files"


def verdict_line(report: Report) -> Text:
    text = Text()
    if _files_only(report):
        assert report.scope is not None
        count = len(report.scope.files)
        text.append(f"{count} file{'s' if count != 1 else ''} checked", style="bold")
    else:
        text.append(f"Score {report.score:g}/100 ", style="bold")
        text.append(f"({report.grade})", style="bold")
    text.append(" · gate ")
    if report.passed:
        text.append("passed", style="bold green")
    else:
        text.append("FAILED", style="bold red")
        text.append(": " + "; ".join(report.gate.reasons))
    return text


def _header(report: Report) -> RenderableType:
    title = Text(f"ttaprod {report.version}", style="bold")
    title.append(f"  {report.root}", style="dim")
    lines: list[RenderableType] = [title, verdict_line(report)]
    lines.extend(Text(note, style="yellow") for note in report.notes)
    return Group(*lines)


def _checklist(items: tuple[ItemResult, ...], report: Report) -> RenderableType:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column("mark", width=1, no_wrap=True)
    table.add_column("item", no_wrap=True, max_width=34)
    table.add_column("result", overflow="fold")
    scores = {c.id: c.score for c in report.categories}
    by_section: dict[str, list[ItemResult]] = defaultdict(list)
    for item in items:
        by_section[item.section].append(item)
    for section, title in checklist.SECTIONS.items():
        score = scores.get(section)
        label = f"{title}" + (f"  {score:g}/10" if score is not None else "  (not applicable)")
        table.add_row("", Text(label, style="bold underline"), "")
        for item in by_section.get(section, []):
            mark, style = STATUS_MARK[item.status]
            table.add_row(
                Text(mark, style=style),
                item.id,
                Text(item.reason, style="dim" if item.status is Status.SKIP else ""),
            )
    return table


def _caret_line(finding: Finding) -> Text | None:
    """The flagged source line and a caret under the flagged span, cropped to the width
    (never wrapped: a wrapped line would put the caret under the wrong characters)."""
    if not finding.snippet:
        return None
    snippet = finding.snippet.rstrip()
    number = f"{finding.line:>5} │ "
    start = max(finding.column - 1, 0)
    width = 1
    if finding.end_line == finding.line and finding.end_column > finding.column:
        width = finding.end_column - finding.column
    width = max(1, min(width, max(len(snippet) - start, 1)))
    indent = len(snippet[:start].expandtabs(4))
    code = Text(number, style="dim", no_wrap=True, overflow="ellipsis")
    code.append(snippet.expandtabs(4))
    caret = Text(" " * (len(number) + indent) + "^" * width, style="red", no_wrap=True)
    caret.overflow = "crop"
    return Text.assemble(code, "\n", caret, no_wrap=True, overflow="ellipsis")


def _headline(finding: Finding) -> Table:
    """`12:5 TTP101 high  message…`, the message wrapping under itself, not under the rule."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column()
    where = Text(f"  {finding.line}:{finding.column}", style="dim")
    rule = Text(finding.rule, style="bold")
    rule.append(" ")
    rule.append(finding.severity.value, style=SEVERITY_STYLE[finding.severity])
    message = Text(finding.message)
    if finding.also_reported_by:
        message.append(f" (also {', '.join(finding.also_reported_by)})", style="dim")
    grid.add_row(where, rule, message)
    return grid


def _print(console: Console, renderable: RenderableType, style: str = "") -> None:
    if isinstance(renderable, Text) and renderable.no_wrap:  # a code line and its caret
        console.print(renderable, highlight=False, style=style, no_wrap=True, overflow="ellipsis")
    else:
        console.print(renderable, highlight=False, style=style)


def _findings(findings: tuple[Finding, ...]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for path, group in groupby(findings, key=lambda f: f.path):
        out.append(Text(path, style="bold magenta"))
        for finding in group:
            out.append(_headline(finding))
            caret = _caret_line(finding)
            if caret is not None:
                out.append(caret)
            if finding.trace:
                via = " → ".join(f"{p}:{n}" for p, n, _ in finding.trace[:-1])
                out.append(Padding(Text(f"via: {via}", style="dim"), (0, 0, 0, 8)))
            made = finding.suggestion
            if made is not None:
                kind = "safe fix, --fix" if made.safe else "unsafe fix, --unsafe-fixes"
                text = Text(f"fix ({kind}): {made.description}", style="green")
                out.append(Padding(text, (0, 0, 0, 8)))
            elif finding.fix:
                out.append(Padding(Text(f"fix: {finding.fix}", style="green"), (0, 0, 0, 8)))
            if finding.suppressed_by:
                why = Text(f"suppressed: {finding.suppressed_by}", style="dim")
                out.append(Padding(why, (0, 0, 0, 8)))
        out.append(Text(""))
    return out


def _stale(summary: BaselineSummary | None) -> list[RenderableType]:
    if summary is None or not summary.stale:
        return []
    count = sum(e.count for e in summary.stale)
    head = Text(
        f"Baseline {summary.file}: {count} "
        f"{'entry no longer matches' if count == 1 else 'entries no longer match'} "
        "(fixed?) — `ttaprod baseline --prune` drops them",
        style="bold",
    )
    out: list[RenderableType] = [head]
    for entry in summary.stale[:MAX_STALE_SHOWN]:
        line = Text("  ")
        line.append(entry.path or "(project)", style="magenta")
        line.append(f" {entry.rule}", style="bold")
        if entry.count > 1:
            line.append(f" ×{entry.count}")
        if entry.message:  # one line: a baseline is the repository's, it must not forge lines
            line.append(f" {redact.printable(entry.message)}", style="dim")
        out.append(line)
    if len(summary.stale) > MAX_STALE_SHOWN:
        out.append(Text(f"  … and {len(summary.stale) - MAX_STALE_SHOWN} more", style="dim"))
    out.append(Text(""))
    return out


def _tools(report: Report) -> RenderableType | None:
    if not report.tools:
        return None
    table = Table(title="Tools", title_justify="left", box=None, padding=(0, 1))
    for column in ("tool", "version", "status", "time", "findings"):
        table.add_column(column, no_wrap=column != "status")
    for tool in report.tools:
        status = Text(tool.status.value, style=TOOL_STYLE[tool.status])
        if tool.reason:
            status.append(f" ({tool.reason})", style="dim")
        took = "cached" if tool.cached else f"{tool.duration_s:.1f}s"
        table.add_row(tool.name, tool.version or "–", status, took, str(tool.findings))
    return table


def _fixed(report: Report) -> list[Text]:
    """What `--fix` did before this report, and what is left to set by hand."""
    fixes = report.fixes
    if fixes is None:
        return []
    count = len(fixes.applied)
    head = Text(f"Fixed {count} finding{'' if count == 1 else 's'}", style="bold green")
    files = len(fixes.files)
    head.append(f" in {files} file{'' if files == 1 else 's'}")
    if fixes.held_back:
        head.append(f" ({fixes.held_back} more with --unsafe-fixes)")
    out = [head]
    if fixes.env:
        note = Text("The fixed code reads these environment variables; set them where it runs: ")
        note.append(", ".join(fixes.env), style="bold")
        out.append(note)
    out.extend(Text(f"Left alone: {why}", style="yellow") for why in fixes.refused)
    return out


def _fixable(report: Report) -> Text | None:
    """`N may be fixed with --fix`: the findings of rules that have a fix (a fix may still
    decline one it cannot make safely; `--fix-diff` shows the exact changes)."""
    if report.fixes is not None:
        return None
    kinds = {spec.code: spec.fix for spec in report.rules}
    own = [f for f in report.findings if f.source == "ttaprod" and f.path]
    safe = sum(1 for f in own if kinds.get(f.rule) == "safe")
    unsafe = sum(1 for f in own if kinds.get(f.rule) == "unsafe")
    if not safe and not unsafe:
        return None
    parts = []
    if safe:
        parts.append(f"up to {safe} with --fix")
    if unsafe:
        parts.append(f"up to {unsafe} {'more ' if safe else ''}with --fix --unsafe-fixes")
    text = Text("Fixable: ", style="bold")
    text.append(", ".join(parts) + " (--fix-diff shows the changes)")
    return text


def _footer(report: Report) -> Text:
    stats = report.stats
    counts = ", ".join(f"{n} {sev}" for sev, n in stats.by_severity.items())
    count = len(report.findings)
    text = Text(f"{count} finding{'' if count == 1 else 's'}", style="bold")
    if counts:
        text.append(f" ({counts})")
    by_role = Counter(f.role for f in report.findings)
    if set(by_role) - {"service"}:  # say where they are when not all in service code
        text.append(" · " + ", ".join(f"{n} in {role}" for role, n in sorted(by_role.items())))
    if stats.suppressed:
        text.append(f" · {stats.suppressed} suppressed")
    if stats.baselined:
        text.append(f" · {stats.baselined} in baseline")
    text.append(f" · {stats.files} files, {stats.lines} lines")
    if stats.parse_errors:
        text.append(f" · {stats.parse_errors} not parsed", style="yellow")
    text.append(f" · {stats.duration_s:.2f}s")
    return text


def render(
    report: Report,
    console: Console,
    quiet: bool = False,
    show_baselined: bool = False,
    show_suppressed: bool = False,
) -> None:
    report = prepared(report, human=True)
    if quiet:
        for line in _fixed(report)[:1]:
            console.print(line, highlight=False)
        console.print(verdict_line(report))
        return
    console.print(_header(report))
    console.print()
    if not _files_only(report):
        console.print(_checklist(report.checklist, report))
        console.print()
    for renderable in _findings(report.findings):
        _print(console, renderable)
    if show_baselined and report.baselined:
        console.print(
            Text(f"Known findings (in the baseline): {len(report.baselined)}", style="bold")
        )
        for renderable in _findings(report.baselined):
            _print(console, renderable, style="dim")
    if show_suppressed and report.suppressed:
        console.print(Text(f"Suppressed findings: {len(report.suppressed)}", style="bold"))
        for renderable in _findings(report.suppressed):
            _print(console, renderable, style="dim")
    for renderable in _stale(report.baseline):
        console.print(renderable, highlight=False)
    tools = _tools(report)
    ran = any(t.status is not ToolStatus.SKIPPED for t in report.tools)
    if tools is not None and (ran or not _files_only(report)):
        console.print(tools)
        console.print()
    for line in _fixed(report):
        console.print(line, highlight=False)
    fixable = _fixable(report)
    if fixable is not None:
        console.print(fixable, highlight=False)
    console.print(_footer(report))
    console.print(verdict_line(report))
