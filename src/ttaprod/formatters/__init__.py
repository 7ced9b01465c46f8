"""Formatters: each turns a finished Report into text. They see nothing but the report.

Each public entry point first passes the report through `prepared`: the one masking function
(`redact.scrub`) on every text in it, and, for a format a person reads (the terminal,
Markdown, GitHub annotations, JUnit), `redact.printable` too, so a file name, a message or a
code line cannot carry a credential or an escape sequence to the reader.
"""

from __future__ import annotations

from dataclasses import replace

from .. import redact
from ..models import Finding, Report


def prepared(report: Report, human: bool) -> Report:
    """The report as it may leave ttaprod. The rule catalogue (`rules`) is ttaprod's own
    documentation and is kept as written; a shard's payload (`check --shard`) was masked as
    it was made, as the cache is."""
    scrubbed = redact.scrub_values(replace(report, rules=(), shard=None), human)
    return replace(scrubbed, rules=report.rules, shard=report.shard)


def message_with_context(finding: Finding) -> str:
    """The message, who else reported it, and the fix: for formats with one text field."""
    text = finding.message
    if finding.also_reported_by:
        text += f" (also reported by {', '.join(finding.also_reported_by)})"
    if finding.fix:
        text += f"\nFix: {finding.fix}"
    return text
