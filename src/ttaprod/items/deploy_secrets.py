"""security.secrets-in-env, the deployment-file half: credentials in Dockerfiles, compose files
and Kubernetes manifests are sites of the item too (DESIGN §1), next to the Python literals the
per-file pass counts (TTP401/TTP402).

- A literal credential the deploy rules report (TTP504 in a Dockerfile, TTP512 in a compose
  file, TTP526 in a manifest) is an uncovered site. The finding itself stays where it is
  (deploy.container, deploy.kubernetes); its severity counts here too, so a live key in a
  compose file fails this item as it would in Python. Suppressed inline, it covers its site.
- A credential read from the environment or a secret store is a covered site: a compose
  `${VAR}` or pass-through entry (`- OPENAI_API_KEY`), a compose `secrets:` entry, a Kubernetes
  `secretKeyRef` or `envFrom.secretRef`. Only production files count here: a development, CI or
  test file adds an uncovered site only through a live key (the one thing reported there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from .. import checklist, scoring
from ..deploy import compose, container, kubernetes, values
from ..deploy.composefile import services_of
from ..deploy.inventory import Inventory, collect, is_k8s_object
from ..deploy.yamlfiles import YList, YMap, get
from ..engine.project import CheckResult, ProjectIndex
from ..models import Evidence, ItemResult
from ..roles import Role
from ..tally import MAX_EVIDENCE, Tally, visible
from .deployment import guarded

ITEM = "security.secrets-in-env"
RULES = frozenset({"TTP504", "TTP512", "TTP526"})


def secrets_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    judged = inventory.judged(index)
    literal = _literal(inventory, judged)
    standing = [f for f in literal.findings if f.rule in RULES]
    silenced = [f for f in literal.suppressed if f.rule in RULES]
    covered = _references(inventory, judged)
    if not standing and not silenced and not covered:
        return default, ()
    total = (default.total or 0) + len(standing) + len(silenced) + len(covered)
    ok = (default.covered or 0) + len(silenced) + len(covered)
    findings = [*visible(index, lambda f: f.checklist_item == ITEM), *standing]
    spec = checklist.BY_ID[ITEM]
    reason = f"{ok} of {total} {spec.site_noun} {spec.covered_phrase}"
    parts = []
    if standing:
        rules = ", ".join(sorted({f.rule for f in standing}))
        parts.append(f"{len(standing)} literal in deployment files ({rules})")
    if covered:
        parts.append(f"{len(covered)} read from the environment or a secret store")
    if parts:
        reason += "; deployment files: " + ", ".join(parts)
    shown = [*covered, *default.evidence][:MAX_EVIDENCE]
    result = replace(
        default,
        status=scoring.sites_status(ok, total, findings),
        score=scoring.sites_score(ok, total, findings),
        covered=ok,
        total=total,
        evidence=tuple(shown),
        reason=reason,
    )
    return result, ()


def _literal(inventory: Inventory, judged: ProjectIndex) -> Tally:
    """The deploy rules' own verdicts on literal credentials, in a scratch tally (their
    findings are reported by deploy.container and deploy.kubernetes, not again here)."""
    scratch = Tally(judged, ITEM, inventory.texts)
    runs: list[tuple[str, Callable[[], None]]] = [
        *((e.path, partial(container.check, e, inventory, scratch)) for e in inventory.dockerfiles),
        *((f.path, partial(compose.check, f, inventory, scratch)) for f in inventory.compose),
        ("", partial(kubernetes.check, inventory, scratch, whole_project=False)),
    ]
    for path, run in runs:  # a bug of ours on one file: deploy.container reports it (TTP906)
        guarded(scratch, path, (), run)
    return scratch


def _references(inventory: Inventory, judged: ProjectIndex) -> list[Evidence]:
    """Credentials of production deployment files read from the environment or a secret
    store."""

    def production(path: str) -> bool:
        return judged.role_of(path) == Role.SERVICE.value

    out: list[Evidence] = []
    for file in inventory.compose:
        if file.error is not None or not production(file.path):
            continue
        for name, service in services_of(file).items():
            if not isinstance(service, YMap):
                continue
            for key, value, line in _environment(service):
                if values.is_credential_name(key) and _from_environment(value):
                    out.append(Evidence(file.path, line, f"{name}: {key} from the environment"))
            secrets = service.get("secrets")
            if isinstance(secrets, YList):
                for i, secret in enumerate(secrets):
                    label = secret if isinstance(secret, str) else get(secret, "source")
                    note = f"{name}: compose secret {label}"
                    out.append(Evidence(file.path, secrets.line(i), note))
    for file in inventory.manifests:
        if file.error is not None or not production(file.path):
            continue
        for doc in file.docs:
            if is_k8s_object(doc):
                out.extend(_k8s_references(file.path, doc))
    return out


def _environment(service: YMap) -> list[tuple[str, Any, int]]:
    env = service.get("environment")
    if isinstance(env, YMap):
        return [(str(k), v, env.line(k)) for k, v in env.items()]
    out: list[tuple[str, Any, int]] = []
    if isinstance(env, YList):
        for i, item in enumerate(env):
            if isinstance(item, str):
                key, eq, value = item.partition("=")
                out.append((key, value if eq else None, env.line(i)))
    return out


def _from_environment(value: Any) -> bool:
    """`${VAR}`, `${VAR:?…}`, `$VAR`, or no value at all (passed through from the shell)."""
    if value is None:
        return True
    return isinstance(value, str) and values.has_variable(value)


def _k8s_references(path: str, doc: YMap) -> list[Evidence]:
    out: list[Evidence] = []
    todo: list[Any] = [doc]
    while todo:
        node = todo.pop()
        if isinstance(node, YList):
            todo.extend(node)
            continue
        if not isinstance(node, YMap):
            continue
        todo.extend(node.values())
        if isinstance(get(node, "valueFrom", "secretKeyRef"), YMap):
            note = f"{node.get('name', '')} from secretKeyRef".strip()
            out.append(Evidence(path, node.line("valueFrom"), note))
        elif isinstance(node.get("secretRef"), YMap):
            note = f"envFrom secretRef {get(node, 'secretRef', 'name') or ''}".strip()
            out.append(Evidence(path, node.line("secretRef"), note))
    return sorted(out, key=lambda e: e.line)
