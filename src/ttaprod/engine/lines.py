"""The first line of every statement, read from the `ast` tree the guard parse already built,
so facts about many nodes (call edges, functions) need no position pass.

libcst and `ast` see the same statements in the same blocks, in the same order: a module body,
a function or class body, each arm of an `if`/`try`/`for`/`while`/`with`/`match`. A libcst
`SimpleStatementLine` holds one or more small statements (`a = 1; b = 2`), each one `ast`
statement. Where two blocks do not line up (they always should), that block is left out and
its nodes fall back to the position pass.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import cast

import libcst as cst


def statement_lines(module: cst.Module, tree: ast.Module) -> dict[int, int]:
    """id(libcst statement) → its first line (a `def` or `class` line, not its decorators)."""
    out: dict[int, int] = {}
    _block(module.body, tree.body, out)
    return out


def _block(
    cst_body: Sequence[cst.CSTNode], ast_body: Sequence[ast.stmt], out: dict[int, int]
) -> None:
    pairs: list[tuple[cst.CSTNode, ast.stmt]] = []
    i = 0
    for statement in cst_body:
        if isinstance(statement, cst.SimpleStatementLine):
            count = len(statement.body)
            if i + count > len(ast_body):
                return
            out[id(statement)] = ast_body[i].lineno
            for small, node in zip(statement.body, ast_body[i : i + count], strict=True):
                out[id(small)] = node.lineno
            i += count
        else:
            if i >= len(ast_body):
                return
            pairs.append((statement, ast_body[i]))
            i += 1
    if i != len(ast_body):
        return
    for statement, node in pairs:
        out[id(statement)] = node.lineno
        _compound(statement, node, out)


def _suite(suite: cst.BaseSuite, body: Sequence[ast.stmt], out: dict[int, int]) -> None:
    if isinstance(suite, cst.IndentedBlock):
        _block(suite.body, body, out)
    elif isinstance(suite, cst.SimpleStatementSuite):
        for small, node in zip(suite.body, body, strict=False):
            out[id(small)] = node.lineno


def _compound(statement: cst.CSTNode, node: ast.stmt, out: dict[int, int]) -> None:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    ):
        _suite(statement.body, node.body, out)
    elif isinstance(statement, cst.If) and isinstance(node, ast.If):
        _suite(statement.body, node.body, out)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):  # elif: one `ast.If` in the else list
            if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
                out[id(orelse)] = node.orelse[0].lineno
                _compound(orelse, node.orelse[0], out)
        elif isinstance(orelse, cst.Else):
            _suite(orelse.body, node.orelse, out)
    elif isinstance(statement, (cst.For, cst.While)) and isinstance(
        node, (ast.For, ast.AsyncFor, ast.While)
    ):
        _suite(statement.body, node.body, out)
        if statement.orelse is not None:
            _suite(statement.orelse.body, node.orelse, out)
    elif isinstance(statement, cst.With) and isinstance(node, (ast.With, ast.AsyncWith)):
        _suite(statement.body, node.body, out)
    elif isinstance(statement, (cst.Try, cst.TryStar)) and isinstance(
        node, (ast.Try, getattr(ast, "TryStar", ast.Try))
    ):
        node = cast(ast.Try, node)  # ast.TryStar (3.11+) has the same fields
        _suite(statement.body, node.body, out)
        for handler, ast_handler in zip(statement.handlers, node.handlers, strict=False):
            _suite(handler.body, ast_handler.body, out)
        if statement.orelse is not None:
            _suite(statement.orelse.body, node.orelse, out)
        if statement.finalbody is not None:
            _suite(statement.finalbody.body, node.finalbody, out)
    elif isinstance(statement, cst.Match) and isinstance(node, ast.Match):
        for case, ast_case in zip(statement.cases, node.cases, strict=False):
            _suite(case.body, ast_case.body, out)
