"""Cost accounting and budgets (cost.tracking, cost.budgets): facts for `items/cost.py`, and
the two rules one file can judge (a budget of 0 or less, TTP711, is judged with the deployment
environment's in `items/cost.py`, from the `CostBudget` facts):

- TTP702 nonexistent-cost-tracker: an import or use of the production guide's `CostTracker`
  (`from tta_dev_primitives.observability import CostTracker`), which the package does not
  have: the service fails at import.
- TTP712 cost-alert-threshold-out-of-range: `alert_threshold` outside (0, 1] (pydantic refuses
  it outside [0, 1]; 0 alerts on the first cent).

Facts (`ttaprod.facts`): `UsageRecord` where a function feeds token usage (`response.usage`,
`usage.total_tokens`, names assigned from them) to a prometheus_client metric (after
`.labels(…)`), an OpenTelemetry instrument, Langfuse or a span attribute, hands it to a project
function, or records one of its parameters on a metric (a recording helper); `CostTracker` at
process-wide accounting (LiteLLM callbacks, the Langfuse OpenAI drop-in, OpenLLMetry, TTA.dev
cost tracking); `TrackedClient` at a client built against a cost proxy (Helicone, Portkey);
`CostBudget` at a budget. Logging usage is not accounting it. Test files are skipped.
Knowledge: rules/knowledge/cost.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from ...analysis.cost import table
from ...analysis.literals import literal_number
from ...analysis.observability import table as observability
from ...analysis.outbound import called_name, render, scope_qualname
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import dotted
from ...engine.walker import children
from ...facts import CostBudget, CostTracker, Metric, TrackedClient, UsageRecord


@dataclass
class _Frame:
    qual: str
    params: set[str] = field(default_factory=set)  # parameters and names assigned from them
    usage: set[str] = field(default_factory=set)  # names holding token usage


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword and a.keyword.value == name), None)


class CostAccounting(Detector):
    codes = ("TTP702", "TTP712")
    facts_only = True
    needs = Derived(lambda: table().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.frames: list[_Frame] = [_Frame("")]
        self.instruments: set[str] = set()  # names bound to OpenTelemetry instruments
        self.recorded: set[tuple[str, str, str]] = set()

    # --- scopes ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        params = node.params
        names = {
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            if p.name.value not in ("self", "cls")
        }
        self.frames.append(_Frame(scope_qualname(self.ctx.names), names))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off and len(self.frames) > 1:
            self.frames.pop()

    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    # --- what an expression carries ------------------------------------------------------
    def _carries(self, expr: cst.CSTNode, names: set[str], fields: bool) -> bool:
        """`expr` reads token usage (`fields`), or one of `names`."""
        usage = table().usage_fields
        todo: list[cst.CSTNode] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.Name) and node.value in names:
                return True
            if fields and isinstance(node, cst.Attribute) and node.attr.value in usage:
                return True
            if (
                fields
                and isinstance(node, cst.SubscriptElement)
                and isinstance(node.slice, cst.Index)
                and isinstance(node.slice.value, cst.SimpleString)
                and node.slice.value.evaluated_value in usage
            ):
                return True
            if isinstance(node, (cst.Lambda, cst.FunctionDef)):
                continue
            todo.extend(children(node))
        return False

    def _usage(self, expr: cst.CSTNode) -> bool:
        return self._carries(expr, self.frame.usage, True)

    def _text(self, value: cst.BaseExpression) -> bool:
        """`value` makes text of what it holds (an f-string, `"…".format(…)`, `str(…)`)."""
        if isinstance(value, (cst.FormattedString, cst.ConcatenatedString)):
            return True
        if isinstance(value, cst.BinaryOperation):
            return self._text(value.left) or self._text(value.right)
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in table().passive_methods:
            return True
        return self.ctx.qualname(func) in ("builtins.str", "builtins.repr")

    def _param(self, expr: cst.CSTNode) -> bool:
        return bool(self.frame.params) and self._carries(expr, self.frame.params, False)

    # --- assignments ----------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if self.off:
            return
        targets = [t.target for t in node.targets]
        self._bind(targets, node.value)
        self._kept(targets, node.value, node)
        t = table()
        for target in targets:
            qual = self.ctx.qualname(target)
            if qual is None:
                continue
            for tracker in t.trackers:
                if qual in tracker.assign and _non_empty(node.value):
                    self._tracker(node, tracker.label, qual, tracker.providers)
            for limit in t.limits:
                if qual in limit.assign:
                    self._budget(node, node.value, limit.label, alerts=False)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self.off and node.value is not None:
            self._bind([node.target], node.value)

    def _bind(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression) -> None:
        names = [
            e.value
            for target in targets
            for e in (
                [x.value for x in target.elements]
                if isinstance(target, (cst.Tuple, cst.List))
                else [target]
            )
            if isinstance(e, cst.Name)
        ]
        if self._usage(value) and not self._text(value):
            self.frame.usage.update(names)
        elif self._param(value):
            self.frame.params.update(names)
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in table().otel_factories
        ):
            for target in targets:
                shown = render(target)
                if shown:
                    self.instruments.add(shown)
            name = value.args[0].value if value.args else None
            if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
                kind = value.func.attr.value.removeprefix("create_").removeprefix("up_down_")
                binding = ""
                if len(self.frames) == 1 and isinstance(targets[0], cst.Name):
                    binding = f"{self.ctx.names.module_name}.{targets[0].value}"
                metric = Metric(binding=binding, metric=name.evaluated_value, type=kind, otel=True)
                self.ctx.fact(value, metric)

    # --- imports --------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        if self.off:
            return
        for alias in node.names:
            self._imported(node, dotted(alias.name) or "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self.off or node.relative or node.module is None:
            return
        module = dotted(node.module) or ""
        self._imported(node, module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = f"{module}.{dotted(alias.name)}"
            self._imported(node, name)
            real = table().nonexistent.get(name)
            if real is not None:
                self.ctx.report(alias, _nonexistent(name, real))

    def _imported(self, node: cst.CSTNode, module: str) -> None:
        for tracker in table().trackers:
            if module in tracker.imports:
                self._tracker(node, tracker.label, module, tracker.providers)

    # --- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        t = table()
        qual = self.ctx.qualname(node.func)
        if qual is not None:
            self._setup(node, qual)
        self._proxy(node)
        usage = any(self._usage(a.value) for a in node.args)
        param = not usage and any(self._param(a.value) for a in node.args)
        if not (usage or param):
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in t.record_methods:
            metric = self._metric(func.value)
            if metric is not None:
                shown = f"`{render(func) or func.attr.value}()`"
                via = "param" if param else ("metric" if metric else "here")
                self._record(node, via, metric, f"token usage recorded by {shown}")
                return
        if self._langfuse(func, qual):
            shown = f"`{render(func) or 'langfuse'}()`"
            self._record(
                node, "param" if param else "here", "", f"usage sent to Langfuse by {shown}"
            )
            return
        if param:
            return
        if isinstance(func, cst.Attribute) and func.attr.value in t.span_methods:
            self._record(node, "here", "", f"token usage set on a span (`{render(func)}()`)")
            return
        if isinstance(func, cst.Attribute) and func.attr.value in t.log_methods:
            return  # logged, not accounted
        target = called_name(self.ctx, func, qual)
        if target is not None and self.ctx.in_project(target):
            shown = render(func) or target
            self._record(node, "handoff", target, f"token usage handed to `{shown}()`")
        elif (
            target is None
            and isinstance(func, cst.Attribute)
            and func.attr.value not in t.passive_methods
        ):
            # a method of an object this file cannot resolve (`self.usage[user].add_tokens(n)`)
            shown = f"`{render(func) or func.attr.value}()`"
            self._record(node, "here", "", f"token usage handed to {shown}")

    def visit_Return(self, node: cst.Return) -> None:
        if not self.off and node.value is not None and self._usage(node.value):
            self._record(node, "here", "", "token usage returned to its callers")

    def visit_Yield(self, node: cst.Yield) -> None:
        value = node.value
        if not self.off and isinstance(value, cst.BaseExpression) and self._usage(value):
            self._record(node, "here", "", "token usage yielded to its callers")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not self.off:
            self._kept([node.target], node.value, node)

    def _kept(
        self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression, node: cst.CSTNode
    ) -> None:
        """Usage stored on an object or in a mapping (`self.tokens += usage.total_tokens`)."""
        kept = [t for t in targets if isinstance(t, (cst.Attribute, cst.Subscript))]
        if kept and self._usage(value):
            shown = render(kept[0]) if isinstance(kept[0], cst.Attribute) else "a mapping"
            self._record(node, "here", "", f"token usage kept in `{shown}`")

    def _metric(self, receiver: cst.BaseExpression) -> str | None:
        """ "" when `receiver` is a metric of this module, its qualified name when it may be
        one of another module (resolved by the project check), None when it is not one."""
        t = table()
        while (
            isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Attribute)
            and receiver.func.attr.value in t.label_methods
        ):
            receiver = receiver.func.value
        held = self.ctx.instance(receiver)
        if held is not None and held.ctor in observability().metric_types:
            return ""
        shown = render(receiver)
        if shown is not None and shown in self.instruments:
            return ""
        if held is None and isinstance(receiver, (cst.Name, cst.Attribute)):
            qual = self.ctx.qualname(receiver)
            if qual is not None and self.ctx.in_project(qual):
                return qual
        return None

    def _langfuse(self, func: cst.BaseExpression, qual: str | None) -> bool:
        roots = table().langfuse_roots
        if qual is not None:
            return qual.split(".", 1)[0] in roots
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            return held is not None and held.ctor.split(".", 1)[0] in roots
        return False

    def _record(self, node: cst.CSTNode, via: str, target: str, label: str) -> None:
        key = (self.frame.qual, via, target)
        if key in self.recorded:
            return
        self.recorded.add(key)
        fact = UsageRecord(function=self.frame.qual, via=via, target=target, label=label)
        self.ctx.fact(node, fact)

    # --- set-up: trackers, budgets, the guide's names --------------------------------------
    def _setup(self, node: cst.Call, qual: str) -> None:
        t = table()
        for tracker in t.trackers:
            if qual in tracker.calls:
                self._tracker(node, tracker.label, qual, tracker.providers)
        if qual in t.tta_config:
            enabled = _keyword(node, t.tta_enabled)
            on = not (isinstance(enabled, cst.Name) and enabled.value == "False")
            self._threshold(_keyword(node, t.tta_threshold))
            self._budget(node, _keyword(node, t.tta_budget), "TTA.dev CostTrackingConfig", True, on)
            if on:
                self._tracker(node, "TTA.dev cost tracking", qual, ("*",))
        for limit in t.limits:
            if qual in limit.calls:
                value = _keyword(node, limit.keyword) if limit.keyword else None
                if not limit.keyword or value is not None:
                    self._budget(node, value, limit.label, alerts=False)
        real = t.nonexistent.get(qual)
        if real is not None and isinstance(node.func, cst.Attribute):
            self.ctx.report(node, _nonexistent(qual, real))

    def _tracker(self, node: cst.CSTNode, label: str, api: str, providers: tuple[str, ...]) -> None:
        self.ctx.fact(node, CostTracker(label=label, api=api, providers=providers))

    def _budget(
        self,
        node: cst.CSTNode,
        value: cst.BaseExpression | None,
        label: str,
        alerts: bool,
        enabled: bool = True,
    ) -> None:
        written = self.ctx.code_for(value).strip() if value is not None else ""
        amount = literal_number(value)
        shown = str(amount) if amount is not None else written
        budget = CostBudget(label=label, budget=shown, alerts=alerts, enabled=enabled)
        # at the amount when it is a literal (TTP711 points at it), else at the set-up
        self.ctx.fact(value if amount is not None and value is not None else node, budget)

    def _threshold(self, value: cst.BaseExpression | None) -> None:
        amount = literal_number(value)
        if value is None or amount is None or 0 < amount <= 1:
            return
        written = self.ctx.code_for(value).strip()
        if amount > 1 or amount < 0:
            what = (
                "CostTrackingConfig refuses it (pydantic: between 0 and 1) and the service "
                "fails at start-up"
            )
            if amount > 1:
                what += f"; a percentage? {written} % is {amount / 100:g}"
        else:
            what = "the alert fires on the first cent spent, so it says nothing"
        self.ctx.report(
            value,
            Problem(
                "TTP712",
                f"alert_threshold={written} is outside (0, 1]: {what}",
                fix="a fraction of the budget: alert_threshold=0.8 warns at 80 %",
            ),
        )

    def _proxy(self, node: cst.Call) -> None:
        t = table()
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword in t.url_keywords and isinstance(arg.value, cst.SimpleString):
                url = arg.value.evaluated_value
                host = next((h for h in t.proxy_hosts if isinstance(url, str) and h in url), None)
                if host is not None:
                    self.ctx.fact(node, TrackedClient(label=f"the {host} proxy ({keyword}=)"))
                    return
            if keyword in t.header_keywords and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    key = element.key if isinstance(element, cst.DictElement) else None
                    name = key.evaluated_value if isinstance(key, cst.SimpleString) else None
                    if isinstance(name, str) and name.lower() in t.proxy_headers:
                        self.ctx.fact(node, TrackedClient(label=f"the {name} proxy header"))
                        return


def _non_empty(value: cst.BaseExpression) -> bool:
    return not isinstance(value, (cst.List, cst.Tuple)) or bool(value.elements)


def _nonexistent(name: str, real: str) -> Problem:
    short = name.rsplit(".", 1)[-1]
    module = name.rsplit(".", 1)[0]
    return Problem(
        "TTP702",
        f"`{short}` does not exist in `{module}` (a name from the TTA.dev production guide): the "
        "import raises ImportError and the service does not start, so no cost is tracked at all",
        fix=f"use {real}",
    )
