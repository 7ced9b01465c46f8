"""What every tool adapter shares: the invocation it asks for, the output it parses into,
and the boundary helpers that turn a tool's paths and positions into ttaprod's.

An adapter is a module with `NAME`, `build(ctx) -> Invocation` and a pure
`parse(stdout, stderr, exit_code, root) -> Parsed`. `parse` raises `ToolError` when the
run failed (an exit code that is not "findings", output that is not what the pinned
version prints); the shared runner turns that into the `failed` status.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..config import ToolSettings as Settings
from ..models import Finding, Severity
from ..tomlcompat import TOMLDecodeError, loads


def pyproject_has_tool(root: Path, tool_name: str) -> bool:
    """Whether `root/pyproject.toml` has a `[tool.<tool_name>]` table (unreadable: no)."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        data = loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and tool_name in tool


class ToolError(Exception):
    """The tool ran but did not do its job; the message is the status reason (one line)."""


class ToolUnavailable(Exception):
    """The tool cannot run here (not installed, no database); the message says why."""


class NothingToCheck(Exception):
    """No file is for this tool: it is `ok` with nothing found; the message says why."""


@dataclass(frozen=True)
class Context:
    """What an adapter may know when it builds its command line."""

    root: Path
    targets: tuple[str, ...]  # POSIX paths relative to root ("." for the whole root)
    python_files: tuple[str, ...]
    other_files: tuple[str, ...]
    config: Config
    settings: Settings
    scratch: Path  # a private temporary directory, removed after the run
    safety_db: Path | None = None


@dataclass(frozen=True)
class Invocation:
    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)  # added to the inherited environment
    version_argv: tuple[str, ...] | None = None  # a second, concurrent run that prints the version


@dataclass(frozen=True)
class Parsed:
    findings: tuple[Finding, ...]
    version: str | None = None  # when the output itself names the version
    note: str = ""  # said in the status reason (e.g. hidden environment noise)
    failed: tuple[str, ...] = ()  # files the tool could not check (never cached)


def _argv_budget() -> int:
    """Bytes of file names one command line may carry: the system's limit (Linux: 2 MB with
    an 8 MB stack) less the environment and a margin, at most 1.5 MB."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (AttributeError, OSError, ValueError):  # pragma: no cover - Windows
        limit = 32 * 1024
    environ = sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    return max(16 * 1024, min(limit - environ - 64 * 1024, 1536 * 1024))


ARGV_BUDGET = _argv_budget()
MAX_LINE = 10_000_000  # a line or column a tool reports past this is not a position
MAX_MESSAGE = 1_000  # characters of a tool's message kept
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")


def fits_command_line(files: list[str] | tuple[str, ...]) -> bool:
    return sum(len(os.fsencode(f)) + 9 for f in files) <= ARGV_BUDGET  # NUL and a pointer


def load_json(stdout: str, default: str | None = None) -> Any:
    """A tool's JSON output; `ToolError` when it is not JSON or nests too deeply."""
    try:
        return json.loads(stdout or (default if default is not None else stdout))
    except json.JSONDecodeError as exc:
        raise ToolError(f"unreadable JSON output ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ToolError("unreadable JSON output (nested too deeply)") from None


def unexpected(what: str) -> ToolError:
    return ToolError(f"unexpected JSON output ({what})")


def typed(item: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """`item[key]` when it is of `kind` (or missing/null: None); `ToolError` otherwise."""
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise unexpected(f"{what} is {type(value).__name__}")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def text_field(item: dict[str, Any], key: str, what: str) -> str:
    """A string field (missing: ""), without NUL bytes, cut at `MAX_MESSAGE`."""
    value = typed(item, key, str, what) or ""
    if "\0" in value:
        raise unexpected(f"{what} with a NUL byte")
    return value if len(value) <= MAX_MESSAGE else value[: MAX_MESSAGE - 1] + "…"


def code_field(item: dict[str, Any], key: str, what: str) -> str | None:
    """A rule code (`F401`, `reportOptionalMemberAccess`, `B105`); None when missing."""
    value = typed(item, key, str, what)
    if value is None or value == "":
        return None
    if not _CODE.fullmatch(value):
        raise unexpected(f"{what} {value[:40]!r} is not a rule code")
    return value


def file_field(item: dict[str, Any], key: str, root: Path) -> str | None:
    """The file a diagnostic is on, relative to root; None when it lies outside the tree."""
    name = typed(item, key, str, "a file name")
    if not name:
        raise unexpected("a diagnostic without a file name")
    if "\0" in name:
        raise unexpected("a file name with a NUL byte")
    return relative_path(name, root)


def relative_path(name: str, root: Path) -> str | None:
    """A tool's file name (absolute, `./x`, or relative to root) as a POSIX path relative to
    root; None when it lies outside."""
    if "\0" in name:
        return None
    path = Path(name)
    if not path.is_absolute():
        path = root / path
    for base, target in ((root, path), (root.resolve(), path.resolve())):
        try:
            rel = Path(os.path.normpath(target)).relative_to(os.path.normpath(base))
        except ValueError:
            continue
        return rel.as_posix()
    return None


def span(
    line: Any, column: Any, end_line: Any = None, end_column: Any = None
) -> tuple[int, int, int, int]:
    """Already 1-based values, made safe: ints, at least 1, the end never before the start;
    `ToolError` for a number no file has (negative past -1, or past `MAX_LINE`)."""
    for value in (line, column, end_line, end_column):
        if isinstance(value, int) and not isinstance(value, bool) and not -1 <= value <= MAX_LINE:
            raise unexpected(f"a position out of range ({value})")
        if value is not None and not isinstance(value, int):
            raise unexpected(f"a position is {type(value).__name__}")
    start_line = max(_int(line, 1), 1)
    start_col = max(_int(column, 1), 1)
    stop_line = max(_int(end_line, start_line), start_line)
    stop_col = max(_int(end_column, start_col), 1)
    if stop_line == start_line:
        stop_col = max(stop_col, start_col)
    return start_line, start_col, stop_line, stop_col


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    return default


def make_finding(
    tool: str,
    code: str,
    item: str | None,
    severity: Severity,
    path: str,
    position: tuple[int, int, int, int],
    message: str,
    fix: str | None = None,
) -> Finding:
    line, column, end_line, end_column = position
    return Finding(
        rule=f"{tool}:{code}",
        source=tool,
        checklist_item=item,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=message,
        fix=fix,
    )


def last_line(text: str, limit: int = 200) -> str:
    """The last non-empty line of a tool's stderr (the last one saying "error" if any),
    shortened: the reason of a failure."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    errors = [line for line in lines if "error" in line.lower()]
    line = (errors or lines)[-1]
    return line if len(line) <= limit else line[: limit - 1] + "…"
