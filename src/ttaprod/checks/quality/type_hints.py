"""TTP601 public-function-missing-annotations (quality.type-hints).

Every public function and method is one site, covered when fully annotated. Public: its name
has no leading underscore, it is defined at module level or directly in a class body whose name
has no leading underscore (nested functions and classes inside functions are not API), and the
module is not a test module. Dunder methods are skipped, except `__init__`, whose parameters
need annotations (its return does not). The first parameter of a method (`self`, `cls`) is
exempt unless the method is a `@staticmethod`.

This rule runs on every file, so it is cheap: it reads statement blocks only (no traversal of
expressions: a file where no other rule applies is not walked at all), and takes the `def` lines
of covered functions from the guard's `ast` parse, so such files need no position pass either.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from ...engine.context import Problem
from ...engine.detector import Detector

TYPE_HINTS = "quality.type-hints"
_AST_SIMPLE = (
    ast.Expr,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Return,
    ast.Import,
    ast.ImportFrom,
    ast.Pass,
    ast.Raise,
    ast.Assert,
    ast.Delete,
    ast.Global,
    ast.Nonlocal,
    ast.Break,
    ast.Continue,
)
# `try` and, from Python 3.11 on, `try`/`except*`
_AST_TRY: tuple[type[ast.stmt], ...] = tuple(
    t for t in (ast.Try, getattr(ast, "TryStar", None)) if isinstance(t, type)
)


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


def _blocks(node: cst.CSTNode) -> list[cst.BaseSuite]:
    """The statement blocks directly under a compound statement, in source order."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.With)):
        return [node.body]
    if isinstance(node, cst.If):
        out = [node.body]
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            out.extend(_blocks(orelse))
        elif orelse is not None:
            out.append(orelse.body)
        return out
    if isinstance(node, (cst.For, cst.While)):
        return [node.body] + ([node.orelse.body] if node.orelse is not None else [])
    if isinstance(node, (cst.Try, cst.TryStar)):
        out = [node.body, *(h.body for h in node.handlers)]
        out += [node.orelse.body] if node.orelse is not None else []
        return out + ([node.finalbody.body] if node.finalbody is not None else [])
    if isinstance(node, cst.Match):
        return [case.body for case in node.cases]
    return []


def _statements(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    return suite.body if isinstance(suite, cst.IndentedBlock) else ()


def _ast_lines(tree: ast.Module) -> list[tuple[str, int]]:
    """(name, line of `def`) of every function, in the order `_defs` finds them."""
    out: list[tuple[str, int]] = []
    todo: list[ast.stmt] = list(reversed(tree.body))
    while todo:
        node = todo.pop()
        if isinstance(node, _AST_SIMPLE):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.name, node.lineno))
        blocks: list[list[ast.stmt]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            blocks = [node.body]
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            blocks = [node.body, node.orelse]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            blocks = [node.body]
        elif isinstance(node, _AST_TRY):
            blocks = [
                node.body,  # type: ignore[attr-defined]
                *(h.body for h in node.handlers),  # type: ignore[attr-defined]
                node.orelse,  # type: ignore[attr-defined]
                node.finalbody,  # type: ignore[attr-defined]
            ]
        elif isinstance(node, ast.Match):
            blocks = [case.body for case in node.cases]
        for block in reversed(blocks):
            todo.extend(reversed(block))
    return out


@dataclass(frozen=True)
class _Def:
    node: cst.FunctionDef
    public: bool
    method: bool


def _defs(module: cst.Module) -> list[_Def]:
    """Every function in source order (statement blocks only: a `def` cannot sit in an
    expression), and whether it is public API and a method."""
    out: list[_Def] = []
    # (node, inside a function, the class whose body it is directly in, a private class above)
    todo: list[tuple[cst.CSTNode, bool, bool, bool]] = [
        (stmt, False, False, False) for stmt in reversed(module.body)
    ]
    while todo:
        node, in_function, in_class, private = todo.pop()
        if isinstance(node, cst.SimpleStatementLine):
            continue  # most statements: nothing can be defined in them
        kids: list[tuple[cst.CSTNode, bool, bool, bool]] = []
        if isinstance(node, cst.FunctionDef):
            name = node.name.value
            dunder = name.startswith("__") and name.endswith("__")
            public = (
                not in_function
                and not private
                and (name == "__init__" or not (name.startswith("_") or dunder))
            )
            out.append(_Def(node, public, in_class))
            kids = [(s, True, False, private) for s in _statements(node.body)]
        elif isinstance(node, cst.ClassDef):
            hidden = private or node.name.value.startswith("_")
            kids = [(s, in_function, True, hidden) for s in _statements(node.body)]
        else:
            for suite in _blocks(node):
                # a def under an `if`/`try` in a class body is not judged (as a nested def)
                kids.extend(
                    (s, in_function or in_class, False, private) for s in _statements(suite)
                )
        todo.extend(reversed(kids))
    return out


class PublicFunctionAnnotations(Detector):
    codes = ("TTP601",)
    needs = (b"def ",)
    walks = False  # reads the statements itself in finish(): files need no full traversal

    def finish(self) -> None:
        ctx = self.ctx
        if ctx.is_test_file:
            return
        defs = _defs(ctx.module)
        lines = _ast_lines(ctx.tree) if ctx.tree is not None else []
        if [name for name, _ in lines] != [d.node.name.value for d in defs]:
            lines = []  # the trees disagree (syntax newer than this Python): use positions
        for i, found in enumerate(defs):
            if found.public:
                self._judge(found, lines[i][1] if lines else 0)

    def _judge(self, found: _Def, line: int) -> None:
        node, method = found.node, found.method
        name = node.name.value
        missing, no_return = _missing(node, method)
        if not (missing or no_return):
            self.ctx.site(TYPE_HINTS, "TTP601", node.name, line=line)
            return
        kind = "method" if method else "function"
        problem = Problem(
            "TTP601",
            f"public {kind} `{name}` has no annotation for {_describe(missing, no_return)}",
            fix="annotate every parameter and the return type (`-> None` when it returns nothing)",
        )
        self.ctx.site(TYPE_HINTS, "TTP601", node.name, problem, statement=node)
