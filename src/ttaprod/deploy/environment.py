"""Environment variables the deployment files set for the service: compose `environment:`
(mapping or list), Kubernetes container `env:` entries with a `value`, Dockerfile `ENV`.

    for setting in settings(inventory, {"TTA_BUDGET_LIMIT_USD"}): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .composefile import services_of
from .container import env_pairs
from .inventory import Inventory, is_k8s_object
from .yamlfiles import YList, YMap


@dataclass(frozen=True)
class Setting:
    path: str
    line: int
    name: str
    value: str | None  # None: passed through from the host, or from a secret / config map


def settings(inventory: Inventory, names: set[str] | frozenset[str]) -> list[Setting]:
    out: list[Setting] = []
    for file in inventory.compose:
        if file.error is not None:
            continue
        for service in services_of(file).values():
            env = service.get("environment") if isinstance(service, YMap) else None
            if isinstance(env, YMap):
                for key, value in env.items():
                    if str(key) in names:
                        shown = None if value is None else str(value)
                        out.append(Setting(file.path, env.line(key), str(key), shown))
            elif isinstance(env, YList):
                for i, item in enumerate(env):
                    key, eq, value = str(item).partition("=")
                    if key in names:
                        out.append(Setting(file.path, env.line(i), key, value if eq else None))
    for file in inventory.manifests:
        if file.error is not None:
            continue
        for doc in file.docs:
            if is_k8s_object(doc):
                out.extend(_k8s(file.path, doc, names))
    for entry in inventory.dockerfiles:
        if entry.parsed is None:
            continue
        for ins in entry.parsed.instructions:
            if ins.keyword != "ENV":
                continue
            for name, value, offset in env_pairs(ins, entry.parsed.escape):
                if name in names:
                    out.append(Setting(entry.path, ins.args.line_at(offset), name, value))
    return out


def _k8s(path: str, doc: YMap, names: set[str] | frozenset[str]) -> list[Setting]:
    out: list[Setting] = []
    todo: list[Any] = [doc]
    while todo:
        node = todo.pop()
        if isinstance(node, YMap):
            if node.get("name") in names and ("value" in node or "valueFrom" in node):
                value = node.get("value")
                shown = None if value is None else str(value)
                out.append(Setting(path, node.line("name"), str(node["name"]), shown))
            todo.extend(node.values())
        elif isinstance(node, YList):
            todo.extend(node)
    return sorted(out, key=lambda s: s.line)
