"""Tool code → (checklist item, severity), read from `rules/tools/<tool>.toml` (data, not code).

Each map has a `[default]` (item and severity), optional `[codes]` keyed by code prefix,
and, for tools that rate their own findings, a `[tool-severity]` table translating the
tool's levels; a severity of `"tool"` keeps the tool's own level. For a code, each of
item and severity comes from the longest matching prefix that sets it (so `S602` with a
severity only keeps the item of `S`), else from `[default]`.

What ttaprod's own judgement makes of a tool's findings is data too (`tools/judgement.py`,
`merge.py`): `[roles]` (by code prefix, the longest wins) says in which code roles a rule is
moot and why, `secret_literals` lists the codes that flag a literal ttaprod's secret check
judges, and `[same]` names the rules of other tools that report the same problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .. import checklist, precompiled, roles
from ..models import Severity
from ..resources import rules_dir

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
class RolePolicy:
    """Where a tool's rule is moot: role → "off" or the highest severity (a catalogue
    entry's `roles` values); a role not named keeps the finding as mapped."""

    roles: Mapping[str, str]
    why: str  # shown with each finding it suppresses

    def policy(self) -> dict[str, str]:
        """The full policy in the catalogue's terms (`ttaprod.roles.applies`, `capped`)."""
        return {role.value: self.roles.get(role.value, roles.DEFAULT) for role in roles.Role}


@dataclass(frozen=True)
class CodeMap:
    tool: str
    default: Entry
    codes: tuple[tuple[str, _Partial], ...]  # longest prefix first
    tool_severity: tuple[tuple[str, Severity], ...]
    raw: dict[str, Any]
    roles: tuple[tuple[str, RolePolicy], ...] = ()  # longest prefix first
    secret_literals: frozenset[str] = frozenset()
    same: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def role_policy(self, code: str) -> RolePolicy | None:
        """The `[roles]` entry of the longest prefix of `code`, if any."""
        return next((p for prefix, p in self.roles if code.startswith(prefix)), None)

    def same_as(self, code: str) -> tuple[str, ...]:
        """Rule ids of other tools that report the same problem as `code` (`[same]`)."""
        return tuple(self.same.get(code, ()))

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


def _role_policy(raw: Any, where: str) -> RolePolicy:
    if not isinstance(raw, dict) or not isinstance(raw.get("why"), str) or not raw["why"]:
        raise MapError(f"{where}: expected a table of role = policy with a `why`")
    named = {k: v for k, v in raw.items() if k not in ("why", "source")}
    known = {role.value for role in roles.Role}
    for role, value in named.items():
        if role not in known:
            raise MapError(f"{where}: unknown role {role!r}")
        if value != roles.OFF and value not in {s.value for s in Severity}:
            raise MapError(f"{where}: {role} must be 'off' or a severity, not {value!r}")
    return RolePolicy(named, raw["why"])


def _rule_ids(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, str) and ":" in r for r in raw):
        raise MapError(f"{where}: expected a list of rule ids like 'ruff:F401'")
    return tuple(raw)


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
    policies = [
        (prefix, _role_policy(raw, f"{tool}.toml [roles] {prefix}"))
        for prefix, raw in data.get("roles", {}).items()
    ]
    policies.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    secret = data.get("secret_literals", [])
    if not isinstance(secret, list) or not all(isinstance(c, str) for c in secret):
        raise MapError(f"{tool}.toml secret_literals: expected a list of codes")
    same = {
        code: _rule_ids(raw, f"{tool}.toml [same] {code}")
        for code, raw in data.get("same", {}).items()
    }
    return CodeMap(
        tool, default, tuple(codes), levels, data, tuple(policies), frozenset(secret), same
    )


@cache
def _maps() -> dict[str, dict[str, Any]]:
    return precompiled.tables(rules_dir() / "tools")


@cache
def code_map(tool: str) -> CodeMap:
    try:
        data = _maps()[f"{tool}.toml"]
    except KeyError:
        raise FileNotFoundError(rules_dir() / "tools" / f"{tool}.toml") from None
    return parse_map(data, tool)
