"""The clients, sessions and transports a module hands to others (`client_value` facts): what
a module-level name holds, and what a module-level function or lambda returns.

The engine gives these to the files that import them (a second look at only those files,
`engine/values.py`), so `from .clients import llm; await llm().chat.completions.create(...)`
is an OpenAI call there, a transport with retries injected from another module retries, and
a factory that builds a new client on every call is seen where it is called. A function
annotated as returning a synchronous object (`def refetch_session(org) -> Session`) hands one
out too, so its callers' `session.query(...)` block in `async def`.

Reports nothing. A factory is `fresh` when it builds what it returns on every call: not
memoized (`@lru_cache`), not kept in a module-level name or container (a dict cache of
clients), not handing out a module-level instance. A function only annotated as returning a
client, whose body does not show where it comes from, is a factory that is not fresh: never
guess a problem that cannot be shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge as data
from ...analysis import targets
from ...analysis.outbound import construction, knowledge
from ...analysis.outbound.clients import client_spec
from ...analysis.protection.verdicts import construction_retries, transport_retries
from ...engine.binder import annotation_binding
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...engine.names import Instance
from ...facts import ClientValue


@dataclass
class _Function:
    qual: str
    node: cst.FunctionDef
    memoized: bool
    declared: str  # the client class its return annotation names, else ""
    built: dict[str, str] = field(default_factory=dict)  # local name → class it was built with
    returns: list[tuple[str, bool]] = field(default_factory=list)  # (class, fresh)
    kept: bool = False  # stores what it builds in a module-level name or container


def _needs() -> tuple[bytes, ...]:
    return (*knowledge().needs, *targets.pooled_needs())


class ClientValueFacts(Detector):
    facts_only = True
    needs = Derived(_needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.functions: list[_Function] = []
        self.depth = 0  # functions and classes we are inside
        self.globals: set[str] = set()  # module-level names (containers, instances)
        self.instances: dict[str, str] = {}  # module-level name → class it holds
        self.memo = frozenset(data.table("caching")["decorators"])

    # --- what a construction builds -------------------------------------------------------
    def _built(self, expr: cst.BaseExpression | None) -> tuple[str, str] | None:
        """(class, retries label) for a construction of a client, session or transport."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if not isinstance(expr, cst.Call):
            return None
        client = construction(self.ctx, expr)
        if client is not None:
            return client.ctor, construction_retries(self.ctx, client)
        qual = self.ctx.qualname(expr.func) or ""
        if qual in knowledge().transports or qual in knowledge().adapters:
            retries = transport_retries(self.ctx, expr) or qual in knowledge().adapters
            return qual, "transport retries (connection errors only)" if retries else ""
        if qual in targets.pooled():
            return qual, ""
        return None

    def _alias(self, value: cst.BaseExpression) -> str | None:
        """The synchronous class a module-level type alias names (`scoped_session[Session]`)."""
        if not isinstance(value, cst.Subscript):
            return None
        held = annotation_binding(self.ctx.names, cst.Annotation(value))
        if isinstance(held, Instance) and targets.blocks_only(held.ctor):
            return held.ctor
        return None

    def _name(self, local: str) -> str:
        module = self.ctx.names.module_name
        return f"{module}.{local}" if module else local

    def _emit(self, node: cst.CSTNode, value: ClientValue) -> None:
        self.ctx.fact(node, value, self.ctx.statement_line())

    # --- module level ---------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        targets_ = [t.target for t in node.targets]
        self._assigned(node, targets_, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node, [node.target], node.value)
        elif self.depth == 0 and isinstance(node.target, cst.Name):
            self.globals.add(node.target.value)

    def _assigned(
        self, node: cst.CSTNode, targets_: Sequence[cst.BaseExpression], value: cst.BaseExpression
    ) -> None:
        if self.depth == 0:
            self._module_assign(node, targets_, value)
            return
        function = self.functions[-1] if self.functions else None
        if function is None:
            return
        built = self._built(value)
        for target in targets_:
            root = target
            while isinstance(root, (cst.Subscript, cst.Attribute)):
                root = root.value
            if not isinstance(root, cst.Name):
                continue
            if root is not target or root.value in self.globals:
                # `_clients[key] = AsyncOpenAI()`, `global _client; _client = …`
                if root.value in self.globals and (built or root.value in function.built):
                    function.kept = True
                continue
            if built is not None:
                function.built[root.value] = built[0]

    def _module_assign(
        self, node: cst.CSTNode, targets_: Sequence[cst.BaseExpression], value: cst.BaseExpression
    ) -> None:
        names = [t.value for t in targets_ if isinstance(t, cst.Name)]
        self.globals.update(names)
        if len(names) != 1 or len(targets_) != 1:
            return
        name = names[0]
        if isinstance(value, cst.Lambda):
            built = self._built(value.body)
            if built is not None:
                value_fact = ClientValue(
                    name=self._name(name), ctor=built[0], factory=True, fresh=True, inline=True
                )
                self._emit(node, value_fact)
            return
        alias = self._alias(value)
        if alias is not None:  # `SessionType = scoped_session[Session]`, used in annotations
            value_fact = ClientValue(name=self._name(name), ctor=alias, factory=False, fresh=False)
            self._emit(node, value_fact)
            return
        built = self._built(value)
        if built is not None:
            self.instances[name] = built[0]
            value_fact = ClientValue(
                name=self._name(name), ctor=built[0], factory=False, fresh=False, retries=built[1]
            )
            self._emit(node, value_fact)

    # --- functions -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.depth == 0:
            memoized = any(self._memoizes(d.decorator) for d in node.decorators)
            declared = annotation_binding(self.ctx.names, node.returns)
            ctor = declared.ctor if isinstance(declared, Instance) else ""
            known = ctor and (
                client_spec(self.ctx.names, ctor) is not None
                or ctor in targets.pooled()
                or ctor in targets.blocking_table().methods  # `def get_db() -> Session`
            )
            qual = self._name(node.name.value)
            self.functions.append(_Function(qual, node, memoized, ctor if known else ""))
        self.depth += 1

    def _memoizes(self, expr: cst.BaseExpression) -> bool:
        func = expr.func if isinstance(expr, cst.Call) else expr
        return (self.ctx.qualname(func) or "") in self.memo

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Global(self, node: cst.Global) -> None:
        self.globals.update(n.name.value for n in node.names)

    def visit_Return(self, node: cst.Return) -> None:
        if self.depth != 1 or not self.functions or node.value is None:
            return
        function = self.functions[-1]
        value = node.value
        built = self._built(value)
        if built is not None:
            function.returns.append((built[0], True))
            return
        root = value
        while isinstance(root, (cst.Subscript, cst.Attribute)):
            root = root.value
        if not isinstance(root, cst.Name):
            return
        if root.value in function.built and root is value:
            function.returns.append((function.built[root.value], True))
        elif root.value in self.globals:
            held = self.instances.get(root.value) or function.declared
            held = held or next(iter(function.built.values()), "")
            if held:
                function.returns.append((held, False))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1
        if self.depth != 0 or not self.functions:
            return
        function = self.functions[-1]
        if function.node is not node:
            return
        ctor, fresh = "", False
        if function.returns:
            ctor = function.returns[0][0]
            fresh = all(f for _, f in function.returns) and not (function.memoized or function.kept)
        elif function.declared:
            ctor = function.declared
        if ctor:
            value = ClientValue(name=function.qual, ctor=ctor, factory=True, fresh=fresh)
            self.ctx.fact(node.name, value, self.ctx.statement_line(node))
