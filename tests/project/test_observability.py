"""observability.integration, .tracing and .metrics, and TTP211-TTP213: both ways, exact
statuses, reasons, evidence and findings."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from .helpers import check, evidence, item, rows

APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
async def items() -> list[str]:
    return []
"""

TELEMETRY = """
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def configure_tracing() -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider
"""
CODES = ("TTP211", "TTP212", "TTP213")


# --- observability.integration ----------------------------------------------------------
def test_integration_passes_with_an_opentelemetry_set_up(tmp_path: Path) -> None:
    report = check(tmp_path, {"app/main.py": APP, "app/telemetry.py": TELEMETRY})
    result = item(report, "observability.integration")
    assert result.status is Status.PASS and result.score == 10.0
    assert result.reason == (
        "initialised at start-up: trace.set_tracer_provider() in configure_tracing() "
        "(app/telemetry.py:10) and 1 more"
    )
    assert evidence(result) == [
        ("app/telemetry.py", 10, "trace.set_tracer_provider() in configure_tracing()"),
        ("app/telemetry.py", 8, "TracerProvider built"),
    ]
    assert rows(report, *CODES) == []


def test_integration_passes_with_tta_initialize_observability_in_the_main_block(
    tmp_path: Path,
) -> None:
    src = """
    from ttadev.observability.observability_integration import initialize_observability

    if __name__ == "__main__":
        initialize_observability(service_name="rag", prometheus_port=9464)
    """
    result = item(check(tmp_path, {"app/main.py": src}), "observability.integration")
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("app/main.py", 4, 'initialize_observability() in the `if __name__ == "__main__":` block')
    ]


def test_the_guide_set_up_fails_at_start_up(tmp_path: Path) -> None:
    src = """
    from tta_observability_integration import initialize_observability

    initialize_observability(service_name="rag-service", enable_tracing=True)
    """
    report = check(tmp_path, {"app/main.py": src})
    assert rows(report, *CODES) == [("app/main.py", 1, "TTP211"), ("app/main.py", 3, "TTP211")]
    messages = [f.message for f in report.findings if f.rule == "TTP211"]
    assert messages[1].startswith(
        "initialize_observability() takes no argument enable_tracing= (its signature: "
    )
    result = item(report, "observability.integration")
    assert result.status is Status.FAIL and result.score == 0.0
    assert result.reason == (
        "observability set-up fails at start-up (TTP211 at app/main.py:1) (and 1 more)"
    )
    tracing = item(report, "observability.tracing")
    assert tracing.status is Status.FAIL
    assert tracing.reason.endswith(
        "or initialize_observability() that can run (TTP211 at app/main.py:1)"
    )


def test_ttp211_aliases_and_the_no_argument_initialiser(tmp_path: Path) -> None:
    src = """
    import tta_observability_integration as obs
    import ttadev

    obs.initialize_observability("rag", "1.0", True, None, 9464, "extra")
    ttadev.initialize_observability(service_name="rag")
    ttadev.initialize_observability()
    """
    report = check(tmp_path, {"app/main.py": src})
    assert rows(report, "TTP211") == [
        ("app/main.py", 1, "TTP211"),
        ("app/main.py", 4, "TTP211"),
        ("app/main.py", 5, "TTP211"),
    ]
    messages = [f.message for f in report.findings if f.rule == "TTP211"]
    assert messages[1].startswith("initialize_observability() takes at most 5 arguments")
    assert messages[2].startswith("initialize_observability() takes no arguments")


def test_ttp211_ignores_other_packages_and_tests(tmp_path: Path) -> None:
    files = {
        "app/main.py": """
            from app.telemetry import initialize_observability

            initialize_observability(enable_tracing=True)
        """,
        "tests/test_boot.py": """
            from tta_observability_integration import initialize_observability
        """,
    }
    assert rows(check(tmp_path, files), "TTP211") == []


def test_no_set_up_at_all_fails(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"app/main.py": APP}), "observability.integration")
    assert (result.status, result.score, result.evidence) == (Status.FAIL, 0.0, ())
    assert result.reason == (
        "no observability initialisation found: no TTA.dev initialize_observability(), "
        "OpenTelemetry TracerProvider / set_tracer_provider(), or opentelemetry-instrument in the "
        "start command"
    )


def test_metrics_alone_is_a_warning(tmp_path: Path) -> None:
    src = """
    from prometheus_client import Counter, start_http_server

    JOBS = Counter("jobs_total", "Jobs run.")
    start_http_server(9100)
    """
    result = item(check(tmp_path, {"worker/main.py": src}), "observability.integration")
    assert result.status is Status.WARN and result.score == 5.0
    assert result.reason.startswith("only Prometheus metrics are set up")
    assert evidence(result) == [("worker/main.py", 4, "served by start_http_server()")]


def test_set_up_inside_a_request_handler(tmp_path: Path) -> None:
    src = """
    from fastapi import FastAPI
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    app = FastAPI()


    async def query() -> dict:
        trace.set_tracer_provider(TracerProvider())
        return {}


    app.add_api_route("/query", query, methods=["POST"])
    """
    report = check(tmp_path, {"app/main.py": src})
    assert rows(report, *CODES) == [("app/main.py", 9, "TTP212")]
    finding = next(f for f in report.findings if f.rule == "TTP212")
    assert finding.message.startswith(
        "`trace.set_tracer_provider()` runs inside request handler `query`"
    )
    result = item(report, "observability.integration")
    assert result.status is Status.WARN
    assert result.reason == "observability initialised inside a request handler (app/main.py:9)"


def test_set_up_in_two_places_is_ttp213_on_the_second(tmp_path: Path) -> None:
    worker = """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider


    def start() -> None:
        trace.set_tracer_provider(TracerProvider())
    """
    report = check(
        tmp_path, {"app/main.py": APP, "app/telemetry.py": TELEMETRY, "app/worker.py": worker}
    )
    assert rows(report, *CODES) == [("app/worker.py", 6, "TTP213")]
    finding = next(f for f in report.findings if f.rule == "TTP213")
    assert finding.checklist_item == "observability.integration"
    assert finding.severity.value == "medium"
    assert finding.message == (
        "observability is initialised again here: trace.set_tracer_provider() in start() installs "
        "the global tracer provider that trace.set_tracer_provider() in configure_tracing() "
        "already installed (app/telemetry.py:10); OpenTelemetry keeps the first one and ignores "
        "this one, with its exporters"
    )
    result = item(report, "observability.integration")
    assert result.status is Status.WARN
    assert result.reason == "observability initialised more than once (app/worker.py:6)"


def test_tta_init_and_set_tracer_provider_both_install_the_tracer_provider(
    tmp_path: Path,
) -> None:
    main = """
    from ttadev.observability.observability_integration import initialize_observability

    initialize_observability(service_name="rag")
    """
    report = check(tmp_path, {"app/main.py": main, "app/telemetry.py": TELEMETRY})
    assert rows(report, *CODES) == [("app/telemetry.py", 10, "TTP213")]


def test_alternatives_in_one_function_tests_and_ignores_are_not_duplicates(
    tmp_path: Path,
) -> None:
    telemetry = """
    import os

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider


    def configure() -> None:
        if os.environ.get("DEV"):
            trace.set_tracer_provider(TracerProvider())
        else:
            trace.set_tracer_provider(TracerProvider())
    """
    conftest = """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    trace.set_tracer_provider(TracerProvider())
    """
    report = check(tmp_path, {"app/telemetry.py": telemetry, "tests/conftest.py": conftest})
    assert rows(report, *CODES) == []
    assert item(report, "observability.integration").status is Status.PASS
    worker = tmp_path / "app" / "worker.py"
    worker.write_text(
        "from opentelemetry import trace\n\ntrace.set_tracer_provider(None)\n", encoding="utf-8"
    )
    assert rows(check(tmp_path, {}), *CODES) == [("app/worker.py", 3, "TTP213")]
    ignored = check(tmp_path, {}, ignore=("TTP213",))
    assert rows(ignored, *CODES) == []
    assert item(ignored, "observability.integration").status is Status.PASS
    worker.write_text(
        "from opentelemetry import trace\n\n"
        "trace.set_tracer_provider(None)  # ttaprod: ignore[TTP213]\n",
        encoding="utf-8",
    )
    suppressed = check(tmp_path, {})
    assert rows(suppressed, *CODES) == []
    assert item(suppressed, "observability.integration").status is Status.PASS


# --- observability.tracing --------------------------------------------------------------
def test_tracing_passes_with_an_exporting_span_processor(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"app/telemetry.py": TELEMETRY}), "observability.tracing")
    assert result.status is Status.PASS
    assert result.reason == (
        "OpenTelemetry tracing exported: BatchSpanProcessor(OTLPSpanExporter) (app/telemetry.py:9)"
    )
    assert evidence(result) == [
        ("app/telemetry.py", 9, "BatchSpanProcessor(OTLPSpanExporter)"),
        ("app/telemetry.py", 10, "trace.set_tracer_provider() in configure_tracing()"),
    ]


def test_tracing_exporter_held_in_a_variable(tmp_path: Path) -> None:
    src = """
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    exporter = OTLPSpanExporter(endpoint="http://collector:4318/v1/traces")
    processor = SimpleSpanProcessor(span_exporter=exporter)
    """
    result = item(check(tmp_path, {"app/otel.py": src}), "observability.tracing")
    assert evidence(result) == [("app/otel.py", 5, "SimpleSpanProcessor(OTLPSpanExporter)")]


def test_tracing_from_auto_instrumentation_in_start_commands(tmp_path: Path) -> None:
    files = {
        "app/main.py": APP,
        "Dockerfile": """
            FROM python:3.12-slim
            USER app
            CMD ["opentelemetry-instrument", "uvicorn", "app.main:app"]
        """,
        "Procfile": 'web: sh -c "opentelemetry-instrument gunicorn app.main:app"\n',
        "compose.yaml": """
            services:
              api:
                image: api:1.0
                command: opentelemetry-instrument python -m app
        """,
        "k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                metadata:
                  annotations:
                    instrumentation.opentelemetry.io/inject-python: "true"
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      command: ["/opt/venv/bin/opentelemetry-instrument"]
                      args: ["uvicorn", "app.main:app"]
        """,
    }
    report = check(tmp_path, files)
    result = item(report, "observability.tracing")
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("Dockerfile", 3, "opentelemetry-instrument in the Dockerfile CMD start command"),
        ("Procfile", 1, "opentelemetry-instrument in the Procfile start command"),
        ("compose.yaml", 4, "opentelemetry-instrument in the compose service api start command"),
        ("k8s/deploy.yaml", 14, "opentelemetry-instrument in the Deployment api start command"),
        (
            "k8s/deploy.yaml",
            9,
            "instrumentation.opentelemetry.io/inject-python: true (Deployment)",
        ),
    ]
    assert item(report, "observability.integration").status is Status.PASS


def test_tracing_from_tta_initialize_observability(tmp_path: Path) -> None:
    src = """
    from ttadev.observability.observability_integration import initialize_observability

    initialize_observability(service_name="rag")
    """
    result = item(check(tmp_path, {"app/main.py": src}), "observability.tracing")
    assert result.status is Status.PASS
    assert evidence(result) == [
        (
            "app/main.py",
            3,
            "initialize_observability() at module level sets up OpenTelemetry tracing",
        )
    ]


def test_tracing_to_the_console_only_warns(tmp_path: Path) -> None:
    src = """
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    """
    result = item(check(tmp_path, {"app/otel.py": src}), "observability.tracing")
    assert result.status is Status.WARN
    assert result.reason == (
        "spans are only printed to the console (SimpleSpanProcessor(ConsoleSpanExporter), "
        "app/otel.py:5): export them with an OTLP exporter"
    )


def test_tracer_provider_without_processor_warns(tmp_path: Path) -> None:
    src = """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    trace.set_tracer_provider(TracerProvider())
    """
    report = check(tmp_path, {"app/otel.py": src})
    result = item(report, "observability.tracing")
    assert result.status is Status.WARN
    assert result.reason.startswith(
        "a TracerProvider is built (app/otel.py:4) but no span processor"
    )
    assert item(report, "observability.integration").status is Status.PASS


def test_no_tracing_fails(tmp_path: Path) -> None:
    dockerfile = """
    FROM python:3.12-slim
    RUN pip install opentelemetry-distro && opentelemetry-bootstrap -a install
    USER app
    CMD ["uvicorn", "app.main:app"]
    """
    files = {"app/main.py": APP, "Dockerfile": dockerfile}
    result = item(check(tmp_path, files), "observability.tracing")
    assert result.status is Status.FAIL
    assert result.reason == (
        "no tracing: no TracerProvider with an exporter, opentelemetry-instrument "
        "or initialize_observability()"
    )


# --- observability.metrics --------------------------------------------------------------
METRICS = """
from prometheus_client import Counter, Histogram

REQUESTS = Counter("requests_total", "Requests.")
LATENCY = Histogram("latency_seconds", "Latency.")
"""


def test_metrics_defined_and_mounted(tmp_path: Path) -> None:
    main = """
    from fastapi import FastAPI
    from prometheus_client import make_asgi_app

    app = FastAPI()
    app.mount("/metrics", make_asgi_app())
    """
    report = check(tmp_path, {"app/main.py": main, "app/metrics.py": METRICS})
    result = item(report, "observability.metrics")
    assert result.status is Status.PASS and result.score == 10.0
    assert result.reason == (
        "Prometheus metrics defined (app/metrics.py:3) and exposed "
        "(served by make_asgi_app(), app/main.py:5)"
    )
    assert evidence(result) == [
        ("app/main.py", 5, "served by make_asgi_app()"),
        ("app/metrics.py", 3, "2 metric(s): Counter, …"),
    ]


def test_metrics_on_a_metrics_route(tmp_path: Path) -> None:
    main = """
    from flask import Flask, Response
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    app = Flask(__name__)


    @app.route("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
    """
    report = check(tmp_path, {"app/main.py": main, "app/metrics.py": METRICS})
    result = item(report, "observability.metrics")
    assert result.status is Status.PASS
    assert ("app/main.py", 7, "GET /metrics route") in evidence(result)


def test_an_instrumentator_defines_and_exposes(tmp_path: Path) -> None:
    main = """
    from fastapi import FastAPI
    from prometheus_fastapi_instrumentator import Instrumentator

    app = FastAPI()
    Instrumentator().instrument(app).expose(app)
    """
    result = item(check(tmp_path, {"app/main.py": main}), "observability.metrics")
    assert result.status is Status.PASS
    assert result.reason == (
        "Prometheus metrics defined (app/main.py:5) and exposed "
        "(served by Instrumentator.expose(), app/main.py:5)"
    )
    assert evidence(result) == [("app/main.py", 5, "served by Instrumentator.expose()")]


def test_batch_jobs_push_to_a_gateway(tmp_path: Path) -> None:
    src = """
    from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

    registry = CollectorRegistry()
    LAST = Gauge("job_last_success", "Last success.", registry=registry)
    push_to_gateway("pushgateway:9091", job="reindex", registry=registry)
    """
    result = item(check(tmp_path, {"jobs/reindex.py": src}), "observability.metrics")
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("jobs/reindex.py", 5, "served by push_to_gateway()"),
        ("jobs/reindex.py", 4, "1 metric: Gauge"),
    ]


def test_metrics_defined_but_never_exposed_warns(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"app/metrics.py": METRICS}), "observability.metrics")
    assert result.status is Status.WARN and result.score == 5.0
    assert result.reason == (
        "Prometheus metrics are defined (app/metrics.py:3) but never exposed: no /metrics route, "
        "make_asgi_app()/make_wsgi_app(), start_http_server() or Pushgateway push"
    )
    assert evidence(result) == [("app/metrics.py", 3, "2 metric(s): Counter, …")]


def test_an_endpoint_without_application_metrics_warns(tmp_path: Path) -> None:
    src = """
    from prometheus_client import start_http_server

    start_http_server(9100)
    """
    result = item(check(tmp_path, {"app/main.py": src}), "observability.metrics")
    assert result.status is Status.WARN
    assert result.reason.endswith("only the client's default process metrics")


def test_tta_initialiser_exports_prometheus_unless_switched_off(tmp_path: Path) -> None:
    on = """
    from ttadev.observability.observability_integration import initialize_observability

    initialize_observability(service_name="rag")
    """
    result = item(check(tmp_path / "on", {"app/main.py": on}), "observability.metrics")
    assert result.status is Status.PASS
    off = on.replace('service_name="rag"', 'service_name="rag", enable_prometheus=False')
    result = item(check(tmp_path / "off", {"app/main.py": off}), "observability.metrics")
    assert result.status is Status.FAIL
    assert result.reason == "no Prometheus metrics defined or exposed"
