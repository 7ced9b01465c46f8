"""Is one outbound call bounded by a timeout (TTP101) and retried (TTP102)?

A verdict is either covered (with the evidence label shown in the report), or a problem at
the call, or a problem that belongs to the client's constructor (`ctor`): the place where the
fix goes (`aiohttp.ClientSession()` built without a ClientTimeout). Precedence, first match
wins: the call's own setting, a wrapper on its path (errors_paths), `with_options(...)`, the
client (a subclass or mounted adapter with defaults, the constructor's arguments), the
library's default.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ...engine.context import FileContext, Problem
from ...models import Severity
from ..outbound import (
    ANYTHING,
    ASYNC_ONLY,
    Client,
    Library,
    OutboundCall,
    disables_timeout,
    find_arg,
    is_zero,
    knowledge,
    retry_setting_enabled,
)
from .guards import Protection

_SEVERITY = {"info": Severity.INFO, "low": Severity.LOW, "medium": Severity.MEDIUM}


@dataclass(frozen=True)
class Verdict:
    label: str = ""  # evidence when covered
    problem: Problem | None = None
    ctor: cst.Call | None = None  # the problem is the client constructor's


@dataclass(frozen=True)
class ClientFacts:
    """What the module shows about a client beyond its constructor's arguments."""

    sets_timeout: str = ""  # label: a subclass or mounted adapter fills in a timeout
    sets_retries: str = ""


def _text(ctx: FileContext, node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(ctx.code_for(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(call: cst.Call | None, fallback: str) -> str:
    from ...engine.names import dotted

    return (dotted(call.func) if call is not None else None) or fallback


# --- timeouts -----------------------------------------------------------------------------


def timeout_verdict(
    ctx: FileContext, out: OutboundCall, path: Protection, facts: ClientFacts
) -> Verdict:
    lib = out.library
    own = out.timeout()
    if not own.known:
        return Verdict("timeout from **kwargs")
    if own.value is not None and not disables_timeout(ctx, own.value, lib):
        return Verdict(f"timeout={_text(ctx, own.value)}")
    if path.timeout == ANYTHING or (path.timeout == ASYNC_ONLY and out.is_async):
        return Verdict(path.timeout_label)
    blocked = ""
    if path.timeout == ASYNC_ONLY:
        blocked = f"; {path.timeout_label} cannot interrupt this blocking call"
    if own.value is not None:
        return _at_call(
            f"{out.operation}() passes timeout={_text(ctx, own.value)}, which turns the "
            f"timeout off, so it can hang forever{blocked}.",
            lib,
        )
    for option in out.options:
        given = find_arg(option.args, "timeout", None)
        if given.value is not None:
            if disables_timeout(ctx, given.value, lib):
                return _at_call(
                    f"{out.operation}() runs with_options(timeout="
                    f"{_text(ctx, given.value)}), which turns the timeout off, so it can hang "
                    f"forever{blocked}.",
                    lib,
                )
            return Verdict(f"with_options(timeout={_text(ctx, given.value)})")
    if out.client is not None:
        verdict = _client_timeout(ctx, out.client, facts)
        if verdict is not None:
            return verdict
    if lib.timeout_default == "ok":
        return Verdict(lib.timeout_phrase)
    if lib.timeout_default == "high":
        return _at_call(f"{out.operation}() has no timeout and {lib.timeout_phrase}{blocked}.", lib)
    return _at_call(
        f"{out.operation}() has no timeout, so it relies on {lib.timeout_phrase}{blocked}.",
        lib,
        _SEVERITY.get(lib.timeout_default),
    )


def _at_call(message: str, lib: Library, severity: Severity | None = None) -> Verdict:
    """A problem at the call; the label is the evidence when it is only informational."""
    problem = Problem("TTP101", message, severity=severity, fix=lib.timeout_fix)
    return Verdict(lib.timeout_phrase, problem=problem)


def _client_timeout(ctx: FileContext, client: Client, facts: ClientFacts) -> Verdict | None:
    """The verdict the client's own configuration gives, or None to fall back to defaults."""
    if facts.sets_timeout:
        return Verdict(facts.sets_timeout)
    spec, lib = client.spec, client.spec.library
    if spec.timeout_keyword is None and spec.timeout_position is None:
        return None  # nothing to set on the client (requests.Session): judge the call
    if client.call is None:
        # built elsewhere (a typed parameter): judged where it is built, unless there is no
        # default worth the name
        return None if lib.timeout_default == "high" else Verdict("client built elsewhere")
    problem = client_problem(ctx, client)
    if problem is not None:
        return Verdict(lib.timeout_phrase, problem=problem, ctor=client.call)
    given = find_arg(client.call.args, spec.timeout_keyword, spec.timeout_position)
    if not given.known:
        return Verdict("client timeout from **kwargs")
    if given.value is not None:
        return Verdict(f"client timeout={_text(ctx, given.value)}")
    return None


def client_problem(ctx: FileContext, client: Client) -> Problem | None:
    """What is wrong with the timeout a client constructor sets for all its requests."""
    spec, lib, call = client.spec, client.spec.library, client.call
    if call is None or (spec.timeout_keyword is None and spec.timeout_position is None):
        return None
    given = find_arg(call.args, spec.timeout_keyword, spec.timeout_position)
    name = _name(call, client.ctor)
    if given.value is not None and disables_timeout(ctx, given.value, lib):
        return Problem(
            "TTP101",
            f"{name}(timeout={_text(ctx, given.value)}) turns off {lib.timeout_phrase} for every "
            "request made with it.",
            fix=lib.timeout_fix,
        )
    if given.value is not None or not given.known or lib.timeout_default == "ok":
        return None
    if lib.timeout_default == "high":
        return None  # the calls are judged one by one
    return Problem(
        "TTP101",
        f"{name}() is built without a timeout, so its requests rely on {lib.timeout_phrase}.",
        severity=_SEVERITY.get(lib.timeout_default),
        fix=lib.timeout_fix,
    )


# --- retries ------------------------------------------------------------------------------


def retry_verdict(
    ctx: FileContext, out: OutboundCall, path: Protection, facts: ClientFacts
) -> Verdict:
    if path.retry_label:
        return Verdict(path.retry_label)
    lib = out.library
    disabled = ""
    for option in out.options:
        given = find_arg(option.args, "max_retries", None)
        if given.value is not None:
            if is_zero(given.value):
                disabled = "with_options(max_retries=0)"
                break
            return Verdict(f"with_options(max_retries={_text(ctx, given.value)})")
    client = out.client
    if client is not None and not disabled:
        if facts.sets_retries:
            return Verdict(facts.sets_retries)
        found = _client_retries(ctx, client)
        if isinstance(found, Verdict):
            return found
        disabled = found
    if lib.retries_default > 0 and not disabled:
        return Verdict(lib.retries_phrase)
    if disabled:
        message = (
            f"{out.operation}() is not retried: its client sets {disabled} and nothing in "
            "this module retries the call."
        )
    else:
        message = (
            f"{out.operation}() is not retried: no retry decorator, retrying client or retry "
            "loop covers it in this module."
        )
    return Verdict(problem=Problem("TTP102", message, fix=lib.retry_fix))


def _client_retries(ctx: FileContext, client: Client) -> Verdict | str:
    """A covering verdict from the constructor's arguments, or why retries are off ("")."""
    spec, call = client.spec, client.call
    if call is None:
        value = ctx.names.values.get(client.instance.origin) if client.instance else None
        return (
            Verdict(f"{value.retries} ({value.path}:{value.line})")
            if value and value.retries
            else ""
        )
    if spec.retries_keyword is not None:
        given = find_arg(call.args, spec.retries_keyword, None)
        if not given.known:
            return Verdict("retries from **kwargs")
        if given.value is not None:
            if is_zero(given.value):
                return f"{spec.retries_keyword}=0"
            return Verdict(f"{spec.retries_keyword}={_text(ctx, given.value)}")
    if spec.transport_keyword is not None:
        transport = find_arg(call.args, spec.transport_keyword, None).value
        if transport_retries(ctx, transport):
            return Verdict("transport retries (connection errors only)")
    return ""


def construction_retries(ctx: FileContext, client: Client) -> str:
    """What the client's construction turns retries on with ("" nothing it shows)."""
    found = _client_retries(ctx, client)
    return found.label if isinstance(found, Verdict) else ""


def transport_retries(ctx: FileContext, expr: cst.BaseExpression | None) -> bool:
    """`httpx.HTTPTransport(retries=3)`, inline or through a name bound to one."""
    if expr is None:
        return False
    if not isinstance(expr, cst.Call):
        held = ctx.instance(expr)
        if held is not None and held.origin:
            value = ctx.names.values.get(held.origin)
            return value is not None and bool(value.retries)
        expr = held.call if held is not None else None
        if expr is None:
            return False
    setting = knowledge().transports.get(ctx.qualname(expr.func) or "")
    return setting is not None and bool(retry_setting_enabled(ctx, expr, setting))


@dataclass(frozen=True)
class Mount:
    """An adapter mounted on a session: `session.mount("https://", HTTPAdapter(...))`."""

    name: str  # as written: "HTTPAdapter", "TimeoutHTTPAdapter"
    qual: str  # its class
    local: bool  # a local subclass: its body may set defaults (see class_defaults)
    retries: bool  # its arguments turn retries on


def mount_info(ctx: FileContext, adapter: cst.BaseExpression) -> Mount | None:
    """Resolve a mounted adapter at visit time (names are scoped)."""
    call = adapter if isinstance(adapter, cst.Call) else None
    if call is None:
        held = ctx.instance(adapter)
        call = held.call if held is not None else None
    if call is None:
        return None
    qual = ctx.qualname(call.func) or ""
    adapters = knowledge().adapters
    setting, local = adapters.get(qual), False
    if setting is None:
        for base in ctx.names.bases_of(qual)[1:]:
            setting, local = adapters.get(base), True
            if setting is not None:
                break
    if setting is None:
        return None
    return Mount(_name(call, qual), qual, local, bool(retry_setting_enabled(ctx, call, setting)))
