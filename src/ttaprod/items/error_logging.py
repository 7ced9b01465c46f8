"""errors.logging, project half: TTP114 unless some module binds a correlation id to every
log line."""

from __future__ import annotations

from ..checks.errors.error_handlers import BINDING, LOGGING
from ..engine.project import CheckResult, ProjectIndex
from ..models import Evidence, ItemResult
from .pending import Judge, pending_facts


def correlation_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    """TTP114 findings when no file binds a correlation id for every log line."""
    facts = pending_facts(index, ("TTP114",))
    if not facts or index.partial:
        return default, ()
    judge = Judge(index, LOGGING)
    sites = [f for f in facts if f.get("site")]
    bindings = sorted(index.facts_of(BINDING), key=lambda f: (f.path, f.line))
    if bindings:
        proof = bindings[0]
        evidence = [Evidence(proof.path, proof.line, f"correlation id bound ({proof.get('how')})")]
        return judge.result(default, len(sites), len(sites), [], evidence), ()
    findings = [found for f in facts if (found := judge.finding(f)) is not None]
    covered = sum(1 for f in sites if judge.suppressed(f))
    return judge.result(default, covered, len(sites), findings), tuple(findings)
