"""What `--fix-only` and `--fix-diff` print: the fixes made (or the diff of those that would
be), the environment variables the fixed code now reads, and the files left alone."""

from __future__ import annotations

import sys

from ..api import FixOutcome
from ..models import FixSummary


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def headline(summary: FixSummary, would: bool = False) -> str:
    fixed = len(summary.applied)
    if not fixed:
        text = "nothing to fix"
    else:
        verb = "would fix" if would else "fixed"
        text = f"{verb} {_count(fixed, 'finding')} in {_count(len(summary.files), 'file')}"
    if summary.held_back:
        text += f" ({summary.held_back} more with --unsafe-fixes)"
    return text


def notes(summary: FixSummary) -> list[str]:
    lines = []
    if summary.env:
        lines.append(
            "the fixed code reads these environment variables; set them where it runs: "
            + ", ".join(summary.env)
        )
    lines.extend(f"left alone: {why}" for why in summary.refused)
    return lines


def print_changes(outcome: FixOutcome, quiet: bool, no_color: bool = False) -> None:
    summary = outcome.summary
    text = headline(summary)
    print(text[:1].upper() + text[1:] + ("." if quiet or not summary.applied else ":"))
    if quiet:
        return
    for fix in summary.applied:
        kind = "" if fix.safe else " (unsafe)"
        print(f"  {fix.path}:{fix.line} {fix.rule}{kind} {fix.description}")
    for line in notes(summary):
        print(line[:1].upper() + line[1:])


def print_diffs(outcome: FixOutcome, quiet: bool) -> None:
    if not quiet:
        for change in outcome.changes:
            sys.stdout.write(change.diff)
    summary = outcome.summary
    print(f"ttaprod: {headline(summary, would=True)}", file=sys.stderr)
    for line in notes(summary):
        print(f"ttaprod: {line}", file=sys.stderr)
