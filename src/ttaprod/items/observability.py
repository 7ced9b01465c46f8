"""observability.integration, .tracing and .metrics: verdicts from the facts of
`checks/facts/observability_setup.py`, the TTP211/TTP212 findings of
`checks/observability/observability_init.py`
and the start commands of the deployment files; TTP213 observability-initialised-more-than-once.

- integration: `fail` when the set-up crashes at start-up (TTP211) or nothing initialises
  OpenTelemetry (TTA.dev `initialize_observability`, a TracerProvider, a one-call set-up,
  `opentelemetry-instrument`); `warn` when only Prometheus metrics are set up, when set-up runs
  inside a request handler (TTP212) or in more than one place (TTP213); else `pass`.
- tracing: `pass` with a span processor exporting somewhere other than the console, TTA.dev's
  initialiser, a one-call set-up or auto-instrumentation; `warn` for console-only exporters or a
  TracerProvider without a span processor; `fail` with none.
- metrics: `pass` when metrics are defined and exposed (a /metrics route, `make_asgi_app`/
  `make_wsgi_app`, `start_http_server`, a Pushgateway push, an instrumentator, TTA.dev's
  Prometheus exporter); `warn` when only one half is there; `fail` with neither.

With only some files checked, absence is `skip`, never a verdict.
"""

from __future__ import annotations

from collections import defaultdict

from .. import knowledge
from ..engine.project import CheckResult, ProjectIndex
from ..facts import (
    MetricsDefined,
    MetricsExposed,
    ObservabilityInit,
    Route,
    SpanProcessor,
    TraceProvider,
    TraceSetup,
)
from ..models import Evidence, Finding, ItemResult, Status
from ..tally import Issue, Tally, verdict, visible
from . import deployfiles
from .common import PARTIAL, at, evidence, listed, short_api, where_note

INTEGRATION = "observability.integration"
_GROUPS = {"tracer": ("tta", "tracer"), "meter": ("meter",)}


def _init_note(fact: ObservabilityInit) -> str:
    api = fact.api
    name = api.rsplit(".", 1)[-1] if fact.what == "tta" else short_api(api)
    return f"{name}() {where_note(fact.where)}"


def _duplicates(index: ProjectIndex, tally: Tally) -> list[Finding]:
    """TTP213 on each extra place that installs the same global provider. Calls in one
    function (or at one module's top level) count as one place: if/else alternatives."""
    out: list[Finding] = []
    inits = index.facts_of(ObservabilityInit)
    for group, kinds in _GROUPS.items():
        places: dict[tuple[str, str], list[ObservabilityInit]] = defaultdict(list)
        for fact in sorted((f for f in inits if f.what in kinds), key=lambda f: (f.path, f.line)):
            places[(fact.path, fact.where)].append(fact)
        firsts = [facts[0] for facts in places.values()]
        for extra in firsts[1:]:
            first = firsts[0]
            provider = "tracer provider" if group == "tracer" else "meter provider"
            issue = Issue(
                "TTP213",
                extra.path,
                extra.line,
                f"observability is initialised again here: {_init_note(extra)} installs the "
                f"global {provider} that {_init_note(first)} already installed ({at(first)}); "
                "OpenTelemetry keeps the first one and ignores this one, with its exporters",
                f"{group}:{extra.api}:{extra.where}",
                fix="initialise observability once, at start-up, and pass the provider on",
            )
            made = tally.report(issue, on_site=False)
            if made is not None:
                out.append(made)
    return out


def _otel_sites(index: ProjectIndex) -> list[Evidence]:
    """What initialises OpenTelemetry: provider installs first, then the rest, each by place."""
    inits = index.facts_of(ObservabilityInit)
    sites = [evidence(f, _init_note(f)) for f in sorted(inits, key=lambda f: (f.path, f.line))]
    sites += [evidence(f, f"{short_api(f.api)}()") for f in index.facts_of(TraceSetup)]
    sites += deployfiles.auto_instrumentation(index)
    sites += [evidence(f, "TracerProvider built") for f in index.facts_of(TraceProvider)]
    return sites


def integration_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    broken = visible(index, lambda f: f.rule == "TTP211")
    in_handler = visible(index, lambda f: f.rule == "TTP212")
    tally = Tally(index, INTEGRATION)
    duplicates = _duplicates(index, tally)
    sites = _otel_sites(index)
    if broken:
        first = broken[0]
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        reason = f"observability set-up fails at start-up (TTP211 at {at(first)}){more}"
        return verdict(default, Status.FAIL, reason, sites), tally.found()
    if not sites:
        defined, exposed = _metrics_evidence(index)
        if defined or exposed:
            reason = (
                "only Prometheus metrics are set up; no OpenTelemetry or TTA.dev observability "
                "is initialised at start-up"
            )
            return verdict(default, Status.WARN, reason, exposed or defined), ()
        if index.partial:
            return verdict(default, Status.SKIP, PARTIAL), ()
        reason = (
            "no observability initialisation found: no TTA.dev initialize_observability(), "
            "OpenTelemetry TracerProvider / set_tracer_provider(), or opentelemetry-instrument "
            "in the start command"
        )
        return verdict(default, Status.FAIL, reason), ()
    problems = [f"inside a request handler ({at(f)})" for f in in_handler]
    problems += [f"more than once ({at(f)})" for f in duplicates]
    if problems:
        reason = "observability initialised " + listed(problems)
        return verdict(default, Status.WARN, reason, sites), tally.found()
    reason = "initialised at start-up: " + listed([f"{e.note} ({at(e)})" for e in sites], 1)
    return verdict(default, Status.PASS, reason, sites), ()


def tracing_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    processors = index.facts_of(SpanProcessor)
    exported = [p for p in processors if not p.console]
    tta = [f for f in index.facts_of(ObservabilityInit) if f.what == "tta"]
    proofs = [evidence(p, _processor_note(p)) for p in exported]
    proofs += [evidence(f, f"{_init_note(f)} sets up OpenTelemetry tracing") for f in tta]
    proofs += [evidence(f, f"{short_api(f.api)}()") for f in index.facts_of(TraceSetup)]
    proofs += deployfiles.auto_instrumentation(index)
    registered = [
        evidence(f, _init_note(f)) for f in index.facts_of(ObservabilityInit) if f.what == "tracer"
    ]
    if proofs:
        reason = "OpenTelemetry tracing exported: " + listed(
            [f"{e.note} ({at(e)})" for e in proofs], 2
        )
        return verdict(default, Status.PASS, reason, [*proofs, *registered]), ()
    if processors:
        first = processors[0]
        reason = (
            f"spans are only printed to the console ({_processor_note(first)}, {at(first)}): "
            "export them with an OTLP exporter"
        )
        return verdict(default, Status.WARN, reason, [evidence(first, _processor_note(first))]), ()
    providers = index.facts_of(TraceProvider)
    if providers:
        first = providers[0]
        reason = (
            f"a TracerProvider is built ({at(first)}) but no span processor exports its spans: "
            "add BatchSpanProcessor(OTLPSpanExporter(...))"
        )
        return verdict(default, Status.WARN, reason, [evidence(first, "TracerProvider built")]), ()
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL), ()
    reason = (
        "no tracing: no TracerProvider with an exporter, opentelemetry-instrument "
        "or initialize_observability()"
    )
    broken = visible(index, lambda f: f.rule == "TTP211")
    if broken:
        reason += f" that can run (TTP211 at {at(broken[0])})"
    return verdict(default, Status.FAIL, reason), ()


def _processor_note(fact: SpanProcessor) -> str:
    exporter = fact.exporter
    name = short_api(fact.api).split(".")[-1]
    return f"{name}({exporter.rsplit('.', 1)[-1]})" if exporter else f"{name}()"


def _callable(api: str) -> str:
    """`pkg.mod.func` → "func"; `pkg.Class.method` → "Class.method"."""
    parts = api.split(".")
    if len(parts) > 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]


def _metrics_evidence(index: ProjectIndex) -> tuple[list[Evidence], list[Evidence]]:
    """(defined, exposed) metrics evidence."""
    paths = set(knowledge.table("observability")["prometheus"]["route_paths"])
    defined = [
        evidence(f, f"{f.count} metric(s): {f.api.rsplit('.', 1)[-1]}, …")
        if f.count != 1
        else evidence(f, f"1 metric: {f.api.rsplit('.', 1)[-1]}")
        for f in index.facts_of(MetricsDefined)
    ]
    exposed = [
        evidence(f, f"served by {_callable(f.api)}()") for f in index.facts_of(MetricsExposed)
    ]
    for route in index.facts_of(Route):
        full = "/" + "/".join(p for p in (route.prefix + route.url).split("/") if p)
        if full in paths or full + "/" in paths:
            exposed.append(evidence(route, f"{route.method} {full} route"))
    for fact in index.facts_of(ObservabilityInit):
        if fact.what == "tta" and fact.prometheus:
            note = f"{_init_note(fact)}: TTA.dev primitive metrics on its Prometheus port"
            defined.append(evidence(fact, note))
            exposed.append(evidence(fact, note))
    return defined, exposed


def metrics_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    defined, exposed = _metrics_evidence(index)
    if defined and exposed:
        reason = (
            f"Prometheus metrics defined ({listed([at(e) for e in defined], 2)}) and exposed "
            f"({listed([f'{e.note}, {at(e)}' for e in exposed], 2)})"
        )
        return verdict(default, Status.PASS, reason, [*exposed, *defined]), ()
    if exposed:
        reason = (
            f"a metrics endpoint is served ({exposed[0].note}, {at(exposed[0])}) but no "
            "application metric is defined: only the client's default process metrics"
        )
        return verdict(default, Status.WARN, reason, exposed), ()
    if defined:
        reason = (
            f"Prometheus metrics are defined ({listed([at(e) for e in defined], 2)}) but never "
            "exposed: no /metrics route, make_asgi_app()/make_wsgi_app(), start_http_server() "
            "or Pushgateway push"
        )
        return verdict(default, Status.WARN, reason, defined), ()
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL), ()
    return verdict(default, Status.FAIL, "no Prometheus metrics defined or exposed"), ()
