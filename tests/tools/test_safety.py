"""safety: declared pins, the advisory database reader, and the adapter end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ttaprod.api import CheckOptions, check
from ttaprod.models import ToolStatus
from ttaprod.tools import advisories, deps, safety

from .conftest import SAFETY_DB

REQUIREMENTS = """\
# service dependencies
requests==2.19.0  # pinned long ago
PyYAML[libyaml] == 5.3.1 ; python_version >= "3.8"
flask>=2.0
jinja2==2.*
-r more.txt
--index-url https://example.invalid/simple
httpx==0.27.0 \\
    --hash=sha256:abc
"""


def _pins(declared: deps.Declared) -> list[tuple[str, str, str, int]]:
    return [(p.name, p.version, p.path, p.line) for p in declared.pins]


def test_requirements_pins_and_unpinned(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    declared = deps.collect(tmp_path, ("requirements.txt",))
    assert _pins(declared) == [
        ("requests", "2.19.0", "requirements.txt", 2),
        ("pyyaml", "5.3.1", "requirements.txt", 3),
        ("httpx", "0.27.0", "requirements.txt", 8),
    ]
    assert declared.unpinned == 2  # flask>=2.0, jinja2==2.*
    assert declared.files == ["requirements.txt"]


def test_pyproject_poetry_and_lock_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\ndependencies = ["requests==2.19.0", "rich>=13"]\n'
        '[project.optional-dependencies]\nyaml = ["pyyaml==5.3.1"]\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\nflask = "0.12.2"\n'
        'jinja2 = { version = "^3.0" }\n',
        encoding="utf-8",
    )
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.19.0"\n\n'
        '[[package]]\nname = "idna"\nversion = "3.7"\n',
        encoding="utf-8",
    )
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'
        '[[package]]\nname = "jinja2"\nversion = "2.10"\n'
        'source = { registry = "https://pypi.org/simple" }\n',
        encoding="utf-8",
    )
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps(
            {"default": {"flask": {"version": "==0.12.2"}}, "develop": {"pytest": {"version": "*"}}}
        ),
        encoding="utf-8",
    )
    files = ("Pipfile.lock", "poetry.lock", "pyproject.toml", "uv.lock", "app/requirements.txt")
    declared = deps.collect(tmp_path, files)
    assert sorted(_pins(declared)) == [
        ("flask", "0.12.2", "Pipfile.lock", 1),
        ("flask", "0.12.2", "pyproject.toml", 8),
        ("idna", "3.7", "poetry.lock", 6),
        ("jinja2", "2.10", "uv.lock", 7),
        ("pyyaml", "5.3.1", "pyproject.toml", 5),
        ("requests", "2.19.0", "poetry.lock", 2),
        ("requests", "2.19.0", "pyproject.toml", 3),
    ]
    assert declared.unpinned == 3  # rich>=13, jinja2 ^3.0, pytest *


def test_database_layouts_and_matching() -> None:
    db = advisories.load(SAFETY_DB)
    assert db.stamp == "2026-01-01"
    ids = sorted(a.id for a in db.affecting("requests", "2.19.0"))
    assert ids == ["36546", "58755"]
    assert [a.id for a in db.affecting("requests", "2.31.0")] == []
    assert [a.cve for a in db.affecting("pyyaml", "5.3.1")] == ["CVE-2020-14343"]
    assert db.affecting("pyyaml", "not a version") == []
    legacy = advisories.parse_database(
        json.dumps(
            {"$meta": {"timestamp": 0}, "Django": [{"id": "pyup.io-1", "v": "<1.11.1,>=1.11"}]}
        )
    )
    assert [a.id for a in legacy.affecting("django", "1.11.0")] == ["1"]
    assert legacy.affecting("django", "1.11.1") == []
    plain = advisories.load(SAFETY_DB / "insecure.json")
    assert [a.id for a in plain.affecting("flask", "0.12.2")] == ["flask<0.12.3"]


def test_database_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(advisories.DatabaseError, match="does not exist"):
        advisories.locate(tmp_path / "nope")
    with pytest.raises(advisories.DatabaseError, match=r"no insecure_full\.json or insecure\.json"):
        advisories.locate(tmp_path)
    with pytest.raises(advisories.DatabaseError, match="not JSON"):
        advisories.parse_database("{")


def test_findings_point_at_the_pin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    declared = deps.collect(tmp_path, ("requirements.txt",))
    found = safety.findings_for(declared, advisories.load(SAFETY_DB))
    rows = [(f.rule, f.path, f.line, f.checklist_item, f.severity.value) for f in found]
    assert rows == [
        ("safety:36546", "requirements.txt", 2, "quality.security-scan", "high"),
        ("safety:58755", "requirements.txt", 2, "quality.security-scan", "high"),
        ("safety:39611", "requirements.txt", 3, "quality.security-scan", "high"),
    ]
    first = found[0]
    assert first.message.startswith("requests 2.19.0 has a known vulnerability (CVE-2018-18074): ")
    assert first.fix == "upgrade requests to a version outside <2.20.0"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("import requests\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\nflask>=2\n", encoding="utf-8")
    return tmp_path


def test_without_a_database_safety_is_unavailable_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    report = check(CheckOptions(paths=(_project(tmp_path),), tools=("safety",), no_cache=True))
    elapsed = time.monotonic() - started
    run = next(t for t in report.tools if t.name == "safety")
    assert run.status is ToolStatus.UNAVAILABLE
    assert "no local advisory database" in run.reason
    assert elapsed < 10
    item = next(i for i in report.checklist if i.id == "quality.security-scan")
    assert item.status.value == "skip" and "safety unavailable" in item.reason


def test_with_the_fixture_database_the_vulnerable_pin_is_reported(tmp_path: Path) -> None:
    options = CheckOptions(
        paths=(_project(tmp_path),), tools=("safety",), safety_db=SAFETY_DB, no_cache=True
    )
    report = check(options)
    run = next(t for t in report.tools if t.name == "safety")
    assert run.status is ToolStatus.OK and run.version == "advisory db 2026-01-01"
    assert run.reason == "1 pinned dependency checked, 1 without an exact pin not checked"
    assert {(f.rule, f.path, f.line) for f in report.findings if f.source == "safety"} == {
        ("safety:36546", "requirements.txt", 1),
        ("safety:58755", "requirements.txt", 1),
    }


def test_safety_db_in_config_is_relative_to_the_config_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    db = root / "vendor" / "db"
    db.mkdir(parents=True)
    (db / "insecure_full.json").write_bytes((SAFETY_DB / "insecure_full.json").read_bytes())
    (root / "pyproject.toml").write_text(
        '[tool.ttaprod]\nsafety-db = "vendor/db"\n\n'
        "[tool.ttaprod.tools]\nruff = false\npyright = false\nbandit = false\n",
        encoding="utf-8",
    )
    report = check(CheckOptions(paths=(root,), no_cache=True))
    assert {t.name: t.status for t in report.tools}["safety"] is ToolStatus.OK
    assert any(f.rule == "safety:36546" for f in report.findings)


def test_unreadable_and_malformed_dependency_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes("requests==2.19.0  # caf\xe9\n".encode("latin-1"))
    (tmp_path / "poetry.lock").write_text("[[package]\nname =", encoding="utf-8")
    (tmp_path / "requirements-dev.txt").write_text("pyyaml==5.3.1\n", encoding="utf-8")
    files = ("poetry.lock", "requirements-dev.txt", "requirements.txt")
    declared = deps.collect(tmp_path, files)
    assert _pins(declared) == [("pyyaml", "5.3.1", "requirements-dev.txt", 1)]
    assert declared.unreadable == ["poetry.lock", "requirements.txt"]
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    report = check(
        CheckOptions(paths=(tmp_path,), tools=("safety",), safety_db=SAFETY_DB, no_cache=True)
    )
    run = next(t for t in report.tools if t.name == "safety")
    assert run.status is ToolStatus.OK
    assert run.reason.endswith("could not read poetry.lock, requirements.txt")
