"""Correlation ids in TTA.dev WorkflowContexts: TTP201 workflow-context-without-correlation-id
and TTP202 workflow-context-breaks-chain (observability.correlation-ids).

Every `WorkflowContext(...)` construction is a site of observability.correlation-ids
(`WorkflowContext.root()` / `.from_project()` too: they also start a new chain; `.child()`
and `create_child_context()` continue one). Judged at the end of the file, innermost
enclosing function first:

- in code that already received a context (a TTA.dev primitive's `execute`/`_execute_impl`,
  a parameter typed WorkflowContext, a function wrapped by `LambdaPrimitive`) it is TTP202
  unless its `correlation_id=` comes from that context;
- for a consumed message (a parameter of a consumer callback or FastStream subscriber, the
  target of a loop over a Kafka consumer, what a confluent-kafka `poll()` returns) it is TTP201
  unless `correlation_id=` is computed from that message: the producer's id is dropped;
- in a request handler (see `analysis/web.py`) it is TTP201 unless `correlation_id=` is computed
  from the request (any handler parameter, `request.headers`/`.state`, Lambda `event` /
  `context`, `flask.request`, a ContextVar filled by middleware) and cannot be None;
- elsewhere it is a covered site (the root of a chain), except that a `correlation_id=`
  that may be None (`headers.get("X-Correlation-ID")`) is TTP201 anywhere: pydantic
  rejects None.

Test files are not service code and are skipped. Handler detection: `analysis/web.py`; knowledge:
`rules/knowledge/web.toml` (`[correlation]`, `[workflow_context]`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ... import knowledge
from ...analysis.web import HandlerIndex, argument, function_qualname
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector
from ...engine.names import Instance
from ...engine.walker import children

CORRELATION = "observability.correlation-ids"


@knowledge.derived
def _wf() -> dict[str, Any]:
    return knowledge.table("web")["workflow_context"]


@knowledge.derived
def _sources() -> dict[str, Any]:
    return knowledge.table("web")["correlation"]


def context_construction(qual: str | None) -> bool:
    """`qual` builds a fresh TTA.dev WorkflowContext (the class, or a fresh-chain factory)."""
    if qual is None or qual.split(".", 1)[0] not in _wf()["packages"]:
        return False
    parts = qual.rsplit(".", 2)
    if parts[-1] == _wf()["class_name"]:
        return True
    return (
        len(parts) == 3 and parts[1] == _wf()["class_name"] and parts[2] in _wf()["fresh_factories"]
    )


def _tta(qual: str | None) -> bool:
    return qual is not None and qual.split(".", 1)[0] in _wf()["packages"]


def _is_context_type(ctx: FileContext, annotation: cst.Annotation | None) -> bool:
    if annotation is None:
        return False
    expr = annotation.annotation
    if isinstance(expr, cst.BinaryOperation):  # WorkflowContext | None
        expr = expr.left
    if isinstance(expr, cst.Subscript) and expr.slice:  # Optional[WorkflowContext]
        inner = expr.slice[0].slice
        expr = inner.value if isinstance(inner, cst.Index) else expr
    qual = ctx.qualname(expr)
    if isinstance(expr, cst.SimpleString):  # "WorkflowContext" / "tp.WorkflowContext"
        text = expr.evaluated_value
        parts = text.split("|")[0].strip().split(".") if isinstance(text, str) else []
        bound = (
            ctx.names.lookup(parts[0]) if parts and all(p.isidentifier() for p in parts) else None
        )
        qual = ".".join([bound, *parts[1:]]) if isinstance(bound, str) else None
    return _tta(qual) and (qual or "").endswith("." + _wf()["class_name"])


def _maybe_none(expr: cst.BaseExpression) -> bool:
    """`None`, or a `.get(key)` / `.get(key, None)` that returns None when the key is absent."""
    if isinstance(expr, cst.Name):
        return expr.value == "None"
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return False
    if expr.func.attr.value != "get" or not expr.args or expr.args[0].keyword is not None:
        return False
    rest = expr.args[1:]
    return not rest or (len(rest) == 1 and _maybe_none(rest[0].value))


Ref = tuple[int, str]  # (id of the frame, parameter the value derives from)


@dataclass
class _Frame:
    node: cst.FunctionDef
    qualname: str
    positional: list[str]
    received: set[str] = field(default_factory=set)  # parameters holding a WorkflowContext
    derived: dict[str, frozenset[Ref]] = field(default_factory=dict)
    maybe_none: set[str] = field(default_factory=set)
    subscriber: bool = False  # a message broker calls it with each message (FastStream)


@dataclass
class _Construction:
    node: cst.Call
    statement: cst.CSTNode | None
    frames: tuple[_Frame, ...]  # outermost first
    keyword: cst.BaseExpression | None
    splat: bool
    refs: frozenset[Ref]
    from_request_object: bool
    maybe_none: bool
    messages: frozenset[Ref] = frozenset()  # consumed messages in scope (loop targets, polls)


@contextmanager
def _reporting_at(ctx: FileContext, statement: cst.CSTNode | None) -> Iterator[None]:
    """Report from `finish()` as if the walk were at `statement` (for inline suppressions)."""
    ctx.stack[:] = [statement] if statement is not None else []
    try:
        yield
    finally:
        ctx.stack.clear()


class WorkflowContextCorrelation(Detector):
    codes = ("TTP201", "TTP202")
    needs = (b"WorkflowContext",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.handlers = HandlerIndex(ctx)
        self.frames: list[_Frame] = []
        self.built: list[_Construction] = []
        self.wrapped: set[str] = set()  # functions handed to LambdaPrimitive(func)
        self.dependencies: set[str] = set()  # functions handed to FastAPI's Depends(...)
        self.consumers: set[str] = set()  # functions handed to a consume call as its callback
        self.messages: list[Ref] = []  # consumed messages in scope, innermost last
        self.loops: list[tuple[cst.For, int]] = []  # consumer loops open, with their messages
        self.callbacks = [c for c in _sources()["consumer_callbacks"] if c["needs"] in ctx.text]

    # --- functions and the values derived from their parameters ---------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.ctx.is_test_file:
            return
        self.handlers.visit_function(node)
        params = node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        frame = _Frame(node, function_qualname(self.ctx), positional)
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            frame.derived[p.name.value] = frozenset({(id(frame), p.name.value)})
            if p.default is not None and self._default_may_be_none(p.default):
                frame.maybe_none.add(p.name.value)
            if _is_context_type(self.ctx, p.annotation):
                frame.received.add(p.name.value)
        if self._is_primitive_method(node):
            named = set(_wf()["context_param_names"]) & set(positional)
            frame.received |= named or set(positional[2:3])
        frame.subscriber = any(self._subscribes(d.decorator) for d in node.decorators)
        self.frames.append(frame)

    def _subscribes(self, expr: cst.BaseExpression) -> bool:
        """`@broker.subscriber("orders")` on a FastStream broker."""
        func = expr.func if isinstance(expr, cst.Call) else expr
        if not isinstance(func, cst.Attribute):
            return False
        if func.attr.value not in _sources()["subscriber_methods"]:
            return False
        held = self.ctx.instance(func.value)
        return held is not None and held.ctor in _sources()["broker_types"]

    # --- consumed messages ----------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        held = self.ctx.instance(node.iter)
        if not self.frames or held is None or held.ctor not in _sources()["consumer_types"]:
            return
        frame = self.frames[-1]
        names = _target_names(node.target)
        for name in names:
            ref = (id(frame), name)
            frame.derived[name] = frozenset({ref})
            self.messages.append(ref)
        self.loops.append((node, len(names)))

    def leave_For(self, node: cst.For) -> None:
        if self.loops and self.loops[-1][0] is node:
            _, count = self.loops.pop()
            del self.messages[len(self.messages) - count :]

    def _polled(self, value: cst.BaseExpression) -> bool:
        """`consumer.poll(1.0)` on a confluent-kafka Consumer: a message (or None)."""
        if isinstance(value, cst.Await):
            value = value.expression
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)):
            return False
        if value.func.attr.value not in _sources()["poll_methods"]:
            return False
        held = self.ctx.instance(value.func.value)
        return held is not None and held.ctor in _sources()["poll_types"]

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.frames and self.frames[-1].node is node:
            self.frames.pop()

    def _default_may_be_none(self, default: cst.BaseExpression) -> bool:
        if isinstance(default, cst.Call):  # Header(None), Header(default=None)
            first = argument(default, 0, "default")
            return first is not None and _maybe_none(first)
        return _maybe_none(default)

    def _is_primitive_method(self, node: cst.FunctionDef) -> bool:
        scopes = self.ctx.names.scopes
        if node.name.value not in _wf()["primitive_methods"] or len(scopes) < 3:
            return False
        if scopes[-2].kind != "class":
            return False
        cls = ".".join([self.ctx.names.module_name, *(s.name for s in scopes[1:-1])])
        return any(_tta(base) for base in self.ctx.names.bases_of(cls.lstrip(".")))

    def leave_Assign(self, node: cst.Assign) -> None:
        self._bind([t.target for t in node.targets], node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind([node.target], node.value)

    def _bind(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if not self.frames:
            return
        frame = self.frames[-1]
        refs, _ = self._refs(value)
        polled = self._polled(value)
        for target in targets:
            if not isinstance(target, cst.Name):
                continue
            name = target.value
            frame.derived.pop(name, None)
            if polled:
                refs = frozenset({(id(frame), name)})
                self.messages.append((id(frame), name))
            if refs:
                frame.derived[name] = refs
            if _maybe_none(value) or (isinstance(value, cst.Name) and self._none_name(value)):
                frame.maybe_none.add(name)
            else:
                frame.maybe_none.discard(name)

    def _none_name(self, name: cst.Name) -> bool:
        for frame in reversed(self.frames):
            if name.value in frame.derived:
                return name.value in frame.maybe_none
        return False

    def _refs(self, expr: cst.BaseExpression) -> tuple[frozenset[Ref], bool]:
        """Parameters `expr` is computed from, and whether it reads a request object."""
        refs: set[Ref] = set()
        request_object = False
        todo: list[cst.CSTNode] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.Name):
                for frame in reversed(self.frames):
                    if node.value in frame.derived:
                        refs |= frame.derived[node.value]
                        break
                request_object = request_object or self._request_object(node)
            elif isinstance(node, cst.Attribute):
                request_object = request_object or self._request_object(node)
                todo.append(node.value)
            elif isinstance(node, cst.Arg):
                todo.append(node.value)
            elif isinstance(node, cst.Call) and self._context_var_get(node):
                request_object = True
            else:
                todo.extend(children(node))
        return frozenset(refs), request_object

    def _request_object(self, expr: cst.Name | cst.Attribute) -> bool:
        qual = self.ctx.qualname(expr)
        return qual is not None and any(
            qual == obj or qual.startswith(obj + ".") for obj in _sources()["request_objects"]
        )

    def _context_var_get(self, call: cst.Call) -> bool:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "get"):
            return False
        held = self.ctx.instance(func.value)
        return isinstance(held, Instance) and held.ctor in _sources()["context_var_types"]

    # --- constructions ------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.is_test_file:
            return
        self.handlers.visit_call(node)
        qual = self.ctx.qualname(node.func)
        if _tta(qual) and (qual or "").rsplit(".", 1)[-1] in _wf()["function_wrappers"]:
            self._note_target(node, "func", self.wrapped)
        elif qual in _sources()["dependency_markers"]:
            self._note_target(node, "dependency", self.dependencies)
        elif isinstance(node.func, cst.Attribute):
            for callback in self.callbacks:
                if node.func.attr.value == callback["method"]:
                    target = argument(node, callback["position"], callback["keyword"])
                    found = self.ctx.qualname(target) if target is not None else None
                    if found is not None:
                        self.consumers.add(found)
        if not (context_construction(qual) or self._context_subclass(qual)):
            return
        keyword = argument(node, -1, _wf()["keyword"])
        refs, request_object = self._refs(keyword) if keyword is not None else (frozenset(), False)
        maybe_none = keyword is not None and (
            _maybe_none(keyword) or (isinstance(keyword, cst.Name) and self._none_name(keyword))
        )
        self.built.append(
            _Construction(
                node,
                self.ctx.statement(),
                tuple(self.frames),
                keyword,
                any(a.star == "**" for a in node.args),
                refs,
                request_object,
                maybe_none,
                frozenset(self.messages),
            )
        )

    def _context_subclass(self, qual: str | None) -> bool:
        """A class of this module deriving from TTA.dev's WorkflowContext."""
        if qual is None or qual not in self.ctx.names.class_bases:
            return False
        return any(context_construction(base) for base in self.ctx.names.bases_of(qual)[1:])

    def _note_target(self, call: cst.Call, keyword: str, into: set[str]) -> None:
        target = argument(call, 0, keyword)
        qual = self.ctx.qualname(target) if target is not None else None
        if qual is not None:
            into.add(qual)

    def _consumer(self, frame: _Frame) -> bool:
        return frame.subscriber or frame.qualname in self.consumers

    def _judge_message(
        self, c: _Construction, messages: frozenset[Ref] | set[Ref]
    ) -> tuple[str, Problem | None, str]:
        if c.refs & messages:
            return "TTP201", None, "correlation_id from the consumed message"
        if c.splat and c.keyword is None:
            return "TTP201", None, "built from a mapping"
        owners = {frame_id for frame_id, _ in messages}
        frame = next((f for f in reversed(c.frames) if id(f) in owners), c.frames[-1])
        what = "without correlation_id="
        if c.keyword is not None:
            what = "with a correlation_id= not taken from the message"
        return (
            "TTP201",
            Problem(
                "TTP201",
                f"WorkflowContext built for a consumed message in `{frame.node.name.value}` "
                f"{what}: the producer's correlation id (the message's headers or properties) "
                "is dropped and every message starts a new chain",
                fix="read it from the message: `correlation_id=message.correlation_id or "
                "str(uuid.uuid4())` (AMQP), or the `correlation-id` Kafka header",
            ),
            "",
        )

    def _request_scoped(self, frame: _Frame) -> bool:
        return self.handlers.is_handler(frame.node) or frame.qualname in self.dependencies

    def finish(self) -> None:
        for frame in {id(f): f for c in self.built for f in c.frames}.values():
            if frame.qualname in self.wrapped and len(frame.positional) >= 2:
                frame.received.add(frame.positional[1])
        for built in self.built:
            rule, problem, label = self._judge(built)
            with _reporting_at(self.ctx, built.statement):
                self.ctx.site(CORRELATION, rule, built.node, problem, label)

    def _judge(self, c: _Construction) -> tuple[str, Problem | None, str]:
        receiving = next((f for f in reversed(c.frames) if f.received), None)
        if receiving is not None:
            params = {(id(f), p) for f in c.frames for p in f.received}
            if c.refs & params:
                return "TTP202", None, "correlation_id from the received context"
            param = sorted(receiving.received)[0]
            return (
                "TTP202",
                Problem(
                    "TTP202",
                    f"a new WorkflowContext inside `{receiving.node.name.value}`, which already "
                    f"received `{param}`, starts a new correlation chain",
                    fix=f"derive it: `{param}.create_child_context()` or "
                    f'`WorkflowContext.child({param}, "step")`, or pass `{param}` on',
                ),
                "",
            )
        messages = c.messages | {
            (id(f), p) for f in c.frames if self._consumer(f) for p in f.positional
        }
        if messages and not c.maybe_none:
            return self._judge_message(c, messages)
        handler = next((f for f in reversed(c.frames) if self._request_scoped(f)), None)
        none_problem = Problem(
            "TTP201",
            "correlation_id= may be None (a missing header or key): WorkflowContext rejects "
            "None with a validation error",
            fix='give it a default: `headers.get("X-Correlation-ID") or str(uuid.uuid4())`',
        )
        if c.maybe_none:
            return "TTP201", none_problem, ""
        if handler is None:
            return "TTP201", None, "starts a new chain outside a request handler"
        name = handler.node.name.value
        scope = (
            "request handler" if self.handlers.is_handler(handler.node) else "request dependency"
        )
        if c.splat and c.keyword is None:
            return "TTP201", None, "built from a mapping"
        handler_params = {id(f) for f in c.frames if self._request_scoped(f)}
        if c.from_request_object or any(frame_id in handler_params for frame_id, _ in c.refs):
            return "TTP201", None, "correlation_id from the request"
        what = "without correlation_id="
        if c.keyword is not None:
            what = "with a correlation_id= not taken from the request"
        return (
            "TTP201",
            Problem(
                "TTP201",
                f"WorkflowContext built in {scope} `{name}` {what}: the caller's "
                "correlation id is dropped and every request starts a new chain",
                fix='pass `correlation_id=request.headers.get("X-Correlation-ID") or '
                "str(uuid.uuid4())`",
            ),
            "",
        )


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _target_names(e.value)]
    return []
