"""cost.tracking and cost.budgets: every LLM call accounted for, and a budget someone is told
about before it runs out. Both skip a project without LLM calls (`LlmCall` facts).

cost.tracking (TTP701 llm-call-without-cost-tracking) counts every LLM call as a site, covered
by, in this order:

- process-wide accounting of its provider (`CostTracker`: LiteLLM callbacks, the Langfuse
  OpenAI drop-in, OpenLLMetry, TTA.dev cost tracking), wherever in the project it is set up;
- a client built against a cost proxy (`TrackedClient` at the call's client construction);
- token usage accounted on every path into its function (`UsageRecord`): recorded there on a
  metric, Langfuse or a span, kept on an object, returned to the callers, or handed to a
  function of the project (`record_usage(model, response.usage.total_tokens)`) or a method
  the file cannot resolve; or done by a caller, however many calls and modules away (the call
  graph, as for the cache). Logging usage, or putting it in a string, is not accounting.

When nothing in the project accounts any call, that is one finding for the project (advice,
like the cache); otherwise each call that escapes the accounting is a finding of its own.

cost.budgets (also judged without LLM calls when the project sets a budget or a cost alert
of its own): a budget with an alert (TTA.dev `CostTrackingConfig`, `TTA_BUDGET_LIMIT_USD` in
the deployment environment, a Prometheus alert on a cost or token metric) passes; a hard limit
without an alert (`litellm.max_budget`, `LiteLLMPrimitive(max_budget=…)`) warns; nothing
fails, with TTP533 on the rule files when there are some. What is wrong fails it: a budget of
0 or less (TTP711, in code or in the environment), an alert threshold outside (0, 1] (TTP712),
a cost alert on metrics no code of the project defines (TTP713).
"""

from __future__ import annotations

from dataclasses import replace

from ..analysis.cost import number, table
from ..deploy import alerts, environment
from ..deploy.inventory import collect
from ..deploy.promql import metric_names
from ..engine.project import CheckResult, ProjectIndex
from ..facts import (
    CostBudget,
    CostTracker,
    Fact,
    LlmCall,
    LlmClient,
    Metric,
    TrackedClient,
    UsageRecord,
)
from ..models import Evidence, ItemResult, Severity, Status
from ..tally import Issue, Tally, in_preview, verdict, visible
from .common import PARTIAL, at, guard_on_paths, listed, worse
from .emitted import emitted

TRACKING, BUDGETS = "cost.tracking", "cost.budgets"
RULE = "TTP701"
NO_LLM = "no LLM calls found: cost management does not apply"
FIX = (
    "record token usage where the answer comes back (a prometheus_client Counter fed with "
    "response.usage.total_tokens, or Langfuse), or set up accounting once for the process "
    '(litellm.success_callback = ["langfuse"], the langfuse.openai drop-in, a Helicone '
    "base_url, TTA.dev CostTrackingConfig(enabled=True))"
)


# --- cost.tracking ----------------------------------------------------------------------------
def tracking_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    calls = index.facts_of(LlmCall)
    tally = Tally(index, TRACKING)
    if not calls:
        return tally.result(default, NO_LLM)
    preview = in_preview(index, RULE)
    if preview:
        return tally.result(default, preview)
    if index.partial:
        return tally.result(default, PARTIAL)
    trackers = index.facts_of(CostTracker)
    clients = _tracked_clients(index)
    on_paths = guard_on_paths(index, usage_roots(index))
    bare: list[Issue] = []
    for fact in calls:
        if not tally.applies(RULE, fact.path):
            continue
        found = on_paths.get(fact.function) if fact.function else None
        label = f"{found[0]} ({at(found[1])})" if found is not None else ""
        label = label or clients.get((fact.path, fact.client), "") or _tracker_for(fact, trackers)
        if label:
            tally.covered_site(fact.path, fact.line, f"cost accounted: {label}")
        else:
            bare.append(_issue(fact))
    if bare and not tally.covered:
        tally.advice([(i, 1) for i in bare], "{n} LLM calls are not accounted for")
    else:
        for issue in bare:
            tally.uncovered_site(issue)
    if not tally.total:
        result, findings = tally.result(default, NO_LLM)
        return replace(result, reason=f"{RULE} is not selected"), findings
    return tally.added_to(default)  # with TTP702, reported in the files


def _issue(fact: LlmCall) -> Issue:
    return Issue(
        RULE,
        fact.path,
        fact.line,
        f"`{fact.operation}()` calls {fact.provider} and nothing accounts for what it costs: no "
        "token usage recorded on its path, no cost callback or proxy for its client, so spend "
        "is known only from the invoice.",
        fact.anchor,
        column=0,
        fix=FIX,
    )


def _tracker_for(fact: LlmCall, trackers: list[CostTracker]) -> str:
    for tracker in trackers:
        if "*" in tracker.providers or fact.provider in tracker.providers:
            return f"{tracker.label} ({at(tracker)})"
    return ""


def _tracked_clients(index: ProjectIndex) -> dict[tuple[str, str], str]:
    """(path, client key of an `LlmCall`) → the proxy its construction goes through."""
    proxies = {(f.path, f.line): f for f in index.facts_of(TrackedClient)}
    out: dict[tuple[str, str], str] = {}
    for client in index.facts_of(LlmClient):
        found = proxies.get((client.path, client.line))
        if found is not None:
            out[(client.path, client.key)] = f"{found.label} ({at(found)})"
    return out


def usage_roots(index: ProjectIndex) -> dict[str, tuple[str, Fact]]:
    """Functions that account for token usage → (what does, where)."""
    bindings = {m.binding for m in index.facts_of(Metric) if m.binding}
    graph = index.graph

    def metric(target: str) -> bool:
        return not target or target in bindings or graph.exports.get(target) in bindings

    records = index.facts_of(UsageRecord)
    sinks = {graph.resolve(r.function): r for r in records if r.via == "param" and metric(r.target)}
    roots: dict[str, tuple[str, Fact]] = {}
    for record in records:
        if not record.function:
            continue
        if record.via == "here" or (record.via == "metric" and metric(record.target)):
            roots.setdefault(record.function, (record.label, record))
        elif record.via == "handoff" and graph.resolve(record.target) not in graph.classes:
            # a function of the project given the usage does something with it (a data class
            # built with it does not)
            sink = sinks.get(graph.resolve(record.target))
            label = record.label
            if sink is not None:
                label = f"{record.label}, which records it ({sink.label.split(' by ')[-1]})"
            roots.setdefault(record.function, (label, record))
    return roots


# --- cost.budgets -----------------------------------------------------------------------------
def budgets_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    """Judged when the project calls an LLM, or sets a budget or a cost alert of its own."""
    inventory = collect(index)
    llm = bool(index.facts_of(LlmCall))
    tally = Tally(inventory.judged(index), BUDGETS, inventory.texts)
    with_alert: list[Evidence] = []
    limits: list[Evidence] = []
    for fact in index.facts_of(CostBudget):
        amount = number(fact.budget) if fact.budget else None
        if amount is not None and amount <= 0:
            tally.report(_not_positive(fact.path, fact.line, amount, fact.label))
            continue
        if not fact.enabled:
            continue
        amount = f"{fact.budget} USD" if fact.budget else "its default budget"
        note = f"{fact.label}: {amount}" + (", alert threshold" if fact.alerts else ", no alert")
        (with_alert if fact.alerts else limits).append(Evidence(fact.path, fact.line, note))
    for setting in environment.settings(inventory, table().budget_env):
        amount = number(setting.value) if setting.value else None
        if amount is None or amount > 0:
            note = f"{setting.name} in the environment"
            with_alert.append(Evidence(setting.path, setting.line, note))
        else:
            where = f"{setting.name} in the environment"
            tally.report(_not_positive(setting.path, setting.line, amount, where, setting.name))
    cost_alerts, anchor = alerts.cost_alerts(inventory)
    code = emitted(index)
    for alert in cost_alerts:
        names = metric_names(alert.expr)
        unknown = sorted(n for n in names if n not in code)
        if not code.known or not unknown or len(unknown) < len(names):
            with_alert.append(Evidence(alert.path, alert.line, f"cost alert {alert.name}"))
            continue
        tally.report(
            Issue(
                "TTP713",
                alert.path,
                alert.line,
                f"cost alert {alert.name} watches {listed(unknown)}, which no code of the project "
                "defines: the alert can never fire and the budget is unwatched.",
                f"alert {alert.name}",
                fix="alert on the counter the code increments with token usage or cost "
                "(compare the names with the prometheus_client metrics of the service)",
            )
        )
    if not llm and not with_alert and not limits and not tally.findings:
        return verdict(default, Status.SKIP, NO_LLM), ()
    if llm and not (with_alert or limits or cost_alerts) and anchor and not index.partial:
        tally.report(
            Issue(
                alerts.COST_RULE,
                anchor[0],
                anchor[1],
                "no cost/budget alert in any rule file: runaway spend (LLM tokens, API calls) "
                "goes unnoticed until the bill arrives",
                "missing cost alert",
                fix="alert on the rate of an LLM token/cost counter against a daily budget",
            )
        )
    findings = [
        *visible(index, lambda f: f.checklist_item == BUDGETS),
        *(f for f in tally.findings),
    ]
    status = Status.PASS if with_alert else Status.WARN if limits else Status.FAIL
    for found in findings:
        if found.severity in (Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM):
            status = worse(status, Status.FAIL)
        elif found.severity is Severity.LOW:
            status = worse(status, Status.WARN)
    proof = [*with_alert, *limits]
    if with_alert:
        reason = f"budget with an alert: {listed([f'{e.note} ({at(e)})' for e in with_alert], 2)}"
    elif limits:
        reason = (
            f"a hard limit without an alert before it: {listed([e.note for e in limits], 2)}; "
            "set an alert threshold (CostTrackingConfig) or a cost alert"
        )
    elif index.partial:
        return verdict(default, Status.SKIP, PARTIAL), tally.found()
    else:
        reason = (
            "no budget and no cost alert: nothing stops or reports runaway LLM spend "
            "(CostTrackingConfig(budget_limit_usd=…, alert_threshold=…), TTA_BUDGET_LIMIT_USD, "
            "or a Prometheus alert on a cost/token counter)"
        )
    if findings:
        reason += f"; {len(findings)} problem(s) with it: {findings[0].message}"
    return verdict(default, status, reason, proof), tally.found()


def _not_positive(path: str, line: int, amount: float, what: str, anchor: str = "") -> Issue:
    return Issue(
        "TTP711",
        path,
        line,
        f"a budget of {amount:g} USD ({what}) is no budget: spending is over it before the "
        "first call, so its alert fires at once (or every call is refused) and people learn "
        "to ignore it.",
        anchor or f"{what}: {amount:g}",
        column=1 if not anchor else 0,
        fix="set the monthly amount you mean to spend, e.g. budget_limit_usd=200.0",
    )
