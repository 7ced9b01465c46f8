"""Calls that block the thread they run on, read from the table of call targets: what a call
resolves to (a function by qualified name, a method by the type of its instance), the thread
offloaders that make them harmless, and which function's body a node runs in.

A team declares its own synchronous code in `[tool.ttaprod]`: `sync-calls` (functions that
block when called) and `sync-clients` (classes whose instances' public methods block); they
reach the file's context and count like the table's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst

from ..engine.context import FileContext
from .targets import DECLARED, Blocking, blocking_table, method_blocks, synchronous


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


def _one_line(code: str) -> str:
    """`session\n    .query` → "session.query": a chained call written over several lines."""
    return "".join(part.strip() for part in code.splitlines())


def _on_object(qual: str, objects: frozenset[str], classes: Mapping[str, object]) -> bool:
    """`fastapi_sqlalchemy.db.session.query`: a method of a module-level object, or of a class
    attribute of this module (`Trade.session.scalars`)."""
    while "." in qual:
        qual = qual.rpartition(".")[0]
        if qual in objects or qual in classes:
            return True
    return False


def blocking_call(ctx: FileContext, call: cst.Call) -> tuple[str, Blocking] | None:
    """(what is called, how it blocks) when `call` blocks its thread, else None."""
    table = blocking_table()
    func = call.func
    qual = ctx.qualname(func)
    if qual is not None and ctx.names.value_rooted(qual) is None:
        found = table.calls.get(qual) or (DECLARED if qual in ctx.sync_calls else None)
        if found is not None:
            return f"`{qual.removeprefix('builtins.')}()`", found
        if not _on_object(qual, ctx.names.objects, ctx.names.class_scopes):
            return None
    if not isinstance(func, cst.Attribute):
        return None
    target = _method_path(ctx, func)
    if target is None:
        return None
    ctor, path = target
    for base in ctx.names.bases_of(ctor):
        found = method_blocks(base, path, ctx.sync_clients)
        if found is not None:
            return f"`{_one_line(ctx.code_for(func))}()` ({synchronous(base)})", found
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


def offloaded(ctx: FileContext) -> bool:
    """The call being visited sits in the arguments of a thread offloader
    (`asyncio.to_thread(partial(f, x))`): it runs in a worker thread."""
    for node in reversed(ctx.stack[:-1]):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(node, cst.Call) and offloader(ctx, node):
            return True
    return False
