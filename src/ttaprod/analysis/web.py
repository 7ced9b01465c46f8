"""Request handlers: the functions a web framework or a serverless platform (AWS Lambda, Google
Cloud Functions, Azure Functions) calls once per request or event.

Shared by every rule that judges handlers (correlation ids, input validation, rate
limiting, observability start-up, the health endpoint). What counts as a handler is data in
`rules/knowledge/web.toml`; names are resolved by import, app objects by what built them.

API (all functions take the detector's `FileContext`):

- `Route`: one registered handler — `framework` ("fastapi", "starlette", "flask",
  "aws-lambda-powertools", "aws-lambda", "gcp-functions", "azure-functions", or "unknown"
  for `@x.get("/path")` on an app whose type cannot be resolved in this file), `method`
  ("GET", "GET,POST", "WEBSOCKET", "*" for serverless functions), `path` as written ("" when
  not a literal), `prefix` (a router's literal
  `prefix=`/`url_prefix=`, else ""), `handler` (qualified name of the handler function,
  "" when unknown) and `node` (the decorator, registration call or Lambda `def`).
- `function_qualname(ctx)`: qualified name of the function being visited (call it from a
  `visit_FunctionDef`, where the binder has already entered the function's scope).
- `routes_of_function(ctx, fn)`: routes declared by `fn`'s decorators, its Lambda shape
  (`def handler(event, context)`), a Cloud Functions decorator (`@functions_framework.http`)
  or an Azure Functions parameter type (`def main(req: func.HttpRequest)`).
- `route_of_call(ctx, call)`: the route a registration call makes (`Route("/", home)`,
  `app.add_api_route("/x", fn)`, `app.add_url_rule(...)`), else None.
- `HandlerIndex(ctx)`: per-file tracker for detectors; feed it `visit_function(fn)` from
  `visit_FunctionDef` and `visit_call(call)` from `visit_Call`, and ask `is_handler(fn)` in
  `finish()` (a registration may come after the function it registers).

The `route` facts project items read are recorded by `checks/facts/routes.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext
from ..facts import Route as RouteFact


@dataclass(frozen=True)
class Route:
    framework: str
    method: str
    path: str
    handler: str
    node: cst.CSTNode
    prefix: str = ""
    router: str = ""

    def fact(self) -> RouteFact:
        return RouteFact(
            framework=self.framework,
            method=self.method,
            url=self.path,
            prefix=self.prefix,
            handler=self.handler,
            router=self.router,
        )


@dataclass(frozen=True)
class _Framework:
    name: str
    decorators: dict[str, str]
    default_method: str


@dataclass(frozen=True)
class _Registration:
    framework: str
    default_method: str
    path: tuple[int, str]
    endpoint: tuple[int, str]


@dataclass(frozen=True)
class _Web:
    by_type: dict[str, _Framework]
    unresolved: _Framework
    path_prefix: str
    reg_names: dict[str, _Registration]
    reg_methods: dict[str, _Registration]
    reg_last: frozenset[str]  # last segments of reg_names: a cheap test before resolving
    lambda_: dict[str, Any]
    serverless_decorators: dict[str, str]  # qualified name → framework
    serverless_types: dict[str, str]


def _slot(raw: dict[str, Any]) -> tuple[int, str]:
    return int(raw.get("position", -1)), str(raw.get("keyword", ""))


@knowledge.derived
def _web() -> _Web:
    data = knowledge.table("web")
    by_type: dict[str, _Framework] = {}
    for fw in data["frameworks"]:
        framework = _Framework(fw["name"], dict(fw["decorators"]), fw["default_method"])
        by_type.update((t, framework) for t in fw["types"])
    unresolved = data["unresolved_apps"]
    reg_names: dict[str, _Registration] = {}
    reg_methods: dict[str, _Registration] = {}
    for raw in data["registrations"]:
        reg = _Registration(
            raw["framework"], raw["default_method"], _slot(raw["path"]), _slot(raw["endpoint"])
        )
        reg_names.update((n, reg) for n in raw.get("names", ()))
        reg_methods.update((m, reg) for m in raw.get("methods", ()))
    return _Web(
        by_type=by_type,
        unresolved=_Framework("unknown", dict(unresolved["decorators"]), "GET"),
        path_prefix=unresolved["path_prefix"],
        reg_names=reg_names,
        reg_methods=reg_methods,
        reg_last=frozenset(n.rsplit(".", 1)[-1] for n in reg_names),
        lambda_=data["aws_lambda"],
        serverless_decorators={
            n: s["framework"] for s in data["serverless"] for n in s["decorators"]
        },
        serverless_types={
            n: s["framework"] for s in data["serverless"] for n in s["parameter_types"]
        },
    )


# --- small syntax helpers ---------------------------------------------------------------
def literal_str(expr: cst.BaseExpression | None) -> str | None:
    """The value of a plain (non-f) string literal, else None."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument at `position` (positional) or passed as `keyword`."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if 0 <= position < len(positional):
        return positional[position].value
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _methods(call: cst.Call, default: str) -> str:
    value = argument(call, -1, "methods")
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        names = [literal_str(e.value) for e in value.elements]
        if names and all(names):
            return ",".join(n.upper() for n in names if n)
    return default


def app_qualname(ctx: FileContext, owner: cst.BaseExpression) -> str:
    """Qualified name of an app or router object as other modules import it: a module-level
    name of this module (`app`, `router`), or an imported one (`api.router`)."""
    own = ctx.names.scopes[0].bindings.get(owner.value) if isinstance(owner, cst.Name) else None
    if isinstance(owner, cst.Name) and own is not None and not isinstance(own, str):
        return f"{ctx.names.module_name}.{owner.value}" if ctx.names.module_name else owner.value
    return ctx.qualname(owner) or ""


def function_qualname(ctx: FileContext) -> str:
    """Qualified name of the function whose scope the binder has just entered."""
    parts = [s.name for s in ctx.names.scopes[1:]]
    module = ctx.names.module_name
    return ".".join([module, *parts]) if module else ".".join(parts)


def _framework_of(ctx: FileContext, owner: cst.BaseExpression) -> tuple[_Framework | None, str]:
    """The framework of an app/router object, and its literal prefix."""
    held = ctx.instance(owner)
    if held is None:
        return None, ""
    for base in ctx.names.bases_of(held.ctor):
        framework = _web().by_type.get(base)
        if framework is not None:
            prefix = ""
            if held.call is not None:
                prefix = literal_str(argument(held.call, -1, "prefix")) or ""
                prefix = prefix or literal_str(argument(held.call, -1, "url_prefix")) or ""
            return framework, prefix
    return None, ""


# --- decorators and Lambda ---------------------------------------------------------------
def _decorator_route(ctx: FileContext, decorator: cst.Decorator, handler: str) -> Route | None:
    expr = decorator.decorator
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return None
    verb = expr.func.attr.value
    framework, prefix = _framework_of(ctx, expr.func.value)
    path = literal_str(argument(expr, 0, "path")) or literal_str(argument(expr, 0, "rule"))
    if framework is None:
        framework = _web().unresolved
        if verb not in framework.decorators or not (path or "").startswith(_web().path_prefix):
            return None
    if verb not in framework.decorators:
        return None
    method = framework.decorators[verb] or _methods(expr, framework.default_method)
    router = app_qualname(ctx, expr.func.value)
    return Route(framework.name, method, path or "", handler, decorator, prefix, router)


def _lambda_route(ctx: FileContext, fn: cst.FunctionDef, handler: str) -> Route | None:
    if len(ctx.names.scopes) != 2:  # module-level functions only
        return None
    params = [*fn.params.posonly_params, *fn.params.params]
    if len(params) != 2:
        return None
    spec = _web().lambda_
    first, second = params[0].name.value, params[1].name.value
    shaped = first in spec["event_params"] and second in spec["context_params"]
    if shaped or fn.name.value in spec["handler_names"]:
        return Route(spec["framework"], "*", "", handler, fn)
    return None


def _serverless_route(ctx: FileContext, fn: cst.FunctionDef, handler: str) -> Route | None:
    """A Google Cloud Function (`@functions_framework.http`) or an Azure Function
    (`def main(req: func.HttpRequest)`)."""
    web = _web()
    for decorator in fn.decorators:
        expr = decorator.decorator
        qual = ctx.qualname(expr.func if isinstance(expr, cst.Call) else expr)
        framework = web.serverless_decorators.get(qual or "")
        if framework is not None:
            return Route(framework, "*", "", handler, fn)
    params = [*fn.params.posonly_params, *fn.params.params]
    annotation = params[0].annotation if params else None
    if annotation is not None and len(ctx.names.scopes) == 2:
        framework = web.serverless_types.get(ctx.qualname(annotation.annotation) or "")
        if framework is not None:
            return Route(framework, "*", "", handler, fn)
    return None


def routes_of_function(ctx: FileContext, fn: cst.FunctionDef) -> list[Route]:
    handler = function_qualname(ctx)
    routes = [r for d in fn.decorators if (r := _decorator_route(ctx, d, handler)) is not None]
    if not routes:
        lam = _lambda_route(ctx, fn, handler) or _serverless_route(ctx, fn, handler)
        if lam is not None:
            routes.append(lam)
    return routes


# --- registration calls -------------------------------------------------------------------
def route_of_call(ctx: FileContext, call: cst.Call) -> Route | None:
    web = _web()
    func = call.func
    reg: _Registration | None = None
    framework_name, prefix = "", ""
    if isinstance(func, cst.Attribute) and func.attr.value in web.reg_methods:
        reg = web.reg_methods[func.attr.value]
        framework, prefix = _framework_of(ctx, func.value)
        framework_name = framework.name if framework is not None else "unknown"
    elif isinstance(func, cst.Name) or (
        isinstance(func, cst.Attribute) and func.attr.value in web.reg_last
    ):
        qual = ctx.qualname(func)
        reg = web.reg_names.get(qual) if qual is not None else None
        framework_name = reg.framework if reg is not None else ""
    if reg is None:
        return None
    path = literal_str(argument(call, *reg.path))
    if framework_name == "unknown" and not (path or "").startswith(web.path_prefix):
        return None
    endpoint = argument(call, *reg.endpoint)
    handler = (ctx.qualname(endpoint) or "") if endpoint is not None else ""
    method = _methods(call, reg.default_method)
    router = app_qualname(ctx, func.value) if isinstance(func, cst.Attribute) else ""
    return Route(framework_name, method, path or "", handler, call, prefix, router)


class HandlerIndex:
    """Which functions of one file are request handlers (see the module docstring)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._routes: dict[int, list[Route]] = {}
        self._qualnames: dict[int, str] = {}
        self._registered: set[str] = set()

    def visit_function(self, fn: cst.FunctionDef) -> Sequence[Route]:
        routes = routes_of_function(self.ctx, fn)
        self._qualnames[id(fn)] = function_qualname(self.ctx)
        if routes:
            self._routes[id(fn)] = routes
        return routes

    def visit_call(self, call: cst.Call) -> Route | None:
        route = route_of_call(self.ctx, call)
        if route is not None and route.handler:
            self._registered.add(route.handler)
        return route

    def routes(self, fn: cst.FunctionDef) -> Sequence[Route]:
        return self._routes.get(id(fn), ())

    def is_handler(self, fn: cst.FunctionDef) -> bool:
        return id(fn) in self._routes or self._qualnames.get(id(fn)) in self._registered


# Bytes a file holds when it may declare a request handler (a cheap prefilter for detectors).
ROUTE_NEEDS = (b"route", b"Route", b"@", b"event", b"add_url_rule", b"_handler", b"azure")
