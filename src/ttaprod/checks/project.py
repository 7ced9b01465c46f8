"""Registers the project item checks of `ttaprod.project` (tests, observability, health,
load testing, secret storage). A bug of ours in one of them must not sink the run: the item is
then `skip` with the reason, and the other items are judged as usual."""

from __future__ import annotations

import functools
from dataclasses import replace

from .. import itemchecks
from ..itemchecks import CheckResult, ItemCheck, ProjectIndex
from ..models import ItemResult, Status
from ..project import evidence, health, logs, observability, testsuite


def _guarded(check: ItemCheck) -> ItemCheck:
    @functools.wraps(check)
    def run(index: ProjectIndex, default: ItemResult) -> CheckResult:
        try:
            return check(index, default)
        except Exception as exc:  # reported in the item, never a crash
            reason = f"not judged: internal error ({type(exc).__name__}); please report this bug"
            return replace(default, status=Status.SKIP, score=None, reason=reason), ()

    return run


CHECKS: dict[str, ItemCheck] = {
    "quality.tests": testsuite.tests_item,
    "observability.integration": observability.integration_item,
    "observability.tracing": observability.tracing_item,
    "observability.metrics": observability.metrics_item,
    "observability.structured-logging": logs.structured_logging_item,
    "performance.load-testing": evidence.load_testing_item,
    "security.secret-storage": evidence.secret_storage_item,
    "deploy.health-endpoint": health.health_item,
}

for _item, _check in CHECKS.items():
    itemchecks.register(_item)(_guarded(_check))
