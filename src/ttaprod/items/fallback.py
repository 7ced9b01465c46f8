"""errors.fallback, project half: LLM calls whose fallback is in another module (TTP110): around
their function or one of its module leading to it, or, through the call graph, around a
function every path into theirs passes."""

from __future__ import annotations

from ..engine.project import CheckResult, ProjectIndex
from ..facts import FallbackCovers, Pending
from ..models import ItemResult
from ..tally import Tally
from .pending import pending_facts, pending_issue

FALLBACK = "errors.fallback"


def _covering(fact: Pending, covers: dict[str, FallbackCovers]) -> FallbackCovers | None:
    """A fallback around the fact's function, one leading to it or its class; or around a
    call by name on something its module could not resolve (`?.chat_parse`: a plugin looked
    up at run time)."""
    for entry in fact.entries:
        for name in (entry, entry.rpartition(".")[0], f"?.{entry.rpartition('.')[2]}"):
            if name in covers:
                return covers[name]
            # a module imported from a deeper source root (`from openai_helper import …` in
            # bot/telegram_bot.py names bot/openai_helper.py without its folder)
            parts = name.split(".")
            for i in range(1, len(parts) - 1):
                found = covers.get(".".join(parts[i:]))
                if found is not None:
                    return found
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
