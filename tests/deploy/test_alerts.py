"""deploy.alerts: the error-rate and latency alert kinds project-wide, PrometheusRule objects,
invalid rules. The cost alert (TTP533) is judged with the budgets: tests/rules/test_cost.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod import knowledge
from ttaprod.deploy.alerts import Alert, matches
from ttaprod.models import Status

from .helpers import item, report, rows

ERROR = (
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05'
)
LATENCY = (
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1"
)
COST = "sum(increase(llm_cost_usd_total[1h])) > 50"


@pytest.mark.parametrize(
    ("name", "expr", "kinds"),
    [
        ("HighErrorRate", ERROR, {"error-rate"}),
        ("Api5xx", 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1', {"error-rate"}),
        ("JobFailures", "increase(jobs_failed_total[1h]) > 3", {"error-rate"}),
        ("ErrorsSeen", "errors_total > 0", set()),  # a count, not a rate
        ("HighLatency", LATENCY, {"latency"}),
        ("SlowP99", 'http_request_duration_seconds{quantile="0.99"} > 2', {"latency"}),
        (
            "SlowAverage",
            "rate(x_duration_seconds_sum[5m]) / rate(x_duration_seconds_count[5m]) > 1",
            set(),
        ),
        ("LLMBudget", COST, {"cost"}),
        ("TokenBurn", "sum(rate(llm_tokens_total[10m])) > 5000", {"cost"}),
        ("InstanceDown", "up == 0", set()),
        (
            "LatencyOkOnly",
            'histogram_quantile(0.9, rate(h_bucket{status!~"5.."}[5m])) > 1',
            {"latency"},
        ),
    ],
)
def test_alert_kinds(name: str, expr: str, kinds: set[str]) -> None:
    table = knowledge.table("deploy")["alerts"]["kinds"]
    alert = Alert("a.yml", 1, name, expr)
    assert {k for k, kind in table.items() if matches(alert, kind)} == kinds


def _rules(*alerts: tuple[str, str]) -> str:
    lines = ["groups:", "  - name: api", "    rules:"]
    for name, expr in alerts:
        lines += [f"      - alert: {name}", f"        expr: '{expr}'"]
    return "\n".join(lines) + "\n"


def test_both_kinds_pass_with_evidence(tmp_path: Path) -> None:
    files = {
        "monitoring/alerts.yml": _rules(("HighErrorRate", ERROR), ("HighLatency", LATENCY)),
        "k8s/rules.yaml": """
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata: {name: budget}
            spec:
              groups:
                - name: budget
                  rules:
                    - record: llm:cost:rate1h
                      expr: sum(rate(llm_cost_usd_total[1h]))
                    - alert: LLMBudget
                      expr: sum(increase(llm_cost_usd_total[1h])) > 50
        """,
    }
    result = report(tmp_path, files)
    assert rows(result) == []
    alerts = item(result, "deploy.alerts")
    assert (alerts.status, alerts.covered, alerts.total, alerts.score) == (Status.PASS, 2, 2, 10.0)
    assert [(e.path, e.line, e.note) for e in alerts.evidence] == [
        ("monitoring/alerts.yml", 4, "error-rate alert HighErrorRate"),
        ("monitoring/alerts.yml", 6, "latency alert HighLatency"),
    ]


def test_missing_kinds_are_reported_on_the_first_groups_line(tmp_path: Path) -> None:
    files = {
        "a/rules.yml": "# recording rules only\n"
        + "groups:\n  - name: r\n    rules:\n      - record: x\n        expr: up\n",
        "b/alerts.yml": _rules(("HighLatency", LATENCY)),
    }
    result = report(tmp_path, files)
    assert rows(result) == [("a/rules.yml", 2, "TTP531", "medium")]  # no LLM calls: no TTP533
    alerts = item(result, "deploy.alerts")
    assert (alerts.status, alerts.covered, alerts.total) == (Status.FAIL, 1, 2)


def test_rules_prometheus_would_refuse(tmp_path: Path) -> None:
    text = """
        groups:
          - name: api
            rules:
              - alert: HighErrorRate
                expr: sum(rate(http_requests_total{status=~"5.."}[5m]) > 1
              - alert: NoExpr
                for: 5m
              - alert: Both
                record: both
                expr: up
              - alert: HighLatency
                expr: histogram_quantile(0.95, rate(h_bucket[5m])) > 1
              - alert: Budget
                expr: sum(increase(llm_cost_usd_total[1h])) > 5
          - name: empty
    """
    result = report(tmp_path, {"alerts.yml": text})
    assert rows(result) == [
        ("alerts.yml", 1, "TTP531", "medium"),
        ("alerts.yml", 4, "TTP590", "high"),
        ("alerts.yml", 6, "TTP590", "high"),
        ("alerts.yml", 8, "TTP590", "high"),
        ("alerts.yml", 15, "TTP590", "high"),
    ]
    alerts = item(result, "deploy.alerts")
    assert (alerts.status, alerts.covered, alerts.total) == (Status.FAIL, 1, 3)


def test_an_unparseable_rule_file(tmp_path: Path) -> None:
    files = {
        "alerts.yml": "groups:\n  - name: api\n    rules:\n      - alert: X\n        expr: [up\n"
    }
    result = report(tmp_path, files)
    assert [r[2] for r in rows(result)] == ["TTP590"]
    alerts = item(result, "deploy.alerts")
    assert (alerts.status, alerts.covered, alerts.total) == (Status.FAIL, 0, 3)


def test_templated_annotations_are_yaml_but_helm_rules_are_skipped(tmp_path: Path) -> None:
    files = {
        "alerts.yml": _rules(("HighErrorRate", ERROR), ("HighLatency", LATENCY), ("Budget", COST))
        + '        annotations:\n          summary: "{{ $labels.instance }} is slow"\n',
        "chart/templates/rules.yaml": """
            groups:
              - name: {{ .Release.Name }}
                rules:
                  - alert: X
                    expr: up
        """,
    }
    alerts = item(report(tmp_path, files), "deploy.alerts")
    assert alerts.status is Status.PASS
    assert "1 templated rule file(s) not checked: chart/templates/rules.yaml" in alerts.reason


def test_no_rule_files_is_a_skip(tmp_path: Path) -> None:
    alerts = item(report(tmp_path, {"prometheus.yml": "scrape_configs: []\n"}), "deploy.alerts")
    assert (alerts.status, alerts.reason) == (Status.SKIP, "no Prometheus alerting rule file found")
