"""quality.tests judged from a sub-directory of the project, and module names that only
look like tests."""

from __future__ import annotations

from ttaprod.models import Status

from ..conftest import run_check


def _item(report, item_id: str):
    return next(i for i in report.checklist if i.id == item_id)


def test_checking_src_with_tests_beside_it_skips_with_the_reason(project) -> None:
    root = project(
        {
            "pyproject.toml": "[tool.ttaprod]\nfail-under = 0\n",
            "src/app/service.py": "def handle() -> int:\n    return 1\n",
            "tests/test_service.py": "def test_handle():\n    assert True\n",
        }
    )
    item = _item(run_check(root / "src"), "quality.tests")
    assert item.status is Status.SKIP
    assert (
        item.reason
        == "tests live outside the checked path (tests); check the project root to judge them"
    )
    assert _item(run_check(root), "quality.tests").status is Status.PASS


def test_a_module_named_testsuite_is_not_a_test_module(project) -> None:
    root = project({"app/testsuite.py": "def tests_item() -> int:\n    return 1\n"})
    item = _item(run_check(root), "quality.tests")
    assert item.status is Status.FAIL
    assert item.reason.startswith("no tests found")
