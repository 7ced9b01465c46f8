"""Timeout and retry protection on the path of a call, within one module.

A call is protected by what surrounds it in its function (a `with asyncio.timeout(…)` block,
the awaitable argument of `asyncio.wait_for`, a tenacity/stamina retry loop, a hand-written
retry loop around try/except), and by what protects its function: a decorator (tenacity
`@retry`, backoff, stamina, TTA.dev `@with_retry(...)`), a wrapper applied to it in the module
(`RetryPrimitive(Fetch())`, `TimeoutPrimitive(LambdaPrimitive(fetch), timeout_seconds=5)`,
`retry(...)(fetch)`), or every in-module call of the function being protected (transitively).

Timeout levels: 0 none, 1 cancellation (asyncio/anyio/trio/TimeoutPrimitive: interrupts only
awaitable work), 2 anything (signal-based).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import libcst as cst

from ..engine.context import FileContext
from ..engine.names import dotted
from ._outbound import (
    ASYNC_ONLY,
    TimeoutWrapper,
    enclosing_class_qualname,
    find_arg,
    is_none,
    scope_qualname,
    wrappers,
)
from .errors_primitives import (
    argument_problems,
    bound_args,
    primitive_leaves,
    retry_disabled,
    tta_callable,
)

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


class Paths:
    """Collects, during the walk, what protects which function; `solve()` in finish()."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.prefix = ctx.names.module_name + "."
        self.stack: list[str] = []  # qualified names of the enclosing functions
        self.defs: set[str] = set()
        self.direct: dict[str, Protection] = {}
        self.sites: dict[str, list[tuple[str | None, Protection]]] = {}

    @property
    def function(self) -> str | None:
        return self.stack[-1] if self.stack else None

    # --- walk hooks ---------------------------------------------------------------------
    def enter_function(self, node: cst.FunctionDef) -> str:
        qual = scope_qualname(self.ctx.names)
        self.stack.append(qual)
        self.defs.add(qual)
        for decorator in node.decorators:
            found = self._decorator(decorator.decorator)
            if found is not None:
                self._protect(qual, found)
        return qual

    def leave_function(self) -> None:
        self.stack.pop()

    def visit_call(self, node: cst.Call, qual: str | None) -> None:
        callee = self._local_callee(node.func, qual)
        if callee is not None:
            self.sites.setdefault(callee, []).append((self.function, self.guard()))
        self._applied_wrapper(node, qual)

    # --- what protects a function ------------------------------------------------------
    def _decorator(self, expr: cst.BaseExpression) -> Protection | None:
        factory = isinstance(expr, cst.Call)
        qual = self.ctx.qualname(expr.func if isinstance(expr, cst.Call) else expr)
        if qual is None:
            return None
        retry = wrappers().retries.get(qual)
        if retry is not None and ("decorator_factory" if factory else "decorator") in retry.forms:
            return Protection(retry_label=retry.display)
        spec = tta_callable(qual)
        if spec is not None and spec.role == "retry" and spec.form and factory:
            assert isinstance(expr, cst.Call)
            if not argument_problems(spec, expr.args):
                return Protection(retry_label=f"TTA.dev @{spec.name}")
        timeout = wrappers().timeouts.get(qual)
        if timeout is not None and timeout.form == "decorator_factory" and factory:
            assert isinstance(expr, cst.Call)
            if self._delay_set(expr, timeout):
                return Protection(timeout.level, f"@{timeout.display}")
        return None

    def _applied_wrapper(self, node: cst.Call, qual: str | None) -> None:
        """`retry(...)(fetch)`, `RetryPrimitive(Fetch())`, `TimeoutPrimitive(p, 5)`."""
        if isinstance(node.func, cst.Call) and node.args:
            found = self._decorator(node.func)
            if found is not None:
                self._protect_all(primitive_leaves(self.ctx, node.args[0].value), found)
            return
        if qual is None:
            return
        retry = wrappers().retries.get(qual)
        if retry is not None and "decorator" in retry.forms and len(node.args) == 1:
            if node.args[0].keyword is None and not node.args[0].star:
                leaves = primitive_leaves(self.ctx, node.args[0].value)
                self._protect_all(leaves, Protection(retry_label=retry.display))
            return
        spec = tta_callable(qual)
        if spec is None or spec.role not in ("retry", "timeout") or spec.form:
            return
        if argument_problems(spec, node.args):
            return  # it raises TypeError: no protection (TTP103)
        bound = bound_args(spec, node.args)
        if spec.role == "retry":
            if retry_disabled(self.ctx, bound):
                return
            found = Protection(retry_label=spec.name)
        else:
            delay = bound.get(spec.delay or "")
            if delay is None or is_none(delay):
                return
            found = Protection(ASYNC_ONLY, spec.name)
        wrapped = bound.get("primitive")
        if wrapped is not None:
            leaves = primitive_leaves(self.ctx, wrapped)
            self._protect_all((leaf for leaf in leaves if leaf.runs), found)

    def _protect_all(self, leaves: Iterable[Any], found: Protection) -> None:
        for leaf in leaves:
            if leaf.qual is not None:
                self._protect(leaf.qual, found)

    def _protect(self, qual: str, found: Protection) -> None:
        self.direct[qual] = self.direct.get(qual, NONE).merge(found)

    def _local_callee(self, func: cst.BaseExpression, qual: str | None) -> str | None:
        if qual is not None:
            return qual if qual.startswith(self.prefix) else None
        if not isinstance(func, cst.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            owner = enclosing_class_qualname(self.ctx.names)
            return f"{owner}.{func.attr.value}" if owner else None
        instance = self.ctx.instance(receiver)
        if instance is not None and instance.ctor.startswith(self.prefix):
            return f"{instance.ctor}.{func.attr.value}"
        return None

    # --- what surrounds the node being visited -----------------------------------------
    def guard(self) -> Protection:
        """Protection from the enclosing statements and calls, up to the function boundary."""
        stack = self.ctx.stack
        found = NONE
        retry_try = False
        child = stack[-1]
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, cst.FunctionDef):
                break
            if isinstance(node, cst.With) and child is node.body:
                for item in node.items:
                    found = found.merge(self._timeout_context(item.item))
            elif isinstance(node, cst.Call) and isinstance(child, cst.Arg):
                found = found.merge(self._timeout_call(node, child))
            elif isinstance(node, cst.Try) and child is node.body:
                retry_try = retry_try or _retrying_handler(node)
            elif isinstance(node, (cst.For, cst.While)) and child is node.body:
                label = self._retry_loop(node, retry_try)
                if label and not found.retry_label:
                    found = replace(found, retry_label=label)
            child = node
        return found

    def _timeout_context(self, expr: cst.BaseExpression) -> Protection:
        if not isinstance(expr, cst.Call):
            return NONE
        wrapper = wrappers().timeouts.get(self.ctx.qualname(expr.func) or "")
        if wrapper is None or wrapper.form != "context" or not self._delay_set(expr, wrapper):
            return NONE
        return Protection(wrapper.level, dotted(expr.func) or wrapper.display)

    def _timeout_call(self, node: cst.Call, child: cst.Arg) -> Protection:
        wrapper = wrappers().timeouts.get(self.ctx.qualname(node.func) or "")
        if wrapper is None or wrapper.form != "call" or not self._delay_set(node, wrapper):
            return NONE
        positional = [a for a in node.args if a.keyword is None and not a.star]
        target = (
            positional[wrapper.target_position]
            if len(positional) > wrapper.target_position
            else None
        )
        if child is not target and (
            child.keyword is None or child.keyword.value == wrapper.delay_keyword
        ):
            return NONE
        return Protection(wrapper.level, dotted(node.func) or wrapper.display)

    def _delay_set(self, call: cst.Call, wrapper: TimeoutWrapper) -> bool:
        delay = find_arg(call.args, wrapper.delay_keyword, wrapper.delay_position)
        return not delay.known or (delay.value is not None and not is_none(delay.value))

    def _retry_loop(self, loop: cst.For | cst.While, retry_try: bool) -> str:
        if isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call):
            retry = wrappers().retries.get(self.ctx.qualname(loop.iter.func) or "")
            if retry is not None and "loop" in retry.forms:
                return retry.display
        if not retry_try:
            return ""
        if isinstance(loop, cst.While):
            return "a retry loop"
        if (
            isinstance(loop.iter, cst.Call)
            and self.ctx.qualname(loop.iter.func) == "builtins.range"
        ):
            return "a retry loop"
        target = dotted(loop.target) or ""
        return "a retry loop" if any(n in target.lower() for n in _RETRY_NAMES) else ""

    # --- the verdict -----------------------------------------------------------------------
    def solve(self) -> dict[str, Protection]:
        """Protection of every local function: its own, its class's, or that of all its
        in-module call sites (a fixpoint over the call graph)."""
        result: dict[str, Protection] = {}
        for qual in self.defs:
            own = self.direct.get(qual, NONE)
            owner = qual.rpartition(".")[0]
            if owner in self.direct and owner not in self.defs:  # a method of a wrapped class
                own = own.merge(self.direct[owner])
            result[qual] = own
        for _ in range(len(self.defs) + 1):
            changed = False
            for callee, sites in self.sites.items():
                if callee not in result:
                    continue
                inherited = _weakest(
                    site.merge(result.get(caller, NONE) if caller else NONE)
                    for caller, site in sites
                )
                merged = result[callee].merge(inherited)
                if merged != result[callee]:
                    result[callee] = merged
                    changed = True
            if not changed:
                break
        return result


def _weakest(protections: Iterable[Protection]) -> Protection:
    items = list(protections)
    if not items:
        return NONE
    timeout = min(items, key=lambda p: p.timeout)
    label_t = "the timeout at every call site" if timeout.timeout else ""
    retry = all(p.retry_label for p in items)
    return Protection(timeout.timeout, label_t, "a retry at every call site" if retry else "")


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
