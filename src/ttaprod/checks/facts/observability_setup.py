"""Facts about observability set-up, for the project items in `ttaprod.items.observability`
and `ttaprod.items.logs`. Reports nothing; test files are skipped (tests set up in-memory
exporters and registries that prove nothing about the service).

Facts (`ttaprod.facts`):

- `ObservabilityInit` at a call that installs a global provider (`prometheus`: TTA.dev's
  Prometheus exporter left on).
- `TraceProvider` at `TracerProvider(...)`; `SpanProcessor` at `BatchSpanProcessor(exporter)`
  (`console`: the exporter prints to the console); `TraceSetup` at a one-call set-up
  (`configure_azure_monitor()`).
- `MetricsDefined` once per file at its first metric (prometheus_client Counter/Gauge/…, or
  an instrumentor that defines request metrics); `MetricsExposed` at what serves them;
  `Metric` at each prometheus_client metric, with its name (namespace and subsystem joined)
  and the module-level name it is bound to (cost alerts and dashboards compare with them).
- `JsonLogging` at what makes log lines JSON.
"""

from __future__ import annotations

import libcst as cst

from ...analysis.observability import (
    Placement,
    callee,
    init_kind,
    is_false,
    is_true,
    keyword,
    receiver_type,
    table,
    tta_init,
)
from ...analysis.web import argument, literal_str
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...facts import (
    JsonLogging,
    Metric,
    MetricsDefined,
    MetricsExposed,
    ObservabilityInit,
    SpanProcessor,
    TraceProvider,
    TraceSetup,
)


class ObservabilityFacts(Detector):
    facts_only = True
    needs = Derived(lambda: table().roots)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.place = Placement(ctx)
        self.metrics: list[tuple[cst.CSTNode, str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.place.visit_function(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.off:
            return
        for base in node.bases:
            qual = self.ctx.qualname(base.value)
            if qual in table().json_formatters:
                self.ctx.fact(node, JsonLogging(api=qual or "", via="subclass"))
                return

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self.off:
            return
        value = node.evaluated_value
        if isinstance(value, str) and value in table().json_formatters:
            self.ctx.fact(node, JsonLogging(api=value, via="config"))

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if self.off or not isinstance(node.value, (cst.Name, cst.Attribute)):
            return
        qual = self.ctx.qualname(node.value)
        if qual in table().json_formatters and literal_str(node.key) in ("()", "class"):
            self.ctx.fact(node, JsonLogging(api=qual or "", via="config"))

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        qual = callee(self.ctx, node)
        if qual is None:
            return
        self._init(node, qual)
        self._tracing(node, qual)
        self._metrics(node, qual)
        self._logging(node, qual)

    def _init(self, node: cst.Call, qual: str) -> None:
        kind = init_kind(qual)
        if kind is None:
            return
        prometheus = False
        if kind == "tta":
            found = tta_init(qual)
            switch = found[0].prometheus if found else ""
            # on by default; the no-argument initialiser has no switch and keeps its defaults
            prometheus = not (switch and is_false(keyword(node, switch)))
        init = ObservabilityInit(
            what=kind, api=qual, where=self.place.where(), prometheus=prometheus
        )
        self.ctx.fact(node, init)

    def _tracing(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.tracer_providers:
            self.ctx.fact(node, TraceProvider(api=qual))
        elif qual in obs.span_processors:
            exporter = argument(node, 0, "span_exporter")
            name = ""
            if exporter is not None:
                name = (
                    callee(self.ctx, exporter)
                    if isinstance(exporter, cst.Call)
                    else receiver_type(self.ctx, exporter)
                ) or ""
            console = name in obs.console_exporters
            self.ctx.fact(node, SpanProcessor(api=qual, exporter=name, console=console))
        elif qual in obs.trace_setups:
            self.ctx.fact(node, TraceSetup(api=qual))

    def _metrics(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.metric_types or qual in obs.instrumentors:
            self.metrics.append((node, qual))
            if qual in obs.metric_types:
                self._metric(node, qual)
            if obs.instrumentors.get(qual) == "":
                self.ctx.fact(node, MetricsExposed(how="instrumentor", api=qual))
        elif qual in obs.servers or qual in obs.apps or qual in obs.push:
            how = "server" if qual in obs.servers else "app" if qual in obs.apps else "push"
            self.ctx.fact(node, MetricsExposed(how=how, api=qual))
        elif isinstance(node.func, cst.Attribute):
            owner, _, method = qual.rpartition(".")
            expose = obs.instrumentors.get(owner)
            if expose and expose != "-" and method == expose:
                self.ctx.fact(node, MetricsExposed(how="instrumentor", api=qual))

    def _metric(self, node: cst.Call, qual: str) -> None:
        parts = [
            (literal_str(value) or "") if value is not None else ""
            for value in (keyword(node, "namespace"), keyword(node, "subsystem"))
        ]
        name = argument(node, 0, "name")
        written = literal_str(name) if name is not None else None
        metric = "_".join(p for p in (*parts, written) if p) if written else ""
        binding = ""
        statement = self.ctx.statement()
        if (
            not self.ctx.functions
            and not self.ctx.classes
            and isinstance(statement, cst.SimpleStatementLine)
            and isinstance(statement.body[0], cst.Assign)
            and statement.body[0].value is node
            and isinstance(statement.body[0].targets[0].target, cst.Name)
        ):
            binding = f"{self.ctx.names.module_name}.{statement.body[0].targets[0].target.value}"
        kind = qual.rsplit(".", 1)[-1].lower()
        self.ctx.fact(node, Metric(binding=binding, metric=metric, type=kind))

    def _logging(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.json_renderers or qual in obs.json_formatters:
            self.ctx.fact(node, JsonLogging(api=qual, via="call"))
        elif qual in obs.json_calls and is_true(keyword(node, obs.json_calls[qual])):
            self.ctx.fact(node, JsonLogging(api=f"{qual}({obs.json_calls[qual]}=True)", via="call"))

    def finish(self) -> None:
        if self.metrics:
            first, api = self.metrics[0]
            self.ctx.fact(first, MetricsDefined(count=len(self.metrics), api=api))
