"""Explicit files (what pre-commit passes): findings for those files, the project as context."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from ttaprod.resources import package_file

from .conftest import BARE_CALL, CLEAN, lines_of, report, ttaprod, write

SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
TEST = "from app.clean import add\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n"
PROJECT = {"app/a.py": BARE_CALL, "app/b.py": BARE_CALL, "app/clean.py": CLEAN}


def test_given_files_are_reported_with_the_project_as_context(repo) -> None:
    root = repo({**PROJECT, "tests/test_clean.py": TEST})
    code, data = report(root, "app/a.py", "--no-tools")
    assert code == 1
    assert lines_of(data) == {("app/a.py", 5, "TTP101")}
    assert data["root"] == str(root.resolve())
    assert data["stats"]["files"] == 4  # every file was analysed ...
    scope = data["scope"]
    assert scope == {
        "mode": "files",
        "files": ["app/a.py"],
        "ref": None,
        "base": None,
        "hidden": 1,  # ... app/b.py's finding is not shown
        "partial": False,
        "gate_project": False,
    }
    assert data["gate"]["reasons"] == ["1 finding in the checked files (1 high)"]
    items = {i["id"]: i for i in data["checklist"]}
    assert items["quality.tests"]["status"] == "pass"  # judged from tests/ it was not given
    jsonschema.validate(data, SCHEMA)


def test_a_clean_file_passes_in_a_failing_project(repo) -> None:
    root = repo(PROJECT)
    code, _ = report(root, "--no-tools")
    assert code == 1
    code, data = report(root, "app/clean.py", "--no-tools")
    assert code == 0 and data["findings"] == [] and data["gate"]["reasons"] == []
    rich = ttaprod("check", "app/clean.py", "--no-tools", cwd=root)
    assert rich.returncode == 0
    assert rich.stdout.strip().splitlines()[-1] == "1 file checked · gate passed"
    assert "Error handling" not in rich.stdout  # the project's checklist is context only


def test_paths_are_relative_to_the_repository_from_a_subdirectory(repo) -> None:
    root = repo(PROJECT)
    done = ttaprod("check", "a.py", "--no-tools", "--no-cache", "-f", "json", cwd=root / "app")
    assert done.returncode == 1, done.stderr
    assert {f["path"] for f in json.loads(done.stdout)["findings"]} == {"app/a.py"}


def test_without_a_project_only_the_given_files_are_checked(tmp_path: Path) -> None:
    write(tmp_path, {"loose/a.py": BARE_CALL, "loose/b.py": BARE_CALL})
    code, data = report(tmp_path / "loose", "a.py", "--no-tools")
    assert code == 1
    assert data["scope"]["partial"] is True and data["stats"]["files"] == 1
    assert lines_of(data) == {("a.py", 5, "TTP101")}
    assert any("only the given files were checked" in n for n in data["notes"])
    items = {i["id"]: i for i in data["checklist"]}
    assert items["quality.tests"]["status"] == "skip"
    assert "cannot be judged as a whole" in items["quality.tests"]["reason"]


def test_the_config_directory_is_the_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **PROJECT,
            "pyproject.toml": '[tool.ttaprod]\nexclude = ["app/b.py"]\n',
            "tests/test_clean.py": TEST,
        },
    )
    code, data = report(tmp_path, "app/a.py", "app/b.py", "--no-tools")
    assert code == 1
    assert data["scope"]["partial"] is False and data["stats"]["files"] == 3
    assert {f["path"] for f in data["findings"]} == {"app/a.py"}  # app/b.py is excluded
    assert data["scope"]["files"] == ["app/a.py"]


def test_tools_check_only_the_given_files(repo) -> None:
    root = repo({**PROJECT, "app/unused.py": "import os\n", "app/also.py": "import sys\n"})
    code, data = report(root, "app/unused.py", "--tools", "ruff")
    assert code == 1
    assert {(f["path"], f["rule"]) for f in data["findings"]} == {("app/unused.py", "ruff:F401")}
    ruff = next(t for t in data["tools"] if t["name"] == "ruff")
    assert ruff["status"] == "ok" and ruff["findings"] == 1
