"""Classify one call: does it go out over the network, through which library and client?"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from ...engine.context import FileContext
from ...engine.names import Instance
from .clients import Client, client_of
from .knowledge import CallSpec, Knowledge, Library, Passthrough, knowledge
from .values import ArgValue, enclosing_class_qualname, find_arg, is_self_attribute, render


@dataclass(frozen=True, eq=False)
class OutboundCall:
    """One call that goes out over the network."""

    node: cst.Call  # the call as written (for a passthrough: `asyncio.to_thread(...)`)
    library: Library
    kind: str  # "request" | "connect" (a module function / constructor) | "method" (a client's)
    operation: str  # how the source names it: "requests.get", "self.client.chat.completions.create"
    is_async: bool  # awaitable: asyncio cancellation can interrupt it
    args: tuple[cst.Arg, ...]  # the arguments that reach the outbound function
    timeout_keyword: str | None
    timeout_position: int | None
    client: Client | None = None
    options: tuple[cst.Call, ...] = ()  # `client.with_options(...)` calls on the way
    through: str = ""  # the passthrough that runs it ("asyncio.to_thread"), if any

    def timeout(self) -> ArgValue:
        """The per-call timeout argument."""
        if self.timeout_keyword is None and self.timeout_position is None:
            return ArgValue(True, None)
        return find_arg(self.args, self.timeout_keyword, self.timeout_position)


@dataclass(frozen=True, eq=False)
class Deferred:
    """A call on the result of a local function or property (`self.session.get(...)` where
    `session` is a property, `get_client().post(...)`): resolve it once the module is read."""

    node: cst.Call
    key: str  # the local function / property that produces the receiver
    chain: tuple[str, ...]  # attributes from the receiver to the method, method first
    options: tuple[cst.Call, ...]
    args: tuple[cst.Arg, ...]
    operation: str
    through: str = ""
    through_async: bool = False


_UNSET: Any = object()


def classify(
    ctx: FileContext, call: cst.Call, qual: str | None = _UNSET
) -> OutboundCall | Deferred | None:
    """What `call` is, if it goes out over the network. Pass `qual` when already resolved."""
    if qual is _UNSET:
        qual = ctx.qualname(call.func)
    return _callable(ctx, call, call.func, call.args, qual, "", False, 0)


def _callable(
    ctx: FileContext,
    node: cst.Call,
    func: cst.BaseExpression,
    args: Sequence[cst.Arg],
    qual: str | None,
    through: str,
    through_async: bool,
    depth: int,
) -> OutboundCall | Deferred | None:
    k = knowledge()
    if qual is not None and ctx.names.value_rooted(qual) is not None:
        qual = None  # a method of a client another module builds: judged through it
    if qual is not None:
        if qual.split(".", 1)[0] not in k.top_modules:
            return None
        spec = k.calls.get(qual) or _prefixed(k, qual)
        if spec is not None:
            return OutboundCall(
                node,
                spec.library,
                spec.kind,
                render(func) or qual,
                spec.is_async or through_async,
                tuple(args),
                spec.timeout_keyword,
                spec.timeout_position,
                through=through,
            )
        passthrough = k.passthrough.get(qual)
        if passthrough is not None and depth < 3:
            return _through(ctx, node, args, passthrough, qual, through_async, depth)
        return None
    if not isinstance(func, cst.Attribute):
        return None
    passthrough = k.passthrough_methods.get(func.attr.value)
    if passthrough is not None and depth < 3:
        return _through(ctx, node, args, passthrough, func.attr.value, through_async, depth)
    root, chain, options = _unwind(func, k.option_methods, ctx.names.names_value)
    if not chain:
        return None
    operation = render(func) or ".".join(reversed(chain))
    instance = ctx.instance(root)
    client = client_of(ctx.names, instance)
    if client is not None:
        return method_call(node, client, chain, options, args, operation, through, through_async)
    key = _factory_key(ctx, root, instance)
    if key is None:
        return None
    return Deferred(node, key, chain, options, tuple(args), operation, through, through_async)


def _prefixed(k: Knowledge, qual: str) -> CallSpec | None:
    for prefix, spec in k.call_prefixes:
        if qual.startswith(prefix):
            return spec
    return None


def _through(
    ctx: FileContext,
    node: cst.Call,
    args: Sequence[cst.Arg],
    passthrough: Passthrough,
    name: str,
    through_async: bool,
    depth: int,
) -> OutboundCall | Deferred | None:
    """`asyncio.to_thread(requests.get, url, timeout=5)`: the function handed over goes out."""
    positional = [a for a in args if a.keyword is None and not a.star]
    if len(positional) <= passthrough.func_position:
        return None
    target = positional[passthrough.func_position].value
    rest = positional[passthrough.func_position + 1 :]
    if passthrough.forwards_keywords:
        rest += [a for a in args if a.keyword is not None or a.star == "**"]
    is_async = through_async or passthrough.is_async
    if isinstance(target, cst.Call):  # to_thread(functools.partial(requests.get, url), ...)
        inner = _callable(
            ctx,
            node,
            target.func,
            target.args,
            ctx.qualname(target.func),
            name,
            is_async,
            depth + 1,
        )
        if isinstance(inner, OutboundCall):
            return _with_args(inner, (*inner.args, *rest))
        return inner
    qual = ctx.qualname(target)
    return _callable(ctx, node, target, rest, qual, name, is_async, depth + 1)


def _with_args(out: OutboundCall, args: tuple[cst.Arg, ...]) -> OutboundCall:
    return OutboundCall(
        out.node,
        out.library,
        out.kind,
        out.operation,
        out.is_async,
        args,
        out.timeout_keyword,
        out.timeout_position,
        out.client,
        out.options,
        out.through,
    )


def _unwind(
    func: cst.Attribute,
    option_methods: frozenset[str],
    is_value: Callable[[cst.BaseExpression], bool],
) -> tuple[cst.BaseExpression, tuple[str, ...], tuple[cst.Call, ...]]:
    """`client.with_options(timeout=5).chat.completions.create` → (client,
    ("create", "completions", "chat"), (the with_options call,)). `self.x` stays one root, and
    so does `clients.http` when it names a client another module builds (`is_value`)."""
    chain: list[str] = []
    options: list[cst.Call] = []
    expr: cst.BaseExpression = func
    while True:
        if isinstance(expr, cst.Attribute):
            value = expr.value
            if isinstance(value, cst.Name) and value.value in ("self", "cls"):
                break
            if expr is not func and is_value(expr):
                break
            chain.append(expr.attr.value)
            expr = value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in option_methods
        ):
            options.append(expr)
            expr = expr.func.value
        else:
            break
    return expr, tuple(chain), tuple(options)


def method_call(
    node: cst.Call,
    client: Client,
    chain: tuple[str, ...],
    options: tuple[cst.Call, ...],
    args: Sequence[cst.Arg],
    operation: str,
    through: str = "",
    through_async: bool = False,
) -> OutboundCall | None:
    """A call `chain` (method first) on `client`, if that method goes out."""
    spec = client.spec
    method = chain[0]
    if spec.methods is not None:
        if len(chain) != 1 or method not in spec.methods:
            return None
    elif (
        len(chain) < spec.min_depth
        or method in spec.skip_methods
        or chain[-1] in spec.skip_methods
        or (len(chain) == 1 and method in spec.option_methods)
    ):
        return None
    return OutboundCall(
        node,
        spec.library,
        "method",
        operation,
        spec.is_async or through_async,
        tuple(args),
        spec.call_timeout_keyword,
        spec.call_timeout_positions.get(method),
        client,
        options,
        through,
    )


def _factory_key(
    ctx: FileContext, root: cst.BaseExpression, instance: Instance | None
) -> str | None:
    """The local function or property whose result `root` is, for deferred resolution."""
    module = ctx.names.module_name
    if instance is not None:  # not what a call of an instance returns ("x.make()")
        local = module and instance.ctor.startswith(module + ".")
        return instance.ctor if local and not instance.ctor.endswith(")") else None
    if isinstance(root, cst.Call):
        root = root.func
    if is_self_attribute(root):
        assert isinstance(root, cst.Attribute)
        owner = enclosing_class_qualname(ctx.names)
        return f"{owner}.{root.attr.value}" if owner else None
    return None
