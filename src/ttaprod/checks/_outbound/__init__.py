"""Outbound calls: which calls in a file go out over the network, through which library and
which client, and with which arguments. Shared by every rule about outbound calls (timeouts,
retries, and later fallbacks, caching, pooling, rate limits, TLS).

    out = classify(ctx, call)            # OutboundCall | Deferred | None
    client = construction(ctx, call)     # a client/session being built here, or None

`Deferred` is a call on something a local factory function returns (`get_client().get(...)`,
`self.session.get(...)` with a `session` property); note what functions return with
`Factories` during the walk and resolve deferred calls in `finish()`.

The facts (libraries, calls, clients, defaults) are data: rules/knowledge/outbound.toml.
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
    disables_timeout,
    enclosing_class_qualname,
    find_arg,
    is_none,
    is_self_attribute,
    is_zero,
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
    "method_call",
    "mounted_adapter",
    "render",
    "retry_setting_enabled",
    "scope_qualname",
    "wrappers",
]
