"""Every fix on its before/after pair (tests/fixes/cases/<case>/): the real engine finds the
problems in `before/`, `ttaprod.api.fix` repairs them, and the project must then be exactly
`after/`, parse, no longer have the fixed findings, have no finding it did not have before,
and stay as it is under a second fix (idempotent).

`case.toml` says which rules are fixed (`select`), whether unsafe fixes apply (`unsafe`) and
which of those rules may keep findings a fix declines (`left`). Fake secrets are drawn at run
time: `<<OpenAI project key>>` in a file becomes a fresh key in that format, `<<password>>` and
`<<token>>` random characters. `TTAPROD_UPDATE_FIXES=1 pytest tests/fixes` rewrites `after/`
from what the fixes produce (review the diff before committing it).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ttaprod.api import CheckOptions, fix
from ttaprod.tomlcompat import loads

from ..helpers import run_check
from ..rules.test_security import ALNUM, fake_keys, rand

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
_PLACEHOLDER = re.compile(r"<<([^<>]+)>>")


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".ttaprod_cache" not in p.parts and "__pycache__" not in p.parts
    }


def materialise(case: Path, dest: Path) -> dict[str, str]:
    """Copy `before/` to `dest` with every placeholder drawn fresh; {secret: placeholder}."""
    drawn: dict[str, str] = {}

    def draw(match: re.Match[str]) -> str:
        name = match.group(1)
        keys = fake_keys()  # new characters on every call
        value = keys[name] if name in keys else rand(24, ALNUM)
        drawn[value] = match.group(0)
        return value

    for rel, text in _files(case / "before").items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_PLACEHOLDER.sub(draw, text), encoding="utf-8")
    return drawn


def _spec(case: Path) -> dict[str, Any]:
    return loads((case / "case.toml").read_text(encoding="utf-8"))


def _options(root: Path, spec: dict[str, Any]) -> CheckOptions:
    return CheckOptions(
        paths=(root,), no_tools=True, no_cache=True, select=tuple(spec["select"]), preview=True
    )


def _counts(root: Path) -> Counter[tuple[str, str]]:
    return Counter((f.rule, f.path) for f in run_check(root, preview=True).findings)


@pytest.mark.parametrize("name", CASES)
def test_fix_case(name: str, tmp_path: Path) -> None:
    case = CASES_DIR / name
    spec = _spec(case)
    root = tmp_path / "project"
    secrets = materialise(case, root)
    before = _counts(root)
    selected = set(spec["select"])
    assert any(rule in selected for rule, _ in before), f"{name}: before/ has nothing to fix"

    outcome = fix(_options(root, spec), unsafe=spec["unsafe"])
    assert outcome.changes and not outcome.summary.refused
    result = _files(root)
    for value, placeholder in secrets.items():  # never written, not even in a copy
        for rel, text in result.items():
            if value in text:
                result[rel] = text.replace(value, placeholder)
    if os.environ.get("TTAPROD_UPDATE_FIXES"):
        shutil.rmtree(case / "after", ignore_errors=True)
        for rel, text in result.items():
            (case / "after" / rel).parent.mkdir(parents=True, exist_ok=True)
            (case / "after" / rel).write_text(text, encoding="utf-8")
    assert result == _files(case / "after")

    for rel, text in _files(root).items():
        if rel.endswith(".py"):
            ast.parse(text, rel)
    after = _counts(root)
    left = set(spec.get("left", ()))
    for rule in selected:
        fixed_before = sum(n for (r, _), n in before.items() if r == rule)
        remaining = sum(n for (r, _), n in after.items() if r == rule)
        if rule in left:
            assert 0 < remaining < fixed_before, f"{rule}: {remaining} of {fixed_before} left"
        else:
            assert remaining == 0, f"{rule}: {remaining} left"
    new = after - before
    assert not new, f"{name}: findings the fix brought: {sorted(new)}"

    fixed = _files(root)
    again = fix(_options(root, spec), unsafe=spec["unsafe"])
    assert again.changes == () and again.summary.applied == ()
    assert _files(root) == fixed
