"""Grafana dashboards kept as code, read for observability.dashboards (`items/dashboards.py`).

- Dashboard models: JSON files holding a dashboard (`panels` or `rows`, possibly wrapped in
  `{"dashboard": …}` as the HTTP API takes it), and the `*.json` entries of Kubernetes
  ConfigMaps. The Prometheus queries of their panels (`targets[].expr`, nested rows included)
  are what they show. A `.json` file under a `grafana` or `dashboards` directory, or holding
  `"panels"`, that does not parse is invalid (TTP590).
- Provisioning files: YAML with `providers:` (Grafana's dashboards provisioning).
- Grafana containers: compose services and Kubernetes containers running a Grafana image; one
  provisions dashboards when it mounts a volume under a provisioning or dashboards path, sets a
  home dashboard, or runs beside the dashboards sidecar.

Knowledge: rules/knowledge/dashboards.toml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .. import knowledge
from .composefile import services_of
from .inventory import Inventory, is_k8s_object
from .promql import metric_names
from .values import parse_image
from .yamlfiles import YList, YMap, get
from .yamlfiles import load as load_yaml

MAX_DEPTH = 20


@dataclass
class Dashboard:
    path: str
    line: int  # where it starts (a ConfigMap key), or 1
    title: str
    queries: list[tuple[str, str, int]] = field(default_factory=list)  # (panel, expr, line)

    def metrics(self) -> set[str]:
        return {name for _, expr, _ in self.queries for name in metric_names(expr)}


@dataclass(frozen=True)
class Invalid:
    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Grafana:
    path: str
    line: int
    where: str  # "compose service grafana", "Deployment grafana"
    provisioned: str  # what provisions its dashboards ("" nothing)


@dataclass
class Found:
    dashboards: list[Dashboard] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    providers: list[tuple[str, int]] = field(default_factory=list)  # provisioning files
    grafanas: list[Grafana] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.dashboards or self.invalid or self.providers or self.grafanas)


def _table() -> dict[str, Any]:
    return knowledge.table("dashboards")


def find(inventory: Inventory) -> Found:
    found = Found()
    for rel in sorted(inventory.files):
        name = PurePosixPath(rel).name.lower()
        if name.endswith(".json"):
            _json_file(inventory, rel, found)
        elif name.endswith((".yml", ".yaml")) and _hinted(rel):
            _provisioning(inventory, rel, found)
    for file in inventory.compose:
        if file.error is None:
            _compose(file.path, services_of(file), found)
    for file in inventory.manifests:
        if file.error is None:
            for doc in file.docs:
                if is_k8s_object(doc):
                    _k8s(file.path, doc, found)
    return found


def _hinted(rel: str) -> bool:
    parts = [p.lower() for p in PurePosixPath(rel).parts[:-1]]
    return any("grafana" in p or "dashboard" in p or p == "provisioning" for p in parts)


def _json_file(inventory: Inventory, rel: str, found: Found) -> None:
    text = inventory.read(rel)
    if text is None or ('"panels"' not in text and '"rows"' not in text and not _hinted(rel)):
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        if _hinted(rel) or '"panels"' in text:
            line = getattr(exc, "lineno", 1)
            message = f"dashboard JSON does not parse: {getattr(exc, 'msg', 'invalid JSON')}"
            found.invalid.append(Invalid(rel, line, message))
        return
    dashboard = _model(rel, 1, data, text)
    if dashboard is not None:
        found.dashboards.append(dashboard)


def _model(path: str, line: int, data: Any, text: str) -> Dashboard | None:
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    if not isinstance(data, dict) or not (
        isinstance(data.get("panels"), list) or isinstance(data.get("rows"), list)
    ):
        return None
    title = str(data.get("title") or PurePosixPath(path).stem)
    dashboard = Dashboard(path, line, title)
    lines = text.splitlines()
    todo: list[tuple[Any, int]] = [(data, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH or not isinstance(node, dict):
            continue
        for child in (*_list(node.get("panels")), *_list(node.get("rows"))):
            todo.append((child, depth + 1))
        panel = str(node.get("title") or "")
        for target in _list(node.get("targets")):
            expr = target.get("expr") if isinstance(target, dict) else None
            if isinstance(expr, str) and expr.strip():
                dashboard.queries.append((panel, expr, _line_of(lines, expr, line)))
    dashboard.queries.sort(key=lambda q: q[2])
    return dashboard


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _line_of(lines: list[str], expr: str, default: int) -> int:
    """The line of the `"expr"` that holds `expr` (its first 30 characters, JSON-escaped)."""
    needle = json.dumps(expr)[1:31]
    for number, text in enumerate(lines, 1):
        if '"expr"' in text and needle in text:
            return number
    return default


def _provisioning(inventory: Inventory, rel: str, found: Found) -> None:
    text = inventory.read(rel)
    if text is None or "providers" not in text:
        return
    parsed = load_yaml(rel, text)
    for doc in parsed.docs:
        providers = get(doc, "providers")
        if isinstance(doc, YMap) and isinstance(providers, YList) and providers:
            found.providers.append((rel, doc.line("providers")))


def _is_grafana(image: Any) -> bool:
    if not isinstance(image, str) or not image:
        return False
    name = parse_image(image).name.lower().removeprefix("docker.io/")
    return name in _table()["images"]


def _mount_target(volume: Any) -> str:
    if isinstance(volume, str):
        parts = volume.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    if isinstance(volume, YMap):
        return str(volume.get("target") or volume.get("mountPath") or "")
    return ""


def _provisions(targets: list[str], env: list[str]) -> str:
    t = _table()
    for target in targets:
        if any(target.rstrip("/").startswith(p) for p in t["mount_paths"]):
            return f"a volume at {target}"
    for name in env:
        if name in t["env"]:
            return name
    return ""


def _compose(path: str, services: YMap, found: Found) -> None:
    for name, service in services.items():
        if not isinstance(service, YMap) or not _is_grafana(service.get("image")):
            continue
        targets = [_mount_target(v) for v in _list(service.get("volumes"))]
        env = service.get("environment")
        names = [str(k) for k in env] if isinstance(env, YMap) else []
        if isinstance(env, YList):
            names = [str(e).partition("=")[0] for e in env]
        line = service.line("image")
        found.grafanas.append(
            Grafana(path, line, f"compose service {name}", _provisions(targets, names))
        )


def _k8s(path: str, doc: YMap, found: Found) -> None:
    if doc.get("kind") == "ConfigMap":
        data = doc.get("data")
        if isinstance(data, YMap):
            for key, value in data.items():
                if str(key).endswith(".json") and isinstance(value, str):
                    _configmap_entry(path, data.line(key), value, found)
        return
    todo: list[tuple[Any, int]] = [(doc, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, YMap):
            containers = node.get("containers")
            if isinstance(containers, YList):
                _pod(path, doc, node, containers, found)
                continue
            todo.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, YList):
            todo.extend((v, depth + 1) for v in node)


def _configmap_entry(path: str, line: int, value: str, found: Found) -> None:
    try:
        data = json.loads(value)
    except (ValueError, RecursionError) as exc:
        if '"panels"' in value:
            message = f"dashboard JSON does not parse: {getattr(exc, 'msg', 'invalid JSON')}"
            found.invalid.append(Invalid(path, line, message))
        return
    dashboard = _model(path, line, data, "")
    if dashboard is not None:
        found.dashboards.append(dashboard)


def _pod(path: str, doc: YMap, spec: YMap, containers: YList, found: Found) -> None:
    t = _table()
    sidecar = any(
        isinstance(c, YMap)
        and isinstance(c.get("image"), str)
        and parse_image(c["image"]).name in t["sidecar_images"]
        for c in containers
    )
    owner = f"{doc.get('kind')} {get(doc, 'metadata', 'name') or ''}".strip()
    for container in containers:
        if not isinstance(container, YMap) or not _is_grafana(container.get("image")):
            continue
        targets = [_mount_target(m) for m in _list(container.get("volumeMounts"))]
        names = [str(get(e, "name")) for e in _list(container.get("env"))]
        provisioned = "the dashboards sidecar" if sidecar else _provisions(targets, names)
        line = container.line("image")
        found.grafanas.append(Grafana(path, line, owner, provisioned))
