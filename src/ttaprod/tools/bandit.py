"""bandit: `bandit -f json -q` on the Python files ttaprod discovered.

Files are passed explicitly, so ttaprod's own `exclude` and its skipping of virtual
environments apply (bandit's recursive walk would descend into `.venv`); without a
`[tool.bandit]` table test files are left out (asserts in tests are not a finding). The project's
`[tool.bandit]` table is honoured with `-c pyproject.toml`. Positions: `line_number` is
1-based, `col_offset` and `end_col_offset` are 0-based (normalised here). bandit echoes
the flagged literal in some messages ("Possible hardcoded password: 'hunter2'"): every
quoted value is masked.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from .. import redact
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
    relative_path,
    span,
    text_field,
    typed,
    unexpected,
)
from .codemap import code_map

NAME = "bandit"
DEFAULT_COMMAND = "bandit"
OK_EXIT_CODES = (0, 1)  # 1: issues were found
EXCLUDED_DIRS = (".venv", "venv", ".tox", ".nox", "node_modules", "build", "dist", "site-packages")


def has_own_config(root: Path) -> bool:
    return pyproject_has_tool(root, "bandit")


def is_test_file(rel: str) -> bool:
    path = PurePosixPath(rel)
    name = path.name
    return (
        "tests" in path.parts[:-1]
        or "test" in path.parts[:-1]
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def build(ctx: Context) -> Invocation:
    command = ctx.settings.command or DEFAULT_COMMAND
    argv = [command, "-f", "json", "-q"]
    own_config = has_own_config(ctx.root)
    if own_config:
        argv += ["-c", "pyproject.toml"]
    argv += list(ctx.settings.args)
    files = [f for f in ctx.python_files if f.endswith(".py")]
    if not own_config:  # ttaprod's default: production code only, as ruff's profile does
        files = [f for f in files if not is_test_file(f)]
    if not files and not own_config:
        raise NothingToCheck(
            "only test files (left out without [tool.bandit])"
            if ctx.python_files
            else "no Python files"
        )
    if files and fits_command_line(files):
        argv += ["--", *files]
    else:
        argv += ["-r", "-x", ",".join(f"*/{d}/*" for d in EXCLUDED_DIRS), "--", *ctx.targets]
    return Invocation(tuple(argv), ctx.root, version_argv=(command, "--version"))


def parse_version(stdout: str) -> str | None:
    """`bandit 1.9.4\\n  python version = …` → `1.9.4`."""
    first = stdout.strip().splitlines()[0].split() if stdout.strip() else []
    return first[1] if len(first) >= 2 and first[0] == "bandit" else None


def _finding(item: dict[str, Any], root: Path):
    path = file_field(item, "filename", root)
    code = code_field(item, "test_id", "a test id") or "B000"
    level = typed(item, "issue_severity", str, "a severity") or ""
    line = typed(item, "line_number", int, "a line number")
    line_range = typed(item, "line_range", list, "a line range") or []
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in line_range):
        raise unexpected("a line range that is not a list of numbers")
    column = typed(item, "col_offset", int, "a column")
    end_column = typed(item, "end_col_offset", int, "a column")
    position = span(
        line,
        column + 1 if column is not None else 1,
        max(line_range) if line_range else line,
        end_column + 1 if end_column is not None else None,
    )
    text = text_field(item, "issue_text", "a message").strip()
    if path is None:
        return None
    checklist_item, severity = code_map(NAME).lookup(code, level)
    message = redact.mask_quoted(redact.redact_text(text))
    return make_finding(NAME, code, checklist_item, severity, path, position, message or code)


def parse(stdout: str, stderr: str, exit_code: int, root: Path) -> Parsed:
    if exit_code not in OK_EXIT_CODES:
        raise ToolError(last_line(stderr) or f"bandit exited with code {exit_code}")
    data = load_json(stdout)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ToolError("unexpected JSON output (no 'results' list)")
    findings = []
    for item in data["results"]:
        if not isinstance(item, dict):
            raise ToolError("unexpected JSON output (a result is not an object)")
        finding = _finding(item, root)
        if finding is not None:
            findings.append(finding)
    errors = data.get("errors") or []
    if not isinstance(errors, list):
        raise unexpected("'errors' is not a list")
    return Parsed(tuple(findings), note=_note(len(errors)), failed=_failed_files(errors, root))


def _note(errors: int) -> str:
    return f"could not scan {errors} file(s)" if errors else ""


def merged_note(notes: list[str]) -> str | None:
    """The note of one run from the notes of runs over parts of the files (`ttaprod
    merge`); None when a note is not one `parse` wrote."""
    total = 0
    for note in notes:
        words = note.split()
        if not note:
            continue
        if len(words) != 5 or note != _note(int(words[3]) if words[3].isdigit() else 0):
            return None
        total += int(words[3])
    return _note(total)


def _failed_files(errors: list[Any], root: Path) -> tuple[str, ...]:
    out = []
    for error in errors:
        name = error.get("filename") if isinstance(error, dict) else None
        rel = relative_path(name, root) if isinstance(name, str) else None
        if rel is not None:
            out.append(rel)
    return tuple(out)
