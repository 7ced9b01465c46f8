"""The three deploy.* item checks: read the deployment files once, count practices, judge.

Each is an item check (`ttaprod.items.ITEM_CHECKS`). A bug of ours on one file must not sink
the run: it is reported on that file as TTP906 and the file's practices count as not verified.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ..deploy import alerts, compose, container, kubernetes
from ..deploy.inventory import Inventory, collect
from ..engine.project import CheckResult, ProjectIndex
from ..findings import internal_error
from ..models import Evidence, ItemResult, Status
from ..roles import Role
from ..tally import Tally, verdict


def _files(paths: list[str]) -> str:
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _tally(item: str, index: ProjectIndex, inventory: Inventory) -> Tally:
    tally = Tally(inventory.judged(index), item, inventory.texts)
    if inventory.unread:
        tally.notes.append(f"not read (too large or not UTF-8): {_files(inventory.unread)}")
    return tally


def guarded(tally: Tally, path: str, rules: tuple[str, ...], run: Callable[[], None]) -> None:
    """One file's checks: a bug of ours on it is TTP906 on that file, and its practices count
    as not verified; the other files are judged as usual."""
    try:
        run()
    except Exception as exc:  # reported as a finding, never a crash
        if tally.applies("TTP906", path):
            tally.findings.append(internal_error(path, f"check of {tally.item}", exc))
        for rule in rules:
            tally.unverifiable(rule, path, 1)


def container_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    tally = _tally("deploy.container", index, inventory)
    for entry in inventory.dockerfiles:
        run = partial(container.check, entry, inventory, tally)
        guarded(tally, entry.path, container.RULES, run)
    for file in inventory.compose:
        guarded(tally, file.path, compose.RULES, partial(compose.check, file, inventory, tally))
    templates = inventory.templates.get("container", [])
    if templates:
        tally.notes.append(f"{len(templates)} template(s) not checked: {_files(templates)}")
    paths = [d.path for d in inventory.dockerfiles] + [f.path for f in inventory.compose]
    judged = [p for p in paths if p in inventory.purposes]
    if judged:
        shown = "; ".join(f"{p} ({inventory.purposes[p]})" for p in judged[:3])
        tally.notes.append(f"development setup by what it runs, not judged as production: {shown}")
    noun = f"container practices followed ({_files(paths)})"
    none = "no Dockerfile or compose file found"
    if paths:
        none = f"no production Dockerfile or compose file (development, CI, tests: {_files(paths)})"
    return tally.result(default, none, noun)


def kubernetes_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    tally = _tally("deploy.kubernetes", index, inventory)
    paths = [f.path for f in inventory.manifests]
    run = partial(kubernetes.check, inventory, tally, whole_project=not index.partial)
    guarded(tally, paths[0] if paths else "", kubernetes.RULES, run)
    noun = f"workload practices followed ({_files(paths)})"
    return tally.result(default, "no Kubernetes Deployment, StatefulSet or DaemonSet found", noun)


def alerts_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    """Alert rules for errors, latency and cost. A project that ships production deployment
    files (a Dockerfile, compose file or manifest of role service) but no alert rules fails:
    it runs somewhere, and nothing pages anyone when it breaks (DESIGN §1)."""
    inventory = collect(index)
    tally = _tally("deploy.alerts", index, inventory)
    paths = [f.path for f in inventory.rules]
    if paths:
        run = partial(alerts.check, inventory, tally, whole_project=not index.partial)
        guarded(tally, paths[0], tuple(alerts.KIND_RULES.values()), run)
    elif not index.partial and not inventory.templates.get("alerts"):
        judged = inventory.judged(index)
        shipped = [
            path
            for path in [
                *(d.path for d in inventory.dockerfiles),
                *(f.path for f in inventory.compose),
                *(f.path for f in inventory.manifests),
            ]
            if judged.role_of(path) == Role.SERVICE.value
        ]
        if shipped:
            reason = (
                f"the project ships deployment files ({_files(shipped)}) but no Prometheus"
                " alerting rules: nothing alerts on its error rate or latency"
            )
            proof = [Evidence(path, 1, "deployment file") for path in shipped]
            return verdict(default, Status.FAIL, reason, proof), ()
    noun = f"alerting practices followed ({_files(paths)})"
    return tally.result(default, "no Prometheus alerting rule file found", noun)
