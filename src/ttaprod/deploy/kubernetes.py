"""deploy.kubernetes: six practices per workload (Deployment, StatefulSet, DaemonSet, …).

TTP521 resources, TTP522 probes, TTP523 pinned images, TTP524 runAsNonRoot, TTP525 replicas ≥ 2
or an autoscaler (not for per-node kinds), TTP526 credentials through secretKeyRef. A workload
practice fails when any of its containers fails it. Autoscalers (HPA, KEDA ScaledObject) are
matched by `scaleTargetRef` across every manifest of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import knowledge
from ..models import Evidence, Severity
from ..roles import Role
from ..tally import Issue, Tally
from . import values
from .inventory import Inventory, is_k8s_object
from .yamlfiles import YamlFile, YList, YMap, get

RULES = ("TTP521", "TTP522", "TTP523", "TTP524", "TTP525", "TTP526")
PROBES = ("livenessProbe", "readinessProbe")


@dataclass
class _Workload:
    """One workload being judged: its pod spec, and what each practice found so far."""

    path: str
    doc: YMap
    pod: YMap
    label: str  # "Deployment api"
    production: bool = True  # a manifest of a development or test setup reports live keys only
    issues: dict[str, list[Issue]] = field(default_factory=dict)
    proofs: dict[str, Evidence] = field(default_factory=dict)

    def containers(self, with_init: bool = False) -> list[YMap]:
        keys = ("containers", "initContainers") if with_init else ("containers",)
        found = [self.pod.get(key) for key in keys]
        return [
            c for group in found if isinstance(group, YList) for c in group if isinstance(c, YMap)
        ]

    def bad(self, rule: str, line: int, message: str, anchor: str, **extra: Any) -> None:
        issue = Issue(rule, self.path, line, message, f"{self.label}.{anchor}", **extra)
        self.issues.setdefault(rule, []).append(issue)

    def good(self, rule: str, line: int, note: str) -> None:
        self.proofs.setdefault(rule, Evidence(self.path, line, note))

    def count(self, tally: Tally, rules: tuple[str, ...]) -> None:
        for rule in rules:
            if rule == "TTP526" and not self.production and not self.issues.get(rule):
                continue  # a development manifest counts only when it holds a live key
            tally.practice(rule, self.path, self.issues.get(rule, []), self.proofs.get(rule))


def check(inventory: Inventory, tally: Tally, whole_project: bool = True) -> None:
    facts = knowledge.table("deploy")["kubernetes"]
    objects = [
        (f, d) for f in inventory.manifests if f.error is None for d in f.docs if is_k8s_object(d)
    ]
    for file in inventory.manifests:
        if file.error is not None:
            _unparseable(file, tally)
    scalers = _autoscalers(objects, facts["autoscalers"])
    partial: list[str] = []
    for file, doc in objects:
        if doc["kind"] not in facts["workloads"]:
            continue
        label = f"{doc['kind']} {get(doc, 'metadata', 'name') or '(unnamed)'}"
        pod = get(doc, "spec", "template", "spec")
        workload = _Workload(
            file.path,
            doc,
            pod if isinstance(pod, YMap) else YMap(doc.pos),
            label,
            tally.index.role_of(file.path) == Role.SERVICE.value,
        )
        if not any(isinstance(c.get("image"), str) for c in workload.containers()):
            partial.append(f"{file.path}:{doc.line('kind')}")
            continue  # no container image: a kustomize patch or an overlay fragment
        _judge_containers(workload)
        workload.count(tally, ("TTP521", "TTP522", "TTP523", "TTP524", "TTP526"))
        if doc["kind"] not in facts["per_node"]:
            _replicas(workload, scalers, tally, whole_project)
    if partial:
        shown = ", ".join(partial[:3])
        tally.notes.append(f"{len(partial)} partial workload(s) (patches) not checked: {shown}")
    templates = inventory.templates.get("kubernetes", [])
    if templates:
        shown = ", ".join(templates[:3])
        tally.notes.append(f"{len(templates)} Helm/Jinja template(s) not checked: {shown}")


def _unparseable(file: YamlFile, tally: Tally) -> None:
    assert file.error is not None
    message = f"Kubernetes manifest cannot be parsed: {file.error.message}"
    tally.practice("TTP590", file.path, [Issue("TTP590", file.path, file.error.line, message, "")])
    for rule in RULES:
        tally.unverifiable(rule, file.path, 1)


def _name(container: YMap) -> str:
    return str(container.get("name", "(unnamed)"))


def _judge_containers(w: _Workload) -> None:
    for c in w.containers():
        name, resources = _name(c), c.get("resources")
        missing = [k for k in ("requests", "limits") if not get(resources, k)]
        if missing:
            message = f"container `{name}` of {w.label} sets no resource {' or '.join(missing)}"
            fix = "set resources.requests (cpu, memory) and resources.limits (memory)"
            w.bad("TTP521", c.line("resources"), message, f"{name}.resources", fix=fix)
        else:
            w.good("TTP521", c.line("resources"), f"{name}: requests and limits")
        absent = [p for p in PROBES if not isinstance(c.get(p), YMap)]
        if absent:
            message = f"container `{name}` of {w.label} has no {' or '.join(absent)}"
            fix = "add livenessProbe and readinessProbe on the health endpoint"
            w.bad("TTP522", c.pos.line, message, f"{name}.probes", fix=fix)
        else:
            w.good("TTP522", c.line("readinessProbe"), f"{name}: liveness and readiness probes")
    for c in w.containers(with_init=True):
        _image(w, c)
        _non_root(w, c)
        _env(w, c)


def _image(w: _Workload, c: YMap) -> None:
    image, name = c.get("image"), _name(c)
    if not isinstance(image, str):
        return
    problem = values.image_problem(image)
    if problem is None:
        w.good("TTP523", c.value_line("image"), f"{name}: image {image}")
        return
    message = f"container `{name}` of {w.label}: image `{image}` {problem}"
    fix = "pin a version tag, ideally with its @sha256 digest"
    w.bad("TTP523", c.value_line("image"), message, f"{name}.image", fix=fix)


def _non_root(w: _Workload, c: YMap) -> None:
    """The container's securityContext wins over the pod's, setting by setting."""
    name = _name(c)
    layers = [
        (sc, where)
        for sc, where in (
            (c.get("securityContext"), "container"),
            (w.pod.get("securityContext"), "pod"),
        )
        if isinstance(sc, YMap)
    ]
    user = next(((sc, where) for sc, where in layers if "runAsUser" in sc), None)
    nonroot = next((sc for sc, _ in layers if "runAsNonRoot" in sc), None)
    if user is not None and user[0]["runAsUser"] == 0:
        message = f"container `{name}` of {w.label} runs as root: its {user[1]} sets runAsUser: 0"
        w.bad("TTP524", user[0].line("runAsUser"), message, f"{name}.securityContext")
    elif nonroot is None or nonroot["runAsNonRoot"] is not True:
        line = nonroot.line("runAsNonRoot") if nonroot else c.pos.line
        message = f"container `{name}` of {w.label} may run as root: runAsNonRoot is not true"
        fix = "set securityContext.runAsNonRoot: true on the pod"
        w.bad("TTP524", line, message, f"{name}.securityContext", fix=fix)
    else:
        w.good("TTP524", nonroot.line("runAsNonRoot"), f"{name}: runAsNonRoot")


def _env(w: _Workload, c: YMap) -> None:
    env, name = c.get("env"), _name(c)
    for item in env if isinstance(env, YList) else []:
        key = get(item, "name")
        if not isinstance(item, YMap) or not isinstance(key, str):
            continue
        if get(item, "valueFrom", "secretKeyRef") is not None:
            w.good("TTP526", item.line("valueFrom"), f"{name}: {key} from secretKeyRef")
            continue
        secret = values.literal_secret(key, item.get("value"))
        if secret is None or (not w.production and secret.severity is not Severity.CRITICAL):
            continue
        message = (
            f"container `{name}` of {w.label} sets {key} to {secret.kind} ({values.masked(secret)})"
        )
        extra = {"severity": secret.severity, "secret": secret.value}
        fix = "use valueFrom.secretKeyRef to a Secret"
        w.bad("TTP526", item.value_line("value"), message, f"{name}.env.{key}", fix=fix, **extra)


@dataclass(frozen=True)
class _Scaler:
    kind: str
    name: str
    namespace: Any
    evidence: Evidence


def _autoscalers(objects: list[tuple[YamlFile, YMap]], kinds: list[str]) -> list[_Scaler]:
    out = []
    for file, doc in objects:
        ref = get(doc, "spec", "scaleTargetRef")
        if doc["kind"] not in kinds or not isinstance(get(ref, "name"), str):
            continue
        label = f"autoscaled by {doc['kind']} {get(doc, 'metadata', 'name') or '(unnamed)'}"
        namespace = get(doc, "metadata", "namespace")
        evidence = Evidence(file.path, doc.line("kind"), label)
        out.append(_Scaler(ref.get("kind", "Deployment"), ref["name"], namespace, evidence))
    return out


def _replicas(w: _Workload, scalers: list[_Scaler], tally: Tally, whole_project: bool) -> None:
    name, namespace = get(w.doc, "metadata", "name"), get(w.doc, "metadata", "namespace")
    for s in scalers:
        same_namespace = s.namespace is None or namespace is None or s.namespace == namespace
        if s.kind == w.doc["kind"] and s.name == name and same_namespace:
            tally.practice("TTP525", w.path, [], s.evidence)
            return
    spec = w.doc["spec"]
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas >= 2:
        proof = Evidence(w.path, spec.line("replicas"), f"{w.label}: replicas {replicas}")
        tally.practice("TTP525", w.path, [], proof)
        return
    if not whole_project:
        return  # an autoscaler may sit in a file that was not given
    line = spec.line("replicas") if "replicas" in spec else w.doc.line("kind")
    plural = "s" if replicas != 1 else ""
    message = (
        f"{w.label} runs {replicas} replica{plural} and no autoscaler targets it:"
        " one pod restart is an outage"
    )
    fix = "set replicas: 2 or more, or add a HorizontalPodAutoscaler"
    issue = Issue("TTP525", w.path, line, message, f"{w.label}.replicas", fix=fix)
    tally.practice("TTP525", w.path, [issue])
