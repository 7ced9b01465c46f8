"""Which rules apply: `select`/`ignore` by code or prefix, `per-file-ignores`, and which
findings a report shows (with severity overrides).

As in ruff, the most specific matching prefix wins: `select = ["TTP1"]` with
`ignore = ["TTP102"]` runs TTP101 and TTP103 but not TTP102; when a select and an ignore
prefix are equally specific, ignore wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from .config import Config
from .globs import matches
from .models import Finding


def _longest(code: str, prefixes: Iterable[str]) -> int:
    best = -1
    for prefix in prefixes:
        if prefix in ("ALL", "*"):
            best = max(best, 0)
        elif code.upper().startswith(prefix.upper()):
            best = max(best, len(prefix))
    return best


def is_selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    chosen = _longest(code, select)
    if chosen < 0:
        return False
    return chosen > _longest(code, ignore)


def enabled(codes: Iterable[str], select: Iterable[str], ignore: Iterable[str]) -> frozenset[str]:
    select, ignore = tuple(select), tuple(ignore)
    return frozenset(code for code in codes if is_selected(code, select, ignore))


def ignored_for_path(
    code: str, rel_path: str, per_file: tuple[tuple[str, tuple[str, ...]], ...]
) -> bool:
    return any(matches(glob, rel_path) and _longest(code, codes) >= 0 for glob, codes in per_file)


def visible(finding: Finding, config: Config) -> bool:
    # A tool's findings (`ruff:S113`) show unless ignored (`ruff:`, `ruff:S1`, `pyright:report…`):
    # `select` picks ttaprod's own rules; which tools run is `--tools` / `[tool.ttaprod.tools]`.
    tool = finding.rule.split(":", 1)[0] + ":" if ":" in finding.rule else None
    select = (*config.select, tool) if tool else config.select
    if not is_selected(finding.rule, select, config.ignore):
        return False
    return not ignored_for_path(finding.rule, finding.path, config.per_file_ignores)


def filter_findings(findings: Sequence[Finding], config: Config) -> list[Finding]:
    out = []
    for finding in findings:
        if not visible(finding, config):
            continue
        override = config.severity_for(finding.rule)
        out.append(replace(finding, severity=override) if override else finding)
    return sorted(out, key=lambda f: f.sort_key)
