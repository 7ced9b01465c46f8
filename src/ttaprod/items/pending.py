"""Problems a file cannot judge alone: a detector records them with `ctx.pending(...)`, and
the check of their item decides with every file's facts in hand.

    ctx.pending(node, Problem(...), site=True, **data)   # in a detector
    tally.uncovered_site(pending_issue(fact))            # in the item check, if it stands

A pending fact carries the problem (rule, message, severity, fix), the source of the flagged
node (for the fingerprint and the span), and whether it stands for one site of the item.
"""

from __future__ import annotations

from .. import selection
from ..engine.project import ProjectIndex
from ..facts import Pending
from ..models import Severity
from ..tally import Issue


def pending_facts(index: ProjectIndex, rules: tuple[str, ...]) -> list[Pending]:
    """Pending facts of `rules`, except where per-file-ignores turn the rule off."""
    ignores = index.config.per_file_ignores
    return [
        f
        for f in index.facts_of(Pending)
        if f.rule in rules and not selection.ignored_for_path(f.rule, f.path, ignores)
    ]


def pending_issue(fact: Pending) -> Issue:
    """The problem a pending fact stands for, spanning its flagged source."""
    severity = fact.severity
    return Issue(
        fact.rule,
        fact.path,
        fact.line,
        fact.message,
        fact.anchor,
        column=fact.column,
        end_line=fact.end_line,
        end_column=fact.end_column,
        severity=Severity(severity) if severity else None,
        fix=fact.fix or None,
        statement_line=fact.statement_line,
        fingerprint=fact.fingerprint,
    )
