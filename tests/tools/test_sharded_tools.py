"""`ttaprod check --shard` with the real tools: ruff, bandit and pyright on each shard's files,
safety in shard 1, and a merge that reports what one run with every tool reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ttaprod import sharding
from ttaprod.api import CheckOptions, MergeOptions, merge_shards, run_check
from ttaprod.formatters import json_report

from ..helpers import FIXTURES
from .conftest import SAFETY_DB


def _comparable(report: Any) -> dict[str, Any]:
    data = json_report.report_dict(report, show_suppressed=True)
    data["stats"].pop("duration_s")
    for tool in data["tools"]:
        tool.pop("duration_s")
    return data


@pytest.mark.usefixtures("real_tools")
@pytest.mark.parametrize("name", ["_tools_svc", "rag_service_bad"])
def test_a_merge_with_every_tool_equals_one_run(name: str, tmp_path: Path) -> None:
    options: dict[str, Any] = {"paths": (FIXTURES / name,), "no_cache": True}
    options["safety_db"] = SAFETY_DB
    single = run_check(CheckOptions(**options)).report
    assert {t.name: t.status.value for t in single.tools} == dict.fromkeys(
        ("ruff", "pyright", "bandit", "safety"), "ok"
    )
    parts = []
    for index in (1, 2):
        report = run_check(CheckOptions(shard=sharding.Shard(index, 2), **options)).report
        shard_tools = {t.name: t.status.value for t in report.tools}
        assert shard_tools["safety"] == ("ok" if index == 1 else "skipped")
        path = tmp_path / f"{index}.json"
        path.write_text(json_report.render(report), encoding="utf-8")
        parts.append(path)
    merged = merge_shards(MergeOptions(tuple(parts))).report
    assert _comparable(merged) == _comparable(single)
    assert any(f.source == "ruff" for f in merged.findings)
