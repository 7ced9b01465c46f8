"""Every output format rendered from one fixed report equals its golden file.

Regenerate after an intended change with `TTAPROD_UPDATE_GOLDEN=1 pytest tests/formatters`
and review the diff like code.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ttaprod.formatters import github, gitlab, json_report, junit, markdown, sarif
from ttaprod.models import Report

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("TTAPROD_UPDATE_GOLDEN") == "1"
RENDERERS: dict[str, Callable[[Report], str]] = {
    "report.sarif": sarif.render,
    "report.junit.xml": junit.render,
    "report.github.txt": github.render,
    "report.md": markdown.render,
    "report.gitlab.json": gitlab.render,
    "report.json": json_report.render,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_output_matches_golden_file(name: str, sample_report: Report) -> None:
    actual = RENDERERS[name](sample_report)
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(actual.encode("utf-8"))
    assert path.exists(), f"{path} missing: run with TTAPROD_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="rendered",
            )
        )
        pytest.fail(
            f"{name} differs from its golden file (TTAPROD_UPDATE_GOLDEN=1 regenerates it "
            f"after an intended change):\n{diff}",
            pytrace=False,
        )


def test_rendering_is_pure_and_repeatable(sample_report: Report) -> None:
    for render in RENDERERS.values():
        assert render(sample_report) == render(sample_report)
