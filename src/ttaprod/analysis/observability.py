"""What initialises observability, read from `rules/knowledge/observability.toml`.

Shared by the facts detector (`checks/facts/observability_setup.py`) and the TTP211/TTP212
detectors (`checks/observability/observability_init.py`). API:

- `table()`: the knowledge as sets of qualified names (`ObsTable`).
- `init_kind(qual)`: "tta", "tracer" or "meter" for a call that installs a global provider
  (TTA.dev `initialize_observability`, `trace.set_tracer_provider`, `metrics.set_meter_provider`).
- `tta_init(qual)`: the real TTA.dev initialiser a qualified name is, or the one a guide-only
  module (`tta_observability_integration`) stands for, with its parameters.
- `missing_module(dotted)`: the guide-only module entry a dotted module path falls under.
- `callee(ctx, call)`: the qualified name of what a call calls, methods included
  (`boto3.Session().client` → "boto3.Session.client").
- `Placement`: where a call runs — "module", "main" (`if __name__ == "__main__":`) or the
  qualified name of the innermost function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext
from .syntax import is_main_guard as _main_guard
from .web import function_qualname

_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.\w+)+$")


@dataclass(frozen=True)
class TtaInit:
    names: frozenset[str]
    params: tuple[str, ...]
    prometheus: str  # the keyword switching Prometheus off, "" when it has none
    signature: str


@dataclass(frozen=True)
class MissingModule:
    module: str
    real: str


@dataclass(frozen=True)
class ObsTable:
    tta: tuple[TtaInit, ...]
    missing: tuple[MissingModule, ...]
    tracer_providers: frozenset[str]
    set_tracer_provider: frozenset[str]
    set_meter_provider: frozenset[str]
    span_processors: frozenset[str]
    console_exporters: frozenset[str]
    trace_setups: frozenset[str]
    metric_types: frozenset[str]
    servers: frozenset[str]
    apps: frozenset[str]
    push: frozenset[str]
    instrumentors: dict[str, str]  # type → expose method ("" on construction, "-" never)
    json_renderers: frozenset[str]
    json_formatters: frozenset[str]
    json_calls: dict[str, str]  # callee → keyword that must be True
    roots: tuple[bytes, ...]  # top-level package names: the detectors' byte prefilter


@knowledge.derived
def table() -> ObsTable:
    data = knowledge.table("observability")
    otel, prom, logs = data["otel"], data["prometheus"], data["logging"]
    tta = tuple(
        TtaInit(frozenset(e["names"]), tuple(e["params"]), e["prometheus"], e["signature"])
        for e in data["tta"]["init"]
    )
    missing = tuple(MissingModule(e["module"], e["real"]) for e in data["tta"]["nonexistent"])
    instrumentors = {e["type"]: e["expose"] for e in prom["instrumentors"]}
    json_calls = {e["name"]: e["keyword"] for e in logs["json_calls"]}
    names: set[str] = {n for t in tta for n in t.names} | {m.module for m in missing}
    for group in (otel, prom, logs):
        for value in group.values():
            if isinstance(value, list):
                names.update(v for v in value if isinstance(v, str) and _DOTTED.match(v))
    names.update(instrumentors, json_calls)
    roots = tuple(sorted({n.split(".", 1)[0].encode() for n in names}))
    return ObsTable(
        tta=tta,
        missing=missing,
        tracer_providers=frozenset(otel["tracer_providers"]),
        set_tracer_provider=frozenset(otel["set_tracer_provider"]),
        set_meter_provider=frozenset(otel["set_meter_provider"]),
        span_processors=frozenset(otel["span_processors"]),
        console_exporters=frozenset(otel["console_exporters"]),
        trace_setups=frozenset(otel["setups"]),
        metric_types=frozenset(prom["metric_types"]),
        servers=frozenset(prom["servers"]),
        apps=frozenset(prom["apps"]),
        push=frozenset(prom["push"]),
        instrumentors=instrumentors,
        json_renderers=frozenset(logs["json_renderers"]),
        json_formatters=frozenset(logs["json_formatters"]),
        json_calls=json_calls,
        roots=roots,
    )


def missing_module(dotted: str) -> MissingModule | None:
    for entry in table().missing:
        if dotted == entry.module or dotted.startswith(entry.module + "."):
            return entry
    return None


def tta_init(qual: str | None) -> tuple[TtaInit, bool] | None:
    """(the initialiser, real?) for TTA.dev's initialize_observability: real when `qual` names
    one of its modules, not real when it comes from a guide-only module (judged against the
    first real signature)."""
    if qual is None or not qual.endswith("initialize_observability"):
        return None
    for init in table().tta:
        if qual in init.names:
            return init, True
    if missing_module(qual.rsplit(".", 1)[0]) is not None:
        return table().tta[0], False
    return None


def init_kind(qual: str | None) -> str | None:
    """The global provider a call installs: "tta", "tracer", "meter", else None."""
    if qual is None:
        return None
    found = tta_init(qual)
    if found is not None:
        return "tta" if found[1] else None
    obs = table()
    if qual in obs.set_tracer_provider:
        return "tracer"
    if qual in obs.set_meter_provider:
        return "meter"
    return None


def receiver_type(ctx: FileContext, expr: cst.BaseExpression) -> str | None:
    """What built the object `expr` holds, following builder chains
    (`Instrumentator().instrument(app)` → "prometheus_fastapi_instrumentator.Instrumentator")."""
    while True:
        if isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Attribute) and ctx.qualname(expr.func) is None:
                expr = expr.func.value
                continue
            return ctx.qualname(expr.func)
        held = ctx.instance(expr)
        return held.ctor if held is not None else None


def callee(ctx: FileContext, call: cst.Call) -> str | None:
    qual = ctx.qualname(call.func)
    if qual is not None or not isinstance(call.func, cst.Attribute):
        return qual
    owner = receiver_type(ctx, call.func.value)
    return f"{owner}.{call.func.attr.value}" if owner else None


def is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def is_false(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


class Placement:
    """Where a call runs. Feed `visit_function` from `visit_FunctionDef`."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.qualnames: dict[int, str] = {}

    def visit_function(self, fn: cst.FunctionDef) -> str:
        qual = function_qualname(self.ctx)
        self.qualnames[id(fn)] = qual
        return qual

    def where(self) -> str:
        """ "module", "main", or "function:<qualified name>" of the innermost function."""
        ctx = self.ctx
        if ctx.function is not None:
            return "function:" + self.qualnames.get(id(ctx.function), ctx.function.name.value)
        stack = ctx.stack
        for i, node in enumerate(stack[:-1]):
            if isinstance(node, cst.If) and stack[i + 1] is node.body and _main_guard(node.test):
                return "main"
        return "module"
