"""Problems a file cannot judge alone: a detector records them with `ctx.pending(...)`, and
the check of their item decides with every file's facts in hand.

    ctx.pending(node, Problem(...), site=True, **data)   # in a detector
    tally.uncovered_site(pending_issue(fact))            # in the item check, if it stands

A pending fact carries the problem (rule, message, severity, fix), the source of the flagged
node (for the fingerprint and the span), and whether it stands for one site of the item.
"""

from __future__ import annotations

from .. import selection
from ..engine.context import PENDING
from ..engine.project import ProjectIndex
from ..models import Fact, Severity
from ..tally import Issue


def pending_facts(index: ProjectIndex, rules: tuple[str, ...]) -> list[Fact]:
    """Pending facts of `rules`, except where per-file-ignores turn the rule off."""
    ignores = index.config.per_file_ignores
    return [
        f
        for f in index.facts_of(PENDING)
        if f.get("rule") in rules and not selection.ignored_for_path(f.get("rule"), f.path, ignores)
    ]


def pending_issue(fact: Fact) -> Issue:
    """The problem a pending fact stands for, spanning its flagged source."""
    severity = fact.get("severity")
    return Issue(
        fact.get("rule"),
        fact.path,
        fact.line,
        fact.get("message"),
        fact.get("anchor"),
        column=0,
        severity=Severity(severity) if severity else None,
        fix=fact.get("fix") or None,
    )
