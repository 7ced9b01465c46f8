"""deploy.alerts: Prometheus alerting rules for the error rate and latency (TTP531, TTP532); the
cost alert (TTP533) is judged with the budgets (`items/cost.py`, from `cost_alerts`).

Rule files are YAML with `groups:` of `rules:` (and `PrometheusRule` objects with
`spec.groups`). The kinds are project-wide: one alert of a kind anywhere is enough, and a
missing kind is reported on the `groups:` line of the first rule file. A rule file whose
structure Prometheus would refuse (no `expr`, neither `alert` nor `record`, unbalanced brackets)
is TTP590, one uncovered practice per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import knowledge
from ..models import Evidence
from ..tally import Issue, Tally
from .inventory import Inventory, is_k8s_object, is_rules_doc
from .yamlfiles import YamlFile, YList, YMap, get

KIND_RULES = {"error-rate": "TTP531", "latency": "TTP532"}
COST_RULE = "TTP533"
_PAIRS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Alert:
    path: str
    line: int
    name: str
    expr: str


def _groups(doc: Any) -> tuple[Any, YMap | None]:
    holder = get(doc, "spec") if is_k8s_object(doc) else doc
    return (get(holder, "groups"), holder) if isinstance(holder, YMap) else (None, None)


def _balanced(expr: str) -> bool:
    stack: list[str] = []
    quote = ""
    for i, char in enumerate(expr):
        if quote:
            if char == quote and expr[i - 1] != "\\":
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return False
    return not stack and not quote


def _rule_problem(rule: Any) -> str | None:
    if not isinstance(rule, YMap):
        return "a rule that is not a mapping"
    kinds = [k for k in ("alert", "record") if isinstance(rule.get(k), str)]
    if len(kinds) != 1:
        return "a rule needs exactly one of `alert` or `record`"
    expr = rule.get("expr")
    if expr is None or str(expr).strip() == "":
        return f"{kinds[0]} `{rule[kinds[0]]}` has no `expr`"
    if not _balanced(str(expr)):
        return f"{kinds[0]} `{rule[kinds[0]]}`: unbalanced brackets or quotes in `expr`"
    return None


def _read(file: YamlFile) -> tuple[list[Alert], list[Issue], int | None]:
    """Alerts of a parsed rule file, its structural problems, and the line of its `groups:`."""
    alerts, problems, anchor = [], [], None
    for doc in file.docs:
        if not is_rules_doc(doc):
            continue
        groups, holder = _groups(doc)
        assert holder is not None
        anchor = anchor or holder.line("groups")
        for g_index, group in enumerate(groups if isinstance(groups, YList) else []):
            rules = get(group, "rules")
            if not isinstance(rules, YList):
                problems.append(
                    Issue(
                        "TTP590",
                        file.path,
                        groups.line(g_index),
                        "a rule group without a `rules:` list",
                        f"group {g_index}",
                    )
                )
                continue
            for index, rule in enumerate(rules):
                problem = _rule_problem(rule)
                if problem:
                    problems.append(
                        Issue(
                            "TTP590",
                            file.path,
                            rules.line(index),
                            f"invalid alerting rule: {problem}",
                            f"rule {g_index}.{index}",
                        )
                    )
                elif "alert" in rule:
                    alerts.append(
                        Alert(file.path, rule.line("alert"), rule["alert"], str(rule["expr"]))
                    )
    return alerts, problems, anchor


def matches(alert: Alert, kind: dict[str, str]) -> bool:
    text = f"{alert.name}\n{alert.expr}"
    if not re.search(kind["match"], text, re.IGNORECASE):
        return False
    return (
        "requires" not in kind or re.search(kind["requires"], alert.expr, re.IGNORECASE) is not None
    )


def cost_alerts(inventory: Inventory) -> tuple[list[Alert], tuple[str, int] | None]:
    """The cost or budget alerts of the rule files that parse, and where the first rule file's
    `groups:` is (None when no rule file has one)."""
    kind = knowledge.table("deploy")["alerts"]["kinds"]["cost"]
    found: list[Alert] = []
    anchor: tuple[str, int] | None = None
    for file in inventory.rules:
        if file.error is not None:
            continue
        alerts, _, groups_line = _read(file)
        found.extend(a for a in alerts if matches(a, kind))
        if anchor is None and groups_line is not None:
            anchor = (file.path, groups_line)
    return found, anchor


def check(inventory: Inventory, tally: Tally, whole_project: bool = True) -> None:
    kinds = knowledge.table("deploy")["alerts"]["kinds"]
    alerts: list[Alert] = []
    anchor: tuple[str, int] | None = None
    for file in inventory.rules:
        if file.error is not None:
            message = f"alert rule file cannot be parsed: {file.error.message}"
            tally.practice(
                "TTP590", file.path, [Issue("TTP590", file.path, file.error.line, message, "parse")]
            )
            continue
        found, problems, groups_line = _read(file)
        alerts.extend(found)
        if problems:
            tally.practice("TTP590", file.path, problems)
        if anchor is None and groups_line is not None:
            anchor = (file.path, groups_line)
    for kind_id, rule in KIND_RULES.items():
        kind = kinds[kind_id]
        hit = next((a for a in alerts if matches(a, kind)), None)
        if hit is not None:
            tally.practice(
                rule,
                hit.path,
                [],
                Evidence(hit.path, hit.line, f"{kind['label']} alert {hit.name}"),
            )
        elif anchor is None:
            tally.unverifiable(rule, inventory.rules[0].path, 1)
        elif whole_project:
            message = f"no {kind['label']} alert in any rule file: {_WHY[kind_id]}"
            tally.practice(
                rule,
                anchor[0],
                [
                    Issue(
                        rule,
                        anchor[0],
                        anchor[1],
                        message,
                        f"missing {kind_id} alert",
                        fix=_FIX[kind_id],
                    )
                ],
            )
    templates = inventory.templates.get("alerts", [])
    if templates:
        tally.notes.append(
            f"{len(templates)} templated rule file(s) not checked: {', '.join(templates[:3])}"
        )


_WHY = {
    "error-rate": "failing requests go unnoticed until users report them",
    "latency": "slow responses go unnoticed (alert on histogram_quantile of a duration histogram)",
    "cost": "runaway spend (LLM tokens, API calls) goes unnoticed until the bill arrives",
}
_FIX = {
    "error-rate": 'alert on sum(rate(http_requests_total{status=~"5.."}[5m]))'
    " / sum(rate(http_requests_total[5m]))",
    "latency": "alert on histogram_quantile(0.95, sum by (le)"
    " (rate(http_request_duration_seconds_bucket[5m])))",
    "cost": "alert on the rate of an LLM token/cost counter against a daily budget",
}
