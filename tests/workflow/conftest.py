"""Helpers for the workflow tests: the real CLI in a subprocess, temporary git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "fixtures" / "rag_service_bad"
# A terminal-free, colour-free environment: what CI and pre-commit give ttaprod.
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "TTAPROD_"))},
    "NO_COLOR": "1",
    "COLUMNS": "100",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}

# A call with every problem the timeout and retry rules know (two findings on one line).
BARE_CALL = "import requests\n\n\ndef fetch(url: str) -> object:\n    return requests.get(url)\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


def ttaprod(
    *args: str | Path, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ttaprod", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**ENV, "HOME": str(cwd or Path.cwd()), **env},
        timeout=300,
    )


def report(root: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of `ttaprod check ARGS -f json --no-cache`, run in `root`
    (ARGS default to `.`)."""
    paths = () if any(not str(a).startswith("-") for a in args[:1]) else (".",)
    done = ttaprod("check", *paths, *args, "-f", "json", "--no-cache", cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def lines_of(data: dict[str, Any]) -> set[tuple[str, int, str]]:
    return {(f["path"], f["line"], f["rule"]) for f in data["findings"]}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=ENV, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path):
    """A git repository with `files` committed on branch main."""

    def make(files: dict[str, str], name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        write(root, files)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        return root

    return make


@pytest.fixture
def bad_copy(tmp_path: Path) -> Path:
    """A private copy of the bad fixture (not a git repository)."""
    target = tmp_path / "bad"
    shutil.copytree(BAD, target, ignore=shutil.ignore_patterns(".ttaprod_cache", "__pycache__"))
    return target
