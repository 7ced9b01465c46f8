"""Registers the deployment-file checks (Dockerfile, compose, Kubernetes, alert rules)."""

from __future__ import annotations

from .. import itemchecks
from ..deploy import items

itemchecks.register("deploy.container")(items.container_item)
itemchecks.register("deploy.kubernetes")(items.kubernetes_item)
itemchecks.register("deploy.alerts")(items.alerts_item)
