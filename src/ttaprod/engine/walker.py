"""One batched, iterative traversal of a libcst tree for all detectors.

libcst's own `Module.visit` rebuilds every node as it goes (0.72 s on fastapi's package,
more than parsing). Detectors here only read, so this walker follows the dataclass fields
that hold syntax (not whitespace or punctuation) with an explicit stack: 0.06 s on the
same tree, and no recursion limit to hit on deeply nested expressions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

import libcst as cst

Hook = Callable[[Any], None]

# Fields whose declared types mention only these classes hold no syntax worth visiting.
_TRIVIA = frozenset(
    {
        "BaseParenthesizableWhitespace",
        "SimpleWhitespace",
        "ParenthesizedWhitespace",
        "TrailingWhitespace",
        "EmptyLine",
        "Newline",
        "Comment",
        "MaybeSentinel",
        "Comma",
        "Semicolon",
        "Colon",
        "Dot",
        "AssignEqual",
        "BitOr",
        "ImportStar",
        "LeftParen",
        "RightParen",
        "LeftSquareBracket",
        "RightSquareBracket",
        "LeftCurlyBrace",
        "RightCurlyBrace",
        "Asynchronous",
        "BaseAugOp",
        "BaseBinaryOp",
        "BaseBooleanOp",
        "BaseCompOp",
        "BaseUnaryOp",
    }
)
_CLASS_NAME = re.compile(r"libcst\._nodes\.\w+\.(\w+)|ForwardRef\('(\w+)'\)")

# Source order where the dataclass field order differs.
_ORDER_OVERRIDES: dict[str, tuple[str, ...]] = {
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
}


def _syntax_fields(node_type: type) -> tuple[str, ...]:
    names: list[str] = []
    for f in dataclasses.fields(node_type):
        mentioned = {a or b for a, b in _CLASS_NAME.findall(str(f.type))}
        if mentioned and not mentioned <= _TRIVIA:
            names.append(f.name)
    override = _ORDER_OVERRIDES.get(node_type.__name__)
    if override:
        names = [n for n in override if n in names] + [n for n in names if n not in override]
    return tuple(names)


# per node class: a getter of its syntax fields' values, as a tuple
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
# per type of a field's value: _NODE, _SEQUENCE or _OTHER (None, MaybeSentinel, str),
# so the hot loop needs no isinstance against libcst's abstract base classes
_NODE, _SEQUENCE, _OTHER = 1, 2, 3
_KINDS: dict[type, int] = {}


def _getter(node_type: type) -> Callable[[Any], tuple[Any, ...]]:
    fields = _syntax_fields(node_type)
    getter: Callable[[Any], tuple[Any, ...]]
    if len(fields) > 1:
        getter = attrgetter(*fields)
    elif fields:
        one = attrgetter(fields[0])
        getter = lambda node: (one(node),)  # noqa: E731
    else:
        getter = lambda node: ()  # noqa: E731
    _GETTERS[node_type] = getter
    return getter


def _kind(value: object) -> int:
    if isinstance(value, cst.CSTNode):
        kind = _NODE
    elif isinstance(value, (tuple, list)):
        kind = _SEQUENCE
    else:
        kind = _OTHER
    _KINDS[type(value)] = kind
    return kind


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The syntax children of `node` in source order (no whitespace or punctuation)."""
    node_type = type(node)
    getter = _GETTERS.get(node_type) or _getter(node_type)
    kinds = _KINDS
    out: list[cst.CSTNode] = []
    for value in getter(node):
        kind = kinds.get(type(value)) or _kind(value)
        if kind == _NODE:
            out.append(value)
        elif kind == _SEQUENCE:
            for item in value:
                if (kinds.get(type(item)) or _kind(item)) == _NODE:
                    out.append(item)
    return out


_HOOK_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _hook_names(owner_type: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The visit_X and leave_X method names of a class, in `dir()` order (once per class:
    `dir()` walks the whole class hierarchy, and tables are built for every file)."""
    found = _HOOK_NAMES.get(owner_type)
    if found is None:
        names = dir(owner_type)
        found = _HOOK_NAMES[owner_type] = (
            tuple(n for n in names if n.startswith("visit_")),
            tuple(n for n in names if n.startswith("leave_")),
        )
    return found


class HookTable:
    """visit_X / leave_X methods of a set of objects, indexed by node class name."""

    def __init__(self, objects: Iterable[object]) -> None:
        self.visit: dict[str, list[Hook]] = {}
        self.leave: dict[str, list[Hook]] = {}
        for obj in objects:
            visits, leaves = _hook_names(type(obj))
            for attr in visits:
                self.visit.setdefault(attr[6:], []).append(getattr(obj, attr))
            for attr in leaves:
                self.leave.setdefault(attr[6:], []).append(getattr(obj, attr))

    def add_last_leaver(self, obj: object) -> None:
        for attr in _hook_names(type(obj))[1]:
            self.leave.setdefault(attr[6:], []).append(getattr(obj, attr))

    def drop(self, owner: object) -> None:
        """Stop calling `owner`'s hooks (it failed); the others go on."""
        for table in (self.visit, self.leave):
            for name, hooks in table.items():
                table[name] = [h for h in hooks if getattr(h, "__self__", None) is not owner]


Failed = Callable[[object, Exception], None]


_LEAVE = object()  # on the work list: the node below it is left next


def walk(
    root: cst.CSTNode, hooks: HookTable, stack: list[cst.CSTNode], failed: Failed | None = None
) -> None:
    """Depth-first, source-ordered; `stack` holds the ancestors of the node being visited
    (itself included) while its hooks run. A hook that raises is reported to `failed` with its
    owner, whose hooks are then dropped; without `failed` the exception propagates."""
    visit, leave = hooks.visit, hooks.leave  # `drop` changes their lists, not the dicts
    todo: list[Any] = [root]
    pop, push, extend = todo.pop, todo.append, todo.extend
    while todo:
        node = pop()
        if node is _LEAVE:
            node = pop()
            found = leave.get(type(node).__name__)
            if found:
                _call(found, node, hooks, failed)
            stack.pop()
            continue
        stack.append(node)
        found = visit.get(type(node).__name__)
        if found:
            _call(found, node, hooks, failed)
        push(node)
        push(_LEAVE)
        kids = children(node)
        kids.reverse()
        extend(kids)


def _call(found: list[Hook], node: cst.CSTNode, hooks: HookTable, failed: Failed | None) -> None:
    for hook in found:
        try:
            hook(node)
        except RecursionError:
            raise
        except Exception as exc:
            if failed is None:
                raise
            failed(hook.__self__, exc)  # type: ignore[attr-defined]
            hooks.drop(hook.__self__)  # type: ignore[attr-defined]
