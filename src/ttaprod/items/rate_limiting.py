"""security.rate-limiting, project half: LLM calls behind a limiter (TTP413) and routes with one
(TTP414). The limiter may be anywhere on the way: around a caller one module away, on the
route that leads to the call (its own limit, its router's `include_router(…, dependencies=…)`,
the app's default limits), followed through the call graph."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import knowledge
from ..analysis.strings import words
from ..engine.project import CheckResult, ProjectIndex
from ..facts import (
    Fact,
    InboundLimiter,
    LimitMiddleware,
    LlmCall,
    LlmClient,
    Route,
    RouteLimit,
    RouterInclude,
)
from ..models import ItemResult, Status
from ..tally import Issue, Tally, in_preview
from .common import PARTIAL, external_match, guard_on_paths, guards_of
from .deployfiles import probe_paths

ITEM = "security.rate-limiting"
OUTBOUND, INBOUND = "TTP413", "TTP414"
WEB_FRAMEWORKS = ("fastapi", "starlette", "flask", "unknown")
UNVERIFIED = (
    "no rate limiter in the code for {n} endpoint(s): an API gateway, ingress or load balancer may "
    "apply one, which cannot be verified from code"
)


def _outbound(index: ProjectIndex, tally: Tally, inbound: _Inbound) -> None:
    guards = guards_of(index, "limit")
    seeds: dict[str, tuple[str, Fact]] = {**_handler_limits(index, inbound), **guards}
    on_paths = guard_on_paths(index, seeds)
    clients = {(f.path, f.key): f for f in index.facts_of(LlmClient)}
    groups: dict[tuple[str, str], list[tuple[LlmCall, str]]] = {}
    for fact in index.facts_of(LlmCall):
        if not tally.applies(OUTBOUND, fact.path):
            continue
        label = fact.limit
        if not label:
            found = external_match(fact.reach, guards) or on_paths.get(fact.function)
            label = f"{found[0]} ({found[1].path}:{found[1].line})" if found else ""
        key = (fact.path, fact.client or f"line {fact.line}")
        groups.setdefault(key, []).append((fact, label))
    bare: list[tuple[Issue, int]] = []
    for (path, key), calls in groups.items():
        for fact, label in calls:
            if label:
                tally.covered_site(fact.path, fact.line, f"rate-limited by {label}")
        unlimited = [fact for fact, label in calls if not label]
        if unlimited:  # the calls through one client are judged together
            bare.append((_outbound_issue(clients.get((path, key)), unlimited), len(unlimited)))
    tally.advice(bare, "{n} LLM calls have no rate limiter on their path")


def _outbound_issue(client: LlmClient | None, calls: list[LlmCall]) -> Issue:
    first = calls[0]
    provider = first.provider
    lines = ", ".join(str(f.line) for f in calls[:6]) + (" …" if len(calls) > 6 else "")
    fix = (
        "bound the calls with a limiter shared by the process: aiolimiter "
        "`async with AsyncLimiter(max_rate, 60):`, an asyncio.Semaphore for concurrency, or a "
        "LiteLLM Router with rpm/tpm per deployment"
    )
    if client is not None:
        name = client.name
        message = (
            f"{provider} client `{name}` makes {len(calls)} call(s) (line {lines}) with no rate "
            "limiter on their path: a burst of traffic becomes a burst of paid calls, 429s from "
            "the provider and a bill nobody capped"
        )
        anchor = f"{OUTBOUND}:{name}:{provider}"
        return Issue(OUTBOUND, client.path, client.line, message + ".", anchor, fix=fix)
    anchor = first.anchor
    message = (
        f"`{first.operation}()` calls {provider} with no rate limiter on its path: a burst "
        "of traffic becomes a burst of paid calls and 429s from the provider"
    )
    return Issue(OUTBOUND, first.path, first.line, message + ".", anchor, column=0, fix=fix)


@dataclass(frozen=True)
class _Inbound:
    """What limits the web routes: per handler, its limit as shown to people and where it is
    (`exempt` for an opted-out route); `everywhere`, a limit on every route; `shown`, whether
    the code shows any limiter at all."""

    limits: dict[str, tuple[str, Fact]]
    everywhere: tuple[str, Fact] | None
    shown: bool


def _web_routes(index: ProjectIndex) -> list[Route]:
    return [
        f for f in index.facts_of(Route) if f.framework in WEB_FRAMEWORKS and (f.url or f.handler)
    ]


def _limited_routers(index: ProjectIndex) -> dict[str, tuple[str, Fact]]:
    """Routers whose every route an `include_router(..., dependencies=[…])` limits, directly
    or through the routers they are included in."""
    includes = index.facts_of(RouterInclude)
    limited: dict[str, tuple[str, Fact]] = {f.router: (f.limit, f) for f in includes if f.limit}
    changed = True
    while changed:
        changed = False
        for f in includes:
            if f.router not in limited and f.parent in limited:
                limited[f.router] = limited[f.parent]
                changed = True
    return limited


def _inbound_limits(index: ProjectIndex) -> _Inbound:
    limiters = index.facts_of(InboundLimiter)
    middleware = index.facts_of(LimitMiddleware)
    everywhere: tuple[str, Fact] | None = next(
        (
            (f"{f.library} default limits", f)
            for f in limiters
            if f.defaults and (f.applies or middleware)
        ),
        None,
    )
    everywhere = everywhere or next(
        ((f.how, f) for f in middleware if "RateLimiter" in f.how), None
    )
    limits: dict[str, tuple[str, Fact]] = {}
    routers = _limited_routers(index)
    for route in _web_routes(index):
        if route.router in routers and route.handler:
            limits[route.handler] = routers[route.router]
    for own in index.facts_of(RouteLimit):
        limits[own.handler] = (own.how, own)
    return _Inbound(limits, everywhere, bool(limiters or middleware or limits))


def _handler_limits(index: ProjectIndex, inbound: _Inbound) -> dict[str, tuple[str, Fact]]:
    """Route handlers a request-level limit covers, for the LLM calls under them."""
    out = {h: v for h, v in inbound.limits.items() if v[0] != "exempt"}
    if inbound.everywhere is not None:
        for route in _web_routes(index):
            if route.handler and route.handler not in inbound.limits:
                out[route.handler] = inbound.everywhere
    return out


def _segments(path: str) -> list[str]:
    return [p.lower() for p in path.split("?", 1)[0].split("/") if p]


def _unlimited(route: Route, probed: set[str]) -> bool:
    """A route a limit must not apply to: a probe (health, readiness, liveness, metrics, or a
    path the deployment files probe) or a single-sign-on hand-off (`/saml/login`,
    `/oauth/google`, `/auth/callback`; not an OAuth server's `/oauth/token`). A route whose path
    is not a literal (`org_scoped_rule("/saml/login")`) is judged by its module's name
    (`saml_auth.py`)."""
    data = knowledge.table("ratelimit")["unlimited"]
    path = (route.prefix or "") + route.url
    segments = _segments(path)
    if not route.url and route.handler:
        module = route.path.rsplit("/", 1)[-1].removesuffix(".py")
        found = set(words(module))
        return bool(found & set(data["sso_segments"]))
    if not segments:
        return False
    if segments[-1] in data["probe_segments"] or "/".join(segments) in probed:
        return True
    if segments[-1] in data["server_segments"]:
        return False
    if set(segments) & set(data["sso_segments"]):
        return True
    return segments[-1] in data["handoff_segments"] and bool(
        set(segments) & set(data["auth_segments"])
    )


def _inbound_sites(index: ProjectIndex, tally: Tally, inbound: _Inbound) -> int:
    """Judges the routes; returns how many routes could not be judged (no limiter in code)."""
    routes = _web_routes(index)
    if not routes:
        return 0
    if not inbound.shown:
        return len(routes)
    probed = {"/".join(_segments(p[2])) for p in probe_paths(index)}
    for route in routes:
        if not tally.applies(INBOUND, route.path) or _unlimited(route, probed):
            continue
        found = inbound.limits.get(route.handler) or inbound.everywhere
        if found is not None and found[0] == "exempt":
            continue
        if found is not None:
            tally.covered_site(route.path, route.line, f"rate-limited by {_label(found)}")
        else:
            tally.uncovered_site(_inbound_issue(route))
    return 0


def _label(found: tuple[str, Fact]) -> str:
    how, fact = found
    return f"{how} ({fact.path}:{fact.line})"


def _inbound_issue(route: Route) -> Issue:
    method, path = route.method, (route.prefix or "") + route.url
    where = f"{method} {path}".strip() or route.handler
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
    inbound = _inbound_limits(index)
    preview = in_preview(index, OUTBOUND)
    if preview:
        tally.notes.append(f"LLM calls not judged: {preview}")
    else:
        _outbound(index, tally, inbound)
    unverified = _inbound_sites(index, tally, inbound) if tally.applies(INBOUND, "") else 0
    if unverified:
        tally.notes.append(UNVERIFIED.format(n=unverified))
    noun = "endpoints rate-limited" if preview else "LLM calls and endpoints rate-limited"
    result, findings = tally.result(default, "no LLM calls and no web endpoints found", noun)
    if unverified:
        if tally.total == 0:
            result = replace(
                result, status=Status.WARN, score=5.0, reason=UNVERIFIED.format(n=unverified)
            )
        elif result.status is Status.PASS:
            result = replace(result, status=Status.WARN, score=min(result.score or 5.0, 5.0))
    return result, findings
