"""TTP301 blocking-call-in-async (performance.async-io).

Every `async def` is a site: covered when its body makes no blocking call, uncovered (and
each blocking call reported) otherwise. What blocks is data: every synchronous call, client
and object method in the table of call targets (`rules/knowledge/outbound.toml`, read through
`analysis/targets.py`), functions by qualified name and methods by the type of the instance
they are called on.

Only calls the coroutine itself executes count: a call inside a nested sync `def` or a
`lambda` runs when (and where) that function is called, so `asyncio.to_thread(lambda:
requests.get(url))` is fine, and a callable passed uncalled to an offloader
(`await asyncio.to_thread(requests.get, url)`) is not a call at all. Decorators, default
values and annotations of a nested function run in the enclosing scope. A helper called
from the coroutine is followed by the project check (`items/async_io.py`), from a
`coroutine` fact: whether it blocks needs the other modules.

The site of an async function with blocking calls is its first blocking call (that line is
the evidence); suppressing that finding inline marks the function covered. Test files are
not service code: their coroutines are not sites.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ...analysis.blocking import blocking_call, executing_function, offloaded, offloader
from ...analysis.outbound import called_name, chained_name, scope_qualname
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector
from ...facts import Coroutine

ITEM = "performance.async-io"
RULE = "TTP301"


@dataclass
class _Frame:
    node: cst.FunctionDef
    blocking: int = 0
    offloaded: str = ""
    calls_project: bool = False  # calls a sync function of the project: a helper may block


class BlockingCallInAsync(Detector):
    codes = (RULE,)
    needs = (b"async",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._frames: dict[int, _Frame] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None and not self.ctx.is_test_file:
            self._frames[id(node)] = _Frame(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self._frames.pop(id(node), None)
        if frame is None:
            return
        if frame.calls_project:  # its helpers are judged with the call graph (`items/async_io.py`)
            qual = scope_qualname(self.ctx.names)
            fact = Coroutine(qual=qual, name=node.name.value, judged=frame.blocking > 0)
            self.ctx.fact(node.name, fact, self.ctx.statement_line(node))
        if frame.blocking or frame.calls_project:
            return
        label = f"offloads blocking work via {frame.offloaded}" if frame.offloaded else ""
        self.ctx.site(ITEM, RULE, node, label=label)

    def visit_Call(self, node: cst.Call) -> None:
        if not self._frames:
            return
        fn = executing_function(self.ctx.stack)
        frame = self._frames.get(id(fn)) if isinstance(fn, cst.FunctionDef) else None
        if frame is None:
            return
        if isinstance(self.ctx.parent(), cst.Await):
            return  # an awaited call is never a blocking sync call, whatever its annotation says
        found = blocking_call(self.ctx, node)
        if found is None:
            if not frame.offloaded:
                frame.offloaded = offloader(self.ctx, node)
            if not frame.calls_project:
                qual = self.ctx.qualname(node.func)
                callee = called_name(self.ctx, node.func, qual) or chained_name(self.ctx, node.func)
                frame.calls_project = self.ctx.in_project(callee) and not offloaded(self.ctx)
            return
        what, blocking = found
        problem = Problem(
            RULE,
            f"{what} blocks the event loop inside `async def {frame.node.name.value}`",
            severity=blocking.severity,
            fix=blocking.hint,
        )
        frame.blocking += 1
        if frame.blocking == 1:  # the function's site, uncovered
            self.ctx.site(ITEM, RULE, node, problem)
        else:
            self.ctx.report(node, problem)
