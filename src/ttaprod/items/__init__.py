"""Project item checks: verdicts that need the whole project (every file's facts, the
deployment files, the config), one module per checklist item or group of items.

`ITEM_CHECKS` lists every one of them with the catalogue codes it reports; nothing is found
by scanning modules. Each check is `(ProjectIndex, default ItemResult) -> (ItemResult,
findings)`; it runs under the registry's guard (`engine/registry.py`). The shared kit is
`ttaprod.verdict` (one tally, one evidence cap, findings through `ttaprod.findings`).
"""

from __future__ import annotations

from ..deploy import alerts, compose, container, kubernetes
from ..engine.registry import ItemCheck
from . import (
    async_io,
    caching,
    cost,
    dashboards,
    deploy_secrets,
    deployment,
    error_logging,
    evidence,
    fallback,
    health,
    logs,
    observability,
    outbound,
    rate_limiting,
    routing,
    testsuite,
)

ITEM_CHECKS: tuple[ItemCheck, ...] = (
    ItemCheck("quality.tests", testsuite.tests_item),
    ItemCheck("errors.timeout", outbound.timeout_item, ("TTP105",)),
    ItemCheck("errors.retry", outbound.retry_item),
    ItemCheck("errors.fallback", fallback.fallback_item),
    ItemCheck("errors.logging", error_logging.correlation_item),
    ItemCheck("observability.integration", observability.integration_item, ("TTP213",)),
    ItemCheck("observability.tracing", observability.tracing_item),
    ItemCheck("observability.metrics", observability.metrics_item),
    ItemCheck("observability.structured-logging", logs.structured_logging_item),
    ItemCheck("observability.dashboards", dashboards.dashboards_item, ("TTP221", "TTP222")),
    ItemCheck("performance.cache", caching.cache_item, ("TTP314",)),
    ItemCheck("performance.async-io", async_io.async_io_item),
    ItemCheck("performance.routing", routing.routing_item, ("TTP315",)),
    ItemCheck("performance.load-testing", evidence.load_testing_item),
    ItemCheck("security.secrets-in-env", deploy_secrets.secrets_item),
    ItemCheck("security.secret-storage", evidence.secret_storage_item),
    ItemCheck("security.rate-limiting", rate_limiting.rate_limiting_item, ("TTP413", "TTP414")),
    ItemCheck("deploy.health-endpoint", health.health_item, ("TTP541",)),
    ItemCheck(
        "deploy.container",
        deployment.container_item,
        (*container.RULES, *compose.RULES, "TTP590"),
    ),
    ItemCheck("deploy.kubernetes", deployment.kubernetes_item, kubernetes.RULES),
    ItemCheck("deploy.alerts", deployment.alerts_item, tuple(alerts.KIND_RULES.values())),
    ItemCheck("cost.tracking", cost.tracking_item, ("TTP701",)),
    ItemCheck("cost.budgets", cost.budgets_item, ("TTP533", "TTP711", "TTP713")),
)
