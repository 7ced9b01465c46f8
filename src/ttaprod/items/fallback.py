"""errors.fallback, project half: LLM calls whose fallback is in another module (TTP110)."""

from __future__ import annotations

from ..checks.errors.llm_call_fallback import COVERS, FALLBACK
from ..engine.project import CheckResult, ProjectIndex
from ..models import Evidence, Fact, ItemResult
from .pending import Judge, pending_facts


def _covering(fact: Fact, covers: dict[str, Fact]) -> Fact | None:
    for entry in filter(None, fact.get("entries").split(",")):
        for name in (entry, entry.rpartition(".")[0]):
            if name in covers:
                return covers[name]
    return None


def fallback_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    """LLM calls without a fallback in their own module: covered by a fallback in another
    module around their function (or one leading to it), else TTP110."""
    facts = pending_facts(index, ("TTP110",))
    if not facts or index.partial:
        return default, ()
    covers: dict[str, Fact] = {}
    for fact in sorted(index.facts_of(COVERS), key=lambda f: (f.path, f.line)):
        covers.setdefault(fact.get("target"), fact)
    judge = Judge(index, FALLBACK)
    findings = []
    evidence: list[Evidence] = []
    covered = 0
    for fact in facts:
        proof = _covering(fact, covers)
        if proof is not None:
            covered += 1
            evidence.append(
                Evidence(fact.path, fact.line, f"fallback in {proof.path}:{proof.line}")
            )
            continue
        found = judge.finding(fact)
        if found is None:
            covered += 1
        else:
            findings.append(found)
    return judge.result(default, covered, len(facts), findings, evidence), tuple(findings)
