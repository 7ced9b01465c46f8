"""The production checklist: 32 items with stable ids (DESIGN §1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ItemKind(str, Enum):
    SITES = "sites"
    PROJECT = "project"
    TOOL = "tool"
    FILES = "files"


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    title: str
    kind: ItemKind
    site_noun: str = ""
    covered_phrase: str = ""

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]


SECTIONS: dict[str, str] = {
    "quality": "Code quality",
    "errors": "Error handling",
    "observability": "Observability",
    "performance": "Performance",
    "security": "Security",
    "deploy": "Deployment",
    "cost": "Cost management",
}

_S, _P, _T, _F = ItemKind.SITES, ItemKind.PROJECT, ItemKind.TOOL, ItemKind.FILES

ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("quality.tests", "All tests passing, critical path covered", _P),
    ChecklistItem(
        "quality.type-hints", "Type hints on all public APIs", _S, "functions", "fully annotated"
    ),
    ChecklistItem("quality.lint", "Linting passes (ruff)", _T),
    ChecklistItem("quality.type-check", "Type checking passes (pyright)", _T),
    ChecklistItem("quality.security-scan", "Security scan clean (bandit, safety)", _T),
    ChecklistItem("errors.retry", "Retry on external API calls", _S, "calls", "with retry"),
    ChecklistItem(
        "errors.fallback", "Fallback for degraded operation", _S, "calls", "with a fallback"
    ),
    ChecklistItem("errors.timeout", "Timeouts to prevent hanging", _S, "calls", "with a timeout"),
    ChecklistItem(
        "errors.compensation",
        "Compensation for multi-step / distributed writes",
        _S,
        "workflows",
        "with compensation",
    ),
    ChecklistItem(
        "errors.logging",
        "Structured error logging with correlation IDs",
        _S,
        "handlers",
        "logging with context",
    ),
    ChecklistItem("observability.integration", "Observability initialised once at start-up", _P),
    ChecklistItem("observability.tracing", "OpenTelemetry tracing enabled", _P),
    ChecklistItem("observability.metrics", "Prometheus metrics exposed", _P),
    ChecklistItem(
        "observability.structured-logging",
        "Structured (JSON) logging, no print",
        _S,
        "log calls",
        "structured",
    ),
    ChecklistItem(
        "observability.correlation-ids",
        "Correlation IDs in every WorkflowContext / request",
        _S,
        "contexts",
        "carrying the correlation id",
    ),
    ChecklistItem(
        "observability.dashboards", "Dashboards as code on the metrics the code emits", _F
    ),
    ChecklistItem("performance.cache", "Cache on expensive operations", _S, "calls", "cached"),
    ChecklistItem("performance.routing", "Router for model selection", _P),
    ChecklistItem(
        "performance.connection-pooling",
        "Pooled, reused clients and DB engines",
        _S,
        "clients",
        "pooled and reused",
    ),
    ChecklistItem(
        "performance.async-io",
        "No blocking I/O inside async code",
        _S,
        "async functions",
        "free of blocking calls",
    ),
    ChecklistItem("performance.load-testing", "Load testing done", _P),
    ChecklistItem(
        "security.secrets-in-env",
        "No hard-coded keys; read from the environment",
        _S,
        "credentials",
        "kept out of the code",
    ),
    ChecklistItem("security.secret-storage", "Secrets from a secret store in production", _P),
    ChecklistItem("security.rate-limiting", "Rate limiting on external APIs / endpoints", _P),
    ChecklistItem(
        "security.input-validation",
        "Input validation on all user data",
        _S,
        "endpoints",
        "validating their input",
    ),
    ChecklistItem(
        "security.tls",
        "HTTPS/TLS for all external communication",
        _S,
        "connections",
        "over verified TLS",
    ),
    ChecklistItem("deploy.health-endpoint", "A health endpoint that checks dependencies", _P),
    ChecklistItem("deploy.container", "Dockerfile / compose follow production practice", _F),
    ChecklistItem("deploy.kubernetes", "Manifests set resources, probes, autoscaling", _F),
    ChecklistItem("deploy.alerts", "Alert rules for errors and latency", _F),
    ChecklistItem(
        "cost.tracking",
        "LLM and paid API calls accounted (cost tracking, token metrics)",
        _S,
        "calls",
        "with their cost accounted",
    ),
    ChecklistItem("cost.budgets", "Budgets with an alert before they run out", _P),
)

BY_ID: dict[str, ChecklistItem] = {item.id: item for item in ITEMS}


def is_item(item_id: str) -> bool:
    return item_id in BY_ID
