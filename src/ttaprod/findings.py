"""The one way a `Finding` of ttaprod's own is made: catalogue defaults, masking, fingerprint.

Every source of own findings (the per-file engine, project item checks, deployment files,
discovery notices, internal errors) calls `new_finding`; tool adapters build theirs from the
tool's output.
"""

from __future__ import annotations

import hashlib

from . import catalogue, redact
from .models import Finding, Severity

_FROM_CATALOGUE = "\0catalogue"


def fingerprint(rule: str, path: str, text: str) -> str:
    """Stable id of a finding: rule, path and the flagged source with layout and secrets
    normalised away, so it survives unrelated edits (baselines, SARIF)."""
    normalised = "".join(redact.redact_text(text).split())
    text = f"{rule}\0{path}\0{normalised}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def new_finding(
    rule: str,
    path: str,
    line: int,
    message: str,
    *,
    anchor: str,
    column: int = 1,
    end_line: int | None = None,
    end_column: int | None = None,
    severity: Severity | None = None,
    item: str | None = _FROM_CATALOGUE,
    fix: str | None = None,
    snippet: str = "",
    statement_line: int = 0,
    on_site: bool = False,
    role: str = "service",
    trace: tuple[tuple[str, int, str], ...] = (),
    print_: str = "",
) -> Finding:
    """A finding of rule `rule` at `path:line`. `anchor` is the flagged source (or another
    text stable across unrelated edits) the fingerprint is made of, unless `print_` gives the
    fingerprint already made; severity and checklist item default to the catalogue's.
    Message and snippet are masked here."""
    spec = catalogue.catalogue()[rule]
    return Finding(
        rule=rule,
        source="ttaprod",
        checklist_item=spec.checklist_item if item == _FROM_CATALOGUE else item,
        severity=severity or spec.severity,
        path=path,
        line=line,
        column=column,
        end_line=line if end_line is None else end_line,
        end_column=column if end_column is None else end_column,
        message=redact.redact_text(message),
        fix=fix,
        fingerprint=print_ or fingerprint(rule, path, anchor),
        snippet=redact.redact_text(snippet),
        statement_line=statement_line,
        on_site=on_site,
        role=role,
        trace=trace,
    )


def internal_error(path: str, what: str, exc: BaseException) -> Finding:
    """TTP906 for a bug of ours: `what` failed (a rule, a check) with `exc` on `path`."""
    message = (
        f"ttaprod's {what} failed here ({type(exc).__name__}); the rest of the run went on. "
        "Please report this bug."
    )
    return new_finding("TTP906", path, 1, message, anchor=f"{what}:{type(exc).__name__}")
