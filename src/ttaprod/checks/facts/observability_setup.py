"""Facts about observability set-up, for the project items in `ttaprod.project.observability`
and `ttaprod.project.logs`. Reports nothing; test files are skipped (tests set up in-memory
exporters and registries that prove nothing about the service).

Facts (all data are strings):

- `obs_init` at a call that installs a global provider: `what` ("tta", "tracer", "meter"),
  `api` (qualified name), `where` ("module", "main", "function:<qualname>"), `prometheus`
  ("yes"/"no": TTA.dev's Prometheus exporter left on).
- `trace_provider` at `TracerProvider(...)`; `span_processor` at `BatchSpanProcessor(exporter)`
  with `exporter` (qualified name, "" when unknown) and `console` ("yes"/"no");
  `trace_setup` at a one-call set-up (`configure_azure_monitor()`), with `api`.
- `metrics_defined` once per file at its first metric (prometheus_client Counter/Gauge/…, or
  an instrumentor that defines request metrics), with `count` and `api` of the first.
- `metrics_exposed` at what serves them: `how` ("server", "app", "push", "instrumentor") and `api`.
- `log_json` at what makes log lines JSON: `api` and `via` ("call", "subclass", "config").
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
                self.ctx.fact("log_json", node, api=qual or "", via="subclass")
                return

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self.off:
            return
        value = node.evaluated_value
        if isinstance(value, str) and value in table().json_formatters:
            self.ctx.fact("log_json", node, api=value, via="config")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if self.off or not isinstance(node.value, (cst.Name, cst.Attribute)):
            return
        qual = self.ctx.qualname(node.value)
        if qual in table().json_formatters and literal_str(node.key) in ("()", "class"):
            self.ctx.fact("log_json", node, api=qual or "", via="config")

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
        prometheus = "no"
        if kind == "tta":
            found = tta_init(qual)
            switch = found[0].prometheus if found else ""
            # on by default; the no-argument initialiser has no switch and keeps its defaults
            prometheus = "no" if switch and is_false(keyword(node, switch)) else "yes"
        self.ctx.fact(
            "obs_init", node, what=kind, api=qual, where=self.place.where(), prometheus=prometheus
        )

    def _tracing(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.tracer_providers:
            self.ctx.fact("trace_provider", node, api=qual)
        elif qual in obs.span_processors:
            exporter = argument(node, 0, "span_exporter")
            name = ""
            if exporter is not None:
                name = (
                    callee(self.ctx, exporter)
                    if isinstance(exporter, cst.Call)
                    else receiver_type(self.ctx, exporter)
                ) or ""
            console = "yes" if name in obs.console_exporters else "no"
            self.ctx.fact("span_processor", node, api=qual, exporter=name, console=console)
        elif qual in obs.trace_setups:
            self.ctx.fact("trace_setup", node, api=qual)

    def _metrics(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.metric_types or qual in obs.instrumentors:
            self.metrics.append((node, qual))
            if obs.instrumentors.get(qual) == "":
                self.ctx.fact("metrics_exposed", node, how="instrumentor", api=qual)
        elif qual in obs.servers or qual in obs.apps or qual in obs.push:
            how = "server" if qual in obs.servers else "app" if qual in obs.apps else "push"
            self.ctx.fact("metrics_exposed", node, how=how, api=qual)
        elif isinstance(node.func, cst.Attribute):
            owner, _, method = qual.rpartition(".")
            expose = obs.instrumentors.get(owner)
            if expose and expose != "-" and method == expose:
                self.ctx.fact("metrics_exposed", node, how="instrumentor", api=qual)

    def _logging(self, node: cst.Call, qual: str) -> None:
        obs = table()
        if qual in obs.json_renderers or qual in obs.json_formatters:
            self.ctx.fact("log_json", node, api=qual, via="call")
        elif qual in obs.json_calls and is_true(keyword(node, obs.json_calls[qual])):
            self.ctx.fact("log_json", node, api=f"{qual}({obs.json_calls[qual]}=True)", via="call")

    def finish(self) -> None:
        if self.metrics:
            first, api = self.metrics[0]
            self.ctx.fact("metrics_defined", first, count=str(len(self.metrics)), api=api)
