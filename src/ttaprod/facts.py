"""What the per-file pass tells the project item checks about each file, one type per kind.

A detector records `ctx.fact(node, Route(...))`; the engine fills in the file's path and the
node's line. Facts are frozen dataclasses of plain values (str, int, bool, tuples of str), so
they pickle across worker processes and round-trip through the JSON cache (`to_dict`,
`from_dict`). Item checks ask `index.facts_of(Route)`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Fact:
    kind: ClassVar[str] = ""
    path: str = ""  # relative to the checked root, set by the engine
    line: int = 0  # of the node the detector recorded it on, set by the engine


# --- request handlers and what they do ----------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Route(Fact):
    """A request handler a web framework (or AWS Lambda) calls."""

    kind: ClassVar[str] = "route"
    framework: str  # "fastapi", "starlette", "flask", "aws-lambda-powertools", "aws-lambda", …
    method: str  # "GET", "GET,POST", "WEBSOCKET", "*"
    url: str  # the route path as written ("" when not a literal)
    prefix: str  # the router's literal prefix, else ""
    handler: str  # qualified name of the handler function ("" when unknown)


@dataclass(frozen=True, kw_only=True)
class HandlerBody(Fact):
    """What a handler's body calls that may check a dependency (health endpoints)."""

    kind: ClassVar[str] = "handler_body"
    handler: str
    checks: str  # the calls, as shown to people ("" when it only returns a constant)
    keys: tuple[str, ...] = ()  # the string keys of the dict literals it returns
    auth: str = ""  # what makes it require a logged-in user (a decorator, `request.user`)


@dataclass(frozen=True, kw_only=True)
class RouteLimit(Fact):
    kind: ClassVar[str] = "route_limit"
    handler: str
    how: str  # the decorator as written, or "exempt"


@dataclass(frozen=True, kw_only=True)
class InboundLimiter(Fact):
    kind: ClassVar[str] = "inbound_limiter"
    library: str
    defaults: bool  # built with default limits for every route
    applies: bool  # applies them by itself (flask-limiter), without middleware


@dataclass(frozen=True, kw_only=True)
class LimitMiddleware(Fact):
    kind: ClassVar[str] = "limit_middleware"
    how: str


# --- evidence for project items ------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Tests(Fact):
    kind: ClassVar[str] = "tests"
    count: int  # test functions and classes in the file


@dataclass(frozen=True, kw_only=True)
class LoadTest(Fact):
    kind: ClassVar[str] = "load_test"
    tool: str


@dataclass(frozen=True, kw_only=True)
class SecretStore(Fact):
    kind: ClassVar[str] = "secret_store"
    api: str


# --- observability set-up --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ObservabilityInit(Fact):
    kind: ClassVar[str] = "obs_init"
    what: str  # "tta", "tracer", "meter"
    api: str
    where: str  # "module", "main", "function:<qualname>"
    prometheus: bool


@dataclass(frozen=True, kw_only=True)
class TraceProvider(Fact):
    kind: ClassVar[str] = "trace_provider"
    api: str


@dataclass(frozen=True, kw_only=True)
class SpanProcessor(Fact):
    kind: ClassVar[str] = "span_processor"
    api: str
    exporter: str
    console: bool


@dataclass(frozen=True, kw_only=True)
class TraceSetup(Fact):
    kind: ClassVar[str] = "trace_setup"
    api: str


@dataclass(frozen=True, kw_only=True)
class MetricsExposed(Fact):
    kind: ClassVar[str] = "metrics_exposed"
    how: str  # "server", "app", "push", "instrumentor"
    api: str


@dataclass(frozen=True, kw_only=True)
class MetricsDefined(Fact):
    kind: ClassVar[str] = "metrics_defined"
    count: int
    api: str  # the first one


@dataclass(frozen=True, kw_only=True)
class JsonLogging(Fact):
    kind: ClassVar[str] = "log_json"
    api: str
    via: str  # "call", "config", "subclass"


@dataclass(frozen=True, kw_only=True)
class CorrelationBinding(Fact):
    """Something that puts a correlation id on every log line (a contextvar filter…)."""

    kind: ClassVar[str] = "correlation-binding"
    how: str


# --- LLM calls and what guards them ------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class LlmCall(Fact):
    kind: ClassVar[str] = "llm_call"
    provider: str
    call_kind: str  # "generation" | "embedding"
    operation: str  # as written: "client.chat.completions.create"
    function: str  # qualified name of the function making it ("" at module level)
    reach: tuple[str, ...]  # that function and those of its module that lead to it
    cache: str  # what caches it in its module ("" when nothing does)
    limit: str  # what rate-limits it in its module
    stream: bool
    client: str  # key of its client (an LlmClient fact of the same file), "" when unknown
    client_name: str
    anchor: str  # the call's source


@dataclass(frozen=True, kw_only=True)
class LlmClient(Fact):
    kind: ClassVar[str] = "llm_client"
    key: str
    name: str


@dataclass(frozen=True, kw_only=True)
class GlobalLlmCache(Fact):
    kind: ClassVar[str] = "llm_global_cache"
    provider: str


@dataclass(frozen=True, kw_only=True)
class GuardedCalls(Fact):
    """A cache or limiter around code that calls functions of other modules."""

    kind: ClassVar[str] = "guarded_calls"
    guard: str  # "cache" | "limit"
    label: str
    callees: tuple[str, ...]  # qualified names of the functions of other modules it calls


@dataclass(frozen=True, kw_only=True)
class FallbackCovers(Fact):
    """A fallback in this module around a function of another module."""

    kind: ClassVar[str] = "fallback-covers"
    target: str


@dataclass(frozen=True, kw_only=True)
class ModelName(Fact):
    kind: ClassVar[str] = "model_name"
    model: str
    provider: str


@dataclass(frozen=True, kw_only=True)
class ModelRouter(Fact):
    kind: ClassVar[str] = "model_router"
    router: str


# --- long-running workers (deploy.health-endpoint) ------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Worker(Fact):
    """A long-running worker or consumer the module runs or defines (a queue consumer, a task
    worker, a bot's polling loop, an asyncio service loop)."""

    kind: ClassVar[str] = "worker"
    library: str  # the knowledge row (rules/knowledge/workers.toml): "celery", "asyncio"
    display: str  # "Celery worker", "Kafka consumer"
    how: str  # what shows it, as written


@dataclass(frozen=True, kw_only=True)
class Heartbeat(Fact):
    """A way a worker shows it is alive without an HTTP route: a liveness file, a watchdog."""

    kind: ClassVar[str] = "heartbeat"
    how: str


# --- problems a project check judges ------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Pending(Fact):
    """A problem whose verdict needs other files (`FileContext.pending`)."""

    kind: ClassVar[str] = "pending"
    rule: str
    message: str
    severity: str  # "" for the catalogue's
    fix: str
    anchor: str  # the flagged source
    site: bool  # it stands for one site of its item
    entries: tuple[str, ...] = ()  # functions whose protection elsewhere would cover it


KINDS: dict[str, type[Fact]] = {
    cls.kind: cls
    for cls in (
        Route,
        HandlerBody,
        RouteLimit,
        InboundLimiter,
        LimitMiddleware,
        Tests,
        LoadTest,
        SecretStore,
        ObservabilityInit,
        TraceProvider,
        SpanProcessor,
        TraceSetup,
        MetricsExposed,
        MetricsDefined,
        JsonLogging,
        CorrelationBinding,
        LlmCall,
        LlmClient,
        GlobalLlmCache,
        GuardedCalls,
        FallbackCovers,
        ModelName,
        ModelRouter,
        Pending,
        Worker,
        Heartbeat,
    )
}


def to_dict(fact: Fact) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": fact.kind}
    for field in dataclasses.fields(fact):
        if field.name != "path":
            value = getattr(fact, field.name)
            out[field.name] = list(value) if isinstance(value, tuple) else value
    return out


def from_dict(data: dict[str, Any], path: str) -> Fact:
    """The fact `to_dict` wrote; KeyError/TypeError/ValueError when it is not one."""
    cls = KINDS[data["kind"]]
    values: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "kind"
    }
    fact = cls(path=path, **values)
    for field in dataclasses.fields(fact):
        if not isinstance(getattr(fact, field.name), _TYPES[field.type]):
            raise TypeError(f"{cls.kind}.{field.name}")
    return fact


_TYPES: dict[Any, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "bool": bool,
    "tuple[str, ...]": tuple,
}
