"""Every rule's own bad and good examples, run through the real engine (STYLE habit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod import catalogue
from ttaprod.catalogue import Example, RuleSpec

from .conftest import run_check

CASES = [
    pytest.param(spec, example, kind, id=f"{spec.code}-{kind}-{i}")
    for spec in catalogue.catalogue().values()
    for kind in ("bad", "good")
    for i, example in enumerate(getattr(spec, kind))
]


def _lines_reported(spec: RuleSpec, example: Example, tmp_path: Path) -> list[int]:
    target = tmp_path / example.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example.code, encoding="utf-8")
    for path, code in example.files:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(code, encoding="utf-8")
    report = run_check(tmp_path, select=(spec.code,), preview=spec.preview or None)
    return sorted(f.line for f in report.findings if f.rule == spec.code)


@pytest.mark.parametrize(("spec", "example", "kind"), CASES)
def test_example(spec: RuleSpec, example: Example, kind: str, tmp_path: Path) -> None:
    lines = _lines_reported(spec, example, tmp_path)
    if kind == "bad":
        assert lines == sorted(example.lines), f"{spec.code} bad example {example.title!r}"
    else:
        assert lines == [], f"{spec.code} good example {example.title!r} was flagged"


def test_every_rule_documents_itself() -> None:
    for spec in catalogue.catalogue().values():
        assert spec.summary and spec.why and spec.title, spec.code
        if spec.code.startswith("TTP9"):
            continue
        assert spec.bad, f"{spec.code} has no bad example"
        assert spec.good, f"{spec.code} has no good example"
        assert all(e.lines for e in spec.bad), f"{spec.code}: a bad example states no line"
        assert spec.references, f"{spec.code} cites no reference"
