"""TTP601 public-function-missing-annotations (quality.type-hints).

Every public function and method is one site, covered when fully annotated. Public: its name
has no leading underscore, it is defined at module level or directly in a class body whose name
has no leading underscore (nested functions and classes inside functions are not API), and the
module is not a test module. Dunder methods are skipped, except `__init__`, whose parameters
need annotations (its return does not). The first parameter of a method (`self`, `cls`) is
exempt unless the method is a `@staticmethod`.

This rule runs on every file, so the work per function is a few attribute reads.
"""

from __future__ import annotations

import libcst as cst

from ..engine.context import FileContext, Problem
from ..engine.detector import Detector, register

TYPE_HINTS = "quality.type-hints"


def _is_staticmethod(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Name) and expr.value == "staticmethod":
            return True
    return False


def _missing(node: cst.FunctionDef, method: bool) -> tuple[list[str], bool]:
    """Unannotated parameter names (as written: `*args`), and whether the return is."""
    params = node.params
    ordered = [*params.posonly_params, *params.params]
    if method and ordered and not _is_staticmethod(node):
        ordered = ordered[1:]
    missing = [p.name.value for p in ordered if p.annotation is None]
    star = params.star_arg
    if isinstance(star, cst.Param) and star.annotation is None:
        missing.append("*" + star.name.value)
    missing += [p.name.value for p in params.kwonly_params if p.annotation is None]
    kwargs = params.star_kwarg
    if kwargs is not None and kwargs.annotation is None:
        missing.append("**" + kwargs.name.value)
    name = node.name.value
    return missing, node.returns is None and name != "__init__"


def _describe(missing: list[str], no_return: bool) -> str:
    parts: list[str] = []
    if missing:
        shown = ", ".join(f"`{m}`" for m in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        parts.append(f"parameter{'s' if len(missing) > 1 else ''} {shown}{more}")
    if no_return:
        parts.append("the return type")
    return " and ".join(parts)


@register
class PublicFunctionAnnotations(Detector):
    codes = ("TTP601",)
    needs = (b"def ",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ctx = self.ctx
        # the binder has entered this function already: it is ctx.functions[-1]
        if self.off or len(ctx.functions) > 1:
            return
        name = node.name.value
        dunder = name.startswith("__") and name.endswith("__")
        if (name.startswith("_") and name != "__init__") or (dunder and name != "__init__"):
            return
        method = False
        if ctx.classes:
            if ctx.parent(2) is not ctx.classes[-1]:
                return  # defined under an `if`/`try` in the class body: not judged
            if any(c.name.value.startswith("_") for c in ctx.classes):
                return
            method = True
        missing, no_return = _missing(node, method)
        problem = None
        if missing or no_return:
            kind = "method" if method else "function"
            problem = Problem(
                "TTP601",
                f"public {kind} `{name}` has no annotation for {_describe(missing, no_return)}",
                fix="annotate every parameter and the return type (`-> None` when it returns "
                "nothing)",
            )
        ctx.site(TYPE_HINTS, "TTP601", node.name, problem)
