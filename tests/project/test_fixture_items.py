"""The project items on the fixture projects: statuses and the evidence that proves each pass."""

from __future__ import annotations

from functools import cache

import pytest

from ttaprod.models import Report, Status

from ..conftest import FIXTURES, run_check
from .helpers import item

P, W, F, S = Status.PASS, Status.WARN, Status.FAIL, Status.SKIP
EXPECTED = {
    "rag_service_good": {
        "quality.tests": P,
        "observability.integration": P,
        "observability.tracing": P,
        "observability.metrics": P,
        "observability.structured-logging": P,
        "performance.load-testing": P,
        "security.secret-storage": P,
        "deploy.health-endpoint": P,
    },
    "rag_service_bad": {
        "quality.tests": P,
        "observability.integration": F,
        "observability.tracing": F,
        "observability.metrics": F,
        "observability.structured-logging": F,
        "performance.load-testing": W,
        "security.secret-storage": W,
        "deploy.health-endpoint": W,
    },
    "worker_scripts": {
        "quality.tests": P,
        "observability.integration": F,
        "observability.tracing": F,
        "observability.metrics": F,
        "observability.structured-logging": W,
        "performance.load-testing": W,
        "security.secret-storage": W,
        "deploy.health-endpoint": S,
    },
}
# item → (file, text on the line that proves it): lines are looked up, so unrelated edits to
# the fixture do not break the test.
GOOD_EVIDENCE = {
    "quality.tests": ("pyproject.toml", "[tool.pytest.ini_options]"),
    "observability.integration": ("app/telemetry.py", "trace.set_tracer_provider(provider)"),
    "observability.tracing": ("app/telemetry.py", "BatchSpanProcessor(OTLPSpanExporter("),
    "observability.metrics": ("app/main.py", 'app.mount("/metrics", make_asgi_app())'),
    "observability.structured-logging": ("app/logging_setup.py", "JSONRenderer()"),
    "performance.load-testing": ("loadtest/locustfile.py", "from locust import"),
    "security.secret-storage": ("k8s/deployment.yaml", "secretKeyRef:"),
    "deploy.health-endpoint": ("app/api/health.py", '@router.get("/health"'),
}


def _line_of(path: str, text: str) -> int:
    lines = (FIXTURES / "rag_service_good" / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


@cache
def _report(name: str) -> Report:
    return run_check(FIXTURES / name)


@pytest.mark.parametrize(
    ("name", "item_id"), [(n, i) for n, items in EXPECTED.items() for i in items]
)
def test_fixture_project_item_status(name: str, item_id: str) -> None:
    result = item(_report(name), item_id)
    assert result.status is EXPECTED[name][item_id], result.reason
    if result.status is Status.PASS:
        assert result.evidence and all(e.path and e.line > 0 for e in result.evidence)


@pytest.mark.parametrize("item_id", sorted(GOOD_EVIDENCE))
def test_good_fixture_evidence_points_at_what_proves_it(item_id: str) -> None:
    result = item(_report("rag_service_good"), item_id)
    path, text = GOOD_EVIDENCE[item_id]
    assert (result.evidence[0].path, result.evidence[0].line) == (path, _line_of(path, text))


def test_good_fixture_attests_its_load_test_report() -> None:
    result = item(_report("rag_service_good"), "performance.load-testing")
    notes = [e.note for e in result.evidence]
    assert "attested in config: docs/load-test-2026-10.md" in notes
    assert "also attested in config (not verified): docs/load-test-2026-10.md" in result.reason


def test_bad_fixture_reasons_name_the_problems() -> None:
    report = _report("rag_service_bad")
    assert item(report, "observability.integration").reason == (
        "observability set-up fails at start-up (TTP211 at app/main.py:5) (and 1 more)"
    )
    assert item(report, "deploy.health-endpoint").reason == (
        "health endpoint GET /health returns a constant without checking any dependency"
    )
    logging = item(report, "observability.structured-logging")
    assert logging.reason.endswith("no JSON log formatter: plain-text log lines")
