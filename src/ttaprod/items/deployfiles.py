"""What the deployment files say about the running service, for project items: the commands
that start it (auto-instrumentation), the paths its health probes call, and where its secrets
come from. The files are found and parsed once per run by `ttaprod.deploy.inventory`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .. import knowledge
from ..deploy.composefile import services_of
from ..deploy.inventory import Inventory, collect, is_k8s_object
from ..deploy.yamlfiles import YList, YMap, get
from ..engine.project import ProjectIndex
from ..models import Evidence
from ..roles import Role

_URL_PATH = re.compile(r"https?://[^/\s'\"]+(/[^\s'\"|;&)]*)")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


@dataclass(frozen=True)
class Command:
    path: str
    line: int
    text: str
    where: str  # "Dockerfile CMD", "compose service api", "Procfile", "Deployment api"


def _walk(value: Any) -> Iterator[tuple[YMap, str, Any]]:
    """Every (mapping, key, value) below `value`, without recursion."""
    todo = [value]
    while todo:
        node = todo.pop()
        if isinstance(node, YMap):
            for key, child in node.items():
                yield node, str(key), child
                todo.append(child)
        elif isinstance(node, YList):
            todo.extend(node)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _k8s_docs(inventory: Inventory) -> Iterator[tuple[str, YMap]]:
    for file in inventory.manifests:
        if file.error is None:
            for doc in file.docs:
                if is_k8s_object(doc):
                    yield file.path, doc


def start_commands(index: ProjectIndex) -> list[Command]:
    inventory = collect(index)
    out: list[Command] = []
    for entry in inventory.dockerfiles:
        if entry.parsed is not None:
            for ins in entry.parsed.instructions:
                if ins.keyword in ("CMD", "ENTRYPOINT"):
                    out.append(
                        Command(entry.path, ins.line, ins.args.text, f"Dockerfile {ins.keyword}")
                    )
    for file in inventory.compose:
        if file.error is not None:
            continue
        services = services_of(file)
        for name, service in services.items():
            if isinstance(service, YMap):
                for key in ("command", "entrypoint"):
                    if key in service:
                        out.append(
                            Command(
                                file.path,
                                service.line(key),
                                _text(service[key]),
                                f"compose service {name}",
                            )
                        )
    for path, doc in _k8s_docs(inventory):
        for mapping, key, value in _walk(doc):
            if key in ("command", "args") and "image" in mapping:
                label = f"{doc['kind']} {mapping.get('name', '')}".strip()
                out.append(Command(path, mapping.line(key), _text(value), label))
    for rel in index.other_files:
        if PurePosixPath(rel).name == "Procfile":
            text = inventory.read(rel) or ""
            for number, line in enumerate(text.splitlines(), 1):
                if ":" in line and not line.lstrip().startswith("#"):
                    out.append(Command(rel, number, line.split(":", 1)[1], "Procfile"))
    return sorted(out, key=lambda c: (c.path, c.line))


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def auto_instrumentation(index: ProjectIndex) -> list[Evidence]:
    """Start commands run under OpenTelemetry's auto-instrumentation, and pods the
    OpenTelemetry Operator injects it into."""
    auto = knowledge.table("observability")["otel"]["auto"]
    commands = set(auto["commands"])
    out: list[Evidence] = []
    for command in start_commands(index):
        words = {
            PurePosixPath(part.strip("[],\"'")).name
            for word in _words(command.text)
            for part in word.split()  # `sh -c "opentelemetry-instrument uvicorn …"`
        }
        found = words & commands
        if found:
            out.append(
                Evidence(
                    command.path, command.line, f"{min(found)} in the {command.where} start command"
                )
            )
    annotations = set(auto["annotations"])
    for path, doc in _k8s_docs(collect(index)):
        for mapping, key, value in _walk(doc):
            if key in annotations and str(value).lower() not in ("false", ""):
                out.append(Evidence(path, mapping.line(key), f"{key}: {value} ({doc['kind']})"))
    return out


def probe_paths(index: ProjectIndex) -> list[tuple[str, int, str, str]]:
    """(file, line, URL path, what): paths called by Kubernetes probes, Dockerfile
    HEALTHCHECKs and compose healthchecks."""
    inventory = collect(index)
    out: list[tuple[str, int, str, str]] = []
    for path, doc in _k8s_docs(inventory):
        for mapping, key, value in _walk(doc):
            url = get(value, "httpGet", "path")
            if key in _PROBES and isinstance(url, str):
                out.append((path, mapping.line(key), url, key))
    for entry in inventory.dockerfiles:
        if entry.parsed is not None:
            for ins in entry.parsed.instructions:
                if ins.keyword == "HEALTHCHECK":
                    out.extend(
                        (entry.path, ins.line, m, "HEALTHCHECK")
                        for m in _URL_PATH.findall(ins.args.text)
                    )
    for file in inventory.compose:
        if file.error is None:
            for name, service in services_of(file).items():
                test = get(service, "healthcheck", "test")
                if test is not None:
                    line = service.line("healthcheck") if isinstance(service, YMap) else 1
                    found = _URL_PATH.findall(_text(test))
                    out.extend((file.path, line, m, f"healthcheck of {name}") for m in found)
    return out


def health_checks(index: ProjectIndex) -> list[Evidence]:
    """Health checks the production deployment files run, whatever they call (an HTTP path,
    `celery inspect ping`, a liveness file): Kubernetes liveness/readiness/startup probes,
    Dockerfile HEALTHCHECKs, compose healthchecks. Files of a development, CI or test setup
    do not count."""
    inventory = collect(index)
    judged = inventory.judged(index)

    def production(path: str) -> bool:
        return judged.role_of(path) == Role.SERVICE.value

    out: list[Evidence] = []
    for path, doc in _k8s_docs(inventory):
        if production(path):
            for mapping, key, value in _walk(doc):
                if key in _PROBES and isinstance(value, YMap):
                    how = next(
                        (k for k in ("httpGet", "exec", "tcpSocket", "grpc") if k in value), ""
                    )
                    out.append(Evidence(path, mapping.line(key), f"{key} ({how or 'probe'})"))
    for entry in inventory.dockerfiles:
        if entry.parsed is not None and production(entry.path):
            found = entry.parsed.healthcheck(entry.parsed.stages[-1])
            if found is not None:
                note = "HEALTHCHECK " + found.args.text.strip()[:50]
                out.append(Evidence(entry.path, found.line, note))
    for file in inventory.compose:
        if file.error is None and production(file.path):
            for name, service in services_of(file).items():
                check = service.get("healthcheck") if isinstance(service, YMap) else None
                if isinstance(check, YMap) and check.get("disable") is not True:
                    test = _text(check.get("test"))[:50]
                    out.append(Evidence(file.path, service.line("healthcheck"), f"{name}: {test}"))
    return sorted(out, key=lambda e: (e.path, e.line))


def secret_references(index: ProjectIndex) -> list[Evidence]:
    """Secrets handed to the service by the platform: Kubernetes secret references, secret
    operators' objects and injector annotations, compose `secrets:`."""
    facts = knowledge.table("evidence")["secret_storage"]["kubernetes"]
    keys, kinds, annotations = set(facts["keys"]), set(facts["kinds"]), set(facts["annotations"])
    inventory = collect(index)
    out: list[Evidence] = []
    for path, doc in _k8s_docs(inventory):
        if doc["kind"] in kinds:
            out.append(
                Evidence(
                    path,
                    doc.line("kind"),
                    f"{doc['kind']} {get(doc, 'metadata', 'name') or ''}".strip(),
                )
            )
            continue
        for mapping, key, value in _walk(doc):
            if key in keys:
                out.append(
                    Evidence(
                        path,
                        mapping.line(key),
                        f"{key} in {doc['kind']} {get(doc, 'metadata', 'name') or ''}".strip(),
                    )
                )
            elif key in annotations and str(value).lower() not in ("false", ""):
                out.append(Evidence(path, mapping.line(key), f"{key}: {value}"))
    for file in inventory.compose:
        if file.error is None and file.docs and isinstance(file.docs[0], YMap):
            top = file.docs[0]
            if isinstance(top.get("secrets"), YMap):
                out.append(Evidence(file.path, top.line("secrets"), "compose secrets"))
    return sorted(out, key=lambda e: (e.path, e.line))
