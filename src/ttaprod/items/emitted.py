"""The metrics the project's code emits, as Prometheus scrapes them: its prometheus_client and
OpenTelemetry metrics (`Metric` facts) and the request metrics of the instrumentation libraries
it sets up (`MetricsExposed` facts, names in rules/knowledge/dashboards.toml). Cost alerts
(TTP713) and dashboards (TTP222) compare their queries with it."""

from __future__ import annotations

from dataclasses import dataclass

from .. import knowledge
from ..deploy.promql import emits, scraped_names
from ..engine.project import ProjectIndex
from ..facts import Metric, MetricsDefined, MetricsExposed


@dataclass(frozen=True)
class Emitted:
    scraped: frozenset[str]
    otel: frozenset[str]  # OpenTelemetry names, to which a unit and suffix may be added
    prefixes: tuple[str, ...]  # of instrumentation libraries' metrics
    known: bool  # False: a metric's name is not a literal, so the list is incomplete

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return emits(name, set(self.scraped), set(self.otel)) or name.startswith(self.prefixes)


def emitted(index: ProjectIndex) -> Emitted:
    scraped: set[str] = set()
    otel: set[str] = set()
    known = True
    for fact in index.facts_of(Metric):
        if not fact.metric:
            known = False
            continue
        scraped.update(scraped_names(fact.metric, fact.type, fact.otel))
        if fact.otel:
            otel.add(scraped_names(fact.metric, "gauge", True)[0])
    rows = {r["type"]: r["prefixes"] for r in knowledge.table("dashboards")["instrumentors"]}
    apis = {f.api for f in index.facts_of(MetricsExposed)}
    apis |= {f.api for f in index.facts_of(MetricsDefined)}
    prefixes = tuple(p for api in sorted(apis) for p in rows.get(api, ()))
    return Emitted(frozenset(scraped), frozenset(otel), prefixes, known)


def is_exporter_metric(name: str) -> bool:
    """A metric exporters and runtimes emit (node_exporter, cAdvisor, `up`, `process_*`)."""
    table = knowledge.table("dashboards")
    return name in table["exporter_names"] or name.startswith(tuple(table["exporter_prefixes"]))
