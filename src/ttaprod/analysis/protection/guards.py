"""What protects a call from the code around it, within its function: a timeout block
(`with asyncio.timeout(…)`, `anyio.fail_after`), the awaitable argument of `asyncio.wait_for`,
a retry loop (tenacity `Retrying`, stamina `retry_context`, or a bounded `for`/`while` around
try/except whose handler lets the loop go round again).

Timeout levels: 0 none, 1 cancellation (asyncio/anyio/trio/TimeoutPrimitive: interrupts only
awaitable work), 2 anything (signal-based).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from ...engine.context import FileContext
from ...engine.names import dotted
from ..outbound import TimeoutWrapper, find_arg, is_none, wrappers

_RETRY_NAMES = ("attempt", "retr", "tries", "tried")


@dataclass(frozen=True)
class Protection:
    timeout: int = 0
    timeout_label: str = ""
    retry_label: str = ""

    def merge(self, other: Protection) -> Protection:
        timeout, label = self.timeout, self.timeout_label
        if other.timeout > timeout:
            timeout, label = other.timeout, other.timeout_label
        return Protection(timeout, label, self.retry_label or other.retry_label)


NONE = Protection()


def guard(ctx: FileContext) -> Protection:
    """Protection from the enclosing statements and calls, up to the function boundary."""
    stack = ctx.stack
    found = NONE
    retry_try = False
    child = stack[-1]
    for i in range(len(stack) - 2, -1, -1):
        node = stack[i]
        if isinstance(node, cst.FunctionDef):
            break
        if isinstance(node, cst.With) and child is node.body:
            for item in node.items:
                found = found.merge(_timeout_context(ctx, item.item))
        elif isinstance(node, cst.Call) and isinstance(child, cst.Arg):
            found = found.merge(_timeout_call(ctx, node, child))
        elif isinstance(node, cst.Try) and child is node.body:
            retry_try = retry_try or _retrying_handler(node)
        elif isinstance(node, (cst.For, cst.While)) and child is node.body:
            label = _retry_loop(ctx, node, retry_try)
            if label and not found.retry_label:
                found = replace(found, retry_label=label)
        child = node
    return found


def _timeout_context(ctx: FileContext, expr: cst.BaseExpression) -> Protection:
    if not isinstance(expr, cst.Call):
        return NONE
    wrapper = wrappers().timeouts.get(ctx.qualname(expr.func) or "")
    if wrapper is None or wrapper.form != "context" or not delay_set(expr, wrapper):
        return NONE
    return Protection(wrapper.level, dotted(expr.func) or wrapper.display)


def _timeout_call(ctx: FileContext, node: cst.Call, child: cst.Arg) -> Protection:
    wrapper = wrappers().timeouts.get(ctx.qualname(node.func) or "")
    if wrapper is None or wrapper.form != "call" or not delay_set(node, wrapper):
        return NONE
    positional = [a for a in node.args if a.keyword is None and not a.star]
    target = (
        positional[wrapper.target_position] if len(positional) > wrapper.target_position else None
    )
    if child is not target and (
        child.keyword is None or child.keyword.value == wrapper.delay_keyword
    ):
        return NONE
    return Protection(wrapper.level, dotted(node.func) or wrapper.display)


def delay_set(call: cst.Call, wrapper: TimeoutWrapper) -> bool:
    delay = find_arg(call.args, wrapper.delay_keyword, wrapper.delay_position)
    return not delay.known or (delay.value is not None and not is_none(delay.value))


def _retry_loop(ctx: FileContext, loop: cst.For | cst.While, retry_try: bool) -> str:
    if isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call):
        retry = wrappers().retries.get(ctx.qualname(loop.iter.func) or "")
        if retry is not None and "loop" in retry.forms:
            return retry.display
    if not retry_try:
        return ""
    if isinstance(loop, cst.While):
        return "a retry loop"
    if isinstance(loop.iter, cst.Call) and ctx.qualname(loop.iter.func) == "builtins.range":
        return "a retry loop"
    target = dotted(loop.target) or ""
    return "a retry loop" if any(n in target.lower() for n in _RETRY_NAMES) else ""


def _retrying_handler(node: cst.Try) -> bool:
    """An except handler that lets the loop go round again (it does not end by leaving)."""
    for handler in node.handlers:
        body = handler.body
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            continue
        last = body.body[-1]
        leaves = (
            isinstance(last, cst.SimpleStatementLine)
            and bool(last.body)
            and isinstance(last.body[-1], (cst.Raise, cst.Return, cst.Break))
        )
        if not leaves:
            return True
    return False
