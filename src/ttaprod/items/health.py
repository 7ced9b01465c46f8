"""deploy.health-endpoint: a health route that checks the service's dependencies, and
TTP541 health-endpoint-checks-no-dependency.

Health routes are `route` facts of a web framework (`rules/knowledge/health.toml`,
`web_frameworks`: AWS Lambda handlers are not web routes) whose path ends in a health name
(`/health`, `/healthz`, `/livez`, `/readyz`, `/ready`, `/status`…) or is called by a Kubernetes
probe, a Dockerfile HEALTHCHECK or a compose healthcheck. Their handlers' bodies come from
`handler_body` facts (`checks/facts/handler_bodies.py`).

- `skip`: no web route (a worker, a CLI, a Lambda function);
- `fail`: web routes, none of them a health route;
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
from ..facts import HandlerBody, Route
from ..models import Evidence, ItemResult, Status
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
        lambdas = [f for f in index.facts_of(Route) if f.framework == "aws-lambda"]
        why = "only AWS Lambda handlers" if lambdas else "no web routes"
        return verdict(default, Status.SKIP, f"{why}: not a long-running web service"), ()
    probes = deployfiles.probe_paths(index)
    probed = {_normal(p[2]) for p in probes}
    health = [r for r in routes if r.name in _data()["paths"] or r.path in probed]
    if not health:
        if index.partial:
            return verdict(default, Status.SKIP, PARTIAL), ()
        reason = (
            f"{len(routes)} web route(s), none a health endpoint (/health, /healthz, /livez, "
            "/readyz, /ready, /status)"
        )
        if probed:
            reason += f"; the deployment probes {listed(sorted(probed))}, which no route serves"
        return verdict(default, Status.FAIL, reason), ()
    bodies = {f.handler: f.checks for f in index.facts_of(HandlerBody)}
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
