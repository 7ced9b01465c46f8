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
from the coroutine is not followed (same-module call graphs are out of scope here).

The site of an async function with blocking calls is its first blocking call (that line is
the evidence); suppressing that finding inline marks the function covered. Test files are
not service code: their coroutines are not sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from ...analysis.targets import Blocking, blocking_table
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector

ITEM = "performance.async-io"
RULE = "TTP301"


def executing_function(stack: Sequence[cst.CSTNode]) -> cst.FunctionDef | cst.Lambda | None:
    """The function whose body runs the innermost node of `stack` (its last element): a
    decorator, default or annotation of a nested `def` belongs to the enclosing scope."""
    for i in range(len(stack) - 2, -1, -1):
        node = stack[i]
        if isinstance(node, (cst.FunctionDef, cst.Lambda)) and stack[i + 1] is node.body:
            return node
    return None


def _method_path(ctx: FileContext, func: cst.Attribute) -> tuple[str, str] | None:
    """(constructor of the instance, dotted method path) for `x.a.b()` on a tracked instance."""
    path = [func.attr.value]
    receiver: cst.BaseExpression = func.value
    while True:
        held = ctx.instance(receiver)
        if held is not None:
            return held.ctor, ".".join(reversed(path))
        if not isinstance(receiver, cst.Attribute):
            return None
        path.append(receiver.attr.value)
        receiver = receiver.value


def blocking_call(ctx: FileContext, call: cst.Call) -> tuple[str, Blocking] | None:
    """(what is called, how it blocks) when `call` blocks its thread, else None."""
    table = blocking_table()
    func = call.func
    qual = ctx.qualname(func)
    if qual is not None:
        found = table.calls.get(qual)
        return (f"`{qual.removeprefix('builtins.')}()`", found) if found is not None else None
    if not isinstance(func, cst.Attribute):
        return None
    target = _method_path(ctx, func)
    if target is None:
        return None
    ctor, path = target
    for base in ctx.names.bases_of(ctor):
        for rule in table.methods.get(base, ()):
            if rule.covers(path):
                return f"`{ctx.code_for(func)}()` ({base} is synchronous)", rule.blocking
    return None


def offloader(ctx: FileContext, call: cst.Call) -> str:
    """The name of the thread offloader `call` is (`asyncio.to_thread`…), or ""."""
    table = blocking_table()
    qual = ctx.qualname(call.func)
    if qual in table.offloaders:
        return qual or ""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in table.offloader_methods:
        return f"loop.{call.func.attr.value}"
    return ""


@dataclass
class _Frame:
    node: cst.FunctionDef
    blocking: int = 0
    offloaded: str = ""


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
        if frame is not None and not frame.blocking:
            label = f"offloads blocking work via {frame.offloaded}" if frame.offloaded else ""
            self.ctx.site(ITEM, RULE, node, label=label)

    def visit_Call(self, node: cst.Call) -> None:
        if not self._frames:
            return
        fn = executing_function(self.ctx.stack)
        frame = self._frames.get(id(fn)) if isinstance(fn, cst.FunctionDef) else None
        if frame is None:
            return
        found = blocking_call(self.ctx, node)
        if found is None:
            if not frame.offloaded:
                frame.offloaded = offloader(self.ctx, node)
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
