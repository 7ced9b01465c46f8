"""Small readings of the syntax tree: arguments by keyword or position, literal None/0,
`self.x`, and the qualified names of the scopes being walked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from ...engine.context import FileContext
from ...engine.names import NameTable
from .knowledge import Library


@dataclass(frozen=True)
class ArgValue:
    """An argument looked up by keyword or position. `known` is False when `*args`/`**kwargs`
    may carry it; `value` is None when it is not passed at all."""

    known: bool
    value: cst.BaseExpression | None


def find_arg(args: Sequence[cst.Arg], keyword: str | None, position: int | None) -> ArgValue:
    splat = False
    index = 0
    for arg in args:
        if arg.star:
            splat = True
            continue
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return ArgValue(True, arg.value)
            continue
        if position is not None and index == position and not splat:
            return ArgValue(True, arg.value)
        index += 1
    return ArgValue(not splat, None)


def is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_zero(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, cst.Integer):
        return expr.evaluated_value == 0
    return isinstance(expr, cst.Name) and expr.value in ("False", "None")


def disables_timeout(ctx: FileContext, expr: cst.BaseExpression | None, lib: Library) -> bool:
    """`None`, or a timeout object built from None only (`httpx.Timeout(None)`)."""
    if is_none(expr):
        return True
    if isinstance(expr, cst.Call) and expr.args and ctx.qualname(expr.func) in lib.disabled_by:
        return all(is_none(arg.value) and not arg.star for arg in expr.args)
    return False


def is_self_attribute(expr: cst.BaseExpression) -> bool:
    """`self.x` / `cls.x`."""
    return (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in ("self", "cls")
    )


def enclosing_class_qualname(names: NameTable) -> str | None:
    """Qualified name of the class whose body or method we are in (as `self.x` sees it)."""
    owner = names.enclosing_class()
    for i, scope in enumerate(names.scopes):
        if scope is owner:
            return ".".join([names.module_name, *(s.name for s in names.scopes[1 : i + 1])])
    return None


def called_name(ctx: FileContext, func: cst.BaseExpression, qual: str | None) -> str | None:
    """What a call calls, by qualified name: `qual` (the resolved name of `func`), else a
    method of the enclosing class (`self.save`) or of a tracked instance (`store.save`)."""
    if qual is not None:
        return qual
    if not isinstance(func, cst.Attribute):
        return None
    receiver = func.value
    if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
        owner = enclosing_class_qualname(ctx.names)
        return f"{owner}.{func.attr.value}" if owner else None
    held = ctx.instance(receiver)
    return f"{held.ctor}.{func.attr.value}" if held is not None else None


def chained_name(ctx: FileContext, func: cst.BaseExpression) -> str | None:
    """`self.repos.recipes.get_one` → "app.Controller.repos.recipes.get_one": a method reached
    through attributes of the enclosing class or of a tracked instance, named from there for
    the call graph to resolve through what properties and functions return (`CallGraph.
    resolve`); None for a plain `x.method` (see `called_name`) or an untracked root."""
    if not isinstance(func, cst.Attribute):
        return None
    attrs = [func.attr.value]
    receiver = func.value
    while isinstance(receiver, cst.Attribute):
        held = ctx.instance(receiver)
        if held is not None:
            return ".".join([held.ctor, *reversed(attrs)]) if len(attrs) > 1 else None
        attrs.append(receiver.attr.value)
        receiver = receiver.value
    if not isinstance(receiver, cst.Name) or len(attrs) < 2:
        return None
    if receiver.value in ("self", "cls"):
        owner = enclosing_class_qualname(ctx.names)
    else:
        held = ctx.instance(receiver)
        owner = held.ctor if held is not None else None
    return ".".join([owner, *reversed(attrs)]) if owner else None


def local_callee(ctx: FileContext, func: cst.BaseExpression, qual: str | None) -> str | None:
    """`called_name`, when it is a function or method defined in this module."""
    name = called_name(ctx, func, qual)
    return name if name is not None and name.startswith(ctx.names.module_name + ".") else None


def scope_qualname(names: NameTable) -> str:
    """Qualified name of the innermost scope (the function or class being walked)."""
    return ".".join([names.module_name, *(s.name for s in names.scopes[1:])])


def render(expr: cst.BaseExpression, depth: int = 0) -> str | None:
    """How the source names a callee, without reading the source text:
    `requests.Session().get`, `client.with_options(…).chat.completions.create`."""
    if depth > 12:
        return None
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = render(expr.value, depth + 1)
        return f"{base}.{expr.attr.value}" if base is not None else None
    if isinstance(expr, cst.Call):
        base = render(expr.func, depth + 1)
        return None if base is None else f"{base}({'…' if expr.args else ''})"
    return None
