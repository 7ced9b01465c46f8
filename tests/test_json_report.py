"""The JSON report: schema-valid, the contract's fields, deterministic bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ttaprod.formatters import json_report
from ttaprod.resources import package_file

from .conftest import FIXTURES, run_check

SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
TIMING = re.compile(r'"duration_s": [0-9.e-]+')


def _validate(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def test_schema_accepts_real_reports_of_every_fixture() -> None:
    projects = [p for p in sorted(FIXTURES.iterdir()) if p.is_dir() and not p.name.startswith("_")]
    for project in projects:
        _validate(json_report.report_dict(run_check(project)))


def test_schema_accepts_a_report_with_findings_and_notices(project) -> None:
    root = project({"app/a.py": "def f(:\n", "app/b.py": "x = 1\n"})
    data = json_report.report_dict(run_check(root))
    _validate(data)
    assert [f["rule"] for f in data["findings"]] == ["TTP901"]
    assert [i["id"] for i in data["checklist"]][:3] == [
        "quality.tests",
        "quality.type-hints",
        "quality.lint",
    ]


@pytest.mark.slow
def test_rerun_output_is_byte_identical_apart_from_timings(tmp_path: Path) -> None:
    target = tmp_path / "rag_service_bad"  # a copy: the runs write their cache in the tree
    shutil.copytree(FIXTURES / "rag_service_bad", target)
    outputs = []
    for _ in range(2):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ttaprod",
                "check",
                str(target),
                "--no-tools",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=300,
        )
        assert result.returncode in (0, 1), result.stderr
        outputs.append(TIMING.sub('"duration_s": 0', result.stdout))
    assert outputs[0] == outputs[1]
    _validate(json.loads(outputs[0]))
