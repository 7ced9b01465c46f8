"""Tool findings made whole: kept only for files ttaprod checked, given the flagged source
line (masked), a fingerprint, and honouring `# ttaprod: ignore[...]` comments.

Tools walk the tree with their own rules; keeping only the files ttaprod discovered makes
`exclude` and the skipping of virtual environments apply to them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .. import redact, safeio, sourcelines
from ..findings import fingerprint
from ..models import Finding
from ..suppression import Marks

SECRET_ITEMS = frozenset({"security.secrets-in-env"})
READ_LIMIT = 16 * safeio.MB  # the largest file a tool is given is 10 MB (max-file-size-kb)


def _read_lines(root: Path, rel: str) -> tuple[list[str], str]:
    try:
        data = safeio.read_bytes(root / rel, READ_LIMIT, follow_symlinks=False)
    except OSError:
        return [], ""
    text = data.decode("utf-8", errors="replace")
    return sourcelines.split(text), text


def flagged_text(lines: list[str], finding: Finding) -> str:
    """The source between the finding's start and end (whole lines when columns do not fit)."""
    if not 0 < finding.line <= len(lines):
        return finding.message
    last = min(max(finding.end_line, finding.line), len(lines))
    chunk = lines[finding.line - 1 : last]
    if len(chunk) == 1 and finding.end_column > finding.column:
        piece = chunk[0][finding.column - 1 : finding.end_column - 1]
        return piece or chunk[0]
    return "\n".join(chunk)


def finalize(
    findings: Iterable[Finding],
    root: Path,
    known_files: frozenset[str],
    unparsed: frozenset[str] = frozenset(),
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed): findings on files ttaprod checked, enriched. On a file ttaprod
    could not parse it cannot tell a secret from any other string, so every string on the
    flagged line is masked (ruff's syntax error on `password = "hunter2` quotes that line)."""
    cache: dict[str, tuple[list[str], Marks]] = {}
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        if finding.path not in known_files:
            continue
        if finding.path not in cache:
            lines, text = _read_lines(root, finding.path)
            cache[finding.path] = (lines, Marks.read(text))
        lines, marks = cache[finding.path]
        secret = finding.checklist_item in SECRET_ITEMS or finding.path in unparsed
        snippet = (
            sourcelines.snippet(lines[finding.line - 1]) if 0 < finding.line <= len(lines) else ""
        )
        source = flagged_text(lines, finding)
        if secret:
            snippet = redact.mask_string_literals(snippet)
            source = redact.mask_string_literals(source)
        finding = replace(
            finding,
            snippet=redact.redact_text(snippet),
            fingerprint=fingerprint(finding.rule, finding.path, source),
            statement_line=finding.line,
        )
        silenced = marks.silence(finding, finding.end_line)
        if silenced is not None:
            suppressed.append(silenced)
        else:
            kept.append(finding)
    return kept, suppressed
