"""pyright (or basedpyright, a drop-in): `pyright --outputjson`.

The project's `pyrightconfig.json` or `[tool.pyright]` at the checked root is used with
`-p ROOT`. Without one, pyright would search the enclosing directories for a config, so
ttaprod writes a neutral one into its scratch directory that includes only what ttaprod
checks (the top-level folders holding the Python files it discovered). A virtual
environment at the root (`.venv`, `venv`, `env`) is handed over with `--pythonpath`
unless the project's config or the tool args name one.

pyright positions are 0-based on both axes (normalised here). Unresolved imports of
modules that are not part of the project are environment noise (pyright is not looking
at the project's virtualenv, as in an isolated pre-commit hook): they are hidden and the
status reason says how many, instead of flooding the report.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import redact
from ..globs import any_match
from ..tomlcompat import TOMLDecodeError, loads
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
    span,
    text_field,
    typed,
)
from .codemap import code_map

NAME = "pyright"
DEFAULT_COMMAND = "pyright"
OK_EXIT_CODES = (0, 1)  # 1: errors were reported
UNRESOLVED_RULES = ("reportMissingImports", "reportMissingModuleSource")
VENV_DIRS = (".venv", "venv", "env")
VENV_KEYS = ("venv", "venvPath", "pythonPath")
DEFAULT_EXCLUDE = ("**/node_modules", "**/__pycache__", "**/.*", "**/venv", "**/site-packages")
_IMPORT = re.compile(r'Import "(?P<module>[^"]*)"')
_LITERAL = re.compile(r"Literal\[[^\]]*\]")
# pyright's own wrapper checks PyPI for a newer release unless told not to.
ENV = {"PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}


def own_config(root: Path) -> dict[str, Any] | None:
    """The project's pyright settings at the root, or None when it has none."""
    config = root / "pyrightconfig.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        tool = loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return None
    for key in ("pyright", "basedpyright"):
        if isinstance(tool, dict) and isinstance(tool.get(key), dict):
            return tool[key]
    return None


def _venvs(root: Path) -> list[Path]:
    return [root / name for name in VENV_DIRS if (root / name / "pyvenv.cfg").is_file()]


def project_python(root: Path) -> Path | None:
    for venv in _venvs(root):
        for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
            if candidate.exists():
                return candidate
    return None


def _includes(ctx: Context) -> list[str]:
    """What ttaprod checks: the Python files it discovered (so virtualenvs of any name,
    excluded folders, symlinks, FIFOs and files over the size limit stay out), else the given
    paths."""
    return list(ctx.python_files) if ctx.python_files else list(ctx.targets)


def _neutral_config(ctx: Context) -> Path:
    """A config in the scratch directory: only the checked files, imports resolved from the root."""

    def rel(path: Path) -> str:
        return Path(os.path.relpath(path, ctx.scratch)).as_posix()

    extra = [rel(ctx.root)] + ([rel(ctx.root / "src")] if (ctx.root / "src").is_dir() else [])
    data = {
        "include": [rel(ctx.root / entry) for entry in _includes(ctx)],
        "exclude": [*DEFAULT_EXCLUDE, *(rel(v) for v in _venvs(ctx.root))],
        "extraPaths": extra,
    }
    path = ctx.scratch / "pyrightconfig.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _own_files(ctx: Context, config: dict[str, Any]) -> list[str]:
    """The files ttaprod checks that the project's own pyright config does not exclude."""
    exclude = config.get("exclude")
    patterns = tuple(p for p in exclude if isinstance(p, str)) if isinstance(exclude, list) else ()
    return [f for f in ctx.python_files if not (patterns and any_match(patterns, f))]


def build(ctx: Context) -> Invocation:
    command = ctx.settings.command or DEFAULT_COMMAND
    argv = [command, "--outputjson"]
    config = own_config(ctx.root)
    if config is None:
        argv += ["-p", str(_neutral_config(ctx))]
    else:
        argv += ["-p", str(ctx.root)]
    names_env = any(a in ctx.settings.args for a in ("--pythonpath", "-v", "--venvpath"))
    python = project_python(ctx.root)
    if python is not None and not names_env and not any(k in (config or {}) for k in VENV_KEYS):
        argv += ["--pythonpath", str(python)]
    argv += list(ctx.settings.args)
    if config is not None:
        files = _own_files(ctx, config)
        if ctx.python_files and not files:
            raise NothingToCheck("every Python file is excluded by the project's pyright config")
        # pyright's command line has no `--`: a name starting with "-" is made a path instead
        if files and fits_command_line(files):
            argv += _paths(files)  # the files ttaprod checks, not a walk of pyright's own
        elif ctx.targets != (".",):
            argv += _paths(ctx.targets)
    return Invocation(tuple(argv), ctx.root, env=dict(ENV))


def _paths(names: Sequence[str]) -> list[str]:
    return [f"./{name}" if name.startswith("-") else name for name in names]


def _mask(message: str) -> str:
    """Types can carry literals (`Literal['hunter2']`): mask the values inside them."""
    message = _LITERAL.sub(lambda m: redact.mask_string_literals(m.group(0)), message)
    return redact.redact_text(message)


def is_local_module(module: str, root: Path) -> bool:
    top = module.split(".")[0]
    if not top:  # a relative import: part of the project by definition
        return True
    if "\0" in top or "/" in top or len(top) > 255:
        return False
    for base in (root, root / "src"):
        if (
            (base / top).is_dir()
            or (base / f"{top}.py").is_file()
            or (base / f"{top}.pyi").is_file()
        ):
            return True
    return False


def _unresolved_module(diagnostic: dict[str, Any]) -> str | None:
    if diagnostic.get("rule") not in UNRESOLVED_RULES:
        return None
    match = _IMPORT.search(str(diagnostic.get("message", "")))
    return match.group("module") if match else None


def _position(diagnostic: dict[str, Any]) -> tuple[int, int, int, int]:
    where = typed(diagnostic, "range", dict, "a range") or {}
    start = typed(where, "start", dict, "a range's start") or {}
    end = typed(where, "end", dict, "a range's end") or {}

    def plus_one(value: Any) -> Any:
        return value + 1 if isinstance(value, int) and not isinstance(value, bool) else value

    return span(
        plus_one(start.get("line")),
        plus_one(start.get("character")),
        plus_one(end.get("line")),
        plus_one(end.get("character")),
    )


def _finding(diagnostic: dict[str, Any], root: Path):
    path = file_field(diagnostic, "file", root)
    position = _position(diagnostic)
    level = typed(diagnostic, "severity", str, "a severity") or "error"
    code = code_field(diagnostic, "rule", "a rule name") or code_field(
        {"level": level}, "level", "a severity"
    )
    message_text = text_field(diagnostic, "message", "a message")
    if path is None:
        return None
    assert code is not None
    item, severity = code_map(NAME).lookup(code, level)
    lines = message_text.strip().splitlines()
    message = _mask(lines[0].strip()) if lines else code
    return make_finding(NAME, code, item, severity, path, position, message)


def _failure(stdout: str, stderr: str, exit_code: int) -> ToolError:
    return ToolError(
        last_line(stderr) or last_line(stdout) or f"pyright exited with code {exit_code}"
    )


def parse(stdout: str, stderr: str, exit_code: int, root: Path) -> Parsed:
    if exit_code not in OK_EXIT_CODES:
        raise _failure(stdout, stderr, exit_code)
    data = load_json(stdout)
    if not isinstance(data, dict) or not isinstance(data.get("generalDiagnostics"), list):
        raise ToolError("unexpected JSON output (no 'generalDiagnostics' list)")
    findings = []
    hidden: set[str] = set()
    hidden_count = 0
    for diagnostic in data["generalDiagnostics"]:
        if not isinstance(diagnostic, dict):
            raise ToolError("unexpected JSON output (a diagnostic is not an object)")
        module = _unresolved_module(diagnostic)
        if module is not None and not is_local_module(module, root):
            hidden.add(module.split(".")[0])
            hidden_count += 1
            continue
        finding = _finding(diagnostic, root)
        if finding is not None:
            findings.append(finding)
    version = data.get("version")
    if version is not None and (not isinstance(version, str) or len(version) > 40):
        raise ToolError("unexpected JSON output (a version that is not a short string)")
    return Parsed(
        tuple(findings),
        version=version or None,
        note=unresolved_note(hidden_count, hidden),
    )


def unresolved_note(count: int, modules: set[str], more: bool = False) -> str:
    if not count:
        return ""
    shown = ", ".join(sorted(modules)[:3]) + (", …" if more or len(modules) > 3 else "")
    return (
        f"{count} unresolved third-party import(s) hidden ({shown}): pyright does not see the "
        "project's virtualenv (README: pyright and your virtualenv)"
    )


_NOTE = re.compile(r"(\d+) unresolved third-party import\(s\) hidden \(([^()]*)\): ")


def merged_note(notes: list[str]) -> str | None:
    """The note of one run over all the files from the notes of runs over parts of them
    (`ttaprod merge`); None when a note is not one `unresolved_note` wrote. The three first
    modules of the whole are among the three first of the parts."""
    count, modules, more = 0, set(), False
    for note in notes:
        if not note:
            continue
        match = _NOTE.match(note)
        if match is None or not note.endswith("(README: pyright and your virtualenv)"):
            return None
        count += int(match.group(1))
        names = [n for n in match.group(2).split(", ") if n]
        more = more or (bool(names) and names[-1] == "…")
        modules.update(n for n in names if n != "…")
    return unresolved_note(count, modules, more)
