"""Facts for TTP105 outbound-timeout-not-below-function-timeout (errors.timeout): every
outbound call and client construction with a literal timeout in seconds (`timeout=30`,
`httpx.Timeout(30)`, `aiohttp.ClientTimeout(total=30)`). `items/serverless.py` compares them
with the timeouts the serverless configuration gives the functions that reach them. Test files
are skipped."""

from __future__ import annotations

import libcst as cst

from ...analysis.literals import literal_number
from ...analysis.outbound import OutboundCall, classify, construction, render, scope_qualname
from ...engine.context import FileContext
from ...engine.detector import Detector
from ...facts import CallTimeout

_KEYWORDS = ("timeout", "read_timeout", "request_timeout")
_TIMEOUT_OBJECTS = ("timeout", "total", "read")  # httpx.Timeout(30), ClientTimeout(total=30)


class OutboundTimeouts(Detector):
    feeds = ("TTP105",)
    needs = (b"timeout",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        seconds = _seconds(node)
        if seconds is None:
            return
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        out = classify(ctx, node, qual)
        if not isinstance(out, OutboundCall) and construction(ctx, node, qual) is None:
            return
        function = scope_qualname(ctx.names) if self.depth else ""
        what = f"`{render(node.func) or qual or 'the call'}()`"
        fact = CallTimeout(
            function=function,
            module=ctx.names.module_name,
            seconds=seconds,
            what=what,
            anchor=ctx.code_for(node).strip().splitlines()[0],
        )
        ctx.fact(node, fact)


def _seconds(call: cst.Call) -> float | None:
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value not in _KEYWORDS:
            continue
        value = literal_number(arg.value)
        if value is not None:
            return value
        if isinstance(arg.value, cst.Call):  # httpx.Timeout(30), aiohttp.ClientTimeout(total=30)
            for inner in arg.value.args:
                keyword = inner.keyword.value if inner.keyword is not None else "timeout"
                if keyword in _TIMEOUT_OBJECTS:
                    found = literal_number(inner.value)
                    if found is not None:
                        return found
    return None
