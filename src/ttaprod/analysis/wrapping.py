"""Reading TTA.dev compositions and statement blocks, for the fallback and compensation rules.

- `wrapped(ctx, expr, leaves)`: what a primitive expression runs (functions and classes of this
  module or of others, through composition, wrappers and LambdaPrimitive);
- `block(suite)`: the statements of a body, one-line suites included;
- `walk_body(nodes)`: every node under `nodes`, nested functions, lambdas and classes excluded.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from ..engine.context import FileContext
from ..engine.walker import children
from .tta import bound_args, reference_qualname, tta_callable

_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def wrapped(
    ctx: FileContext, expr: cst.BaseExpression, leaves: frozenset[str], depth: int = 0
) -> list[tuple[str, cst.Call | None]]:
    """What a primitive expression runs: qualified names of functions and classes (this
    module's or another's, with the call when it builds one), and constructions of the TTA.dev
    primitives named in `leaves` (name "" and the call). Like errors_primitives.primitive_leaves,
    but names in other modules are kept: a wrapper here may protect a function defined there."""
    if depth > 8:
        return []
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.RightShift, cst.BitOr)
    ):
        return wrapped(ctx, expr.left, leaves, depth + 1) + wrapped(
            ctx, expr.right, leaves, depth + 1
        )
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return [w for e in expr.elements for w in wrapped(ctx, e.value, leaves, depth + 1)]
    if isinstance(expr, cst.Dict):
        return [
            w
            for e in expr.elements
            if isinstance(e, cst.DictElement)
            for w in wrapped(ctx, e.value, leaves, depth + 1)
        ]
    if isinstance(expr, cst.Lambda):
        body = expr.body.expression if isinstance(expr.body, cst.Await) else expr.body
        if isinstance(body, cst.Call):
            qual = reference_qualname(ctx, body.func)
            return [(qual, None)] if qual else []
        return []
    if isinstance(expr, cst.Call):
        return _wrapped_call(ctx, expr, leaves, depth)
    instance = ctx.instance(expr)
    if instance is not None:
        if instance.call is not None:
            return _wrapped_call(ctx, instance.call, leaves, depth + 1)
        return [(instance.ctor, None)]
    qual = reference_qualname(ctx, expr)
    return [(qual, None)] if qual else []


def _wrapped_call(
    ctx: FileContext, call: cst.Call, leaves: frozenset[str], depth: int
) -> list[tuple[str, cst.Call | None]]:
    qual = ctx.qualname(call.func)
    spec = tta_callable(qual)
    if spec is None:
        return [(qual, call)] if qual and not qual.startswith("builtins.") else []
    if spec.name in leaves:
        return [("", call)]
    bound = bound_args(spec, call.args)
    if spec.role == "lambda":
        func = bound.get(spec.params[0]) if spec.params else None
        if isinstance(func, cst.Call) and ctx.qualname(func.func) == "functools.partial":
            func = func.args[0].value if func.args else None
        return wrapped(ctx, func, leaves, depth + 1) if func is not None else []
    out: list[tuple[str, cst.Call | None]] = []
    for name in (*spec.wraps, *spec.wraps_items):
        if name in bound:
            out.extend(wrapped(ctx, bound[name], leaves, depth + 1))
    return out


def walk_body(nodes: Iterable[cst.CSTNode]) -> Iterable[cst.CSTNode]:
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, _SCOPES):
            continue
        yield node
        todo.extend(children(node))


def block(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    assert isinstance(block, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=block.body)]
