"""Observability set-up that breaks the service (observability.integration):
TTP211 observability-init-nonexistent-api and TTP212 observability-initialised-in-request-handler.

- TTP211: an import of a module the TTA.dev production guide names but that does not exist
  (`tta_observability_integration`: ModuleNotFoundError at start-up), and a call to
  `initialize_observability` with arguments its real signature does not take (the guide's
  `enable_tracing=`: TypeError at start-up). Resolved by import; knowledge in
  `rules/knowledge/observability.toml` (`[tta]`).
- TTP212: a call that installs a global provider or starts a metrics server
  (`initialize_observability`, `trace.set_tracer_provider`, `TracerProvider(...)`,
  `start_http_server`…) inside a request handler (see `analysis/web.py`): it runs on every request.

Test files are skipped.
"""

from __future__ import annotations

import libcst as cst

from ...analysis.observability import callee, init_kind, missing_module, table, tta_init
from ...analysis.web import HandlerIndex
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import dotted

REAL_FIX = "from ttadev.observability.observability_integration import initialize_observability"


def _missing_import(module: str) -> Problem | None:
    entry = missing_module(module)
    if entry is None:
        return None
    return Problem(
        "TTP211",
        f"module `{module}` does not exist (a name from the TTA.dev production guide): importing "
        "it raises ModuleNotFoundError and the service does not start",
        fix=f"import from `{entry.real}`: `{REAL_FIX}`",
    )


class ObservabilityInitNonexistentApi(Detector):
    codes = ("TTP211",)
    needs = Derived(
        lambda: (b"initialize_observability", *(m.module.encode() for m in table().missing))
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file

    def visit_Import(self, node: cst.Import) -> None:
        if self.off:
            return
        for alias in node.names:
            name = dotted(alias.name)
            problem = _missing_import(name) if name else None
            if problem is not None:
                self.ctx.report(node, problem)
                return

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self.off or node.relative or node.module is None:
            return
        name = dotted(node.module)
        problem = _missing_import(name) if name else None
        if problem is not None:
            self.ctx.report(node, problem)

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        found = tta_init(self.ctx.qualname(node.func))
        if found is None:
            return
        init, _real = found
        positional = [a for a in node.args if a.keyword is None and not a.star]
        unknown = [
            a.keyword.value
            for a in node.args
            if a.keyword is not None and a.keyword.value not in init.params
        ]
        if not unknown and len(positional) <= len(init.params):
            return
        if not init.params:
            what = "takes no arguments"
        elif unknown:
            names = ", ".join(f"{k}=" for k in unknown)
            what = f"takes no argument{'s' if len(unknown) > 1 else ''} {names}"
        else:
            what = f"takes at most {len(init.params)} arguments"
        self.ctx.report(
            node,
            Problem(
                "TTP211",
                f"initialize_observability() {what} (its signature: {init.signature}): the "
                "call raises TypeError and the service does not start",
                fix=f"use the real signature: {init.signature}",
            ),
        )


class ObservabilityInitInRequestHandler(Detector):
    codes = ("TTP212",)
    needs = Derived(lambda: table().roots)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.handlers = HandlerIndex(ctx)
        self.pending: list[tuple[cst.Call, list[cst.FunctionDef]]] = []
        self.seen: set[int] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.handlers.visit_function(node)

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        self.handlers.visit_call(node)
        if not self.ctx.functions:
            return
        qual = callee(self.ctx, node)
        obs = table()
        if init_kind(qual) or qual in obs.tracer_providers or qual in obs.servers:
            if any(id(n) in self.seen for n in self.ctx.stack):
                return  # `set_tracer_provider(TracerProvider())`: one set-up, one finding
            self.seen.add(id(node))
            self.pending.append((node, list(self.ctx.functions)))

    def finish(self) -> None:
        for call, functions in self.pending:
            handler = next((f for f in reversed(functions) if self.handlers.is_handler(f)), None)
            if handler is None:
                continue
            what = self.ctx.code_for(call.func)
            self.ctx.report(
                call,
                Problem(
                    "TTP212",
                    f"`{what}()` runs inside request handler `{handler.name.value}`: observability "
                    "is set up again on every request (another provider, exporter or metrics "
                    "server each time) instead of once at start-up",
                    fix="move it to start-up: the app factory, the lifespan handler, or module "
                    "level of the entry module",
                ),
            )
