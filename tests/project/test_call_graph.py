"""Protection and blocking followed across functions and modules (fixtures/shop_service),
each case both ways: the protection that covers a call one module away, and the same call
reported, with the path that leaves it bare, once that protection is gone."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..helpers import FIXTURES, fixture_report, found, run_check


def _traces(rule: str) -> dict[tuple[str, int], tuple[tuple[str, int, str], ...]]:
    return {(f.path, f.line): f.trace for f in found(fixture_report("shop_service"), [rule])}


def test_an_unretried_helper_is_reported_with_the_path_that_reaches_it() -> None:
    assert _traces("TTP102") == {
        ("shop/clients/http.py", 5): (
            ("shop/api/prices.py", 10, "get_price() calls price_for()"),
            ("shop/services/pricing.py", 6, "price_for() calls fetch_json()"),
            ("shop/clients/http.py", 5, "the call"),
        )
    }


def test_blocking_io_two_calls_down_is_reported_at_the_await_site() -> None:
    assert _traces("TTP301") == {
        ("shop/api/reports.py", 18): (
            ("shop/api/reports.py", 18, "get_report() calls render()"),
            ("shop/storage/reports.py", 5, "render() calls read_template()"),
            (
                "shop/storage/files.py",
                7,
                "`Path(TEMPLATES_DIR, name).read_text()` (pathlib.Path is synchronous) blocks",
            ),
        ),
        ("shop/api/reports.py", 23): (
            ("shop/api/reports.py", 23, "post_report() calls _audit()"),
            ("shop/api/reports.py", 12, "`open()` blocks"),
        ),
    }


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "shop_service"
    shutil.copytree(FIXTURES / "shop_service", root)
    return root


def _drop_decorator(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("@api_retry\n", ""), encoding="utf-8")


def test_an_inherited_method_is_covered_by_its_callers_retry_and_bare_without_it(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/services/checkout.py")
    bare = {(f.path, f.line): f.trace for f in found(run_check(root), ["TTP102"])}
    assert bare[("shop/clients/base.py", 9)] == (
        ("shop/services/checkout.py", 8, "charge() calls ApiClient.call()"),
        ("shop/clients/base.py", 9, "the call"),
    )


def test_a_retry_two_calls_up_covers_the_call_and_its_loss_is_seen(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/jobs/sync.py")
    lines = {(f.path, f.line) for f in found(run_check(root), ["TTP102"])}
    assert ("shop/services/inventory.py", 11) in lines


def test_a_retry_primitive_in_another_module_covers_the_primitive_it_wraps(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    compose = root / "shop/pipeline/compose.py"
    compose.write_text(
        "from .primitives import QuotePrimitive\n\nquote = QuotePrimitive()\n", encoding="utf-8"
    )
    lines = {(f.path, f.line) for f in found(run_check(root), ["TTP102"])}
    assert ("shop/pipeline/primitives.py", 10) in lines


def test_recursion_under_a_retried_entry_point_is_covered(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/services/categories.py")
    lines = {(f.path, f.line) for f in found(run_check(root), ["TTP102"])}
    assert ("shop/clients/http.py", 5) in lines
    traces = {f.trace for f in found(run_check(root), ["TTP102"])}
    assert any(step[0] == "shop/services/categories.py" for t in traces for step in t)
