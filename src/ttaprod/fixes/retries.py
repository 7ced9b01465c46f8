"""TTP102 (unsafe: failed requests are sent again): retries where there are none.

- A call through a requests Session built in this module (`self.session = requests.Session()`,
  `with requests.Session() as s:`): an `HTTPAdapter(max_retries=Retry(...))` is mounted right
  after the session is built, once per session. urllib3's `Retry` retries idempotent methods
  only (not POST) and backs off between attempts.
- A function that makes one outbound call, in a project that depends on tenacity already: a
  tenacity `@retry` decorator bounded to three attempts, retrying on the library's request
  error only (`requests.RequestException`, `httpx.TransportError`…). Not decorated: a
  function with several calls (retrying it would repeat those that succeeded), one making a
  POST or PATCH (it may have gone through before failing), one decorated already (a route
  handler: the retry belongs inside it).

Templates: `rules/knowledge/fixes.toml` ([retries]).
"""

from __future__ import annotations

import json

import libcst as cst

from ..analysis.outbound import Deferred, OutboundCall, classify
from ..engine.names import Instance
from ..models import Finding
from ..tools.deps import normalise
from .kit import Builder, Decline, Edit, FindingFix, statement
from .settings import data
from .walk import Family, FileKit


class Retries(Family):
    codes = ("TTP102",)
    nodes = (cst.Call,)

    def __init__(self, kit: FileKit) -> None:
        super().__init__(kit)
        self.built: dict[int, tuple[cst.BaseStatement | cst.With, str]] = {}  # ctor call → place
        self.outbound: dict[int, int] = {}  # id(function) → outbound calls it makes itself
        self.pending: list[tuple[Finding, cst.Call, cst.FunctionDef | None, OutboundCall]] = []

    # --- the walk: where sessions are built, how many calls each function makes -----------
    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call) and len(node.targets) == 1:
            line = self.ctx.parent()
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                self.built[id(node.value)] = (
                    line,
                    self.ctx.code_for(node.targets[0].target).strip(),
                )

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if isinstance(item.item, cst.Call) and item.asname is not None:
                name = item.asname.name
                if isinstance(name, cst.Name):
                    self.built[id(item.item)] = (node, name.value)

    def visit_Call(self, node: cst.Call) -> None:
        function = self._function()
        if function is not None and isinstance(classify(self.ctx, node), (OutboundCall, Deferred)):
            self.outbound[id(function)] = self.outbound.get(id(function), 0) + 1

    def _function(self) -> cst.FunctionDef | None:
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, cst.Lambda):
                return None
            if isinstance(node, cst.FunctionDef):
                return node if stack[i + 1] is node.body else None
        return None

    # --- the findings ---------------------------------------------------------------------
    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        assert isinstance(node, cst.Call)
        out = classify(self.ctx, node)
        if not isinstance(out, OutboundCall):
            raise Decline("the client this call goes through is not known")
        table = data()["retries"]
        instance = out.client.instance if out.client is not None else None
        if out.client is not None and out.client.ctor in table["session_classes"]:
            self._mount(finding, instance)
            return
        self.pending.append((finding, node, self._function(), out))

    def finish(self) -> None:
        for finding, node, function, out in self.pending:
            try:
                self._decorate(finding, node, function, out)
            except Decline as why:
                self.kit.decline(finding, str(why))

    def _mount(self, finding: Finding, instance: Instance | None) -> None:
        call = instance.call if instance is not None else None
        place = self.built.get(id(call)) if call is not None else None
        if place is None:
            raise Decline("the session is not built in this module, or not by an assignment")
        where, target = place
        table = data()["retries"]
        builder = self.kit.builder()
        lines = [
            builder.fill(table["mount"], target=target, prefix=json.dumps(prefix))
            for prefix in table["prefixes"]
        ]
        module = self.kit.module
        new = [statement(code, module) for code in lines]
        if isinstance(where, cst.With) and not isinstance(where.body, cst.IndentedBlock):
            raise Decline("a one-line with block")
        if isinstance(where, cst.With):
            edit = Edit(where, lambda n: _first_in_body(n, new), key="retries:mount")
        else:
            edit = Edit(where, lambda n: _followed_by(n, new), key="retries:mount")
        what = f"mount an HTTPAdapter with urllib3 Retry on `{target}` where it is built"
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit], builder.needs))

    def _decorate(
        self, finding: Finding, node: cst.Call, function: cst.FunctionDef | None, out: OutboundCall
    ) -> None:
        table = data()["retries"]
        if normalise(
            table["dependency"]
        ) not in self.kit.settings.dependencies and not self._imports(table["dependency"]):
            raise Decline(f"no retrying client here, and {table['dependency']} is not a dependency")
        if function is None:
            raise Decline("not in a function to decorate")
        if function.decorators:
            raise Decline("the function is decorated already (a route…): retry inside it")
        verb = _verb(node, self.ctx.qualname(node.func))
        if verb in table["not_idempotent"]:
            raise Decline(f"a {verb.upper()} may have gone through before failing: not repeated")
        if self.outbound.get(id(function), 0) != 1:
            raise Decline("the function makes several calls: retrying it would repeat them all")
        exception = next(
            (r["exception"] for r in table["exceptions"] if r["library"] == out.library.id), None
        )
        if exception is None:
            raise Decline(f"ttaprod does not know what {out.library.display} raises on failure")
        builder = Builder(self.ctx.names, self.kit.imported)
        text = builder.fill(table["decorator"], exception=builder.fill(exception))
        decorator = cst.Decorator(decorator=cst.parse_expression(text))

        def change(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(decorators=[*updated.decorators, decorator])

        edit = Edit(function, change, key="retries:decorator")
        what = f"decorate `{function.name.value}` with tenacity @retry (3 attempts, backoff)"
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit], builder.needs))

    def _imports(self, package: str) -> bool:
        module = self.ctx.names.scopes[0]
        return any(
            isinstance(b, str) and b.split(".", 1)[0] == package for b in module.bindings.values()
        )


def _verb(call: cst.Call, qual: str | None) -> str:
    """The HTTP method a call names: `requests.post(...)` → post, `s.request("PATCH", …)`."""
    if qual is not None:
        name = qual.rsplit(".", 1)[-1]
    elif isinstance(call.func, cst.Attribute):
        name = call.func.attr.value
    else:
        name = ""
    first = call.args[0].value if call.args else None
    if name == "request" and isinstance(first, cst.SimpleString):
        return first.raw_value.lower()
    return name.lower()


def _first_in_body(node: cst.CSTNode, new: list[cst.BaseStatement]) -> cst.CSTNode:
    assert isinstance(node, cst.With)
    body = node.body
    assert isinstance(body, cst.IndentedBlock)
    return node.with_changes(body=body.with_changes(body=[*new, *body.body]))


def _followed_by(
    node: cst.CSTNode, new: list[cst.BaseStatement]
) -> cst.FlattenSentinel[cst.CSTNode]:
    return cst.FlattenSentinel([node, *new])
