"""quality.tests: a test suite exists and pytest would collect it. ttaprod never runs the tests.

Tests are `tests` facts (`checks/facts/evidence.py`: test functions per module) of modules meant
as tests (under `tests/`/`test/`, named `test_*`/`*_test.py`, or matching `python_files`). pytest's
configuration is read from the checked root (`pytest.ini`, `.pytest.ini`, `pyproject.toml`
`[tool.pytest.ini_options]`/`[tool.pytest]`, `tox.ini` `[pytest]`, `setup.cfg` `[tool:pytest]`,
first found wins, as pytest does): its `testpaths` and `python_files`, else pytest's defaults.

- `pass`: test functions in files pytest collects (matching `python_files`, under `testpaths`);
- `warn`: test functions, but none in a file pytest would collect;
- `fail`: no test function at all.

A `coverage.xml` (Cobertura, from the last run) adds its line rate to the reason and the
evidence; one that cannot be read adds why, and never changes the status.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import PurePosixPath
from typing import Any

from .. import knowledge
from ..engine.project import CheckResult, ProjectIndex
from ..facts import Tests
from ..models import Evidence, ItemResult, Status
from ..tally import verdict
from ..tomlcompat import TOMLDecodeError, loads
from . import coverage
from .common import PARTIAL, at, evidence, listed


@dataclass(frozen=True)
class PytestConfig:
    path: str
    line: int
    section: str
    testpaths: tuple[str, ...] = ()
    python_files: tuple[str, ...] = ()


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _line_of(text: str, header: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().replace(" ", "") == header:
            return number
    return 1


def _toml_section(text: str, section: str) -> dict[str, Any] | None:
    try:
        data: Any = loads(text)
    except TOMLDecodeError:
        return None
    for part in section.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def _ini_section(text: str, section: str) -> dict[str, Any] | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def pytest_config(index: ProjectIndex) -> PytestConfig | None:
    present = set(index.other_files)
    for entry in knowledge.table("evidence")["tests"]["config"]:
        name, section = entry["file"], entry["section"]
        if name not in present:
            continue
        text = index.read_text(name)
        if text is None:
            continue
        reader = _toml_section if name.endswith(".toml") else _ini_section
        values = reader(text, section)
        if values is None:
            continue
        return PytestConfig(
            path=name,
            line=_line_of(text, f"[{section}]"),
            section=section,
            testpaths=_words(values.get("testpaths")),
            python_files=_words(values.get("python_files")),
        )
    return None


def _test_like(path: str, patterns: tuple[str, ...]) -> bool:
    """A module meant as tests: under a tests directory, named like one, or matching the
    configured patterns (`test_connection()` in application code is not a test)."""
    *dirs, name = path.split("/")
    if any(d in ("tests", "test", "testing") for d in dirs) or name.startswith(("test_", "tests_")):
        return True
    return name.endswith("_test.py") or any(fnmatch(name, p) for p in patterns)


def _collected(fact: Tests, patterns: tuple[str, ...], testpaths: tuple[str, ...]) -> bool:
    name = PurePosixPath(fact.path).name
    if not any(fnmatch(name, p) or fnmatch(fact.path, p) for p in patterns):
        return False
    roots = [p.strip("/").removeprefix("./") for p in testpaths]
    return not roots or any(
        r in ("", ".") or fact.path.startswith(r + "/") or fact.path == r for r in roots
    )


def _coverage(index: ProjectIndex) -> tuple[str, list[Evidence]]:
    names = set(knowledge.table("evidence")["tests"]["coverage_files"])
    found = sorted(
        (p for p in index.other_files if PurePosixPath(p).name in names),
        key=lambda p: (p.count("/"), p),
    )
    if not found:
        return "", []
    rel = found[0]
    try:
        report = coverage.read(index.root / rel)
    except coverage.CoverageError as exc:
        return f"; {rel} {exc}", []
    counts = f", {report.covered} of {report.valid} lines" if report.valid else ""
    note = f"line coverage {report.percent}{counts} (from the last run, not run by ttaprod)"
    return f"; {note} in {rel}", [Evidence(rel, report.line, note)]


def _tests_beside(index: ProjectIndex) -> str:
    """A tests directory of the project that holds the checked path (`ttaprod check src`
    with the config in the directory above): "../tests", or "" when there is none."""
    source = index.config.source
    if source is None:
        return ""
    project = source.parent.resolve()
    root = index.root.resolve()
    if project == root or project not in root.parents:
        return ""
    for name in ("tests", "test"):
        if (project / name).is_dir():
            return str((project / name).relative_to(project))
    return ""


def tests_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    config = pytest_config(index)
    defaults = tuple(knowledge.table("evidence")["tests"]["python_files"])
    patterns = (config.python_files if config else ()) or defaults
    facts = sorted(
        (f for f in index.facts_of(Tests) if _test_like(f.path, patterns)), key=lambda f: f.path
    )
    testpaths = config.testpaths if config else ()
    cover, cover_evidence = _coverage(index)
    total = sum(f.count for f in facts)
    collected = [f for f in facts if _collected(f, patterns, testpaths)]
    count = sum(f.count for f in collected)
    if collected:
        where = f"{config.path} [{config.section}]" if config else "pytest's default discovery"
        reason = f"{count} test(s) in {len(collected)} file(s), collected by {where}{cover}"
        proofs = (
            [Evidence(config.path, config.line, f"pytest configuration [{config.section}]")]
            if config
            else []
        )
        proofs += [evidence(f, f"{f.count} test(s)") for f in collected[:3]]
        return verdict(default, Status.PASS, reason, [*proofs, *cover_evidence]), ()
    if facts:
        why = [f"file names do not match {' / '.join(patterns)}"]
        if testpaths:
            why.append(f"or lie outside testpaths ({', '.join(testpaths)})")
        reason = (
            f"{total} test function(s) in {listed([f.path for f in facts])}, but pytest would not "
            f"collect them: {' '.join(why)}{cover}"
        )
        return verdict(
            default, Status.WARN, reason, [evidence(f, "not collected") for f in facts[:3]]
        ), ()
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL), ()
    outside = _tests_beside(index)
    if outside:
        reason = (
            f"tests live outside the checked path ({outside}); check the project root to judge them"
        )
        return verdict(default, Status.SKIP, reason), ()
    reason = "no tests found: no test functions in tests/ or test_*.py files" + cover
    return verdict(default, Status.FAIL, reason, cover_evidence), ()


__all__ = ["at", "tests_item"]
