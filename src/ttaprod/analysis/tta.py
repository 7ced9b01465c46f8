"""TTA.dev knowledge (rules/knowledge/tta_dev.toml): real signatures resolved by import
(`tta_callable`), argument checks, and which local functions and classes a primitive
expression runs (`primitive_leaves`). Used by TTP103/TTP104 and by the timeout/retry path
analysis (a TimeoutPrimitive or RetryPrimitive protects what it wraps)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext
from ..engine.names import Instance
from .outbound import enclosing_class_qualname, is_self_attribute, is_zero


@dataclass(frozen=True)
class TtaCallable:
    name: str
    namespaces: tuple[str, ...]
    params: tuple[str, ...]
    kwonly: tuple[str, ...]
    required: tuple[str, ...]
    item: str | None
    role: str  # "retry" | "timeout" | "lambda" | "compose" | ""
    delay: str | None
    wraps: tuple[str, ...]
    wraps_items: tuple[str, ...]
    form: str  # "decorator_factory" or "" (a constructor)
    fix: str


@knowledge.derived
def _table() -> dict[str, tuple[TtaCallable, ...]]:
    raw = knowledge.table("tta_dev")
    default_ns = tuple(raw["namespaces"])
    out: dict[str, list[TtaCallable]] = {}
    for entry in raw["callables"]:
        spec = TtaCallable(
            name=entry["name"],
            namespaces=tuple(entry.get("namespaces", default_ns)),
            params=tuple(entry.get("params", ())),
            kwonly=tuple(entry.get("kwonly", ())),
            required=tuple(entry.get("required", ())),
            item=entry.get("item") or None,
            role=entry.get("role", ""),
            delay=entry.get("delay"),
            wraps=tuple(entry.get("wraps", ())),
            wraps_items=tuple(entry.get("wraps_items", ())),
            form=entry.get("form", ""),
            fix=entry.get("fix", ""),
        )
        out.setdefault(spec.name, []).append(spec)
    return {name: tuple(specs) for name, specs in out.items()}


def tta_callable(qual: str | None) -> TtaCallable | None:
    """The TTA.dev primitive or helper `qual` names, resolved by its import path."""
    if qual is None:
        return None
    head, _, name = qual.rpartition(".")
    for spec in _table().get(name, ()):
        if any(head == ns or head.startswith(ns + ".") for ns in spec.namespaces):
            return spec
    return None


def bound_args(spec: TtaCallable, args: Sequence[cst.Arg]) -> dict[str, cst.BaseExpression]:
    """Parameter name → the expression passed for it (positional or keyword)."""
    out: dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in args:
        if arg.star:
            continue
        if arg.keyword is not None:
            out[arg.keyword.value] = arg.value
        else:
            if index < len(spec.params):
                out.setdefault(spec.params[index], arg.value)
            index += 1
    return out


def argument_problems(spec: TtaCallable, args: Sequence[cst.Arg]) -> list[str]:
    """Why calling `spec` with `args` raises TypeError (empty when it does not)."""
    star = any(a.star == "*" for a in args)
    double_star = any(a.star == "**" for a in args)
    positional = sum(1 for a in args if a.keyword is None and not a.star)
    keywords = [a.keyword.value for a in args if a.keyword is not None]
    known = set(spec.params) | set(spec.kwonly)
    problems: list[str] = []
    unknown = [k for k in keywords if k not in known]
    if unknown:
        listed = ", ".join(f"{k}=" for k in unknown)
        accepted = ", ".join((*spec.params, *spec.kwonly)) or "none"
        word = "argument" if len(unknown) == 1 else "arguments"
        problems.append(f"takes no {word} {listed} (its parameters: {accepted})")
    if positional > len(spec.params) and not star:
        problems.append(
            f"takes {len(spec.params)} positional argument{'s' if len(spec.params) != 1 else ''}"
            f" but {positional} are given"
        )
    twice = [p for p in spec.params[:positional] if p in keywords]
    if twice:
        problems.append(f"gets {', '.join(twice)} twice")
    if not star and not double_star:
        given = set(spec.params[:positional]) | set(keywords)
        missing = [r for r in spec.required if r not in given]
        if missing:
            word = "argument" if len(missing) == 1 else "arguments"
            problems.append(f"is missing the required {word} {', '.join(missing)}")
    return problems


# --- what a primitive expression runs ----------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """Something a primitive runs: a local function/method/class (`qual`), or a lambda."""

    qual: str | None
    node: cst.CSTNode
    via_lambda: bool  # handed to LambdaPrimitive (runs as a plain function call)
    kind: str = "ref"  # "ref" (a name: a function, method or class), "instance", "lambda"

    @property
    def runs(self) -> bool:
        """Whether a wrapper around it really runs it: a primitive instance, or a function
        through LambdaPrimitive (a bare function or lambda has no execute())."""
        return self.via_lambda or self.kind == "instance"


def primitive_leaves(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> list[Leaf]:
    """Functions and classes of the project a primitive expression runs, through TTA.dev composition
    (`a >> b`, `SequentialPrimitive([...])`, wrappers) and LambdaPrimitive. Resolve at visit
    time: names are looked up in the current scope."""
    if depth > 8:
        return []
    module = ctx.names.module_name + "."
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.RightShift, cst.BitOr)
    ):
        return primitive_leaves(ctx, expr.left, depth + 1) + primitive_leaves(
            ctx, expr.right, depth + 1
        )
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return [leaf for e in expr.elements for leaf in primitive_leaves(ctx, e.value, depth + 1)]
    if isinstance(expr, cst.Dict):
        return [
            leaf
            for e in expr.elements
            if isinstance(e, cst.DictElement)
            for leaf in primitive_leaves(ctx, e.value, depth + 1)
        ]
    if isinstance(expr, cst.Lambda):
        return [Leaf(_lambda_callee(ctx, expr), expr, False, "lambda")]
    if isinstance(expr, cst.Call):
        qual = ctx.qualname(expr.func)
        spec = tta_callable(qual)
        if spec is not None:
            return _spec_leaves(ctx, spec, expr.args, depth)
        if qual is not None and (qual.startswith(module) or ctx.in_project(qual)):
            return [Leaf(qual, expr, False, "instance")]  # a primitive class of the project
        return []
    instance = ctx.instance(expr)
    if instance is not None:
        return _instance_leaves(ctx, instance, expr, depth)
    qual = reference_qualname(ctx, expr)
    if qual is not None and (qual.startswith(module) or ctx.in_project(qual)):
        return [Leaf(qual, expr, False)]
    return []


def _spec_leaves(
    ctx: FileContext, spec: TtaCallable, args: Sequence[cst.Arg], depth: int
) -> list[Leaf]:
    bound = bound_args(spec, args)
    if spec.role == "lambda":
        func = bound.get(spec.params[0]) if spec.params else None
        if func is None:
            return []
        if isinstance(func, cst.Lambda):
            return [Leaf(_lambda_callee(ctx, func), func, True, "lambda")]
        if isinstance(func, cst.Call) and ctx.qualname(func.func) == "functools.partial":
            func = func.args[0].value if func.args else func
        qual = reference_qualname(ctx, func)
        return [Leaf(qual, func, True)] if qual is not None else []
    out: list[Leaf] = []
    for name in (*spec.wraps, *spec.wraps_items):
        if name in bound:
            out.extend(primitive_leaves(ctx, bound[name], depth + 1))
    return out


def _instance_leaves(
    ctx: FileContext, instance: Instance, expr: cst.BaseExpression, depth: int
) -> list[Leaf]:
    if instance.call is not None and tta_callable(instance.ctor) is not None:
        return primitive_leaves(ctx, instance.call, depth + 1)
    if instance.ctor.startswith(ctx.names.module_name + ".") or ctx.in_project(instance.ctor):
        return [Leaf(instance.ctor, expr, False, "instance")]
    return []


def reference_qualname(ctx: FileContext, expr: cst.BaseExpression) -> str | None:
    """`fetch` → "app.mod.fetch"; `self.fetch` → "app.mod.Service.fetch"."""
    if is_self_attribute(expr):
        assert isinstance(expr, cst.Attribute)
        owner = enclosing_class_qualname(ctx.names)
        return f"{owner}.{expr.attr.value}" if owner else None
    return ctx.qualname(expr)


def _lambda_callee(ctx: FileContext, node: cst.Lambda) -> str | None:
    body = node.body.expression if isinstance(node.body, cst.Await) else node.body
    if isinstance(body, cst.Call):
        qual = reference_qualname(ctx, body.func)
        if qual is not None and qual.startswith(ctx.names.module_name + "."):
            return qual
    return None


def retry_disabled(ctx: FileContext, bound: dict[str, cst.BaseExpression]) -> bool:
    """`RetryPrimitive(p, strategy=RetryStrategy(max_retries=0))` retries nothing."""
    strategy = bound.get("strategy")
    if isinstance(strategy, cst.Call):
        spec = tta_callable(ctx.qualname(strategy.func))
        if spec is not None and spec.name == "RetryStrategy":
            return is_zero(bound_args(spec, strategy.args).get("max_retries"))
    return False
