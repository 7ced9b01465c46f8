"""Tool code → (checklist item, severity), read from `rules/tools/<tool>.toml` (data, not code).

Each map has a `[default]` (item and severity), optional `[codes]` keyed by code prefix,
and, for tools that rate their own findings, a `[tool-severity]` table translating the
tool's levels; a severity of `"tool"` keeps the tool's own level. For a code, each of
item and severity comes from the longest matching prefix that sets it (so `S602` with a
severity only keeps the item of `S`), else from `[default]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import checklist
from ..models import Severity
from ..resources import rules_dir
from ..tomlcompat import loads

TOOL_SEVERITY = "tool"


class MapError(Exception):
    """A tool map in rules/tools is malformed: a packaging bug."""


@dataclass(frozen=True)
class Entry:
    item: str | None  # a checklist item id; None: no item
    severity: str  # a Severity value or "tool"


@dataclass(frozen=True)
class _Partial:
    sets_item: bool  # whether this prefix says which item (None included)
    item: str | None
    severity: str | None  # None: not set here


@dataclass(frozen=True)
class CodeMap:
    tool: str
    default: Entry
    codes: tuple[tuple[str, _Partial], ...]  # longest prefix first
    tool_severity: tuple[tuple[str, Severity], ...]
    raw: dict[str, Any]

    def entry(self, code: str) -> Entry:
        item: tuple[str | None] | None = None
        severity: str | None = None
        for prefix, partial in self.codes:
            if not code.startswith(prefix):
                continue
            if item is None and partial.sets_item:
                item = (partial.item,)
            if severity is None and partial.severity is not None:
                severity = partial.severity
        return Entry(item[0] if item else self.default.item, severity or self.default.severity)

    def lookup(self, code: str, tool_level: str | None = None) -> tuple[str | None, Severity]:
        entry = self.entry(code)
        if entry.severity != TOOL_SEVERITY:
            return entry.item, Severity(entry.severity)
        levels = dict(self.tool_severity)
        return entry.item, levels.get(tool_level or "", Severity.LOW)


def _partial(raw: Any, where: str) -> _Partial:
    if not isinstance(raw, dict):
        raise MapError(f"{where}: expected a table")
    item = raw.get("item")
    if item and not checklist.is_item(str(item)):
        raise MapError(f"{where}: unknown checklist item {item!r}")
    severity = raw.get("severity")
    if severity is not None and severity != TOOL_SEVERITY:
        try:
            Severity(severity)
        except ValueError:
            raise MapError(f"{where}: unknown severity {severity!r}") from None
    return _Partial("item" in raw, str(item) if item else None, severity)


def parse_map(data: dict[str, Any], tool: str) -> CodeMap:
    base = _partial(data.get("default", {}), f"{tool}.toml [default]")
    default = Entry(base.item or None, base.severity or Severity.LOW.value)
    codes = [
        (prefix, _partial(raw, f"{tool}.toml [codes] {prefix}"))
        for prefix, raw in data.get("codes", {}).items()
    ]
    codes.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    levels = tuple(
        (level, Severity(value)) for level, value in data.get("tool-severity", {}).items()
    )
    return CodeMap(tool, default, tuple(codes), levels, data)


@cache
def code_map(tool: str) -> CodeMap:
    path = rules_dir() / "tools" / f"{tool}.toml"
    return parse_map(loads(path.read_text(encoding="utf-8")), tool)
