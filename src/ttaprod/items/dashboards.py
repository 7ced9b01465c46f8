"""observability.dashboards: Grafana dashboards kept as code, on the metrics the code emits.

Judged when the project has anything of Grafana (`deploy/dashboards.py`): dashboard models,
provisioning files, a Grafana container. `pass`: a dashboard panel queries a metric the code
emits (its prometheus_client or OpenTelemetry metrics, its instrumentation library's request
metrics). `warn`: a Grafana container that provisions no dashboard (TTP221, at its image); a
dashboard none of whose queries reads a metric the code emits or an exporter's (TTP222, at its
first query); only dashboards of infrastructure metrics (node_exporter, cAdvisor…), none of the
service's own. A dashboard JSON that does not parse is TTP590 (`fail`). Skipped without Grafana.
"""

from __future__ import annotations

from ..deploy import dashboards
from ..deploy.inventory import collect
from ..deploy.promql import metric_names
from ..engine.project import CheckResult, ProjectIndex
from ..models import Evidence, ItemResult, Severity, Status
from ..tally import Issue, Tally, verdict
from .common import listed, worse
from .emitted import emitted, is_exporter_metric

ITEM = "observability.dashboards"


def dashboards_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    inventory = collect(index)
    found = dashboards.find(inventory)
    if not found.any:
        return verdict(default, Status.SKIP, "no Grafana dashboards, provisioning or container"), ()
    tally = Tally(inventory.judged(index), ITEM, inventory.texts)
    for bad in found.invalid:
        tally.report(Issue("TTP590", bad.path, bad.line, bad.message, f"dashboard {bad.path}"))
    for grafana in found.grafanas:
        if not grafana.provisioned:
            tally.report(
                Issue(
                    "TTP221",
                    grafana.path,
                    grafana.line,
                    f"Grafana runs ({grafana.where}) with no dashboard provisioned: no volume at "
                    "/etc/grafana/provisioning or a dashboards path, so every dashboard lives only "
                    "in its database and is lost or drifts with it.",
                    f"grafana {grafana.where}",
                    fix="mount provisioning (grafana/provisioning/dashboards/*.yaml) and the "
                    "dashboard JSON files into the container",
                )
            )
    code = emitted(index)
    own: list[Evidence] = []
    infrastructure: list[Evidence] = []
    for board in found.dashboards:
        names = board.metrics()
        mine = sorted(n for n in names if n in code)
        if mine:
            line = next(ln for _, e, ln in board.queries if set(mine) & metric_names(e))
            note = f"dashboard {board.title!r} charts {listed(mine, 2)}"
            own.append(Evidence(board.path, line, note))
            continue
        if not names or not code.known:
            continue
        if all(is_exporter_metric(n) for n in names):
            note = f"dashboard {board.title!r}: infrastructure metrics only"
            infrastructure.append(Evidence(board.path, board.line, note))
            continue
        unknown = sorted(n for n in names if not is_exporter_metric(n))
        tally.report(
            Issue(
                "TTP222",
                board.path,
                board.queries[0][2],
                f"dashboard {board.title!r} queries {listed(unknown)}, which no code of the "
                "project emits: its panels stay empty, and nobody looks at the metrics the "
                "service has.",
                f"dashboard {board.title}",
                fix="chart the metrics the service defines (its prometheus_client metrics, with "
                "`_total` on counters and `_bucket` on histograms)",
            )
        )
    return _verdict(default, tally, found, own, infrastructure)


def _verdict(
    default: ItemResult,
    tally: Tally,
    found: dashboards.Found,
    own: list[Evidence],
    infrastructure: list[Evidence],
) -> CheckResult:
    provisioned = [
        Evidence(g.path, g.line, f"Grafana ({g.where}) provisioned by {g.provisioned}")
        for g in found.grafanas
        if g.provisioned
    ]
    providers = [Evidence(p, line, "dashboard provisioning") for p, line in found.providers]
    if own:
        status = Status.PASS
        reason = f"dashboards on the service's metrics: {listed([e.note for e in own], 2)}"
    elif found.dashboards and not infrastructure:
        status = Status.WARN
        reason = "no dashboard panel queries a metric the code emits"
    elif infrastructure:
        status = Status.WARN
        reason = "dashboards show only infrastructure metrics, none of the service's own"
    else:
        status = Status.WARN
        reason = "Grafana without a dashboard kept as code"
    for finding in tally.findings:
        if finding.severity in (Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM):
            status = worse(status, Status.FAIL)
        elif finding.severity is Severity.LOW:
            status = worse(status, Status.WARN)
    if tally.findings:
        reason += f"; {len(tally.findings)} problem(s): {tally.findings[0].message}"
    proof = [*own, *provisioned, *providers, *infrastructure]
    return verdict(default, status, reason, proof), tally.found()
