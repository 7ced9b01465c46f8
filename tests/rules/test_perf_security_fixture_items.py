"""The performance and security items on the fixture projects: the evidence of each verdict
(cache, routing, pooling, rate limiting, input validation); their statuses and coverage are in
tests/test_fixture_verdicts.py."""

from __future__ import annotations

from ttaprod.models import ItemResult

from ..helpers import fixture_report


def _item(name: str, item_id: str) -> ItemResult:
    # the LLM cache, routing and rate-limit advice (TTP314, TTP315, TTP413) is in preview
    return next(r for r in fixture_report(name, preview=True).checklist if r.id == item_id)


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
