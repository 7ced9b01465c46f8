"""TTP105 outbound-timeout-not-below-function-timeout (errors.timeout): in a serverless
function whose timeout the configuration gives (`serverless.yml`, a SAM template:
`deploy/serverless.py`), an outbound call — in the handler or in anything it calls, in any
module — whose literal timeout is not shorter than the function's. The platform kills the
function first: the call's own timeout never fires, its error handling and fallback never run,
and the invocation fails as a platform timeout. A module-level client's timeout counts for the
modules the handler reaches. Facts: `CallTimeout` (`checks/errors/serverless_timeouts.py`)."""

from __future__ import annotations

from ..deploy import serverless
from ..deploy.inventory import collect
from ..engine.graph import CallGraph
from ..engine.project import ProjectIndex
from ..facts import CallTimeout
from ..tally import Issue, Tally

RULE = "TTP105"


def function_timeouts(index: ProjectIndex, tally: Tally) -> None:
    """Report TTP105 into `tally` (errors.timeout)."""
    timeouts = index.facts_of(CallTimeout)
    if not timeouts or index.partial or not tally.applies(RULE, ""):
        return
    configs = serverless.functions(collect(index))
    graph = index.graph
    seen: set[tuple[str, int]] = set()
    for config in configs:
        handler = next(
            (
                q
                for q in sorted(graph.functions)
                if q == config.handler_suffix or q.endswith("." + config.handler_suffix)
            ),
            None,
        )
        if handler is None:
            continue
        reach = _reachable(graph, handler)
        paths = {graph.functions[q].path for q in reach if q in graph.functions}
        for fact in timeouts:
            inside = fact.function in reach or (not fact.function and fact.path in paths)
            if not inside or fact.seconds < config.timeout or (fact.path, fact.line) in seen:
                continue
            seen.add((fact.path, fact.line))
            limit = f"{config.timeout:g} s"
            where = f"{config.path}:{config.timeout_line}" if config.timeout_line else "default"
            tally.report(
                Issue(
                    RULE,
                    fact.path,
                    fact.line,
                    f"{fact.what} may wait {fact.seconds:g} s, but function {config.name} "
                    f"({config.source}) is stopped after {limit} ({where}): the platform "
                    "kills the invocation before the call times out, so its error handling "
                    "never runs.",
                    fact.anchor,
                    column=0,
                    fix=f"give the call a timeout well under {limit} (leave time to handle "
                    "the error), or raise the function's timeout",
                    trace=(
                        (
                            config.path,
                            config.line,
                            f"{config.name} runs {graph.display(handler)}()",
                        ),
                        (fact.path, fact.line, f"the call, with a {fact.seconds:g} s timeout"),
                    ),
                )
            )


def _reachable(graph: CallGraph, root: str) -> set[str]:
    seen = {root}
    todo = [root]
    while todo:
        qual = todo.pop()
        for edge in graph.calls_from.get(qual, ()):
            for target in graph.targets(edge):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    return seen
