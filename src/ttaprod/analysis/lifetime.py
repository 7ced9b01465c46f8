"""How long something built by a call lives: the syntax around a construction (or a later use
of the name it was bound to) says whether it is kept on a long-lived object, returned, yielded,
handed to another call, bound to a local name, or used once and dropped.

Shared by the pooling rules (TTP311–TTP313). `fate(stack, globals, module_names)` reads the
walk's stack (innermost last: the construction or the name being visited).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import libcst as cst

from .outbound import render

# Nodes a value passes through unchanged on its way to where it ends up.
_THROUGH = (
    cst.Element,
    cst.DictElement,
    cst.StarredElement,
    cst.StarredDictElement,
    cst.List,
    cst.Tuple,
    cst.Set,
    cst.Dict,
    cst.Await,
    cst.IfExp,
    cst.BooleanOperation,
    cst.Arg,
)
_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)


@dataclass(frozen=True)
class Fate:
    """Where a value ends up.

    kind: "kept" (an attribute, a global, a module-level container), "returned", "yielded",
    "local" (bound to a local name: `where` is the name), "use" (called, or its attribute
    read), "handed" (an argument of another call whose result is dropped or local),
    "target" (this is a binding occurrence, not a use), "dropped" (nothing keeps it).
    """

    kind: str
    where: str = ""
    looped: bool = False  # the value is used inside a loop of its function


def fate(
    stack: Sequence[cst.CSTNode], globals_: Collection[str], module_names: Collection[str]
) -> Fate:
    child = stack[-1]
    handed = ""
    looped = False
    for i in range(len(stack) - 2, -1, -1):
        parent = stack[i]
        if isinstance(parent, cst.Lambda):
            return Fate("returned" if child is parent.body else "dropped")
        if isinstance(parent, _SCOPES):
            break
        if isinstance(parent, _LOOPS):
            looped = True
            child = parent
            continue
        if isinstance(parent, cst.Call):
            if child is parent.func:
                return Fate("use", looped=looped or _in_loop(stack, i))
            handed = handed or (render(parent.func) or "another call")
            child = parent
            continue
        if isinstance(parent, _THROUGH):
            child = parent
            continue
        found = _ending(parent, child, globals_, module_names)
        if found is None:
            child = parent
            continue
        if found.kind == "use":
            return Fate("use", looped=looped or _in_loop(stack, i))
        if handed and found.kind in ("local", "dropped"):
            return Fate("handed", handed, looped or _in_loop(stack, i))
        return found
    return Fate("handed", handed) if handed else Fate("dropped")


def _ending(
    parent: cst.CSTNode,
    child: cst.CSTNode,
    globals_: Collection[str],
    module_names: Collection[str],
) -> Fate | None:
    """The fate decided at `parent`, or None to keep climbing."""
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return Fate("use") if child is parent.value else None
    if isinstance(parent, (cst.AssignTarget, cst.AsName)):
        return Fate("target")
    if isinstance(parent, cst.Assign):
        return _assigned([t.target for t in parent.targets], globals_, module_names)
    if isinstance(parent, (cst.AnnAssign, cst.NamedExpr)):
        if child is parent.target:
            return Fate("target")
        return _assigned([parent.target], globals_, module_names)
    if isinstance(parent, cst.AugAssign):
        return Fate("use")
    if isinstance(parent, cst.Return):
        return Fate("returned")
    if isinstance(parent, cst.Yield):
        return Fate("yielded")
    if isinstance(parent, cst.WithItem):
        if parent.asname is None:
            return Fate("dropped")
        return _assigned([parent.asname.name], globals_, module_names)
    if isinstance(parent, (cst.Comparison, cst.BinaryOperation, cst.UnaryOperation)):
        return Fate("use")
    if isinstance(parent, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
        return Fate("dropped")
    return None


def _assigned(
    targets: list[cst.BaseExpression], globals_: Collection[str], module_names: Collection[str]
) -> Fate:
    local = ""
    for target in targets:
        if isinstance(target, cst.Attribute):
            return Fate("kept", render(target) or "an attribute")
        if isinstance(target, cst.Subscript):
            base = target.value
            if isinstance(base, cst.Attribute) or (
                isinstance(base, cst.Name)
                and (base.value in globals_ or base.value in module_names)
            ):
                return Fate("kept", f"{render(base) or 'a container'}[…]")
        elif isinstance(target, cst.Name):
            if target.value in globals_:
                return Fate("kept", f"global {target.value}")
            local = local or target.value
    return Fate("local", local) if local else Fate("dropped")


def _in_loop(stack: Sequence[cst.CSTNode], below: int) -> bool:
    """A loop between the scope that runs this code and stack[below]."""
    for i in range(below, -1, -1):
        node = stack[i]
        if isinstance(node, _SCOPES):
            return False
        if isinstance(node, _LOOPS):
            return True
    return False
