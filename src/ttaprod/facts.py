"""What the per-file pass tells the project item checks about each file, one type per kind.

A detector records `ctx.fact(node, Route(...))`; the engine fills in the file's path and the
node's line. Facts are frozen dataclasses of plain values (str, int, bool, tuples of str), so
they pickle across worker processes and round-trip through the JSON cache (`to_dict`,
`from_dict`). Item checks ask `index.facts_of(Route)`.
"""

from __future__ import annotations

import dataclasses
import math
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
    router: str = ""  # qualified name of the module-level app or router it is on, else ""


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
class RouterInclude(Fact):
    """`app.include_router(orders.router, dependencies=[Depends(RateLimiter(…))])`."""

    kind: ClassVar[str] = "router_include"
    router: str  # qualified name of the included router
    parent: str  # qualified name of the app or router it is included in ("" when unknown)
    limit: str  # the rate limit the inclusion adds ("" none)


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


@dataclass(frozen=True, kw_only=True)
class SecretLiteral(Fact):
    """A string literal bound to a credential-like name that ttaprod's secret check judged
    (TTP401/TTP402); the external tools' password findings on its line defer to it."""

    kind: ClassVar[str] = "secret_literal"
    name: str  # what it is bound to (a variable, keyword, parameter, dict key), never the value
    cleared: str  # why it is not a credential ("a placeholder"…); "" when judged one
    def_line: int = 0  # a parameter default: the line of its `def` (where bandit's B107 points)


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


@dataclass(frozen=True, kw_only=True)
class InboundWork(Fact):
    """Code that handles messages or jobs (a bot's handlers, a queue consumer, a task worker):
    work that a correlation id ties together, like a web route's requests."""

    kind: ClassVar[str] = "inbound-work"
    api: str


@dataclass(frozen=True, kw_only=True)
class Metric(Fact):
    """A metric the code defines (prometheus_client `Counter("llm_tokens", …)`, an OpenTelemetry
    `meter.create_counter("llm.tokens")`): the names it is scraped under follow from `metric`
    and `type` (`llm_tokens_total`; `_bucket`, `_sum`, `_count` for a histogram)."""

    kind: ClassVar[str] = "metric"
    binding: str  # qualified name of the module-level name it is bound to ("" none)
    metric: str  # its name as written, with namespace and subsystem ("" when not a literal)
    type: str  # "counter", "gauge", "histogram", "summary", "info", "enum"
    otel: bool = False


# --- cost accounting and budgets (cost.tracking, cost.budgets) --------------------------------
@dataclass(frozen=True, kw_only=True)
class UsageRecord(Fact):
    """Token usage accounted in `function`: fed here to a metric, Langfuse or a span
    (`via` "here", or "metric" when `target` is a metric of another module), a parameter
    recorded on a metric (`via` "param": the function records what it is given), or usage
    handed to the project function `target` (`via` "handoff")."""

    kind: ClassVar[str] = "usage_record"
    function: str  # qualified name ("" at module level)
    via: str
    target: str = ""
    label: str


@dataclass(frozen=True, kw_only=True)
class CostTracker(Fact):
    """Cost accounting set up for the whole process (LiteLLM callbacks, the Langfuse OpenAI
    drop-in, OpenLLMetry, TTA.dev cost tracking): it accounts every call of `providers`."""

    kind: ClassVar[str] = "cost_tracker"
    label: str
    api: str
    providers: tuple[str, ...]  # LLM call providers ("*" every one)


@dataclass(frozen=True, kw_only=True)
class TrackedClient(Fact):
    """An LLM client built against a cost-accounting proxy (Helicone, Portkey): recorded at its
    construction, the line its `LlmClient` fact has."""

    kind: ClassVar[str] = "tracked_client"
    label: str


@dataclass(frozen=True, kw_only=True)
class CostBudget(Fact):
    """A spending budget set in code: TTA.dev `CostTrackingConfig`, `litellm.max_budget`…"""

    kind: ClassVar[str] = "cost_budget"
    label: str
    budget: str  # the limit: a literal's value ("-5.0"), else as written ("" the default)
    alerts: bool  # it warns before the limit (an alert threshold), not only stops at it
    enabled: bool = True
    reads_env: bool = False  # the limit comes from the environment (TTA_BUDGET_LIMIT_USD)


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


# --- the project's call graph (engine/graph.py) ------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Function(Fact):
    """A function or method defined in this file."""

    kind: ClassVar[str] = "function"
    qual: str
    is_async: bool
    returns: str = ""  # the class its return annotation names (`-> SlackHandler`), qualified
    # its positional parameters, in order, without the `self`/`cls` a bound call fills in
    params: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class BlockingCall(Fact):
    """The first call in a sync function that blocks its thread (a file read, `requests.get`)."""

    kind: ClassVar[str] = "blocking_call"
    function: str
    what: str  # as shown to people: "`requests.get()`"
    anchor: str
    severity: str = "high"


@dataclass(frozen=True, kw_only=True)
class Coroutine(Fact):
    """An `async def` that calls sync functions of the project: whether one of them blocks is
    for the project check to say. `judged`: its own body blocks, so its site is already
    uncovered and the helpers' blocking calls are only reported."""

    kind: ClassVar[str] = "coroutine"
    qual: str
    name: str
    judged: bool = False


@dataclass(frozen=True, kw_only=True)
class ClassInfo(Fact):
    kind: ClassVar[str] = "class"
    qual: str
    bases: tuple[str, ...]  # qualified names, nearest first
    # attributes of a known type (`self.exchange = Exchange(...)`, `exchange: Exchange`):
    # "exchange=app.exchange.Exchange", a project class or an object with blocking methods
    attrs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Export(Fact):
    """A module-level name bound to something of the project imported from elsewhere:
    `app.api.fetch` → `app.api.client.fetch` (re-exports through `__init__`)."""

    kind: ClassVar[str] = "export"
    name: str
    target: str


@dataclass(frozen=True, kw_only=True)
class ClientValue(Fact):
    """A client, session or transport other modules import: a module-level instance
    (`http = httpx.AsyncClient(...)`), or a factory returning one (`def llm() -> AsyncOpenAI`,
    `make = lambda: AsyncOpenAI()`, a client kept in a module-level dict)."""

    kind: ClassVar[str] = "client_value"
    name: str  # qualified name other modules import
    ctor: str  # the class it holds or returns
    factory: bool  # called to get the value
    inline: bool = False  # a lambda (its own module cannot follow it either)
    fresh: bool  # a factory that builds a new one on every call (not memoized, not kept)
    retries: str = ""  # what its construction turns retries on with ("" none or unknown)


@dataclass(frozen=True, kw_only=True)
class CallEdge(Fact):
    """A call of a project function, with what protects it where it is made."""

    kind: ClassVar[str] = "call"
    caller: str  # qualified name of the calling function ("" at module level)
    callee: str  # qualified name as resolved in this file (may be a re-export)
    awaited: bool
    offloaded: bool  # run in a thread (asyncio.to_thread, run_in_executor)
    timeout: int = 0  # a timeout around the call: 0 none, 1 cancellation, 2 anything
    timeout_label: str = ""
    retry: str = ""  # what retries the call there ("" nothing)
    anchor: str = ""  # the call's source, for a finding on it
    # arguments of a known type: "0=sqlalchemy.orm.Session" (by position), "db=…" (keyword);
    # "1=@session": the caller's own untyped parameter `session`, passed on
    args: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ParamUse(Fact):
    """A method called on an untyped parameter of a sync function (`session.query(...)` in
    `def store_key(session, ...)`): it blocks when a caller passes a synchronous object."""

    kind: ClassVar[str] = "param_use"
    function: str
    param: str
    method: str  # the dotted path after the parameter: "query", "session.commit"
    anchor: str  # the call's source: "session.query"


@dataclass(frozen=True, kw_only=True)
class Protected(Fact):
    """A function or class protected by a decorator or a wrapper applied in this file
    (`@retry(...)`, `RetryPrimitive(Fetch())`, `TimeoutPrimitive(p, timeout_seconds=5)`)."""

    kind: ClassVar[str] = "protected"
    target: str
    timeout: int = 0
    timeout_label: str = ""
    retry: str = ""


@dataclass(frozen=True, kw_only=True)
class Decorated(Fact):
    """A function decorated with a project name this file cannot judge (a decorator defined in
    another module): protected if that name is a protecting decorator (`ProtectingDecorator`)."""

    kind: ClassVar[str] = "decorated"
    target: str
    decorator: str


@dataclass(frozen=True, kw_only=True)
class ProtectingDecorator(Fact):
    """A module-level name bound to a retry or timeout decorator (`api_retry = retry(...)`)."""

    kind: ClassVar[str] = "protecting_decorator"
    name: str
    timeout: int = 0
    timeout_label: str = ""
    retry: str = ""


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


# --- serverless functions (errors.timeout, TTP105) -----------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CallTimeout(Fact):
    """An outbound call, or a client construction, with a literal timeout in seconds."""

    kind: ClassVar[str] = "call_timeout"
    function: str  # qualified name of the function it is in ("" at module or class level)
    module: str
    seconds: float
    what: str  # as shown to people: "`httpx.get()`"
    anchor: str


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
    function: str = ""  # the function it sits in (its callers may protect it)
    needs_timeout: int = 0  # the timeout level a caller's protection must reach to cover it
    needs_retry: bool = False  # a caller's retry would cover it
    statement_line: int = 0  # the first line of its statement (a suppression mark there counts)
    label: str = ""  # what the site is (evidence when something elsewhere covers it)
    # the finding's fingerprint, made from the unmasked source as for findings reported in
    # the file (`anchor` keeps string literals masked: facts are cached)
    fingerprint: str = ""
    # the flagged node's span (1-based columns), filled in by the engine like `line`
    column: int = 0
    end_line: int = 0
    end_column: int = 0


KINDS: dict[str, type[Fact]] = {
    cls.kind: cls
    for cls in (
        ParamUse,
        CallTimeout,
        Metric,
        UsageRecord,
        CostTracker,
        TrackedClient,
        CostBudget,
        Route,
        InboundWork,
        HandlerBody,
        RouteLimit,
        RouterInclude,
        InboundLimiter,
        LimitMiddleware,
        Tests,
        LoadTest,
        SecretStore,
        SecretLiteral,
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
        Function,
        BlockingCall,
        Coroutine,
        ClassInfo,
        ClientValue,
        Export,
        CallEdge,
        Protected,
        Decorated,
        ProtectingDecorator,
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
        value = getattr(fact, field.name)
        if not isinstance(value, _TYPES[field.type]):
            raise TypeError(f"{cls.kind}.{field.name}")
        if field.type == "float" and (isinstance(value, bool) or not math.isfinite(value)):
            raise ValueError(f"{cls.kind}.{field.name}")
    return fact


_TYPES: dict[Any, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (float, int),  # JSON writes 10.0 back as 10.0, a hand-made entry may say 10
    "bool": bool,
    "tuple[str, ...]": tuple,
}
