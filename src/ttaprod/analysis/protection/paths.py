"""Timeout and retry protection on the path of a call, within one module.

A call is protected by what surrounds it in its function (`guards.py`), and by what
protects its function: a decorator (tenacity `@retry`, backoff, stamina, TTA.dev
`@with_retry(...)`, a decorator built once: `api_retry = retry(...)`), a wrapper applied to it
in the module (`RetryPrimitive(Fetch())`, `TimeoutPrimitive(LambdaPrimitive(fetch),
timeout_seconds=5)`, `retry(...)(fetch)`, `Retrying(...)(fetch, url)`), a local helper that
calls the function it is handed under protection (`with_retries(fetch, url)`), or every
in-module call of the function being protected (transitively).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import libcst as cst

from ...engine.context import FileContext
from ..outbound import (
    ASYNC_ONLY,
    is_none,
    local_callee,
    scope_qualname,
    wrappers,
)
from ..tta import (
    argument_problems,
    bound_args,
    primitive_leaves,
    reference_qualname,
    retry_disabled,
    tta_callable,
)
from .guards import NONE, Protection, delay_set, guard


class Paths:
    """Collects, during the walk, what protects which function; `solve()` in finish()."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.prefix = ctx.names.module_name + "."
        self.stack: list[str] = []  # qualified names of the enclosing functions
        self.defs: set[str] = set()
        self.direct: dict[str, Protection] = {}
        self.sites: dict[str, list[tuple[str | None, Protection]]] = {}
        self.params: dict[str, tuple[str, ...]] = {}  # function → its positional parameters
        # helper functions that call a parameter under protection: `def with_retries(fn, …)`
        self.helpers: dict[str, list[tuple[str, Protection]]] = {}
        # local functions passed to local functions: callee → [(parameter or index, qual)]
        self.passed: dict[str, list[tuple[str | int, str]]] = {}

    @property
    def function(self) -> str | None:
        return self.stack[-1] if self.stack else None

    # --- walk hooks ---------------------------------------------------------------------
    def enter_function(self, node: cst.FunctionDef) -> str:
        qual = scope_qualname(self.ctx.names)
        self.stack.append(qual)
        self.defs.add(qual)
        params = node.params
        self.params[qual] = tuple(p.name.value for p in (*params.posonly_params, *params.params))
        self.params[qual] += tuple(p.name.value for p in params.kwonly_params)
        for decorator in node.decorators:
            found = self.decorator(decorator.decorator)
            if found is not None:
                self._protect(qual, found)
        return qual

    def leave_function(self) -> None:
        self.stack.pop()

    def visit_call(self, node: cst.Call, qual: str | None) -> None:
        callee = local_callee(self.ctx, node.func, qual)
        if callee is not None:
            self.sites.setdefault(callee, []).append((self.function, guard(self.ctx)))
            self._note_passed(callee, node.args)
        elif (
            isinstance(node.func, cst.Name)
            and self.function is not None
            and node.func.value in self.params.get(self.function, ())
        ):
            found = guard(self.ctx)
            if found.timeout or found.retry_label:
                self.helpers.setdefault(self.function, []).append((node.func.value, found))
        self._applied_wrapper(node, qual)

    def _note_passed(self, callee: str, args: Sequence[cst.Arg]) -> None:
        index = 0
        for arg in args:
            if arg.star:
                continue
            slot: str | int = arg.keyword.value if arg.keyword is not None else index
            if arg.keyword is None:
                index += 1
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                target = reference_qualname(self.ctx, arg.value)
                if target is not None and target.startswith(self.prefix):
                    self.passed.setdefault(callee, []).append((slot, target))

    # --- what protects a function ------------------------------------------------------
    def decorator(self, expr: cst.BaseExpression, qual: str | None = None) -> Protection | None:
        """What a decorator expression protects with (`qual`: `expr`'s, when known)."""
        factory = isinstance(expr, cst.Call)
        if qual is None:
            qual = self.ctx.qualname(expr.func if isinstance(expr, cst.Call) else expr)
        if qual is None:
            built = None if factory else self.ctx.instance(expr)
            if built is not None and built.call is not None:  # api_retry = retry(stop=…)
                return self.decorator(built.call)
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
            if delay_set(expr, timeout):
                return Protection(timeout.level, f"@{timeout.display}")
        return None

    def _applied_wrapper(self, node: cst.Call, qual: str | None) -> None:
        """`retry(...)(fetch)`, `Retrying(...)(fetch, url)`, `RetryPrimitive(Fetch())`,
        `TimeoutPrimitive(p, timeout_seconds=5)`: what they wrap is protected."""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if positional and (isinstance(node.func, cst.Call) or qual is None or len(positional) == 1):
            wrapper = self._wrapper_object(node.func, qual)
            if wrapper is not None:
                if len(positional) > wrapper[1]:
                    leaves = primitive_leaves(self.ctx, positional[wrapper[1]])
                    self._protect_all(leaves, wrapper[0])
                return
        if qual is None:
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

    def _wrapper_object(
        self, func: cst.BaseExpression, qual: str | None
    ) -> tuple[Protection, int] | None:
        """A retrying callable being called, and where the wrapped function is among the
        arguments: a decorator applied by hand, or a tenacity/stamina retrying object."""
        found = self.decorator(func, qual)
        if found is not None:
            return found, 0
        if isinstance(func, cst.Call):
            qual = self.ctx.qualname(func.func)
        else:
            built = self.ctx.instance(func)
            qual = built.ctor if built is not None else None
        retry = wrappers().retries.get(qual or "")
        if retry is not None and "call" in retry.forms:
            return Protection(retry_label=retry.display), retry.call_target
        return None

    def _protect_all(self, leaves: Iterable[Any], found: Protection) -> None:
        for leaf in leaves:
            if leaf.qual is not None:
                self._protect(leaf.qual, found)

    def _protect(self, qual: str, found: Protection) -> None:
        self.direct[qual] = self.direct.get(qual, NONE).merge(found)

    def protect_passed(self) -> None:
        """Functions handed to a local helper that calls that parameter under protection
        (`with_retries(fetch, url)` where `with_retries` loops over `fn(...)`)."""
        for helper, calls in self.helpers.items():
            params = self.params.get(helper, ())
            for param, found in calls:
                index = params.index(param) if param in params else -1
                label = Protection(
                    found.timeout,
                    f"{_short(helper)}() bounds it" if found.timeout else "",
                    f"{_short(helper)}() retries it" if found.retry_label else "",
                )
                for slot, target in self.passed.get(helper, ()):
                    if slot in (param, index):
                        self._protect(target, label)

    # --- the verdict -----------------------------------------------------------------------
    def solve(self) -> dict[str, Protection]:
        """Protection of every local function: its own, its class's, or that of all its
        in-module call sites (a fixpoint over the call graph)."""
        self.protect_passed()
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


def _short(qual: str) -> str:
    return qual.rpartition(".")[2]


def _weakest(protections: Iterable[Protection]) -> Protection:
    items = list(protections)
    if not items:
        return NONE
    timeout = min(items, key=lambda p: p.timeout)
    label_t = "the timeout at every call site" if timeout.timeout else ""
    retry = all(p.retry_label for p in items)
    return Protection(timeout.timeout, label_t, "a retry at every call site" if retry else "")
