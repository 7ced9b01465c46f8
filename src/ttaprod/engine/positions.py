"""Source positions for just the nodes that need them, in one light code-generation pass.

libcst's PositionProvider records a range for every node of the tree and costs more than
parsing does (1.9 s against 0.65 s on fastapi's package). Findings need positions for a
handful of nodes, so this state tracks line and column while the module regenerates its
code and records ranges only for the nodes asked for (~0.16 s on the same tree). Ranges
match PositionProvider's syntactic ranges: 1-based lines, 0-based columns.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

from .. import sourcelines
from .walker import children

Range = tuple[int, int, int, int]  # start line, start col (0-based), end line, end col

_NO_RECORD: AbstractContextManager[None] = nullcontext()


class _Record(AbstractContextManager[None]):
    __slots__ = ("end_node", "node", "start", "state")

    def __init__(self, state: _LightPositionState, node: cst.CSTNode, end_node: Any) -> None:
        self.state = state
        self.node = node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)
        if self.end_node is not None:
            self.state.wanted.add(id(self.end_node))

    def __exit__(self, *exc: object) -> None:
        end = (self.state.line, self.state.column)
        if self.end_node is not None and id(self.end_node) in self.state.ranges:
            inner = self.state.ranges[id(self.end_node)]
            end = (inner[2], inner[3])
        self.state.ranges[id(self.node)] = (*self.start, *end)
        self.state.syntactic.add(id(self.node))


class _LightPositionState(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.ranges: dict[int, Range] = {}
        self.syntactic: set[int] = set()
        self._starts: dict[int, tuple[int, int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def pop_trailing_newline(self) -> None:
        pass

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            parts = sourcelines.split_keepends(value)
            last = parts[-1]
            if last.endswith(("\n", "\r")):
                self.line += len(parts)
                self.column = 0
            else:
                self.line += len(parts) - 1
                self.column = len(last)
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self._starts[id(node)] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        start = self._starts.pop(key, None)
        if start is not None and key not in self.syntactic:
            self.ranges[key] = (*start, self.line, self.column)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        if id(node) in self.wanted:
            return _Record(self, node, end_node)
        return _NO_RECORD


def resolve_positions(
    module: cst.Module, nodes: Iterable[cst.CSTNode], tree: ast.Module | None = None
) -> dict[int, Range]:
    """Map id(node) → range for each node given. Raises RecursionError on pathological nesting.

    With the file's `ast` tree, only the top-level statements (and, in a class, the statements
    of its body) that hold a wanted node are regenerated, each from the line `ast` gives it:
    a finding in one method of a 3,000-line class costs that method. Where the statements
    cannot be placed so (the lines do not check out, or a wanted node is not a syntax node of
    a statement), the whole module is regenerated."""
    wanted = {id(node) for node in nodes}
    if not wanted:
        return {}
    if tree is not None and id(module) not in wanted:
        state = _LightPositionState(module, set(wanted))
        try:
            placed = _some(state, module.body, tree.body, [], set(wanted))
        except _Misplaced:
            placed = False
        if placed:
            return {key: state.ranges[key] for key in wanted if key in state.ranges}
    state = _LightPositionState(module, wanted)
    module._codegen(state)
    return state.ranges


class _Misplaced(Exception):
    """A statement's regenerated first line is not the line `ast` gives it."""


def _held(statement: cst.CSTNode, left: set[int]) -> set[int]:
    """The wanted ids in `statement`'s syntax subtree (removed from `left`)."""
    found: set[int] = set()
    todo: list[cst.CSTNode] = [statement]
    while todo:
        node = todo.pop()
        if id(node) in left:
            found.add(id(node))
        todo.extend(children(node))
    left -= found
    return found


def _first_lines(
    statements: Sequence[cst.BaseStatement], body: Sequence[ast.stmt]
) -> list[tuple[int, int, ast.stmt]] | None:
    """For each statement: the line its code starts on (leading comment and blank lines
    included), the line of its first token by `ast` and that `ast` statement; None when the
    two trees' statements do not pair up."""
    out: list[tuple[int, int, ast.stmt]] = []
    at = 0
    for statement in statements:
        if at >= len(body) or not isinstance(
            statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ):
            return None
        node = body[at]
        at += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        above = len(statement.leading_lines)
        first = node.lineno
        decorators = getattr(statement, "decorators", ())
        if decorators:
            listed = getattr(node, "decorator_list", ())
            if not listed:
                return None
            above += len(decorators[0].leading_lines)
            first = listed[0].lineno
        out.append((first - above, node.lineno, node))
    return out if at == len(body) else None


def _some(
    state: _LightPositionState,
    statements: Sequence[cst.BaseStatement],
    body: Sequence[ast.stmt],
    indents: list[str],
    left: set[int],
) -> bool:
    """Regenerate the statements holding wanted ids; False when a wanted id is elsewhere."""
    lines = _first_lines(statements, body)
    if lines is None:
        return False
    for statement, (start, first, node) in zip(statements, lines, strict=True):
        if not left:
            return True
        held = _held(statement, left)
        if not held:
            continue
        block = _class_body(statement, held)
        if block is not None and isinstance(node, ast.ClassDef):
            indent = state.default_indent if block.indent is None else block.indent
            if _some(state, block.body, node.body, [*indents, indent], held):
                continue  # else a wanted node is outside its body's statements: all of it
        _regenerate(state, statement, indents, start, first)
    return not left


def _class_body(statement: cst.BaseStatement, held: set[int]) -> cst.IndentedBlock | None:
    """The indented body of a class whose wanted nodes may all lie in its statements."""
    if not isinstance(statement, cst.ClassDef) or not isinstance(statement.body, cst.IndentedBlock):
        return None
    if id(statement) in held or id(statement.body) in held:
        return None
    return statement.body


def _regenerate(
    state: _LightPositionState,
    statement: cst.BaseStatement,
    indents: list[str],
    start: int,
    first: int,
) -> None:
    """Code-generate one statement from line `start`, checking that its first token lands
    on `first` (the line `ast` gives it)."""
    state.line, state.column = start, 0
    state.indent_tokens = list(indents)
    key = id(statement)
    extra = key not in state.wanted
    state.wanted.add(key)
    statement._codegen(state)
    got = state.ranges.get(key)
    if extra:
        state.wanted.discard(key)
        state.ranges.pop(key, None)
        state.syntactic.discard(key)
    if got is None or got[0] != first:
        raise _Misplaced
