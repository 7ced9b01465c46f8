"""errors.timeout and errors.retry, project half: an outbound call whose own function does not
bound or retry it is covered when every path into that function does — a caller's timeout or
retry, a decorator defined in another module, a TTA.dev wrapper applied to its primitive
elsewhere (`engine/graph.py`). Otherwise it is TTP101/TTP102 at the call, with the path that
reaches it unprotected as the finding's trace.

A run on some files only cannot see the callers: the per-module verdict stands. errors.timeout
also carries TTP105 (`items/serverless.py`): a call whose timeout outlasts its serverless
function's.
"""

from __future__ import annotations

from dataclasses import replace

from ..engine.graph import CallGraph, Guard
from ..engine.project import CheckResult, ProjectIndex
from ..facts import CallEdge, Pending
from ..models import ItemResult
from ..tally import Tally
from .pending import pending_facts, pending_issue
from .serverless import function_timeouts

TIMEOUT, RETRY = "errors.timeout", "errors.retry"


def timeout_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    tally = Tally(index, TIMEOUT)
    function_timeouts(index, tally)  # TTP105
    return _judge(index, default, TIMEOUT, "TTP101", tally)


def retry_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    return _judge(index, default, RETRY, "TTP102", Tally(index, RETRY))


def _judge(
    index: ProjectIndex, default: ItemResult, item: str, rule: str, tally: Tally
) -> CheckResult:
    facts = [f for f in pending_facts(index, (rule,)) if f.function]
    if not facts and not tally.findings:
        return default, ()
    graph = index.graph
    # the calls that rely on one client constructor are one problem there, each call a site
    groups: dict[tuple[str, int, str, str, int, bool], list[Pending]] = {}
    for fact in facts:
        key = (fact.path, fact.line, fact.fingerprint, fact.function, *_needs(fact))
        groups.setdefault(key, []).append(fact)
    for group in groups.values():
        fact, needs = group[0], _needs(group[0])
        guard = Guard() if index.partial else graph.protection(fact.function)
        if guard.covers(*needs):
            label = guard.timeout_label if rule == "TTP101" else guard.retry
            for _ in group:
                tally.covered_site(fact.path, fact.line, _covered_note(graph, fact, label))
            continue
        issue = pending_issue(fact)
        path = [] if index.partial else graph.unprotected_path(fact.function, *needs)
        if path:
            trace = (*_trace(graph, path), (fact.path, fact.line, "the call"))
            issue = replace(issue, trace=trace)
        tally.uncovered_site(issue, weight=len(group))
    return tally.added_to(default)


def _needs(fact: Pending) -> tuple[int, bool]:
    return fact.needs_timeout, fact.needs_retry


def _covered_note(graph: CallGraph, fact: Pending, label: str) -> str:
    where = graph.where.get(fact.function) or graph.where.get(fact.function.rpartition(".")[0])
    place = f" ({where.path}:{where.line})" if where is not None else ""
    return f"{label or 'protected by its callers'}{place}"


def _trace(graph: CallGraph, path: list[CallEdge]) -> list[tuple[str, int, str]]:
    """Each call on the way, as `handler() calls fetch()` at its place."""
    steps = []
    for edge in path:
        caller = f"{graph.display(edge.caller)}()" if edge.caller else "module-level code"
        protection = f" inside {edge.timeout_label}" if edge.timeout_label else ""
        callee = graph.display(edge.callee)
        steps.append((edge.path, edge.line, f"{caller} calls {callee}(){protection}"))
    return steps
