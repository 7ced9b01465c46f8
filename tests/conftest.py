from __future__ import annotations

import os
import re
from pathlib import Path
from textwrap import dedent

import pytest

from ttaprod.models import Report

from .helpers import FIXTURES, REPO, run_check

__all__ = ["FIXTURES", "REPO", "run_check"]
_EXPECT = re.compile(r"#\s*expect:\s*([A-Za-z0-9_:, -]+)")
# For files with no end-of-line comments (a Dockerfile: `#` only starts a comment at the start
# of a line), a whole-line `# expect-next-line: CODE` states the line below it.
_EXPECT_NEXT = re.compile(r"^\s*#\s*expect-next-line:\s*([A-Za-z0-9_:, -]+)")
_SKIP_DIRS = {".ttaprod_cache", ".git", "__pycache__", ".ruff_cache", ".pytest_cache"}


def expected_findings(root: Path, rule_prefix: str = "TTP") -> set[tuple[str, int, str]]:
    """(path, line, rule) for every `# expect: CODE[, CODE]` comment under `root` (and the
    line after every `# expect-next-line: CODE`)."""
    out: set[tuple[str, int, str]] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or _SKIP_DIRS.intersection(path.relative_to(root).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(text.splitlines(), start=1):
            match, target = _EXPECT_NEXT.match(line), number + 1
            if match is None:
                match, target = _EXPECT.search(line), number
            if match:
                for code in match.group(1).split(","):
                    code = code.strip().split(" ")[0]
                    if code.startswith(rule_prefix):
                        out.add((rel, target, code))
    return out


def found_findings(report: Report, rule_prefix: str = "TTP") -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f.rule) for f in report.findings if f.rule.startswith(rule_prefix)}


@pytest.fixture(autouse=True, scope="session")
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory):
    """The result cache lives in the user's cache directory: the tests (and the commands
    they start) use a private one instead of the developer's."""
    home = tmp_path_factory.mktemp("xdg-cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture
def project(tmp_path: Path):
    """Write {relative path: text or bytes} into a temporary project and return its root;
    texts are dedented (sources written inside a test read naturally)."""

    def make(files: dict[str, str | bytes]) -> Path:
        for rel, content in files.items():
            target = tmp_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(dedent(content).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return make


# Modules whose tests start subprocesses (the CLI, git, pre-commit, a fresh venv) or run the real
# external tools: `pytest -m "not slow"` is the quick loop; the README's command runs them all.
_SLOW_MODULES = (
    "tests/workflow/",
    "tests/tools/",
    "tests/test_wheel.py",
    "tests/test_bad_input.py",
    "tests/formatters/test_cli_formats.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.fspath)).relative_to(REPO).as_posix()
        if where.startswith(_SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
