"""The three deploy.* item checks: read the deployment files once, count practices, judge.

Each check has the `itemchecks` signature `(ProjectIndex, ItemResult) -> (ItemResult, findings)`;
`ttaprod.checks.deploy` registers them.
"""

from __future__ import annotations

from ..itemchecks import CheckResult, ProjectIndex
from ..models import ItemResult
from . import alerts, compose, container, kubernetes
from .inventory import Inventory, collect
from .verdict import Tally


def _files(paths: list[str]) -> str:
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _tally(item: str, index: ProjectIndex, inventory: Inventory) -> Tally:
    tally = Tally(item, index.config, inventory.texts)
    if inventory.unread:
        tally.notes.append(f"not read (too large or not UTF-8): {_files(inventory.unread)}")
    return tally


def container_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    tally = _tally("deploy.container", index, inventory)
    for entry in inventory.dockerfiles:
        container.check(entry, inventory, tally)
    for file in inventory.compose:
        compose.check(file, inventory, tally)
    templates = inventory.templates.get("container", [])
    if templates:
        tally.notes.append(f"{len(templates)} template(s) not checked: {_files(templates)}")
    paths = [d.path for d in inventory.dockerfiles] + [f.path for f in inventory.compose]
    noun = f"container practices followed ({_files(paths)})"
    return tally.result(default, noun, "no Dockerfile or compose file found")


def kubernetes_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    tally = _tally("deploy.kubernetes", index, inventory)
    kubernetes.check(inventory, tally, whole_project=not index.partial)
    noun = f"workload practices followed ({_files([f.path for f in inventory.manifests])})"
    return tally.result(default, noun, "no Kubernetes Deployment, StatefulSet or DaemonSet found")


def alerts_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    tally = _tally("deploy.alerts", index, inventory)
    if inventory.rules:
        alerts.check(inventory, tally, whole_project=not index.partial)
    noun = f"alerting practices followed ({_files([f.path for f in inventory.rules])})"
    return tally.result(default, noun, "no Prometheus alerting rule file found")
