"""quality.tests: discovery as pytest does it, and coverage.xml read safely (never a crash)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttaprod.items import coverage
from ttaprod.models import Status

from .helpers import check, evidence, item

ITEM = "quality.tests"
TESTS = """
from app.orders import total


def test_total() -> None:
    assert total([1, 2]) == 3


class TestRefunds:
    def test_full(self) -> None:
        assert True

    def helper(self) -> None:
        pass


def helper() -> None:
    pass
"""
COVERAGE = """<?xml version="1.0" ?>
<coverage version="7.6.1" lines-valid="200" lines-covered="173" line-rate="0.865">
  <packages/>
</coverage>
"""


def test_tests_with_pytest_config_pass(tmp_path: Path) -> None:
    files = {
        "app/orders.py": "def total(xs: list[int]) -> int:\n    return sum(xs)\n",
        "tests/test_orders.py": TESTS,
        "pyproject.toml": """
            [project]
            name = "orders"

            [tool.pytest.ini_options]
            testpaths = ["tests"]
        """,
    }
    result = item(check(tmp_path, files), ITEM)
    assert (result.status, result.score) == (Status.PASS, 10.0)
    assert result.reason == (
        "2 test(s) in 1 file(s), collected by pyproject.toml [tool.pytest.ini_options]"
    )
    assert evidence(result) == [
        ("pyproject.toml", 4, "pytest configuration [tool.pytest.ini_options]"),
        ("tests/test_orders.py", 4, "2 test(s)"),
    ]


def test_default_discovery_and_coverage_line_rate(tmp_path: Path) -> None:
    files = {"test_orders.py": TESTS, "coverage.xml": COVERAGE}
    result = item(check(tmp_path, files), ITEM)
    assert result.status is Status.PASS
    assert result.reason == (
        "2 test(s) in 1 file(s), collected by pytest's default discovery; line coverage 86.5%, "
        "173 of 200 lines (from the last run, not run by ttaprod) in coverage.xml"
    )
    assert evidence(result)[-1] == (
        "coverage.xml",
        2,
        "line coverage 86.5%, 173 of 200 lines (from the last run, not run by ttaprod)",
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pytest.ini", "[pytest]\ntestpaths = checks\npython_files = check_*.py\n"),
        (
            "setup.cfg",
            "[metadata]\nname = x\n\n[tool:pytest]\n"
            "testpaths =\n    checks\npython_files = check_*.py\n",
        ),
        (
            "tox.ini",
            "[tox]\nenvlist = py312\n\n[pytest]\ntestpaths = checks\npython_files = check_*.py\n",
        ),
    ],
)
def test_ini_style_configs_set_the_patterns(tmp_path: Path, name: str, text: str) -> None:
    result = item(check(tmp_path, {"checks/check_orders.py": TESTS, name: text}), ITEM)
    assert result.status is Status.PASS, result.reason
    assert f"collected by {name} [" in result.reason


def test_tests_pytest_would_not_collect_warn(tmp_path: Path) -> None:
    files = {
        "tests/orders_checks.py": TESTS,
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    }
    result = item(check(tmp_path, files), ITEM)
    assert (result.status, result.score) == (Status.WARN, 5.0)
    assert result.reason == (
        "2 test function(s) in tests/orders_checks.py, but pytest would not collect them: file "
        "names do not match test_*.py / *_test.py or lie outside testpaths (tests)"
    )
    outside = {"test_orders.py": TESTS, "pytest.ini": "[pytest]\ntestpaths = tests\n"}
    assert item(check(tmp_path / "b", outside), ITEM).status is Status.WARN


def test_unittest_cases_count_whatever_their_class_name(tmp_path: Path) -> None:
    src = """
    import unittest


    class OrdersCase(unittest.TestCase):
        def test_total(self) -> None:
            self.assertEqual(1, 1)
    """
    result = item(check(tmp_path, {"tests/test_orders.py": src}), ITEM)
    assert result.reason.startswith("1 test(s) in 1 file(s)")


def test_no_tests_fail(tmp_path: Path) -> None:
    files = {
        "app/orders.py": "def total() -> int:\n    return 1\n",
        "tests/conftest.py": "import pytest\n",
        "app/check.py": "def test_connection() -> bool:\n    return True\n",
    }
    result = item(check(tmp_path, files), ITEM)
    assert (result.status, result.score, result.evidence) == (Status.FAIL, 0.0, ())
    assert result.reason == "no tests found: no test functions in tests/ or test_*.py files"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "<coverage line-rate='0.5'",
            "coverage.xml is not well-formed XML (line 1: unclosed token)",
        ),
        ("", "coverage.xml is not well-formed XML (line 1: no element found)"),
        (
            "<report line-rate='0.5'/>",
            "coverage.xml is not a Cobertura report (root element <report>)",
        ),
        (
            "<coverage line-rate='1.5'/>",
            "coverage.xml has no valid line-rate on its <coverage> element",
        ),
        (
            "<coverage line-rate='nan'/>",
            "coverage.xml has no valid line-rate on its <coverage> element",
        ),
        ("<coverage/>", "coverage.xml has no valid line-rate on its <coverage> element"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
            '<coverage line-rate="&lol;"/>',
            "coverage.xml declares a DOCTYPE or entities (not read)",
        ),
    ],
    ids=["truncated", "empty", "other-root", "rate-too-high", "nan", "no-rate", "doctype"],
)
def test_a_bad_coverage_report_is_a_reason_never_a_crash(
    tmp_path: Path, text: str, reason: str
) -> None:
    result = item(check(tmp_path, {"tests/test_orders.py": TESTS, "coverage.xml": text}), ITEM)
    assert result.status is Status.PASS
    assert result.reason.endswith("; " + reason)


def test_only_the_head_of_a_huge_report_is_read(tmp_path: Path) -> None:
    path = tmp_path / "coverage.xml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write('<coverage line-rate="0.25">')
        handle.write("<class/>" * 1_000_000)  # 8 MB, never closed: only the root tag matters
    assert coverage.read(path).percent == "25.0%"
    late = tmp_path / "late.xml"
    late.write_text("<!--" + "x" * (2 * coverage.MAX_HEAD) + "-->", encoding="utf-8")
    with pytest.raises(coverage.CoverageError, match="no root element in its first MiB"):
        coverage.read(late)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_coverage_reader_never_raises_anything_else(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "coverage.xml"
    path.write_bytes(data)
    try:
        report = coverage.read(path)
    except coverage.CoverageError:
        return
    assert 0.0 <= report.line_rate <= 1.0
