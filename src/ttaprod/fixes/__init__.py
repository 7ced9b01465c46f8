"""Automatic fixes (`ttaprod check --fix`): the checklist repaired, not only reported.

Fixes are driven by the findings a run reports, and by nothing else: a finding that was
suppressed, baselined, out of `--diff` scope or in another file than the ones given is not in
`report.findings`, so it is never fixed. Each rule with a fix says in its catalogue entry
whether the fix is `safe` (applied by `--fix`) or `unsafe` (it changes behaviour: only with
`--unsafe-fixes`).

    kit.py        edits on the tree, names a fix uses, argument lists kept in their layout
    imports.py    imports added only when missing, into the right block
    files.py      read once, replaced atomically if unchanged; diffs and replacements
    walk.py       one file: flagged nodes found by span, handed to their family
    plan.py       suggestions (one fix alone) and changes (the chosen fixes together)
    timeouts.py   TTP101          retries.py  TTP102          tls.py      TTP403
    secrets.py    TTP401 TTP402   blocking.py TTP301          logs.py     TTP113 TTP204
    deployment.py TTP503 TTP513 (Dockerfile and compose files: edited as text, line by line)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .. import catalogue
from ..config import Config
from ..models import Finding
from ..tools.deps import is_dependency_file, normalise
from . import deployment
from .blocking import Blocking
from .logs import ExcInfo, LogMessages
from .plan import Change, FilePlan, Plan, TextFixer, build, key
from .retries import Retries
from .secrets import Secrets
from .settings import Settings
from .timeouts import Timeouts
from .tls import Tls
from .walk import Family

__all__ = ["FIXABLE", "Change", "FilePlan", "Plan", "Settings", "fixable", "key", "plan"]

FAMILIES: dict[str, type[Family]] = {
    code: family
    for family in (Timeouts, Retries, Tls, Secrets, Blocking, LogMessages, ExcInfo)
    for code in family.codes
}
TEXT_FIXERS: dict[str, TextFixer] = {
    "TTP503": deployment.healthcheck,
    "TTP513": deployment.restart_policy,
}
FIXABLE = frozenset(FAMILIES) | frozenset(TEXT_FIXERS)
SECRET_RULES = frozenset({"TTP401", "TTP402", "TTP504", "TTP512", "TTP526"})
_SECRET_ITEM = "security.secrets-in-env"


def fixable(finding: Finding) -> bool:
    return finding.source == "ttaprod" and finding.rule in FIXABLE and bool(finding.path)


def settings(
    config: Config,
    root: Path,
    other_files: Sequence[str] = (),
    health_paths: Sequence[str] = (),
) -> Settings:
    return Settings(
        timeout=config.fix_timeout,
        requests_timeout=config.fix_requests_timeout,
        env_prefix=config.fix_env_prefix,
        env_names=dict(config.fix_env_names),
        safety={code: spec.fix for code, spec in catalogue.catalogue().items() if spec.fix},
        dependencies=_dependencies(root, other_files),
        health_paths=tuple(health_paths),
        first_party=_first_party(root),
    )


def plan(
    findings: Sequence[Finding],
    root: Path,
    fix_settings: Settings,
    every_finding: Sequence[Finding] = (),
) -> Plan:
    """The fixes of the fixable `findings`. `every_finding` (suppressed and baselined ones
    too) says where secrets are: they are masked in every diff."""
    secret_spans: dict[str, set[tuple[int, int, int, int]]] = {}
    for f in every_finding or findings:
        if f.rule in SECRET_RULES or f.checklist_item == _SECRET_ITEM:
            span = (f.line, f.column, f.end_line, f.end_column)
            secret_spans.setdefault(f.path, set()).add(span)
    chosen = [f for f in findings if fixable(f)]
    return build(chosen, root, fix_settings, FAMILIES, TEXT_FIXERS, secret_spans)


_REQUIREMENT = re.compile(
    r"""^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)|\bname\s*=\s*["']([A-Za-z0-9][A-Za-z0-9._-]*)""",
    re.MULTILINE,
)


def _text(path: Path) -> str:
    """A dependency file's text; "" when it cannot be read (then it declares nothing here:
    safety's check of the same files reports it)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _dependencies(root: Path, other_files: Sequence[str]) -> frozenset[str]:
    """Names of the packages the project's requirement files and pyproject.toml mention."""
    names: set[str] = set()
    for rel in other_files:
        if is_dependency_file(rel):
            text = _text(root / rel)
            names.update(normalise(m.group(1) or m.group(2)) for m in _REQUIREMENT.finditer(text))
    return frozenset(names)


def _entries(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir())
    except OSError:
        return []  # no such directory (src/), or unreadable: no module of the project there


def _first_party(root: Path) -> frozenset[str]:
    """The project's own top-level modules: packages and modules at the root or in src/."""
    names: set[str] = set()
    for base in (root, root / "src"):
        for entry in _entries(base):
            if entry.is_dir() and (entry / "__init__.py").exists():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.is_file():
                names.add(entry.stem)
    return frozenset(names)
