"""Imports a fix needs, added only when missing and into the block where isort and ruff would
put them.

The imports at the top of a module form blocks separated by a blank line: `__future__`, the
standard library, third-party packages, the project's own modules (isort's and ruff's default
sections). A new `from m import n` joins an existing `from m import …` line; anything else
goes into its section's block at its sorted place (`import x` lines before `from x import y`
lines, by module name), or starts that block, a blank line away from its neighbours.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from ..engine.names import dotted

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY = 0, 1, 2, 3
_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Need:
    """`import module` (name None) or `from module import name`."""

    module: str
    name: str | None = None

    @property
    def code(self) -> str:
        return (
            f"import {self.module}"
            if self.name is None
            else f"from {self.module} import {self.name}"
        )


@dataclass(frozen=True)
class Imported:
    """The dotted modules a module imports whole at its top (`import urllib.request`)."""

    modules: frozenset[str]


def scan(module: cst.Module) -> Imported:
    found: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    found.update(n for a in small.names if (n := dotted(a.name)) is not None)
    return Imported(frozenset(found))


def section(module: str, first_party: frozenset[str], relative: bool = False) -> int:
    top = module.split(".", 1)[0]
    if relative or top in first_party:
        return FIRST_PARTY
    if top == "__future__":
        return FUTURE
    return STDLIB if top in _STDLIB else THIRD_PARTY


@dataclass(frozen=True)
class _Entry:
    index: int  # in the module body
    section: int
    key: tuple[int, str]  # (0 for `import`, 1 for `from`; module name): the sort order


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _entry(index: int, statement: cst.BaseStatement, first_party: frozenset[str]) -> _Entry | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        name = dotted(small.names[0].name) or ""
        return _Entry(index, section(name, first_party), (0, name.lower()))
    if isinstance(small, cst.ImportFrom):
        name = (dotted(small.module) or "") if small.module is not None else ""
        relative = bool(small.relative)
        return _Entry(index, section(name, first_party, relative), (1, name.lower()))
    return None


def _run(
    body: Sequence[cst.BaseStatement], first_party: frozenset[str]
) -> tuple[int, list[_Entry]]:
    """(where the imports start, the import statements at the top of the module)."""
    start = 1 if body and _is_docstring(body[0]) else 0
    entries: list[_Entry] = []
    for index in range(start, len(body)):
        entry = _entry(index, body[index], first_party)
        if entry is None:
            break
        entries.append(entry)
    return start, entries


def add(module: cst.Module, needs: Sequence[Need], first_party: frozenset[str]) -> cst.Module:
    if not needs:
        return module
    body: list[cst.BaseStatement] = list(module.body)
    for need in needs:
        if need.name is not None and _merge(body, need, first_party):
            continue
        _insert(body, need, module, first_party)
    return module.with_changes(body=body)


# --- joining `from m import …` --------------------------------------------------------------
def _merge(body: list[cst.BaseStatement], need: Need, first_party: frozenset[str]) -> bool:
    _, entries = _run(body, first_party)
    for entry in entries:
        statement = body[entry.index]
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        if (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and small.module is not None
            and dotted(small.module) == need.module
            and not isinstance(small.names, cst.ImportStar)
        ):
            names = list(small.names)
            if any(dotted(a.name) == need.name and a.asname is None for a in names):
                return True
            body[entry.index] = statement.with_changes(
                body=[small.with_changes(names=_with_alias(names, need.name or ""))]
            )
            return True
    return False


def _alias_key(name: str) -> tuple[int, str]:
    """ruff's and isort's order of imported names: CONSTANTS, Classes, functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _with_alias(names: list[cst.ImportAlias], name: str) -> list[cst.ImportAlias]:
    keys = [_alias_key(dotted(a.name) or "") for a in names]
    at = len(names)
    if keys == sorted(keys):
        at = next((i for i, k in enumerate(keys) if k > _alias_key(name)), len(names))
    layout = next((a.comma for a in names if isinstance(a.comma, cst.Comma)), None)
    comma = layout if layout is not None else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = cst.ImportAlias(name=cst.Name(name))
    if at < len(names):
        return [*names[:at], new.with_changes(comma=comma), *names[at:]]
    last = names[-1]
    return [*names[:-1], last.with_changes(comma=comma), new.with_changes(comma=last.comma)]


# --- a new import statement -----------------------------------------------------------------
def _blank() -> cst.EmptyLine:
    return cst.EmptyLine()


def _split(lines: Sequence[cst.EmptyLine]) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """(the blank lines first, the rest: comments that belong to the statement)."""
    head: list[cst.EmptyLine] = []
    for line in lines:
        if line.comment is not None:
            break
        head.append(line)
    return head, list(lines[len(head) :])


def _with_lines(statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]) -> cst.BaseStatement:
    return statement.with_changes(leading_lines=list(lines))


def _leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return statement.leading_lines


def _insert(
    body: list[cst.BaseStatement], need: Need, module: cst.Module, first_party: frozenset[str]
) -> None:
    new = cst.parse_statement(need.code + module.default_newline, config=module.config_for_parsing)
    start, entries = _run(body, first_party)
    own = section(need.module, first_party)
    key = (0 if need.name is None else 1, need.module.lower())
    same = [e for e in entries if e.section == own]
    if same:
        after = next((e for e in same if e.key > key), None)
        if after is not None:
            _before(body, after.index, new, new_block=False)
        else:
            body.insert(same[-1].index + 1, _with_lines(new, []))
        return
    later = next((e for e in entries if e.section > own), None)
    if later is not None:
        _before(body, later.index, new, new_block=True)
    elif entries:
        body.insert(entries[-1].index + 1, _with_lines(new, [_blank()]))
    else:
        _first_import(body, start, new)


def _before(
    body: list[cst.BaseStatement], index: int, new: cst.BaseStatement, new_block: bool
) -> None:
    """Put `new` right above `body[index]`, which keeps its comments; a new block is a blank
    line away from it."""
    target = body[index]
    head, rest = _split(_leading(target))
    body[index] = _with_lines(target, ([_blank()] if new_block else []) + rest)
    body.insert(index, _with_lines(new, head))


def _first_import(body: list[cst.BaseStatement], start: int, new: cst.BaseStatement) -> None:
    """The module has no import: after its docstring, before its code, blank lines around."""
    body.insert(start, _with_lines(new, [_blank()] if start else []))
    following = start + 1
    if following < len(body):
        statement = body[following]
        wanted = 2 if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) else 1
        head, rest = _split(_leading(statement))
        if len(head) < wanted:
            body[following] = _with_lines(statement, [_blank()] * wanted + rest)
