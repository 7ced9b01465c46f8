"""Project-level checks: functions that judge one checklist item from the whole project.

A check receives the project index and the item's default result (its site coverage,
or `skip` when nothing was assessed) and returns the final result plus any findings of
its own. Checks register by item id; the report runs them after the per-file pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..models import Fact, FileResult, Finding, ItemResult, ToolRun


@dataclass(frozen=True)
class ProjectIndex:
    root: Path
    config: Config
    files: tuple[FileResult, ...]
    python_files: tuple[str, ...]
    other_files: tuple[str, ...]
    lines: int
    tools: tuple[ToolRun, ...] = ()
    partial: bool = False  # only some files were given (pre-commit): project facts incomplete
    tool_lines: int = 0  # lines of the files the tools checked, when not every file (0: lines)
    facts: tuple[Fact, ...] = field(default=())

    def facts_of(self, kind: str) -> list[Fact]:
        return [fact for fact in self.facts if fact.kind == kind]


CheckResult = tuple[ItemResult, tuple[Finding, ...]]
ItemCheck = Callable[[ProjectIndex, ItemResult], CheckResult]

_CHECKS: dict[str, list[ItemCheck]] = {}


def register(item_id: str) -> Callable[[ItemCheck], ItemCheck]:
    def decorate(fn: ItemCheck) -> ItemCheck:
        _CHECKS.setdefault(item_id, [])
        if fn not in _CHECKS[item_id]:
            _CHECKS[item_id].append(fn)
        return fn

    return decorate


def checks_for(item_id: str) -> tuple[ItemCheck, ...]:
    return tuple(_CHECKS.get(item_id, ()))
