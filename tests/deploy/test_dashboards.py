"""observability.dashboards: Grafana dashboards as code, compared with the metrics the code
emits; Grafana containers that provision nothing (TTP221); panels on metrics nobody emits
(TTP222); dashboard JSON that does not parse (TTP590)."""

from __future__ import annotations

import json
from pathlib import Path

from ttaprod.models import Report, Status

from .helpers import item, report, rows

CODES = ("TTP221", "TTP222", "TTP590")
ITEM = "observability.dashboards"

METRICS = """
from prometheus_client import Counter, Histogram
from opentelemetry import metrics

REQUESTS = Counter("api_requests", "Requests.", ["status"])
LATENCY = Histogram("latency_seconds", "Latency.", namespace="api")
meter = metrics.get_meter(__name__)
tokens = meter.create_counter("llm.tokens")
"""


def _board(*exprs: str, title: str = "API", wrap: bool = False) -> str:
    panel = {"title": "p", "targets": [{"refId": "A", "expr": e} for e in exprs]}
    model = {"title": title, "panels": [{"type": "row", "panels": [panel]}]}
    return json.dumps({"dashboard": model} if wrap else model, indent=2)


def _check(tmp_path: Path, files: dict[str, str]) -> Report:
    return report(tmp_path, files, select=CODES)


def _shown(result: Report) -> str:
    return item(result, ITEM).status.value


def test_without_grafana_the_item_is_skipped(tmp_path: Path) -> None:
    result = _check(tmp_path, {"app/metrics.py": METRICS, "package.json": '{"name": "x"}'})
    assert _shown(result) == "skip"


def test_panels_on_the_codes_metrics_pass_through_suffixes_namespaces_and_otel(
    tmp_path: Path,
) -> None:
    for i, expr in enumerate(
        (
            "sum(rate(api_requests_total[5m]))",
            'histogram_quantile(0.9, sum by (le) (rate(api_latency_seconds_bucket{job="$job"}[5m])))',
            "sum(rate(llm_tokens_total[5m]))",
        )
    ):
        root = tmp_path / str(i)
        result = _check(
            root, {"app/metrics.py": METRICS, "grafana/dashboards/a.json": _board(expr, wrap=True)}
        )
        assert rows(result, "TTP2") == [], expr
        assert _shown(result) == "pass", expr


def test_a_dashboard_on_metrics_nobody_emits(tmp_path: Path) -> None:
    files = {
        "app/metrics.py": METRICS,
        "dashboards/a.json": _board("sum(rate(http_requests_total[5m]))", "up"),
        "dashboards/infra.json": _board(
            "node_load1", "rate(container_cpu_usage_seconds_total[5m])"
        ),
    }
    result = _check(tmp_path, files)
    assert rows(result, "TTP2") == [("dashboards/a.json", 12, "TTP222", "low")]
    assert _shown(result) == "warn"


def test_instrumentation_libraries_emit_request_metrics(tmp_path: Path) -> None:
    files = {
        "app/main.py": """
        from fastapi import FastAPI
        from prometheus_fastapi_instrumentator import Instrumentator

        app = FastAPI()
        Instrumentator().instrument(app).expose(app)
        """,
        "grafana/api.json": _board("sum(rate(http_requests_total[5m]))"),
    }
    assert _shown(_check(tmp_path, files)) == "pass"


def test_metric_names_that_are_not_literals_are_not_judged(tmp_path: Path) -> None:
    files = {
        "app/metrics.py": "from prometheus_client import Counter\n\nC = Counter(NAME, 'x')\n",
        "grafana/api.json": _board("sum(rate(whatever_total[5m]))"),
    }
    result = _check(tmp_path, files)
    assert rows(result, "TTP2") == []
    assert _shown(result) == "warn"


def test_grafana_containers_with_and_without_dashboards(tmp_path: Path) -> None:
    files = {
        "app/metrics.py": METRICS,
        "docker-compose.yml": """
        services:
          bare:
            image: grafana/grafana:11.3.0
          mounted:
            image: docker.io/grafana/grafana-oss:11.3.0
            volumes:
              - type: bind
                source: ./grafana/provisioning
                target: /etc/grafana/provisioning
        """,
        "k8s/grafana.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: grafana
        spec:
          template:
            spec:
              containers:
                - name: grafana
                  image: grafana/grafana:11.3.0
                - name: dashboards
                  image: quay.io/kiwigrid/k8s-sidecar:1.28.0
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: api-dashboard
          labels:
            grafana_dashboard: "1"
        data:
          api.json: |
            {"title": "API", "panels": [{"targets": [{"expr": "rate(api_requests_total[1m])"}]}]}
        """,
    }
    result = _check(tmp_path, files)
    assert rows(result, "TTP2") == [("docker-compose.yml", 3, "TTP221", "low")]
    evidence = [(e.path, e.line) for e in item(result, ITEM).evidence]
    assert ("k8s/grafana.yaml", 21) in evidence  # the ConfigMap's dashboard
    assert _shown(result) == "warn"


def test_invalid_dashboard_json_is_ttp590(tmp_path: Path) -> None:
    files = {
        "grafana/dashboards/api.json": '{\n  "title": "API",\n  "panels": [\n    {"title": "x",}\n  ]\n}\n',
        "web/locales/en.json": "{not json at all",  # not a dashboard: not ours
    }
    result = _check(tmp_path, files)
    assert rows(result, "TTP59") == [("grafana/dashboards/api.json", 4, "TTP590", "high")]
    assert item(result, ITEM).status is Status.FAIL
