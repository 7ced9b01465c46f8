"""errors.fallback, project half: LLM calls whose fallback is in another module (TTP110): around
their function or one of its module leading to it, or, through the call graph, around a
function every path into theirs passes."""

from __future__ import annotations

from ..checks.errors.llm_call_fallback import FALLBACK
from ..engine.project import CheckResult, ProjectIndex
from ..facts import FallbackCovers, Pending
from ..models import ItemResult
from ..tally import Tally
from .pending import pending_facts, pending_issue


def _covering(fact: Pending, covers: dict[str, FallbackCovers]) -> FallbackCovers | None:
    for entry in fact.entries:
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
    covers: dict[str, FallbackCovers] = {}
    for fact in index.facts_of(FallbackCovers):
        covers.setdefault(fact.target, fact)
    on_paths = {qual: covers[seed] for qual, seed in index.graph.covered(covers).items()}
    tally = Tally(index, FALLBACK)
    for fact in facts:
        proof = _covering(fact, covers) or on_paths.get(fact.function)
        if proof is not None:
            tally.covered_site(fact.path, fact.line, f"fallback in {proof.path}:{proof.line}")
        else:
            tally.uncovered_site(pending_issue(fact))
    return tally.added_to(default)
