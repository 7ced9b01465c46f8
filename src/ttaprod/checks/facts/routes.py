"""Request handlers as `route` facts, for the project items that ask what the service serves
(health, metrics, rate limiting)."""

from __future__ import annotations

import libcst as cst

from ...analysis.web import ROUTE_NEEDS, HandlerIndex
from ...engine.context import FileContext
from ...engine.detector import Detector


class RouteFacts(Detector):
    """Emits a `route` fact per request handler; reports nothing itself."""

    facts_only = True
    needs = ROUTE_NEEDS

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.index = HandlerIndex(ctx)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for route in self.index.visit_function(node):
            self.ctx.fact(route.node, route.fact())

    def visit_Call(self, node: cst.Call) -> None:
        route = self.index.visit_call(node)
        if route is not None:
            self.ctx.fact(route.node, route.fact())
