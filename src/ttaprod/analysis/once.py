"""Which functions of a module run once per process rather than once per request, message or
job: the program's `main()`, CLI commands (Click, Typer), start-up and shut-down hooks, a
lifespan, the functions the `if __name__ == "__main__":` block calls, and (transitively) the
functions only such code or import-time code calls in the module. A `__main__.py` runs once
altogether. What marks them is data in rules/knowledge/pooling.toml `[once]`.

    once = run_once(ctx)      # {qualified name: why}, read from the whole module once

Read from the tree, not the walk: call it whenever (it resolves decorators and calls through the
module's imports, which do not depend on where the walk is).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext
from ..engine.walker import children
from .syntax import is_main_guard

_MODULE = "<module>"  # import-time code
_MAIN = "<main>"  # the `if __name__ == "__main__":` block
_ONCE = (_MODULE, _MAIN)


def _once() -> dict[str, list[str]]:
    return knowledge.table("pooling")["once"]


def run_once(ctx: FileContext) -> dict[str, str]:
    module = ctx.names.module_name
    found: dict[str, str] = {}
    callers: dict[str, set[str]] = {}
    everything = ctx.path.rsplit("/", 1)[-1] == "__main__.py"
    for qual, node, owner in _functions(ctx.module.body, module, ""):
        if everything:
            found[qual] = "__main__.py"
        elif _entry_point(qual, node, module):
            found[qual] = f"{node.name.value}()"
        why = _decorated(ctx, node)
        if why:
            found.setdefault(qual, why)
        for callee in _calls(ctx, node.body, module, owner):
            callers.setdefault(callee, set()).add(qual)
    for statement in ctx.module.body:
        if isinstance(statement, cst.If) and is_main_guard(statement.test):
            for callee in _calls(ctx, statement.body, module, ""):
                callers.setdefault(callee, set()).add(_MAIN)
        elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            for callee in _calls(ctx, statement, module, ""):
                callers.setdefault(callee, set()).add(_MODULE)
            for target in _lifespans(ctx, statement):
                found.setdefault(target, "the lifespan")
    changed = True
    while changed:
        changed = False
        for callee, by in callers.items():
            if callee not in found and by and all(c in _ONCE or c in found for c in by):
                only_main = by == {_MAIN}
                found[callee] = "the __main__ block" if only_main else "only called once"
                changed = True
    return found


def script_code(ctx: FileContext) -> frozenset[str]:
    """The program a `__main__` block runs: its `main()` (or another entry point it calls) and
    the functions of the module only those call, transitively. Their output is the program's."""
    module = ctx.names.module_name
    entries: set[str] = set()
    callers: dict[str, set[str]] = {}
    for qual, node, owner in _functions(ctx.module.body, module, ""):
        if _entry_point(qual, node, module):
            entries.add(qual)
        for callee in _calls(ctx, node.body, module, owner):
            callers.setdefault(callee, set()).add(qual)
    started: set[str] = set()
    for statement in ctx.module.body:
        if isinstance(statement, cst.If) and is_main_guard(statement.test):
            started |= set(_calls(ctx, statement.body, module, "")) & entries
    found = set(started)
    changed = bool(found)
    while changed:
        changed = False
        for callee, by in callers.items():
            if callee not in found and by and by <= found:
                found.add(callee)
                changed = True
    return frozenset(found)


def _entry_point(qual: str, node: cst.FunctionDef, module: str) -> bool:
    """A module-level function named like a program's entry point (`main`)."""
    return qual == f"{module}.{node.name.value}" and node.name.value in _once()["entry_point_names"]


def _functions(body: object, prefix: str, owner: str) -> Iterator[tuple[str, cst.FunctionDef, str]]:
    """(qualified name, node, enclosing class) of every function and method, nested too."""
    statements = body if isinstance(body, (list, tuple)) else []
    for statement in statements:
        if isinstance(statement, cst.FunctionDef):
            qual = f"{prefix}.{statement.name.value}"
            yield qual, statement, owner
            inner = statement.body
            if isinstance(inner, cst.IndentedBlock):
                yield from _functions(inner.body, qual, owner)
        elif isinstance(statement, cst.ClassDef):
            qual = f"{prefix}.{statement.name.value}"
            inner = statement.body
            if isinstance(inner, cst.IndentedBlock):
                yield from _functions(inner.body, qual, qual)
        elif isinstance(statement, cst.BaseCompoundStatement):
            for block in _blocks(statement):
                yield from _functions(block, prefix, owner)


def _blocks(statement: cst.BaseCompoundStatement) -> Iterator[list[cst.BaseStatement]]:
    todo: list[cst.CSTNode] = [statement]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.IndentedBlock):
            yield list(node.body)
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        todo.extend(children(node))


def _decorated(ctx: FileContext, node: cst.FunctionDef) -> str:
    once = _once()
    for decorator in node.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if ctx.qualname(func) in once["decorators"]:
            return "a CLI command"
        if not isinstance(func, cst.Attribute):
            continue
        method = func.attr.value
        held = ctx.instance(func.value)
        if method in once["cli_methods"] and held is not None and held.ctor in once["cli_apps"]:
            return "a CLI command"
        if method in once["hook_methods"]:
            return "a start-up hook"
        if method in once["event_methods"] and isinstance(expr, cst.Call) and expr.args:
            first = expr.args[0].value
            if isinstance(first, cst.SimpleString) and first.evaluated_value in once["events"]:
                return "a start-up hook"
    return ""


def _lifespans(ctx: FileContext, statement: cst.CSTNode) -> Iterator[str]:
    """`FastAPI(lifespan=fn)`, `app.add_event_handler("startup", fn)` at module level."""
    once = _once()
    todo: list[cst.CSTNode] = [statement]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Call):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in once["lifespan_keywords"]:
                    target = ctx.qualname(arg.value)
                    if target is not None:
                        yield target
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in once["event_methods"]
                and len(node.args) > 1
                and isinstance(node.args[0].value, cst.SimpleString)
                and node.args[0].value.evaluated_value in once["events"]
            ):
                target = ctx.qualname(node.args[1].value)
                if target is not None:
                    yield target
        todo.extend(children(node))


def _calls(ctx: FileContext, root: cst.CSTNode, module: str, owner: str) -> Iterator[str]:
    """Functions of this module called in `root` (not in nested functions or classes):
    `helper()`, `self.helper()`."""
    todo: list[cst.CSTNode] = [root]
    prefix = module + "."
    while todo:
        node = todo.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not root:
            continue
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Name):
                qual = ctx.qualname(func) or f"{module}.{func.value}"
                if qual.startswith(prefix):
                    yield qual
            elif (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value in ("self", "cls")
                and owner
            ):
                yield f"{owner}.{func.attr.value}"
        todo.extend(children(node))
