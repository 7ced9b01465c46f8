"""deploy.health-endpoint: a health route that checks the service's dependencies, and
TTP541 health-endpoint-checks-no-dependency.

Health routes are `route` facts of a web framework (`rules/knowledge/health.toml`,
`web_frameworks`: AWS Lambda handlers are not web routes) whose path ends in a health name
(`/health`, `/healthz`, `/livez`, `/readyz`, `/ready`, `/status`…) or is called by a Kubernetes
probe, a Dockerfile HEALTHCHECK or a compose healthcheck. Their handlers' bodies come from
`handler_body` facts (`checks/facts/handler_bodies.py`).

- `skip`: no web route and no long-running worker (a CLI, a batch script, a Lambda function);
- a long-running worker or consumer with no web route (`worker` facts,
  `checks/facts/workers.py`: Celery/RQ/Dramatiq/arq workers, Kafka/RabbitMQ/Redis-stream/SQS
  consumers, a bot's polling loop, an asyncio service loop) is a service: `pass` when it shows
  it is alive (a `heartbeat` fact: a liveness file, a watchdog; or a probe or healthcheck in
  the production deployment files), `fail` with the worker as evidence otherwise;
- `fail`: web routes, none of them a health route (a route behind authentication is not one:
  a probe cannot log in; nor is a `/status` route that returns data rather than a health
  answer: more keys than `status_keys`);
- `pass`: a health route whose handler awaits or calls something that can reach a dependency;
- `warn`: health routes that only return constants (TTP541, on a readiness-style route first),
  or whose handlers are not found in the project. When TTP541 is not selected, ignored or
  suppressed on its line, the constant is not judged (as deploy practices are not counted)
  and the health route passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import knowledge
from ..engine.project import CheckResult, ProjectIndex
from ..facts import HandlerBody, Heartbeat, Route, Worker
from ..models import Evidence, ItemResult, Status
from ..roles import Role
from ..tally import Issue, Tally, verdict
from . import deployfiles
from .common import PARTIAL, at, evidence, listed

ITEM = "deploy.health-endpoint"


@dataclass(frozen=True)
class _Route:
    fact: Route
    path: str  # prefix + path, normalised

    @property
    def label(self) -> str:
        return f"{self.fact.method} {self.path}"

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1].lower()


@knowledge.derived
def _data() -> dict[str, frozenset[str]]:
    data = knowledge.table("health")
    return {k: frozenset(data[k]) for k in ("web_frameworks", "paths", "liveness")}


def _normal(path: str) -> str:
    return "/" + "/".join(p for p in path.split("/") if p)


def _web_routes(index: ProjectIndex) -> list[_Route]:
    frameworks = _data()["web_frameworks"]
    return [
        _Route(f, _normal(f.prefix + f.url))
        for f in index.facts_of(Route)
        if f.framework in frameworks
    ]


def health_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    routes = _web_routes(index)
    if not routes:
        workers = [w for w in index.facts_of(Worker) if index.role_of(w.path) in _SERVICE_ROLES]
        if workers:
            return _worker_item(index, default, workers), ()
        lambdas = [f for f in index.facts_of(Route) if f.framework == "aws-lambda"]
        why = "only AWS Lambda handlers" if lambdas else "no web routes and no long-running worker"
        return verdict(default, Status.SKIP, f"{why}: not a long-running service"), ()
    probes = deployfiles.probe_paths(index)
    probed = {_normal(p[2]) for p in probes}
    facts = {f.handler: f for f in index.facts_of(HandlerBody)}
    named = [r for r in routes if r.name in _data()["paths"] or r.path in probed]
    excluded = [(r, why) for r in named if (why := _not_a_probe(r, facts, probed))]
    health = [r for r in named if r not in {e[0] for e in excluded}]
    if not health:
        if index.partial:
            return verdict(default, Status.SKIP, PARTIAL), ()
        reason = (
            f"{len(routes)} web route(s), none a health endpoint (/health, /healthz, /livez, "
            "/readyz, /ready, /status)"
        )
        if excluded:
            reason += "; " + "; ".join(f"{r.label} {why}" for r, why in excluded[:3])
        unserved = probed - {r.path for r, _ in excluded}
        if unserved:
            reason += f"; the deployment probes {listed(sorted(unserved))}, which no route serves"
        notes = [evidence(r.fact, f"{r.label} {why}") for r, why in excluded]
        return verdict(default, Status.FAIL, reason, notes), ()
    bodies = {handler: fact.checks for handler, fact in facts.items()}
    paths = {r.path for r in health}
    probe_notes = [
        Evidence(p[0], p[1], f"{p[3]} calls {p[2]}") for p in probes if _normal(p[2]) in paths
    ]
    checking = [r for r in health if bodies.get(r.fact.handler)]
    if checking:
        proofs = [
            evidence(r.fact, f"{r.label} checks its dependencies: {bodies[r.fact.handler]}")
            for r in checking
        ]
        reason = "health endpoint checks its dependencies: " + listed(
            [f"{r.label} ({at(r.fact)})" for r in checking], 2
        )
        return verdict(default, Status.PASS, reason, [*proofs, *probe_notes]), ()
    constant = [r for r in health if r.fact.handler in bodies]
    unknown = [r for r in health if r.fact.handler not in bodies]
    if not constant:
        reason = (
            f"health route(s) {listed([r.label for r in unknown])} found, but their handlers are "
            "not in the checked files: dependency checks not verified"
        )
        return verdict(
            default, Status.WARN, reason, [evidence(r.fact, r.label) for r in unknown]
        ), ()
    target = next((r for r in constant if r.name not in _data()["liveness"]), constant[0])
    labels = listed([r.label for r in constant])
    reason = f"health endpoint {labels} returns a constant without checking any dependency"
    tally = Tally(index, ITEM)
    found = tally.report(_issue(target), on_site=False)
    notes = [evidence(r.fact, f"{r.label} returns a constant") for r in constant]
    if found is None:  # TTP541 not selected, ignored, or suppressed on the line: not judged
        reason = f"health endpoint {labels} found (TTP541 ignored or suppressed: not judged)"
        return verdict(default, Status.PASS, reason, notes), tally.found()
    return verdict(default, Status.WARN, reason, notes), tally.found()


_SERVICE_ROLES = frozenset({Role.SERVICE.value, Role.CLI.value})


def _worker_item(index: ProjectIndex, default: ItemResult, workers: list[Worker]) -> ItemResult:
    """A long-running worker or consumer with no web route is a service too: it needs a way to
    show it is alive (a liveness file or heartbeat in its code, or a probe or healthcheck in
    the production deployment files), else an orchestrator keeps a stuck worker running."""
    kinds = listed(sorted({f"{w.display} ({at(w)})" for w in workers}), 2)
    found = [evidence(w, f"{w.display}: {w.how}") for w in workers[:2]]
    beats = [
        evidence(b, b.how)
        for b in index.facts_of(Heartbeat)
        if index.role_of(b.path) in _SERVICE_ROLES
    ]
    checks = deployfiles.health_checks(index)
    if beats or checks:
        shown = listed([f"{e.note} ({e.path}:{e.line})" for e in [*beats, *checks]], 2)
        reason = f"long-running {kinds}: shows it is alive through {shown}"
        return verdict(default, Status.PASS, reason, [*beats, *checks, *found])
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL)
    reason = (
        f"long-running {kinds} with no health mechanism: no HTTP health route, no liveness file"
        " or heartbeat, no probe or healthcheck in the production deployment files"
    )
    return verdict(default, Status.FAIL, reason, found)


def _not_a_probe(route: _Route, facts: dict[str, HandlerBody], probed: set[str]) -> str:
    """Why a route named like a health endpoint is not one a probe can call ("" when it is):
    it requires a logged-in user, or it is a `/status` that returns data."""
    fact = facts.get(route.fact.handler)
    if fact is None:
        return ""
    if fact.auth:
        return f"requires a logged-in user ({fact.auth}): a probe cannot call it"
    extra = [k for k in fact.keys if k not in _status_keys()]
    if route.name == "status" and route.path not in probed and extra:
        return f"returns data ({', '.join(extra[:3])}), not a health answer"
    return ""


@knowledge.derived
def _status_keys() -> frozenset[str]:
    return frozenset(knowledge.table("health")["status_keys"])


def _issue(route: _Route) -> Issue:
    if route.name in _data()["liveness"]:
        message = (
            f"`{route.label}` is a liveness endpoint returning a constant (right for liveness), "
            "but no health endpoint checks the service's dependencies: traffic keeps flowing to an "
            "instance whose database or upstream is down"
        )
    else:
        message = (
            f"health endpoint `{route.label}` returns a constant without checking any dependency: "
            "it reports healthy while the database or an upstream service is down, so traffic "
            "keeps flowing to a broken instance"
        )
    return Issue(
        "TTP541",
        route.fact.path,
        route.fact.line,
        message,
        f"health:{route.label}",
        fix="make a readiness endpoint ping its dependencies (`await redis.ping()`, "
        "`SELECT 1`) with a short timeout and answer 503 when one fails",
    )


def health_paths(index: ProjectIndex) -> list[str]:
    """The project's health routes (`/health`, `/api/healthz`…), readiness-style ones first:
    what a HEALTHCHECK added by `ttaprod check --fix` calls."""
    routes = [r for r in _web_routes(index) if r.name in _data()["paths"]]
    ready = [r for r in routes if r.name not in _data()["liveness"]]
    return list(dict.fromkeys(r.path for r in [*ready, *routes] if "{" not in r.path))
