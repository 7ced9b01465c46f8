"""The rule catalogue: one TOML file per rule in `rules/catalogue/`, loaded into RuleSpec values
(through `precompiled`: its JSON copy while that is fresh)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from . import checklist, precompiled
from .resources import rules_dir
from .rulespec import DEFAULT_EXAMPLE_PATH, Example, RuleSpec, Severity


class CatalogueError(Exception):
    """A catalogue file is malformed: a packaging bug, not a user error."""


_REQUIRED = ("code", "name", "checklist_item", "severity", "title", "summary", "why")
_OPTIONAL = (
    "options",
    "references",
    "bad",
    "good",
    "use_instead",
    "roles",
    "preview",
    "fix",
    "fix_summary",
)
FIX_KINDS = ("safe", "unsafe")
_ROLES = ("service", "test", "script", "cli", "migration", "build", "example")
_ROLE_VALUES = ("default", "off", *(s.value for s in Severity))


def _example(raw: dict[str, Any], where: str) -> Example:
    try:
        return Example(
            title=str(raw.get("title", "")),
            code=str(raw["code"]).lstrip("\n"),
            lines=tuple(int(n) for n in raw.get("lines", ())),
            path=str(raw.get("path", DEFAULT_EXAMPLE_PATH)),
            files=tuple(
                (str(f["path"]), str(f["code"]).lstrip("\n")) for f in raw.get("files", ())
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"{where}: bad example ({exc})") from exc


def parse_rule(raw: dict[str, Any], where: str) -> RuleSpec:
    missing = [key for key in _REQUIRED if key not in raw]
    unknown = [key for key in raw if key not in _REQUIRED + _OPTIONAL]
    if missing or unknown:
        raise CatalogueError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    item = raw["checklist_item"] or None
    if item is not None and not checklist.is_item(item):
        raise CatalogueError(f"{where}: unknown checklist item {item!r}")
    try:
        severity = Severity(raw["severity"])
    except ValueError as exc:
        raise CatalogueError(f"{where}: bad severity {raw['severity']!r}") from exc
    roles = raw.get("roles")
    if roles is not None:
        if not isinstance(roles, dict) or not all(
            role in _ROLES and value in _ROLE_VALUES for role, value in roles.items()
        ):
            raise CatalogueError(f"{where}: roles must map {_ROLES} to {_ROLE_VALUES}")
        roles = {role: str(value) for role, value in roles.items()}
    preview = raw.get("preview", False)
    if not isinstance(preview, bool):
        raise CatalogueError(f"{where}: preview must be true or false")
    fix = raw.get("fix", "")
    if fix and fix not in FIX_KINDS:
        raise CatalogueError(f"{where}: fix must be one of {FIX_KINDS}, not {fix!r}")
    fix_summary = str(raw.get("fix_summary", "")).strip()
    if bool(fix) != bool(fix_summary):
        raise CatalogueError(f"{where}: fix and fix_summary go together")
    return RuleSpec(
        code=str(raw["code"]),
        name=str(raw["name"]),
        checklist_item=item,
        severity=severity,
        title=str(raw["title"]),
        summary=str(raw["summary"]).strip(),
        why=str(raw["why"]).strip(),
        options=str(raw.get("options", "")).strip(),
        references=tuple(str(r) for r in raw.get("references", ())),
        bad=tuple(_example(e, where) for e in raw.get("bad", ())),
        good=tuple(_example(e, where) for e in raw.get("good", ())),
        use_instead=str(raw.get("use_instead", "")).strip(),
        roles=roles,
        preview=preview,
        fix=str(fix),
        fix_summary=" ".join(fix_summary.split()),
    )


def load_dir(directory: Path) -> dict[str, RuleSpec]:
    specs: dict[str, RuleSpec] = {}
    for name, raw in precompiled.tables(directory).items():
        spec = parse_rule(raw, name)
        if spec.code in specs:
            raise CatalogueError(f"{name}: duplicate rule code {spec.code}")
        if not Path(name).stem.startswith(spec.code):
            raise CatalogueError(f"{name}: file name must start with {spec.code}")
        specs[spec.code] = spec
    return specs


@cache
def catalogue() -> dict[str, RuleSpec]:
    """All rules, keyed by code, in code order."""
    return dict(sorted(load_dir(rules_dir() / "catalogue").items()))


def get(code: str) -> RuleSpec | None:
    spec = catalogue().get(code.upper())
    if spec is None:
        for candidate in catalogue().values():
            if candidate.name == code.lower():
                return candidate
    return spec
