"""ruff: `ruff check --output-format json --exit-zero`, never fixing, never caching in the project.

The project's own ruff configuration is used when the checked root has one (ruff.toml,
.ruff.toml, or pyproject.toml with [tool.ruff]); otherwise ttaprod's production profile
from `rules/tools/ruff.toml` runs in isolation, so no configuration of an enclosing
directory leaks in. Locations in ruff's JSON are 1-based already.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import redact
from ..models import Severity
from .base import (
    Context,
    Invocation,
    NothingToCheck,
    Parsed,
    ToolError,
    code_field,
    file_field,
    fits_command_line,
    last_line,
    load_json,
    make_finding,
    pyproject_has_tool,
    span,
    text_field,
    typed,
)
from .codemap import code_map

NAME = "ruff"
DEFAULT_COMMAND = "ruff"
# ruff exits 0 with --exit-zero whatever it finds; 2 is an abnormal termination.
OK_EXIT_CODES = (0,)


def has_own_config(root: Path) -> bool:
    if (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file():
        return True
    return pyproject_has_tool(root, "ruff")


def profile_args() -> list[str]:
    profile = code_map(NAME).raw.get("profile", {})
    args = ["--isolated", "--select", ",".join(profile.get("select", ["E", "F"]))]
    if profile.get("ignore"):
        args += ["--ignore", ",".join(profile["ignore"])]
    for glob, codes in profile.get("per-file-ignores", {}).items():
        for code in codes:  # one PATTERN:CODE per flag
            args += ["--per-file-ignores", f"{glob}:{code}"]
    for key, value in profile.get("settings", {}).items():
        args += ["--config", f"{key} = {json.dumps(value)}"]  # a TOML value: JSON lists agree
    return args


def build(ctx: Context) -> Invocation:
    """ruff on the files ttaprod checks (never a directory walk of its own, which would follow
    a symlink to `/dev/zero` or block on a FIFO), with the project's exclusions kept
    (`--force-exclude`); a directory walk only when the list would not fit a command line."""
    command = ctx.settings.command or DEFAULT_COMMAND
    argv = [command, "check", "--output-format", "json", "--exit-zero", "--no-fix", "--no-cache"]
    if not has_own_config(ctx.root):
        argv += profile_args()
    files = list(ctx.python_files)
    if not files:
        raise NothingToCheck("no Python files")
    argv += ["--force-exclude", *ctx.settings.args, "--"]
    argv += files if fits_command_line(files) else list(ctx.targets)
    return Invocation(tuple(argv), ctx.root, version_argv=(command, "--version"))


def parse_version(stdout: str) -> str | None:
    """`ruff 0.17.6` → `0.17.6`."""
    words = stdout.split()
    return words[1] if len(words) >= 2 and words[0] == "ruff" else (words[0] if words else None)


# flake8-bandit messages can quote the flagged literal (a temp path, a bind address): every
# quoted value is masked there, except in S105–S107, which quote the *name* the password is
# bound to ("Possible hardcoded password assigned to: "DB_PASSWORD""), never the value.
NAMES_QUOTED = ("S105", "S106", "S107")


def _message(code: str, text: str) -> str:
    text = redact.redact_text(text)
    if code.startswith("S") and code not in NAMES_QUOTED:
        return redact.mask_quoted(text)
    return text


def _fix(item: dict[str, Any]) -> str | None:
    fix = typed(item, "fix", dict, "a fix")
    if fix and fix.get("message"):
        return redact.mask_quoted(text_field(fix, "message", "a fix's message"))
    return None


def _location(item: dict[str, Any], key: str) -> tuple[Any, Any]:
    where = typed(item, key, dict, f"'{key}'") or {}
    return where.get("row"), where.get("column")


def parse(stdout: str, stderr: str, exit_code: int, root: Path) -> Parsed:
    if exit_code not in OK_EXIT_CODES:
        raise ToolError(last_line(stderr) or f"ruff exited with code {exit_code}")
    data = load_json(stdout, "[]")
    if not isinstance(data, list):
        raise ToolError("unexpected JSON output (not a list of diagnostics)")
    mapping = code_map(NAME)
    findings = []
    for item in data:
        if not isinstance(item, dict):
            raise ToolError("unexpected JSON output (a diagnostic is not an object)")
        raw_code = code_field(item, "code", "a rule code")
        code = raw_code or "syntax-error"
        path = file_field(item, "filename", root)
        start, end = _location(item, "location"), _location(item, "end_location")
        position = span(*start, *end)
        fix = _fix(item)
        if path is None:
            continue
        checklist_item, severity = mapping.lookup(code)
        if raw_code is None:  # ruff reports a file it cannot parse without a code
            checklist_item, severity = mapping.default.item, Severity.HIGH
        message = _message(code, text_field(item, "message", "a message").strip() or code)
        findings.append(
            make_finding(NAME, code, checklist_item, severity, path, position, message, fix)
        )
    return Parsed(tuple(findings))
