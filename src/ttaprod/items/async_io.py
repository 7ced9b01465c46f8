"""performance.async-io, project half: an `async def` that calls a sync function of the
project (in its module or another) which, directly or through its own calls, reads a file,
calls `requests`, runs a subprocess, sleeps or uses a synchronous object passed to it. That
call stops the event loop as surely as the blocking call itself: TTP301 at each such call in
the coroutine, with the chain of calls down to what blocks as its trace. A coroutine whose own
body blocks (`Coroutine.judged`) is already an uncovered site; its helper calls only add
findings.

Calls awaited or handed to a thread offloader (`asyncio.to_thread`, `run_in_executor`) are
not followed. A run on some files only cannot see the helpers' bodies: each such coroutine is
counted covered, as its own body shows nothing that blocks.
"""

from __future__ import annotations

from functools import partial

from ..analysis.targets import method_blocks, synchronous
from ..engine.graph import CallGraph, MethodBlocks
from ..engine.project import CheckResult, ProjectIndex
from ..facts import BlockingCall, CallEdge, Coroutine
from ..models import ItemResult, Severity
from ..tally import Issue, Tally

ITEM, RULE = "performance.async-io", "TTP301"
FIX = (
    "run the helper in a worker thread (`await asyncio.to_thread(helper, ...)`), or make it "
    "async with an async client (httpx.AsyncClient, aiofiles, asyncio.create_subprocess_exec)"
)


def async_io_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    coroutines = index.facts_of(Coroutine)
    if not coroutines:
        return default, ()
    tally = Tally(index, ITEM)
    graph = index.graph
    blocks = partial(_method_blocks, frozenset(index.config.sync_clients))
    for coroutine in coroutines:
        if not tally.applies(RULE, coroutine.path):
            continue
        found = [] if index.partial else _blocking_calls(graph, coroutine, blocks)
        if coroutine.judged:  # its body blocks: the site is uncovered there already
            for edge, chain in found:
                tally.report(_issue(graph, coroutine, edge, chain))
            continue
        if not found:
            tally.covered_site(coroutine.path, coroutine.line, "no blocking call in its helpers")
            continue
        tally.uncovered_site(_issue(graph, coroutine, *found[0]))
        for edge, chain in found[1:]:  # one site, each blocking call reported, as in its body
            tally.report(_issue(graph, coroutine, edge, chain))
    return tally.added_to(default)


def _blocking_calls(
    graph: CallGraph, coroutine: Coroutine, blocks: MethodBlocks
) -> list[tuple[CallEdge, list[CallEdge | BlockingCall]]]:
    """Each call of the coroutine into a sync helper that blocks, with the chain below it."""
    found = []
    seen: set[tuple[int, str]] = set()
    for edge in graph.calls_from.get(coroutine.qual, ()):
        if edge.awaited or edge.offloaded or (edge.line, edge.callee) in seen:
            continue
        seen.add((edge.line, edge.callee))
        chain = graph.blocking(edge, blocks)
        if chain:
            found.append((edge, chain))
    return found


def _method_blocks(declared: frozenset[str], ctor: str, method: str) -> tuple[str, str] | None:
    """How `method` of a `ctor` object passed into a helper blocks (the table's objects and
    the team's `sync-clients`)."""
    found = method_blocks(ctor, method, declared)
    return (synchronous(ctor), found.severity.value) if found is not None else None


def _issue(
    graph: CallGraph, coroutine: Coroutine, edge: CallEdge, chain: list[CallEdge | BlockingCall]
) -> Issue:
    last = chain[-1]
    assert isinstance(last, BlockingCall)
    helper = graph.display(edge.callee)
    where = f"{last.path}:{last.line}"
    through = len(chain) - 1
    hops = f", {through} call(s) further down" if through else ""
    message = (
        f"`{helper}()` blocks the event loop inside `async def {coroutine.name}`: it calls "
        f"{last.what} ({where}{hops})"
    )
    trace = [(edge.path, edge.line, f"{coroutine.name}() calls {helper}()")]
    for step in chain:
        if isinstance(step, CallEdge):
            caller, callee = graph.display(step.caller), graph.display(step.callee)
            trace.append((step.path, step.line, f"{caller}() calls {callee}()"))
        else:
            trace.append((step.path, step.line, f"{step.what} blocks"))
    return Issue(
        RULE,
        edge.path,
        edge.line,
        message + ".",
        edge.anchor,
        column=0,
        severity=Severity(last.severity),
        fix=FIX,
        trace=tuple(trace),
    )
