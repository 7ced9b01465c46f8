"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (`try-repo`) in a
temporary repository.

pre-commit builds each hook's environment from a snapshot of this package (a temporary git
repository holding what the wheel is built from), so the test needs the package index
(hatchling, ttaprod's dependencies, and the tools for `ttaprod-full`); it is skipped when
the index cannot be reached. `try-repo` keeps its store in a temporary directory, so every
call builds the environment afresh (pip's cache makes that a few seconds).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import BARE_CALL, CLEAN, ENV, REPO, git, write

HOOKS = REPO / ".pre-commit-hooks.yaml"
PACKAGE = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src/ttaprod", "rules")
NO_INDEX = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "No matching distribution",
)


def _pre_commit() -> str | None:
    beside = Path(sys.executable).with_name("pre-commit")
    return str(beside) if beside.exists() else shutil.which("pre-commit")


pytestmark = pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This package as a hook repository: the files its wheel is built from, committed."""
    root = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ttaprod_cache")
    for rel in PACKAGE:
        source = REPO / rel
        if source.is_dir():
            shutil.copytree(source, root / rel, ignore=ignore)
        else:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / rel)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hooks")
    return root


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try(
    home: Path, hooks: Path, project: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    pre_commit = _pre_commit()
    assert pre_commit is not None
    started = time.monotonic()
    done = subprocess.run(
        [pre_commit, "try-repo", str(hooks), *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
        timeout=600,
    )
    if done.returncode == 3 and any(s in done.stdout + done.stderr for s in NO_INDEX):
        pytest.skip("pre-commit could not reach the package index to build the hook")
    return done, time.monotonic() - started


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"app/bad.py": BARE_CALL, "app/clean.py": CLEAN})
    git(root, "add", "-A")
    return root


def test_the_manifest_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"ttaprod", "ttaprod-full"}
    fast, full = hooks["ttaprod"], hooks["ttaprod-full"]
    assert "--no-tools" in fast["entry"] and fast.get("pass_filenames", True)
    assert fast["require_serial"] is True  # one run sees every file; no parallel batches
    assert full["pass_filenames"] is False and full["stages"] == ["pre-push", "manual"]
    assert "--no-tools" not in full["entry"] and full["additional_dependencies"]


def test_fast_hook_on_the_changed_files(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    done, first = _try(pre_commit_home, hook_repo, project, "ttaprod", "--files", "app/clean.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ttaprod" in done.stdout and "Passed" in done.stdout

    done, again = _try(
        pre_commit_home, hook_repo, project, "ttaprod", "--files", "app/bad.py", "app/clean.py"
    )
    assert done.returncode == 1
    out = done.stdout
    assert "Failed" in out and "app/bad.py" in out and "TTP101" in out
    assert "2 files checked · gate FAILED: 1 finding in the checked files (1 high)" in out

    # A baseline in [tool.ttaprod] is honoured: the known problem no longer fails the commit.
    built = subprocess.run(
        [sys.executable, "-m", "ttaprod", "baseline", "--no-tools"],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    write(project, {"pyproject.toml": '[tool.ttaprod]\nbaseline = ".ttaprod-baseline.json"\n'})
    git(project, "add", "-A")
    done, _ = _try(pre_commit_home, hook_repo, project, "ttaprod", "--files", "app/bad.py")
    assert done.returncode == 0, done.stdout
    print(f"\nfast hook: try-repo runs (each builds its environment) {first:.1f}s, {again:.1f}s")


def test_full_hook_runs_the_tools_on_the_whole_project(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    done, _ = _try(pre_commit_home, hook_repo, project, "ttaprod-full", "--all-files")
    assert "No hook with id `ttaprod-full` in stage `pre-commit`" in done.stdout + done.stderr

    done, seconds = _try(
        pre_commit_home, hook_repo, project, "ttaprod-full", "--hook-stage", "manual", "--all-files"
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "ttaprod (full audit)" in out and "Failed" in out
    assert "Score " in out and "gate FAILED" in out and "Error handling" in out
    for tool in ("ruff", "pyright", "bandit"):
        assert any(line.split()[:1] == [tool] and " ok" in line for line in out.splitlines()), (
            tool,
            out,
        )
    print(f"\nfull hook: try-repo run (builds the environment with the tools) {seconds:.1f}s")


LOG_FSTRING = (
    "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
    'def greet(name: str) -> None:\n    logger.info(f"hello {name}")\n'
)


def test_fast_hook_with_fix_repairs_and_fails_like_ruffs(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    """`args: [--fix]`: the hook repairs the staged files; pre-commit fails the commit because
    files changed (the user reviews and stages them), and passes once nothing is left."""
    project = tmp_path / "service"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    write(project, {"app/greet.py": LOG_FSTRING})
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    config = project / ".pre-commit-config.yaml"
    config.write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: ttaprod\n        args: [--fix]\n",
        encoding="utf-8",
    )
    git(project, "add", "-A")
    pre_commit = _pre_commit()
    assert pre_commit is not None

    def run() -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [pre_commit, "run", "--files", "app/greet.py"],
            cwd=project,
            capture_output=True,
            text=True,
            env={**ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"},
            timeout=600,
        )
        if done.returncode == 3 and any(s in done.stdout + done.stderr for s in NO_INDEX):
            pytest.skip("pre-commit could not reach the package index to build the hook")
        return done

    done = run()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files were modified by this hook" in done.stdout
    fixed = (project / "app" / "greet.py").read_text(encoding="utf-8")
    assert 'logger.info("hello %s", name)' in fixed
    git(project, "add", "-A")
    done = run()
    assert done.returncode == 0 and "Passed" in done.stdout, done.stdout + done.stderr
