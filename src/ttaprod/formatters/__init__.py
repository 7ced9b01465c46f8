"""Formatters: each turns a finished Report into text. They see nothing but the report."""

from __future__ import annotations

from ..models import Finding


def message_with_context(finding: Finding) -> str:
    """The message, who else reported it, and the fix: for formats with one text field."""
    text = finding.message
    if finding.also_reported_by:
        text += f" (also reported by {', '.join(finding.also_reported_by)})"
    if finding.fix:
        text += f"\nFix: {finding.fix}"
    return text
