"""Helpers shared by the security detectors (secrets.py, tls.py): literal values, the names
a statement binds, the call a node makes. Name words, URLs and local hosts, which need no
syntax tree, are in `strings.py`.

No detector lives here; everything is cheap and cached, because these run on every
assignment, keyword and string literal of a file.
"""

from __future__ import annotations

import warnings
from ast import literal_eval
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from ..engine.context import FileContext
from .cost import number


# --- literal values ---------------------------------------------------------------------------
def simple_text(node: cst.SimpleString) -> str | None:
    """The value of a string literal (bytes decoded as Latin-1), None if it cannot be read."""
    raw = node.raw_value
    if "\\" not in raw or "r" in node.prefix.lower():
        return raw
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = literal_eval(node.value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def string_value(expr: cst.BaseExpression) -> tuple[str, tuple[cst.CSTNode, ...]] | None:
    """(value, literal nodes) when `expr` is a constant string: a literal, an implicit
    concatenation of literals, or an f-string without placeholders."""
    if isinstance(expr, cst.SimpleString):
        text = simple_text(expr)
        return (text, (expr,)) if text is not None else None
    if isinstance(expr, cst.ConcatenatedString):
        left = string_value(expr.left)
        right = string_value(expr.right)
        if left is None or right is None:
            return None
        return left[0] + right[0], left[1] + right[1]
    if isinstance(expr, cst.FormattedString):
        parts = tuple(p for p in expr.parts if isinstance(p, cst.FormattedStringText))
        if len(parts) == len(expr.parts):
            return "".join(part.value for part in parts), (expr, *parts)
    return None


def is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


NOT_CONSTANT: Any = object()


def constant(expr: cst.BaseExpression) -> Any:
    """True/False/None, a string or a number for a literal; a sentinel otherwise."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    found = string_value(expr)
    if found is not None:
        return found[0]
    if isinstance(expr, cst.Integer) and expr.value.isdigit():
        return int(expr.value)
    return NOT_CONSTANT


# --- what a statement binds --------------------------------------------------------------------
def target_name(target: cst.BaseExpression) -> str | None:
    """`api_key`, `self.api_key`, `settings.API_KEY`, `config["api_key"]` → the bound name."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            found = string_value(index.value)
            return found[0] if found is not None else None
    return None


def assignment_pairs(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> Iterator[tuple[str, cst.BaseExpression, cst.BaseExpression]]:
    """(name, target node, value) for each name bound, unpacking `a, b = "x", "y"`."""
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements, strict=True):
                yield from assignment_pairs(t.value, v.value)
        return
    name = target_name(target)
    if name is not None:
        yield name, target, value


def keyword_args(call: cst.Call) -> Iterator[tuple[str, cst.Arg]]:
    for arg in call.args:
        if arg.keyword is not None:
            yield arg.keyword.value, arg


def argument(call: cst.Call, index: int | None, keyword: str | None) -> cst.Arg | None:
    """The argument at positional `index` or passed as `keyword`."""
    if keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg
    if index is not None and index >= 0:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if index < len(positional):
            return positional[index]
    return None


# --- what a call is ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CallTarget:
    qualname: str | None  # resolved function / constructor: "requests.get"
    receiver: str | None  # class of the instance whose method is called: "requests.Session"
    method: str | None  # the method name for `x.method(...)`, resolved or not


def call_target(ctx: FileContext, call: cst.Call) -> CallTarget:
    func = call.func
    qualname = ctx.qualname(func)
    receiver: str | None = None
    method: str | None = None
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        held = ctx.instance(func.value)
        if held is not None:
            receiver = held.ctor
    elif isinstance(func, cst.Name) and qualname is None:
        held = ctx.instance(func)
        if held is not None:
            receiver, method = held.ctor, "__call__"
    return CallTarget(qualname, receiver, method)


def argument_index(
    target: CallTarget,
    by_function: Mapping[str, int],
    by_method: Mapping[tuple[str, str], int],
) -> int | None:
    """The position of the interesting argument (a password, a URL) of a known call: by its
    resolved name, else by the class and method of the instance it is called on."""
    if target.qualname is not None and target.qualname in by_function:
        return by_function[target.qualname]
    if target.receiver is not None and target.method is not None:
        return by_method.get((target.receiver, target.method))
    return None


def literal_number(expr: cst.BaseExpression | None) -> float | None:
    """The value of a numeric literal (`100`, `-5.0`), else None."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = literal_number(expr.expression)
        return -inner if inner is not None else None
    if isinstance(expr, (cst.Integer, cst.Float)):
        return number(expr.value)
    return None
