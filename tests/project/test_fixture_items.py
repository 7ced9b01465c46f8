"""The project items on the fixture projects: the evidence that proves each pass and the reasons
that name each problem (their statuses are in tests/test_fixture_verdicts.py)."""

from __future__ import annotations

import pytest

from ..conftest import FIXTURES
from ..helpers import fixture_report
from .helpers import item

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


@pytest.mark.parametrize("item_id", sorted(GOOD_EVIDENCE))
def test_good_fixture_evidence_points_at_what_proves_it(item_id: str) -> None:
    result = item(fixture_report("rag_service_good"), item_id)
    path, text = GOOD_EVIDENCE[item_id]
    assert (result.evidence[0].path, result.evidence[0].line) == (path, _line_of(path, text))


def test_good_fixture_attests_its_load_test_report() -> None:
    result = item(fixture_report("rag_service_good"), "performance.load-testing")
    notes = [e.note for e in result.evidence]
    assert "attested in config: docs/load-test-2026-10.md" in notes
    assert "also attested in config (not verified): docs/load-test-2026-10.md" in result.reason


def test_bad_fixture_reasons_name_the_problems() -> None:
    report = fixture_report("rag_service_bad")
    assert item(report, "observability.integration").reason == (
        "observability set-up fails at start-up (TTP211 at app/main.py:5) (and 1 more)"
    )
    assert item(report, "deploy.health-endpoint").reason == (
        "health endpoint GET /health returns a constant without checking any dependency"
    )
    logging = item(report, "observability.structured-logging")
    assert logging.reason.endswith("no JSON log formatter: plain-text log lines")
