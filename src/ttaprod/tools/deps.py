"""The project's declared dependencies with an exact version: what an advisory can be matched to.

Read from the files ttaprod discovered: `requirements*.txt` (and `requirements/*.txt`),
`pyproject.toml` (`[project]` dependencies and extras, `[tool.poetry]` dependency
tables), and the lock files `poetry.lock`, `pdm.lock`, `uv.lock` and `Pipfile.lock`.
Only exact pins (`==1.2.3`) can be checked; the others are counted, so the status can
say how many were not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .. import safeio
from ..tomlcompat import TOMLDecodeError, loads

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_PIN = re.compile(
    rf"^\s*(?P<name>{_NAME})\s*(?:\[[^\]]*\])?\s*(?P<op>===|==)\s*(?P<version>[A-Za-z0-9.+!_-]+)\s*(?:;.*)?$"
)
_REQUIREMENT = re.compile(rf"^\s*(?P<name>{_NAME})")
_POETRY_EXACT = re.compile(r"^\s*(?:==\s*)?(?P<version>\d[A-Za-z0-9.+!_-]*)\s*$")
LOCK_FILES = ("poetry.lock", "pdm.lock", "uv.lock")
READ_LIMIT = 32 * safeio.MB  # a lock file of thousands of packages is a few MB


def normalise(name: str) -> str:
    """PEP 503: `Py_YAML` and `py.yaml` are `py-yaml`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str  # normalised
    version: str
    path: str  # relative to the root, POSIX
    line: int
    text: str  # what the file says, for messages and fingerprints


@dataclass
class Declared:
    pins: list[Pin] = field(default_factory=list)
    unpinned: int = 0
    files: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # not UTF-8, unreadable or malformed


def is_dependency_file(rel: str) -> bool:
    path = PurePosixPath(rel)
    name = path.name
    if name in (*LOCK_FILES, "Pipfile.lock", "pyproject.toml"):
        return len(path.parts) == 1
    if not name.endswith(".txt"):
        return False
    if len(path.parts) == 1:
        return "requirements" in name
    return len(path.parts) == 2 and path.parts[0] == "requirements"


def _line_of(lines: list[str], needle: str, start: int = 0) -> int:
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    return 1


def read_requirements(text: str, rel: str, out: Declared) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        line = line.split(" --hash", 1)[0].rstrip(" \\")
        if not line or line.startswith(("#", "-")):
            continue
        match = _PIN.match(line)
        if match and "*" not in match.group("version"):
            name, version = normalise(match.group("name")), match.group("version")
            out.pins.append(Pin(name, version, rel, number, f"{match.group('name')}=={version}"))
        elif _REQUIREMENT.match(line):
            out.unpinned += 1


def _pep508(spec: str, rel: str, lines: list[str], out: Declared) -> None:
    match = _PIN.match(spec)
    if match and "*" not in match.group("version"):
        line = _line_of(lines, spec.split(";")[0].strip()[:40])
        out.pins.append(
            Pin(
                normalise(match.group("name")),
                match.group("version"),
                rel,
                line,
                spec.split(";")[0].strip(),
            )
        )
    elif _REQUIREMENT.match(spec):
        out.unpinned += 1


def read_pyproject(text: str, rel: str, out: Declared) -> None:
    data = loads(text)
    lines = text.splitlines()
    project = data.get("project", {})
    if isinstance(project, dict):
        specs = list(project.get("dependencies", []) or [])
        for extra in (project.get("optional-dependencies", {}) or {}).values():
            specs.extend(extra or [])
        for spec in specs:
            if isinstance(spec, str):
                _pep508(spec, rel, lines, out)
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
        tables += [
            g.get("dependencies", {})
            for g in (poetry.get("group", {}) or {}).values()
            if isinstance(g, dict)
        ]
        for table in tables:
            for name, value in (table or {}).items():
                _poetry_dependency(name, value, rel, lines, out)


def _poetry_dependency(name: str, value: Any, rel: str, lines: list[str], out: Declared) -> None:
    if name.lower() == "python":
        return
    version = value.get("version") if isinstance(value, dict) else value
    match = _POETRY_EXACT.match(version) if isinstance(version, str) else None
    if match:
        line = _line_of(lines, name)
        out.pins.append(
            Pin(
                normalise(name),
                match.group("version"),
                rel,
                line,
                f"{name}=={match.group('version')}",
            )
        )
    else:
        out.unpinned += 1


def read_lock(text: str, rel: str, out: Declared) -> None:
    """poetry.lock, pdm.lock, uv.lock: `[[package]]` tables with `name` and `version`."""
    data = loads(text)
    lines = text.splitlines()
    cursor = 0
    for package in data.get("package", []) or []:
        if not isinstance(package, dict) or not package.get("name") or not package.get("version"):
            continue
        source = package.get("source")
        if isinstance(source, dict) and ({"editable", "virtual", "directory"} & set(source)):
            continue  # the project itself, or a local path
        name = str(package["name"])
        line = _line_of(lines, f'name = "{name}"', cursor)
        cursor = max(cursor, line - 1)
        version = str(package["version"])
        out.pins.append(Pin(normalise(name), version, rel, line, f"{name}=={version}"))


def read_pipfile_lock(text: str, rel: str, out: Declared) -> None:
    data = json.loads(text)
    lines = text.splitlines()
    for section in ("default", "develop"):
        for name, info in (data.get(section) or {}).items():
            version = info.get("version", "") if isinstance(info, dict) else ""
            if isinstance(version, str) and version.startswith("=="):
                line = _line_of(lines, f'"{name}"')
                out.pins.append(Pin(normalise(name), version[2:], rel, line, f"{name}{version}"))
            else:
                out.unpinned += 1


def collect(root: Path, files: tuple[str, ...]) -> Declared:
    """Every exact pin in the dependency files among `files` (paths relative to root)."""
    out = Declared()
    for rel in sorted(f for f in files if is_dependency_file(f)):
        try:
            text = safeio.read_text(root / rel, READ_LIMIT, follow_symlinks=False)
        except (OSError, UnicodeDecodeError):
            out.unreadable.append(rel)
            continue
        name = PurePosixPath(rel).name
        before = (len(out.pins), out.unpinned)
        try:
            if name == "pyproject.toml":
                read_pyproject(text, rel, out)
            elif name in LOCK_FILES:
                read_lock(text, rel, out)
            elif name == "Pipfile.lock":
                read_pipfile_lock(text, rel, out)
            else:
                read_requirements(text, rel, out)
        except (TOMLDecodeError, ValueError, RecursionError, AttributeError, TypeError):
            out.unreadable.append(rel)  # JSONDecodeError is a ValueError
            continue
        if (len(out.pins), out.unpinned) != before:
            out.files.append(rel)
    return out
