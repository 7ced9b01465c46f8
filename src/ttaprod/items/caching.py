"""performance.cache (TTP314 llm-call-without-cache): every LLM or embedding call is a site,
covered when a cache is on its path (see `call_guards.py` for what counts and how calls in
other modules are followed). Judged at project level from `llm_call`, `guarded_calls` and
`llm_global_cache` facts; a partial run (some files only) cannot see callers elsewhere and is
not judged."""

from __future__ import annotations

from dataclasses import replace

from ..engine.project import CheckResult, ProjectIndex
from ..facts import GlobalLlmCache, LlmCall
from ..models import ItemResult, Severity, Status
from ..tally import Issue, Tally
from .common import PARTIAL, external_match, guard_on_paths, guards_of

ITEM = "performance.cache"
RULE = "TTP314"
FIX = (
    "memoize the function (@lru_cache, async-lru @alru_cache, aiocache @cached, a cachetools "
    "TTLCache), check a Redis key around the call, or wrap the TTA.dev primitive in "
    "CachePrimitive(p, cache_key_fn=…, ttl_seconds=…)"
)


def _issue(fact: LlmCall) -> Issue:
    operation, provider = fact.operation, fact.provider
    if fact.call_kind == "embedding":
        message = (
            f"`{operation}()` embeds text with {provider} and no cache is on its path: the same "
            "text is embedded, and paid for, again on every call"
        )
    else:
        message = (
            f"`{operation}()` calls {provider} with no cache on its path: a repeated request "
            "costs a full model call, in latency and tokens, every time"
        )
    severity = None
    if fact.stream:
        message += " (a streamed answer: caching needs the whole answer, so this is only a note)"
        severity = Severity.INFO
    anchor = fact.anchor
    return Issue(
        RULE,
        fact.path,
        fact.line,
        message + ".",
        anchor,
        column=0,
        severity=severity,
        fix=FIX,
    )


def cache_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    calls = index.facts_of(LlmCall)
    tally = Tally(index, ITEM)
    if calls and index.partial:
        return tally.result(default, PARTIAL)
    guards = guards_of(index, "cache")
    on_paths = guard_on_paths(index, guards)
    global_caches = {f.provider for f in index.facts_of(GlobalLlmCache)}
    for fact in calls:
        if not tally.applies(RULE, fact.path):
            continue
        label = fact.cache
        if not label:
            found = external_match(fact.reach, guards) or on_paths.get(fact.function)
            if found is not None:
                label = f"{found[0]} ({found[1].path}:{found[1].line})"
        if not label and fact.provider.lower().startswith(tuple(global_caches)):
            label = "a global LiteLLM cache"
        if label:
            tally.covered_site(fact.path, fact.line, f"cached by {label}")
        else:
            tally.uncovered_site(_issue(fact))
    result, findings = tally.result(default, "no LLM or embedding calls found")
    if result.status is Status.SKIP and calls and not tally.total:
        result = replace(result, reason=f"{RULE} is not selected")
    return result, findings
