"""security.rate-limiting, project half: LLM calls behind a limiter (TTP413) and routes with one
(TTP414), the limiter possibly one module away."""

from __future__ import annotations

from dataclasses import replace

from ..engine.project import CheckResult, ProjectIndex
from ..models import Fact, ItemResult, Status
from ..tally import Issue, Tally
from .common import PARTIAL, external_match

ITEM = "security.rate-limiting"
OUTBOUND, INBOUND = "TTP413", "TTP414"
WEB_FRAMEWORKS = ("fastapi", "starlette", "flask", "unknown")
UNVERIFIED = (
    "no rate limiter in the code for {n} endpoint(s): an API gateway, ingress or load balancer may "
    "apply one, which cannot be verified from code"
)


def _limit_guards(index: ProjectIndex) -> dict[str, tuple[str, Fact]]:
    out: dict[str, tuple[str, Fact]] = {}
    for fact in index.facts_of("guarded_calls"):
        if fact.get("guard") == "limit":
            for callee in fact.get("callees").split(","):
                if callee:
                    out.setdefault(callee, (fact.get("label"), fact))
    return out


def _outbound(index: ProjectIndex, tally: Tally) -> None:
    guards = _limit_guards(index)
    clients = {(f.path, f.get("key")): f for f in index.facts_of("llm_client")}
    groups: dict[tuple[str, str], list[tuple[Fact, str]]] = {}
    for fact in sorted(index.facts_of("llm_call"), key=lambda f: (f.path, f.line)):
        if not tally.applies(OUTBOUND, fact.path):
            continue
        label = fact.get("limit")
        if not label:
            found = external_match(fact.get("reach"), guards)
            label = f"{found[0]} ({found[1].path}:{found[1].line})" if found else ""
        key = (fact.path, fact.get("client") or f"line {fact.line}")
        groups.setdefault(key, []).append((fact, label))
    for (path, key), calls in groups.items():
        bare = [fact for fact, label in calls if not label]
        if not bare:
            for fact, label in calls:
                tally.covered_site(fact.path, fact.line, f"rate-limited by {label}")
            continue
        for fact, label in calls:
            if label:
                tally.covered_site(fact.path, fact.line, f"rate-limited by {label}")
        client = clients.get((path, key))
        tally.uncovered_site(_outbound_issue(client, bare), weight=len(bare))


def _outbound_issue(client: Fact | None, calls: list[Fact]) -> Issue:
    first = calls[0]
    provider = first.get("provider")
    lines = ", ".join(str(f.line) for f in calls[:6]) + (" …" if len(calls) > 6 else "")
    fix = (
        "bound the calls with a limiter shared by the process: aiolimiter "
        "`async with AsyncLimiter(max_rate, 60):`, an asyncio.Semaphore for concurrency, or a "
        "LiteLLM Router with rpm/tpm per deployment"
    )
    if client is not None:
        name = client.get("name")
        message = (
            f"{provider} client `{name}` makes {len(calls)} call(s) (line {lines}) with no rate "
            "limiter on their path: a burst of traffic becomes a burst of paid calls, 429s from "
            "the provider and a bill nobody capped"
        )
        anchor = f"{OUTBOUND}:{name}:{provider}"
        return Issue(OUTBOUND, client.path, client.line, message + ".", anchor, fix=fix)
    anchor = first.get("anchor")
    message = (
        f"`{first.get('operation')}()` calls {provider} with no rate limiter on its path: a burst "
        "of traffic becomes a burst of paid calls and 429s from the provider"
    )
    return Issue(OUTBOUND, first.path, first.line, message + ".", anchor, column=0, fix=fix)


def _inbound_sites(index: ProjectIndex, tally: Tally) -> int:
    """Judges the routes; returns how many routes could not be judged (no limiter in code)."""
    routes = [
        f
        for f in sorted(index.facts_of("route"), key=lambda f: (f.path, f.line))
        if f.get("framework") in WEB_FRAMEWORKS and (f.get("path") or f.get("handler"))
    ]
    if not routes:
        return 0
    limiters = index.facts_of("inbound_limiter")
    middleware = index.facts_of("limit_middleware")
    own = {f.get("handler"): f for f in index.facts_of("route_limit")}
    global_limit = next(
        (
            f"{f.get('library')} default limits ({f.path}:{f.line})"
            for f in limiters
            if f.get("defaults") and (f.get("applies") or middleware)
        ),
        "",
    )
    global_limit = global_limit or next(
        (
            f"{f.get('how')} ({f.path}:{f.line})"
            for f in middleware
            if "RateLimiter" in f.get("how")
        ),
        "",
    )
    if not (limiters or own or middleware):
        return len(routes)
    for route in routes:
        if not tally.applies(INBOUND, route.path):
            continue
        limit = own.get(route.get("handler"))
        if limit is not None and limit.get("how") == "exempt":
            continue
        label = limit.get("how") if limit is not None else global_limit
        if label:
            tally.covered_site(route.path, route.line, f"rate-limited by {label}")
        else:
            tally.uncovered_site(_inbound_issue(route))
    return 0


def _inbound_issue(route: Fact) -> Issue:
    method, path = route.get("method"), (route.get("prefix") or "") + route.get("path")
    where = f"{method} {path}".strip() or route.get("handler")
    message = (
        f"`{where}` has no rate limit while the project uses one elsewhere: the limiter has no "
        "default limits for every route, and this route sets none of its own"
    )
    fix = (
        'decorate it with @limiter.limit("…/minute"), or give the Limiter default_limits=[…] and '
        "add SlowAPIMiddleware so every route is limited (@limiter.exempt to opt out)"
    )
    return Issue(INBOUND, route.path, route.line, message + ".", f"{INBOUND}:{where}", fix=fix)


def rate_limiting_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    tally = Tally(index, ITEM)
    if index.partial:
        return tally.result(default, PARTIAL)
    _outbound(index, tally)
    unverified = _inbound_sites(index, tally) if tally.applies(INBOUND, "") else 0
    if unverified:
        tally.notes.append(UNVERIFIED.format(n=unverified))
    noun = "LLM calls and endpoints rate-limited"
    result, findings = tally.result(default, "no LLM calls and no web endpoints found", noun)
    if unverified:
        if tally.total == 0:
            result = replace(
                result, status=Status.WARN, score=5.0, reason=UNVERIFIED.format(n=unverified)
            )
        elif result.status is Status.PASS:
            result = replace(result, status=Status.WARN, score=min(result.score or 5.0, 5.0))
    return result, findings
