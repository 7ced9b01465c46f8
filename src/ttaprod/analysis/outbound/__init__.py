"""Outbound calls: which calls in a file go out over the network, through which library and
which client, and with which arguments. Shared by every rule about outbound calls (timeouts,
retries, and later fallbacks, caching, pooling, rate limits, TLS).

    out = classify(ctx, call)            # OutboundCall | Deferred | None
    client = construction(ctx, call)     # a client/session being built here, or None

An `OutboundCall` names its `library` (defaults, fix hints), `kind` ("request", "connect",
"method"), the `client` it goes through (`Client.call` is the constructor call when this module
shows it; `Client.subclass` a local subclass), the `args` that reach the network function
(through `asyncio.to_thread(requests.get, url, timeout=5)` too) and `options` calls
(`client.with_options(timeout=…)`). Names are resolved by import and the instance tracker:
aliases, `s = requests.Session()`, `async with httpx.AsyncClient() as c`, `self.client = …`,
typed parameters, `requests.Session().get(...)` inline.

`Deferred` is a call on something a local factory function or property returns
(`get_client().get(...)`, `self.http.get(...)` with an `http` property): feed a `Factories`
from `visit_FunctionDef` / `visit_Return` during the walk and `resolve` it in `finish()`:

    class MyRule(Detector):
        needs = knowledge().needs
        def visit_FunctionDef(self, node):
            self.factories.note_function(self.ctx, node, scope_qualname(self.ctx.names))
        def visit_Return(self, node):
            self.factories.note_return(self.ctx, node, <qualname of the enclosing function>)
        def visit_Call(self, node):
            out = classify(self.ctx, node)
            ...
        def finish(self):
            out = self.factories.resolve(self.ctx.names, deferred)

`mounted_adapter` finds `session.mount(prefix, adapter)`; `class_defaults` reads what a local
Session/adapter subclass fills in; `wrappers()` lists the timeout and retry wrappers. The facts
(libraries, calls, clients, defaults, wrappers) are data: rules/knowledge/outbound.toml.
"""

from .classify import Deferred, OutboundCall, classify, method_call
from .clients import (
    Client,
    class_defaults,
    client_of,
    client_spec,
    construction,
    mounted_adapter,
    retry_setting_enabled,
)
from .factories import Factories
from .knowledge import (
    ANYTHING,
    ASYNC_ONLY,
    CallSpec,
    ClientSpec,
    Knowledge,
    Library,
    RetrySetting,
    RetryWrapper,
    TimeoutWrapper,
    knowledge,
    wrappers,
)
from .values import (
    ArgValue,
    called_name,
    chained_name,
    disables_timeout,
    enclosing_class_qualname,
    find_arg,
    is_none,
    is_self_attribute,
    is_zero,
    local_callee,
    render,
    scope_qualname,
)

__all__ = [
    "ANYTHING",
    "ASYNC_ONLY",
    "ArgValue",
    "CallSpec",
    "Client",
    "ClientSpec",
    "Deferred",
    "Factories",
    "Knowledge",
    "Library",
    "OutboundCall",
    "RetrySetting",
    "RetryWrapper",
    "TimeoutWrapper",
    "called_name",
    "chained_name",
    "class_defaults",
    "classify",
    "client_of",
    "client_spec",
    "construction",
    "disables_timeout",
    "enclosing_class_qualname",
    "find_arg",
    "is_none",
    "is_self_attribute",
    "is_zero",
    "knowledge",
    "local_callee",
    "method_call",
    "mounted_adapter",
    "render",
    "retry_setting_enabled",
    "scope_qualname",
    "wrappers",
]
