"""The performance and security items of this part of the checklist on the fixture projects:
status, coverage and the evidence of each verdict (cache, routing, pooling, rate limiting, input
validation)."""

from __future__ import annotations

from functools import cache

import pytest

from ttaprod.models import ItemResult, Report

from ..conftest import FIXTURES, run_check

ITEMS = (
    "performance.cache",
    "performance.routing",
    "performance.connection-pooling",
    "security.rate-limiting",
    "security.input-validation",
)
# item → (status, covered, total) per fixture; None where the item is a verdict without counts
EXPECTED: dict[str, dict[str, tuple[str, int | None, int | None]]] = {
    "rag_service_good": {
        "performance.cache": ("pass", 3, 3),
        "performance.routing": ("pass", None, None),
        "performance.connection-pooling": ("pass", 5, 5),
        "security.rate-limiting": ("pass", 7, 7),
        "security.input-validation": ("pass", 4, 4),
    },
    "rag_service_bad": {
        "performance.cache": ("fail", 0, 4),
        "performance.routing": ("warn", None, None),
        "performance.connection-pooling": ("warn", 6, 9),
        "security.rate-limiting": ("fail", 1, 12),
        "security.input-validation": ("fail", 3, 8),
    },
    "worker_scripts": {
        "performance.cache": ("fail", 1, 3),
        "performance.routing": ("skip", None, None),
        "performance.connection-pooling": ("warn", 17, 18),
        "security.rate-limiting": ("fail", 1, 3),
        "security.input-validation": ("skip", 0, 0),
    },
}


@cache
def _report(name: str) -> Report:
    return run_check(FIXTURES / name)


def _item(name: str, item_id: str) -> ItemResult:
    return next(r for r in _report(name).checklist if r.id == item_id)


@pytest.mark.parametrize(("name", "item_id"), [(n, i) for n in EXPECTED for i in ITEMS])
def test_fixture_item_verdicts(name: str, item_id: str) -> None:
    result = _item(name, item_id)
    assert (result.status.value, result.covered, result.total) == EXPECTED[name][item_id], (
        result.reason
    )
    if result.status.value == "pass":
        assert result.evidence and all(e.path and e.line > 0 for e in result.evidence)


def test_good_fixture_evidence_names_the_guards() -> None:
    cache_item = _item("rag_service_good", "performance.cache")
    assert cache_item.evidence[0].note == (
        "cached by CachePrimitive(…, cache_key_fn=answer_cache_key) (app/workflow.py:153)"
    )
    routing = _item("rag_service_good", "performance.routing")
    assert [(e.path, e.note) for e in routing.evidence] == [
        ("app/workflow.py", "RouterPrimitive (TTA.dev) chooses the model")
    ]
    limits = _item("rag_service_good", "security.rate-limiting")
    notes = {e.note for e in limits.evidence}
    assert "rate-limited by async with self._openai_limit" in notes


def test_bad_fixture_reasons() -> None:
    routing = _item("rag_service_bad", "performance.routing")
    assert routing.reason == (
        "2 models (gpt-4o (app/config.py:21), claude-3-5-sonnet-latest (app/config.py:22)) and "
        "no router"
    )
    worker = _item("worker_scripts", "performance.routing")
    assert (
        worker.reason == "one model (gpt-4o-mini (worker/jobs/categorise.py:23)): nothing to route"
    )
