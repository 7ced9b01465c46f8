"""`ttaprod rules` and `ttaprod explain`: the rule catalogue for people and scripts."""

from __future__ import annotations

import json
import sys

from .. import catalogue
from . import explain_view as explain_fmt
from .common import EXIT_PASSED, UsageError, console


def rules(fmt: str) -> int:
    specs = list(catalogue.catalogue().values())
    if fmt == "json":
        from .. import roles

        rows = [
            {
                "code": s.code,
                "name": s.name,
                "checklist_item": s.checklist_item,
                "severity": s.severity.value,
                "title": s.title,
                "tier": "preview" if s.preview else "stable",
                "fix": s.fix or None,
                "roles": dict(roles.policy(s.roles)),
            }
            for s in specs
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_PASSED
    if fmt != "table":
        raise UsageError(f"unknown format '{fmt}' (choose from table, json)")
    explain_fmt.rules_table(specs, console())
    return EXIT_PASSED


def explain(code: str) -> int:
    spec = catalogue.get(code)
    if spec is None:
        raise UsageError(f"unknown rule '{code}' (see `ttaprod rules`)")
    explain_fmt.render(spec, console())
    return EXIT_PASSED


def complete_code(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for `ttaprod explain`: codes and names with their titles."""
    wanted = incomplete.lower()
    out = []
    for spec in catalogue.catalogue().values():
        for value in (spec.code, spec.name):
            if value.lower().startswith(wanted):
                out.append((value, spec.title))
    return out
