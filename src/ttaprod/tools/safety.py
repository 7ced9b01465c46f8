"""safety: known vulnerabilities of the project's pinned dependencies, from a local database.

ttaprod reads safety's advisory database format itself (`advisories.py`) instead of
running the `safety` program: safety 3.x needs the network and an account even with
`--db`, and safety 2.x pins `packaging<22`, which would downgrade the user's
environment. The reader runs in-process, offline, in milliseconds. Without a database
(`safety-db` in config, `--safety-db PATH`) the tool is `unavailable` at once: ttaprod
never fetches advisories over the network, so it can neither hang nor silently pass.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import redact
from ..models import Finding
from . import advisories, deps
from .base import Context, Parsed, ToolError, ToolUnavailable, make_finding
from .codemap import code_map

NAME = "safety"
NO_DATABASE = (
    "no local advisory database: set safety-db in [tool.ttaprod] or pass --safety-db PATH "
    "(a directory holding safety's insecure_full.json)"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s")
MAX_ADVISORY_CHARS = 160


def _summary(text: str) -> str:
    first = _SENTENCE.split(text, maxsplit=1)[0].strip()
    if len(first) > MAX_ADVISORY_CHARS:
        first = first[: MAX_ADVISORY_CHARS - 1].rstrip() + "…"
    return first


def findings_for(declared: deps.Declared, database: advisories.Database) -> list[Finding]:
    """Pure: one finding per (pinned dependency, advisory affecting its version)."""
    mapping = code_map(NAME)
    out = []
    for pin in declared.pins:
        for advisory in database.affecting(pin.name, pin.version):
            item, severity = mapping.lookup(advisory.id)
            label = f" ({advisory.cve})" if advisory.cve else ""
            summary = _summary(advisory.text)
            message = f"{pin.name} {pin.version} has a known vulnerability{label}" + (
                f": {summary}" if summary else ""
            )
            fix = f"upgrade {pin.name} to a version outside {' or '.join(advisory.specs)}"
            end_column = len(pin.text) + 1
            finding = make_finding(
                NAME,
                advisory.id,
                item,
                severity,
                pin.path,
                (pin.line, 1, pin.line, end_column),
                redact.redact_text(message),
                fix,
            )
            out.append(finding)
    return out


def scan(ctx: Context) -> Parsed:
    if ctx.safety_db is None:
        raise ToolUnavailable(NO_DATABASE)
    try:
        database = advisories.load(ctx.safety_db)
    except advisories.DatabaseMissing as exc:
        raise ToolUnavailable(str(exc)) from None
    except advisories.DatabaseError as exc:  # it is there, and not what safety writes
        raise ToolError(str(exc)) from None
    declared = deps.collect(ctx.root, ctx.other_files)
    found = findings_for(declared, database)
    pins = len(declared.pins)
    note = f"{pins} pinned {'dependency' if pins == 1 else 'dependencies'} checked"
    if declared.unpinned:
        note += f", {declared.unpinned} without an exact pin not checked"
    if not declared.files:
        note = "no dependency files found"
    if declared.unreadable:
        note += f"; could not read {', '.join(declared.unreadable)}"
    version = f"advisory db {database.stamp}".strip() if database.stamp else "advisory db"
    return Parsed(tuple(found), version=version, note=note)


def database_path(
    config_value: str | None, cli_value: Path | None, config_dir: Path | None
) -> Path | None:
    """--safety-db wins over config; a relative config path is relative to the config file."""
    if cli_value is not None:
        return cli_value
    if not config_value:
        return None
    path = Path(config_value).expanduser()
    return path if path.is_absolute() or config_dir is None else config_dir / path
