"""The file's part of the project's call graph (`engine/graph.py` joins them): its functions
and classes, the calls it makes to functions of the project with what protects each call where
it is made, the protections it applies to functions (decorators, TTA.dev wrappers, retrying
objects), and the names it re-exports.

Reports nothing. Runs on every file where a rule that follows calls is on (tests included:
their calls are paths too, and the rules judge them by role).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ...analysis.blocking import blocking_call, executing_function, offloaded
from ...analysis.outbound import called_name, chained_name, render, scope_qualname
from ...analysis.protection.guards import guard
from ...analysis.protection.paths import Paths
from ...analysis.targets import blocks_on_methods, listed_methods
from ...engine.binder import annotation_binding
from ...engine.context import FileContext
from ...engine.detector import Detector
from ...engine.names import Instance
from ...facts import (
    BlockingCall,
    CallEdge,
    ClassInfo,
    Decorated,
    Export,
    Function,
    ParamUse,
    Protected,
    ProtectingDecorator,
)

MAX_PARAM_USES = 20  # per function: methods called on untyped parameters, kept as facts


class CallGraphFacts(Detector):
    # the rules whose verdicts follow calls across functions and modules
    feeds = ("TTP101", "TTP102", "TTP105", "TTP110", "TTP301", "TTP701")

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.paths = Paths(ctx)
        self.defs: dict[str, cst.FunctionDef] = {}
        # sync function → its first blocking call: (what, severity, the call)
        self.blocks: dict[str, tuple[str, str, cst.Call]] = {}
        self.returns: dict[str, str] = {}  # function → the project class it is annotated to return
        self.params: dict[str, tuple[str, ...]] = {}  # function → positional parameters
        self.untyped: dict[str, frozenset[str]] = {}  # function → parameters with no annotation
        self.uses: dict[str, int] = {}  # function → methods recorded as called on those
        self.stars: list[str] = []  # project modules imported with `*` at module level

    # --- definitions ------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qual = self.paths.enter_function(node)
        self.defs[qual] = node
        declared = annotation_binding(self.ctx.names, node.returns)
        if isinstance(declared, Instance) and self.ctx.in_project(declared.ctor):
            self.returns[qual] = declared.ctor
        params = [*node.params.posonly_params, *node.params.params]
        scopes = self.ctx.names.scopes
        in_class = len(scopes) > 1 and scopes[-2].kind == "class"
        static = any(
            self.ctx.qualname(d.decorator) == "builtins.staticmethod" for d in node.decorators
        )
        if in_class and not static and params:
            params = params[1:]  # self / cls: filled in by the bound call
        self.params[qual] = tuple(p.name.value for p in params)
        every = [*params, *node.params.kwonly_params]
        self.untyped[qual] = frozenset(p.name.value for p in every if p.annotation is None)
        for decorator in node.decorators:
            expr = decorator.decorator
            name = self.ctx.qualname(expr.func if isinstance(expr, cst.Call) else expr)
            if self.ctx.in_project(name) and self.paths.decorator(expr) is None:
                self.ctx.fact(decorator, Decorated(target=qual, decorator=name or ""))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.paths.leave_function()

    def visit_Return(self, node: cst.Return) -> None:
        """An unannotated function (a property) that returns a project class's instance:
        `return self._repos` where `self._repos = AllRepositories(...)`."""
        function = self.paths.function
        if function is None or function in self.returns or node.value is None:
            return
        held = self.ctx.instance(node.value)
        if held is not None and self.ctx.in_project(held.ctor) and not held.ctor.endswith(")"):
            self.returns[function] = held.ctor

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """Recorded as the class is left (the binder pops its scope after every detector), so
        the types its methods gave `self.x` are known."""
        ctx = self.ctx
        qual = scope_qualname(ctx.names)
        bases = ctx.names.bases_of(qual)[1:]
        scope = ctx.names.current
        attrs = []
        for name, bound in {**scope.bindings, **scope.self_attrs}.items():
            if not isinstance(bound, Instance) or bound.ctor.endswith(")") or "." in name:
                continue
            if ctx.in_project(bound.ctor) or blocks_on_methods(bound.ctor, ctx.sync_clients):
                attrs.append(f"{name}={bound.ctor}")
        fact = ClassInfo(qual=qual, bases=bases, attrs=tuple(attrs))
        ctx.fact(node.name, fact, ctx.statement_line(node))

    # --- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        self.paths.visit_call(node, qual)
        runs_in = executing_function(ctx.stack)
        if isinstance(runs_in, cst.Lambda):
            return  # runs when (and where) the lambda is called
        caller = self.paths.function or ""
        if (
            caller
            and runs_in is not None
            and not runs_in.asynchronous
            and caller not in self.blocks
        ):
            found = blocking_call(ctx, node)
            if found is not None:
                self.blocks[caller] = (found[0], found[1].severity.value, node)
            else:
                self._param_use(caller, node.func)
        callee = called_name(ctx, node.func, qual) or chained_name(ctx, node.func)
        if not ctx.in_project(callee) or callee is None:
            return
        parent = ctx.parent()
        protection = guard(ctx)
        edge = CallEdge(
            caller=caller,
            callee=callee,
            awaited=isinstance(parent, cst.Await),
            offloaded=offloaded(self.ctx),
            timeout=protection.timeout,
            timeout_label=protection.timeout_label,
            retry=protection.retry_label,
            anchor=render(node.func) or "",
            args=self._typed_args(caller, node.args),
        )
        ctx.fact(node, edge, ctx.statement_line())

    # --- what flows into parameters ---------------------------------------------------------
    def _param_use(self, function: str, func: cst.BaseExpression) -> None:
        """`session.query(...)` on an untyped parameter `session`: blocking if a caller passes
        a synchronous object (the call graph decides, `CallGraph.blocking`)."""
        if not self.untyped.get(function):
            return
        path: list[str] = []
        while isinstance(func, cst.Attribute):
            path.append(func.attr.value)
            func = func.value
        if (
            not path
            or ".".join(reversed(path)) not in listed_methods()
            or not isinstance(func, cst.Name)
            or func.value not in self.untyped.get(function, ())
            or self.ctx.instance(func) is not None
            or self.uses.get(function, 0) >= MAX_PARAM_USES
        ):
            return
        self.uses[function] = self.uses.get(function, 0) + 1
        method = ".".join(reversed(path))
        use = ParamUse(
            function=function, param=func.value, method=method, anchor=f"{func.value}.{method}"
        )
        self.ctx.fact(self.ctx.stack[-1], use, self.ctx.statement_line())

    def _typed_args(self, caller: str, args: Sequence[cst.Arg]) -> tuple[str, ...]:
        """The arguments of a call whose type is known and has blocking methods, or that are
        the caller's own untyped parameters (`CallEdge.args`)."""
        out: list[str] = []
        position = 0
        for arg in args:
            if arg.star:
                if arg.star == "*":
                    break  # positions after *args are unknown
                continue
            key = arg.keyword.value if arg.keyword is not None else str(position)
            if arg.keyword is None:
                position += 1
            value = arg.value
            held = self.ctx.instance(value)
            if held is None and isinstance(value, cst.Name):
                if value.value in self.untyped.get(caller, ()):
                    out.append(f"{key}=@{value.value}")
                continue
            if held is not None and blocks_on_methods(held.ctor, self.ctx.sync_clients):
                out.append(f"{key}={held.ctor}")
        return tuple(out)

    def visit_Assign(self, node: cst.Assign) -> None:
        """`api_retry = retry(stop=…)` at module level: a decorator other modules import."""
        if self.paths.function is not None or len(self.ctx.names.scopes) != 1:
            return
        if not isinstance(node.value, cst.Call):
            return
        found = self.paths.decorator(node.value)
        if found is None or not (found.timeout or found.retry_label):
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = self.ctx.names.qualify_local(target.target.value)
                fact = ProtectingDecorator(
                    name=name,
                    timeout=found.timeout,
                    timeout_label=found.timeout_label,
                    retry=found.retry_label,
                )
                self.ctx.fact(target.target, fact)

    def finish(self) -> None:
        ctx = self.ctx
        self.paths.protect_passed()
        for target, found in self.paths.direct.items():
            if found.timeout or found.retry_label:
                fact = Protected(
                    target=target,
                    timeout=found.timeout,
                    timeout_label=found.timeout_label,
                    retry=found.retry_label,
                )
                ctx.fact(self.defs.get(target, ctx.module), fact)
        for qual, node in self.defs.items():
            returns = self.returns.get(qual, "")
            fact = Function(
                qual=qual,
                is_async=node.asynchronous is not None,
                returns=returns,
                params=self.params.get(qual, ()),
            )
            ctx.fact(node.name, fact, ctx.statement_line(node))
        for qual, (what, severity, call) in self.blocks.items():
            anchor = render(call.func) or ""
            fact = BlockingCall(function=qual, what=what, anchor=anchor, severity=severity)
            ctx.fact(call, fact, ctx.statement_line())
        module = ctx.names.scopes[0]
        prefix = ctx.names.module_name + "."
        for name, bound in module.bindings.items():
            # a package's `from .rpc import RPCHandler` too; only its own definitions are not
            if isinstance(bound, str) and ctx.in_project(bound) and bound != prefix + name:
                ctx.fact(ctx.module, Export(name=prefix + name, target=bound), line=1)
        for star in self.stars:
            ctx.fact(ctx.module, Export(name=prefix + "*", target=star), line=1)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """`from .base_controllers import *`: every name of that module is one of this one's."""
        if isinstance(node.names, cst.ImportStar) and len(self.ctx.names.scopes) == 1:
            module = self.ctx.names.absolute_module(node)
            if module and self.ctx.in_project(module):
                self.stars.append(module)
