"""errors.logging, project half: TTP114 unless some module binds a correlation id to every
log line, or the project serves no request, message or job (nothing to correlate)."""

from __future__ import annotations

from ..engine.project import CheckResult, ProjectIndex
from ..facts import CorrelationBinding, InboundWork, Route
from ..models import Evidence, ItemResult
from ..tally import Tally
from .pending import pending_facts, pending_issue


def correlation_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    """TTP114 findings when no file binds a correlation id for every log line."""
    facts = pending_facts(index, ("TTP114",))
    if not facts or index.partial:
        return default, ()
    tally = Tally(index, "errors.logging")
    sites = sum(1 for fact in facts if fact.site)
    bindings = index.facts_of(CorrelationBinding)
    if bindings:
        proof = bindings[0]
        tally.total = tally.covered = sites
        tally.prove(Evidence(proof.path, proof.line, f"correlation id bound ({proof.how})"))
        return tally.added_to(default)
    if not (index.facts_of(Route) or index.facts_of(InboundWork)):
        # no web route, no message handler, no job worker: no request to tie an error to
        tally.total = tally.covered = sites
        return tally.added_to(default)
    for fact in facts:
        found = tally.report(pending_issue(fact))
        if fact.site:
            tally.total += 1
            tally.covered += found is None
    return tally.added_to(default)
