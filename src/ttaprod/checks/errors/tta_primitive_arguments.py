"""TTA.dev primitives built wrong: TTP103 (arguments the constructor does not take) and TTP104
(a timeout around sync code it cannot interrupt; a plain function where a primitive belongs).
Names are resolved by import (`analysis/tta.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ...analysis.outbound import is_none, scope_qualname
from ...analysis.tta import (
    Leaf,
    TtaCallable,
    argument_problems,
    bound_args,
    primitive_leaves,
    reference_qualname,
    tta_callable,
)
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector
from ...engine.names import dotted


@dataclass
class _Pending:
    call: cst.Call
    spec: TtaCallable
    leaves: list[Leaf]  # what a TimeoutPrimitive runs
    bare: list[Leaf]  # names passed directly where a primitive belongs


class TtaPrimitiveArguments(Detector):
    """TTP103 and TTP104 on TTA.dev constructors, resolved by import."""

    codes = ("TTP103", "TTP104")
    needs = (b"ttadev", b"tta_dev")

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.functions: dict[str, cst.FunctionDef] = {}
        self.pending: list[_Pending] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions[scope_qualname(self.ctx.names)] = node

    def visit_Call(self, node: cst.Call) -> None:
        spec = tta_callable(self.ctx.qualname(node.func))
        if spec is None:
            return
        problems = argument_problems(spec, node.args)
        if problems:
            self._report_arguments(node, spec, problems)
            return
        if not self.ctx.wants("TTP104") or spec.form:
            return
        bound = bound_args(spec, node.args)
        leaves: list[Leaf] = []
        if spec.role == "timeout" and "primitive" in bound:
            leaves = primitive_leaves(self.ctx, bound["primitive"])
        bare = [
            Leaf(reference_qualname(self.ctx, value), value, False)
            for name in spec.wraps
            if (value := bound.get(name)) is not None
            and isinstance(value, (cst.Name, cst.Attribute, cst.Lambda))
            and not is_none(value)
            and self.ctx.instance(value) is None
        ]
        if leaves or bare:
            self.pending.append(_Pending(node, spec, leaves, bare))

    def _report_arguments(self, node: cst.Call, spec: TtaCallable, problems: list[str]) -> None:
        name = dotted(node.func) or spec.name
        self.ctx.report(
            node,
            Problem(
                "TTP103",
                f"{name}() {', and '.join(problems)}, so building it raises TypeError.",
                fix=f"use the real signature: {spec.fix}" if spec.fix else None,
                checklist_item=spec.item,
            ),
        )

    def finish(self) -> None:
        for pending in self.pending:
            self._judge_bare(pending)
            if pending.spec.role == "timeout":
                self._judge_timeout(pending)

    def _judge_bare(self, pending: _Pending) -> None:
        for leaf in pending.bare:
            if isinstance(leaf.node, cst.Lambda):
                what = "a lambda"
            elif leaf.qual in self.functions:
                what = f"the plain function {leaf.qual.rsplit('.', 1)[-1]}()"
            else:
                continue
            name = pending.spec.name
            self.ctx.report(
                pending.call,
                Problem(
                    "TTP104",
                    f"{name} is given {what}, which has no execute(), so the workflow fails "
                    "the first time it runs.",
                    fix="wrap the function: LambdaPrimitive(func), or pass a WorkflowPrimitive",
                    checklist_item=pending.spec.item,
                ),
            )

    def _judge_timeout(self, pending: _Pending) -> None:
        blocking: list[str] = []
        for leaf in pending.leaves:
            if not leaf.via_lambda:
                continue
            if isinstance(leaf.node, cst.Lambda):
                blocking.append("a lambda")
                continue
            func = self.functions.get(leaf.qual or "")
            if func is not None and func.asynchronous is None:
                blocking.append(f"{func.name.value}()")
        if not blocking:
            return
        names = ", ".join(dict.fromkeys(blocking))
        self.ctx.report(
            pending.call,
            Problem(
                "TTP104",
                f"TimeoutPrimitive cannot interrupt the sync code it wraps ({names} through "
                "LambdaPrimitive): asyncio.wait_for only fires when the event loop is free.",
                fix="make the function async def with async I/O, or run it with "
                "asyncio.to_thread inside an async function",
            ),
        )
