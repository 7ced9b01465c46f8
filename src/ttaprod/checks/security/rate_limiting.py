"""security.rate-limiting: TTP413 llm-client-without-rate-limit (outbound) and TTP414
endpoint-without-rate-limit (inbound). Judged at project level.

Outbound: every LLM call (`llm_call` facts of `call_guards.py`) is a site, covered when a
limiter is on its path (`async with limiter:`, an acquired semaphore, a ratelimit decorator, a
LiteLLM Router with rpm/tpm, in the function, on an in-module caller or one module away). The
calls made through one client are judged together: one finding on the client's construction
(or on the call when the client is not built in that module). Retrying is not rate limiting.

Inbound: `InboundLimitFacts` records limiters (slowapi, flask-limiter; rules/knowledge/
ratelimit.toml), the middleware that applies their default limits, per-route limits
(`@limiter.limit(...)`, `@limiter.exempt`, fastapi-limiter `Depends(RateLimiter(...))` on the
route, its router or its app). Every web route (`route` facts; AWS Lambda handlers excluded) is
a site when the code shows a limiter: covered by a default limit that applies to every route, or
by its own limit; exempt routes are not counted. When no limiter appears in the code at all, the
endpoints' limits cannot be verified from code (an API gateway, ingress or load balancer may
apply them): the item is at best `warn`, and no finding is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import knowledge
from ...analysis.web import app_qualname, function_qualname
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector, roots
from ...facts import InboundLimiter, LimitMiddleware, RouteLimit, RouterInclude

ITEM = "security.rate-limiting"
OUTBOUND, INBOUND = "TTP413", "TTP414"


@dataclass(frozen=True)
class _Inbound:
    limiters: frozenset[str]
    default_keywords: frozenset[str]
    self_applying: frozenset[str]
    middleware: frozenset[str]
    middleware_methods: frozenset[str]
    middleware_classes: frozenset[str]
    route_methods: frozenset[str]
    exempt_methods: frozenset[str]
    dependencies: frozenset[str]
    dependency_markers: frozenset[str]
    include_methods: frozenset[str]


@knowledge.derived
def _inbound() -> _Inbound:
    data = knowledge.table("ratelimit")["inbound"]
    return _Inbound(*(frozenset(data[key]) for key in _Inbound.__dataclass_fields__))


class InboundLimitFacts(Detector):
    """Facts: `inbound_limiter` (library, defaults, applies), `limit_middleware`, and
    `route_limit` (handler, how) for handlers with their own limit or an exemption, and
    `router_include` for every `include_router` (the limit it adds, if any)."""

    feeds = (INBOUND,)
    needs = Derived(
        lambda: (
            *roots(_inbound().limiters | _inbound().middleware | _inbound().dependencies),
            *(
                m.encode()
                for m in _inbound().route_methods
                | _inbound().exempt_methods
                | _inbound().include_methods
            ),
        )
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file

    def _is(self, expr: cst.BaseExpression, names: frozenset[str]) -> bool:
        held = self.ctx.instance(expr)
        return held is not None and any(b in names for b in self.ctx.names.bases_of(held.ctor))

    def _rate_dependency(self, expr: cst.BaseExpression | None) -> bool:
        """`Depends(RateLimiter(times=2, seconds=5))`, or a list of dependencies with one."""
        t = _inbound()
        if isinstance(expr, (cst.List, cst.Tuple)):
            return any(self._rate_dependency(e.value) for e in expr.elements)
        if (
            not isinstance(expr, cst.Call)
            or self.ctx.qualname(expr.func) not in t.dependency_markers
        ):
            return False
        inner = expr.args[0].value if expr.args else None
        return isinstance(inner, cst.Call) and self.ctx.qualname(inner.func) in t.dependencies

    def _dependencies(self, call: cst.Call | None) -> bool:
        if call is None:
            return False
        return any(
            a.keyword is not None
            and a.keyword.value == "dependencies"
            and self._rate_dependency(a.value)
            for a in call.args
        )

    # --- handlers -----------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        if not (node.decorators or node.params.params or node.params.kwonly_params):
            return
        handler = function_qualname(self.ctx)
        how = self._own_limit(node)
        if not how:
            for decorator in node.decorators:
                expr = decorator.decorator
                if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
                    continue
                if self._dependencies(expr):
                    how = "Depends(RateLimiter(…)) on the route"
                owner = self.ctx.instance(expr.func.value)
                if not how and owner is not None and self._dependencies(owner.call):
                    how = f"Depends(RateLimiter(…)) on {self.ctx.code_for(expr.func.value)}"
        if how:
            self.ctx.fact(node.name, RouteLimit(handler=handler, how=how))

    def _own_limit(self, node: cst.FunctionDef) -> str:
        t = _inbound()
        for decorator in node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            if not isinstance(func, cst.Attribute):
                continue
            method = func.attr.value
            known = self._is(func.value, t.limiters)
            unresolved = self.ctx.instance(func.value) is None
            if (
                method in t.exempt_methods
                and (known or unresolved)
                and not isinstance(expr, cst.Call)
            ):
                return "exempt"
            literal = (
                isinstance(expr, cst.Call)
                and bool(expr.args)
                and isinstance(expr.args[0].value, cst.SimpleString)
            )
            if method in t.route_methods and isinstance(expr, cst.Call) and (known or literal):
                return f"@{self.ctx.code_for(expr)}"
        for param in (*node.params.params, *node.params.kwonly_params):
            if param.default is not None and self._rate_dependency(param.default):
                return "Depends(RateLimiter(…)) parameter"
        return ""

    # --- limiters and middleware --------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        t = _inbound()
        qual = self.ctx.qualname(node.func)
        if qual in t.limiters:
            defaults = any(
                a.keyword is not None
                and a.keyword.value in t.default_keywords
                and not (isinstance(a.value, (cst.List, cst.Tuple)) and not a.value.elements)
                for a in node.args
            )
            limiter = InboundLimiter(
                library=qual.split(".", 1)[0],
                defaults=bool(defaults),
                applies=qual in t.self_applying,
            )
            self.ctx.fact(node, limiter)
        elif qual in t.middleware_classes and node.args:
            if self.ctx.qualname(node.args[0].value) in t.middleware:
                self.ctx.fact(node, LimitMiddleware(how=self.ctx.code_for(node.args[0].value)))
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in t.middleware_methods
            and node.args
            and self.ctx.qualname(node.args[0].value) in t.middleware
        ):
            self.ctx.fact(node, LimitMiddleware(how=self.ctx.code_for(node.args[0].value)))
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in t.include_methods
            and node.args
            and not node.args[0].keyword
        ):
            router = app_qualname(self.ctx, node.args[0].value)
            if router:
                limit = "Depends(RateLimiter(…)) on include_router"
                limit = limit if self._dependencies(node) else ""
                parent = app_qualname(self.ctx, node.func.value)
                self.ctx.fact(node, RouterInclude(router=router, parent=parent, limit=limit))
        elif self._dependencies(node) and qual is not None and qual.rsplit(".", 1)[-1] == "FastAPI":
            self.ctx.fact(node, LimitMiddleware(how="Depends(RateLimiter(…)) on the app"))
