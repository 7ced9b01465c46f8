"""The fixture projects, end to end: the exact (path, line, rule) set of ttaprod's own findings,
the rules in preview included, must equal the `# expect: CODE` comments in the fixture files,
rule by rule. (What the default rule set makes of them: tests/test_fixture_verdicts.py.)"""

from __future__ import annotations

from functools import cache

import pytest

from ttaprod import catalogue

from .conftest import FIXTURES, expected_findings, found_findings
from .helpers import fixture_report

PROJECTS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


@cache
def _expected(name: str) -> frozenset[tuple[str, int, str]]:
    return frozenset(expected_findings(FIXTURES / name))


@pytest.mark.parametrize("name", PROJECTS)
@pytest.mark.parametrize("code", sorted(catalogue.catalogue()))
def test_fixture_findings_match_expectations(name: str, code: str) -> None:
    expected = {e for e in _expected(name) if e[2] == code}
    found = {f for f in found_findings(fixture_report(name, preview=True)) if f[2] == code}
    missed = sorted(expected - found)
    extra = sorted(found - expected)
    assert not missed and not extra, f"{name} {code}: missed {missed}, unexpected {extra}"


def test_fixture_expectations_name_real_rules() -> None:
    known = set(catalogue.catalogue())
    for name in PROJECTS:
        unknown = {e for e in _expected(name) if e[2] not in known}
        assert not unknown, f"{name}: expect comments name unknown rules {sorted(unknown)}"
