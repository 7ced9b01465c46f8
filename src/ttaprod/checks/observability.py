"""Observability rules: correlation ids in TTA.dev WorkflowContexts (TTP201, TTP202) and
structured logging (TTP203 print-in-service-code, TTP204 log-message-preformatted).

Every `WorkflowContext(...)` construction is a site of observability.correlation-ids
(`WorkflowContext.root()` / `.from_project()` too: they also start a new chain; `.child()`
and `create_child_context()` continue one). Judged at the end of the file, innermost
enclosing function first:

- in code that already received a context (a TTA.dev primitive's `execute`/`_execute_impl`,
  a parameter typed WorkflowContext, a function wrapped by `LambdaPrimitive`) it is TTP202
  unless its `correlation_id=` comes from that context;
- in a request handler (see `_web.py`) it is TTP201 unless `correlation_id=` is computed
  from the request (any handler parameter, `request.headers`/`.state`, Lambda `event` /
  `context`, `flask.request`, a ContextVar filled by middleware) and cannot be None;
- elsewhere it is a covered site (the root of a chain), except that a `correlation_id=`
  that may be None (`headers.get("X-Correlation-ID")`) is TTP201 anywhere: pydantic
  rejects None.

Every print() and every log call is a site of observability.structured-logging (test
files are not service code and are skipped): a print in service code is TTP203, a log
message already formatted before the call (f-string, `%`, `.format()`, `+`) is TTP204.
What counts as a logger or a CLI entry point is data in `rules/knowledge/logging.toml`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext, Problem
from ..engine.detector import Detector, register
from ..engine.names import Instance
from ..engine.walker import children
from ._web import HandlerIndex, argument, function_qualname

CORRELATION = "observability.correlation-ids"


@cache
def _wf() -> dict[str, Any]:
    return knowledge.table("web")["workflow_context"]


@cache
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
    if isinstance(expr, cst.SimpleString):  # "WorkflowContext" forward reference
        name = expr.evaluated_value
        return isinstance(name, str) and _tta(ctx.names.qualname(cst.Name(name)))
    qual = ctx.qualname(expr)
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


@contextmanager
def _reporting_at(ctx: FileContext, statement: cst.CSTNode | None) -> Iterator[None]:
    """Report from `finish()` as if the walk were at `statement` (for inline suppressions)."""
    ctx.stack[:] = [statement] if statement is not None else []
    try:
        yield
    finally:
        ctx.stack.clear()


@register
class WorkflowContextCorrelation(Detector):
    codes = ("TTP201", "TTP202")
    needs = (b"WorkflowContext",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.handlers = HandlerIndex(ctx)
        self.frames: list[_Frame] = []
        self.built: list[_Construction] = []
        self.wrapped: set[str] = set()  # functions handed to LambdaPrimitive(func)

    # --- functions and the values derived from their parameters ---------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
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
        self.frames.append(frame)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
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
        for target in targets:
            if not isinstance(target, cst.Name):
                continue
            name = target.value
            frame.derived.pop(name, None)
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
        self.handlers.visit_call(node)
        qual = self.ctx.qualname(node.func)
        if _tta(qual) and (qual or "").rsplit(".", 1)[-1] in _wf()["function_wrappers"]:
            wrapped = argument(node, 0, "func")
            wrapped_qual = self.ctx.qualname(wrapped) if wrapped is not None else None
            if wrapped_qual is not None:
                self.wrapped.add(wrapped_qual)
        if not context_construction(qual):
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
            )
        )

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
        handler = next((f for f in reversed(c.frames) if self.handlers.is_handler(f.node)), None)
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
        if c.splat and c.keyword is None:
            return "TTP201", None, "built from a mapping"
        handler_params = {id(f) for f in c.frames if self.handlers.is_handler(f.node)}
        if c.from_request_object or any(frame_id in handler_params for frame_id, _ in c.refs):
            return "TTP201", None, "correlation_id from the request"
        what = "without correlation_id="
        if c.keyword is not None:
            what = "with a correlation_id= not taken from the request"
        return (
            "TTP201",
            Problem(
                "TTP201",
                f"WorkflowContext built in request handler `{name}` {what}: the caller's "
                "correlation id is dropped and every request starts a new chain",
                fix='pass `correlation_id=request.headers.get("X-Correlation-ID") or '
                "str(uuid.uuid4())`",
            ),
            "",
        )


# --- structured logging ---------------------------------------------------------------------
LOGGING = "observability.structured-logging"
_STD_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})


@dataclass(frozen=True)
class _Library:
    name: str
    methods: frozenset[str]
    level_first: frozenset[str]
    derive: frozenset[str]
    message_index: int
    message_keywords: tuple[str, ...]
    lazy: str


@dataclass(frozen=True)
class _LogTable:
    functions: dict[str, _Library]
    objects: dict[str, _Library]
    factories: dict[str, _Library]


@cache
def _log_table() -> _LogTable:
    functions: dict[str, _Library] = {}
    objects: dict[str, _Library] = {}
    factories: dict[str, _Library] = {}
    for raw in knowledge.table("logging")["loggers"]:
        lib = _Library(
            raw["library"],
            frozenset(raw["methods"]),
            frozenset(raw["level_first"]),
            frozenset(raw["derive"]),
            int(raw["message_index"]),
            tuple(raw["message_keywords"]),
            raw["lazy"],
        )
        functions.update((name, lib) for name in raw["functions"])
        objects.update((name, lib) for name in raw["objects"])
        factories.update((name, lib) for name in raw["factories"])
    return _LogTable(functions, objects, factories)


@cache
def _logging_data() -> dict[str, Any]:
    return knowledge.table("logging")


def _literal_only(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return preformatted(expr) is None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _literal_only(expr.left) and _literal_only(expr.right)
    return False


def _stringish(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    return (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Add)
        and (_stringish(expr.left) or _stringish(expr.right))
    )


def preformatted(expr: cst.BaseExpression) -> str | None:
    """How a log message was formatted before the call, or None for a template/event name."""
    if isinstance(expr, cst.FormattedString):
        has_field = any(isinstance(p, cst.FormattedStringExpression) for p in expr.parts)
        return "an f-string" if has_field else None
    if isinstance(expr, cst.ConcatenatedString):
        return preformatted(expr.left) or preformatted(expr.right)
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo) and _stringish(expr.left):
            return "%-formatted"
        if isinstance(expr.operator, cst.Add) and _stringish(expr) and not _literal_only(expr):
            return "built by concatenation"
        return None
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and _stringish(expr.func.value)
    ):
        return "`.format()`-ed"
    return None


def _in_main_block(stack: list[cst.CSTNode]) -> bool:
    """Inside the body of `if __name__ == "__main__":`."""
    for i, node in enumerate(stack[:-1]):
        if isinstance(node, cst.If) and stack[i + 1] is node.body and _main_guard(node.test):
            return True
    return False


def _main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    has_name = any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides)
    return has_name and any(
        isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides
    )


def cli_module(path: str) -> bool:
    """A command-line entry module: `__main__.py`, `cli.py`, or under `cli/`, `scripts/`, `bin/`."""
    cli = _logging_data()["cli"]
    *dirs, name = path.split("/")
    return name in cli["module_names"] or any(d in cli["dirs"] for d in dirs)


@register
class PrintInServiceCode(Detector):
    codes = ("TTP203",)
    needs = (b"print",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file or cli_module(ctx.path)
        self.commands: set[int] = set()  # ids of functions decorated as CLI commands
        self.groups: set[str] = set()  # click groups defined here (`@cli.command()`)
        self.run_targets: set[str] = set()  # functions run as commands (`typer.run(main)`)
        self.qualnames: dict[int, str] = {}
        self.pending: list[tuple[cst.Call, cst.CSTNode | None, tuple[str, ...], bool]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        qual = function_qualname(self.ctx)
        self.qualnames[id(node)] = qual
        for decorator in node.decorators:
            kind = self._command_decorator(decorator.decorator)
            if kind:
                self.commands.add(id(node))
                if kind.endswith("group"):
                    self.groups.add(qual)

    def _command_decorator(self, expr: cst.BaseExpression) -> str:
        cli = _logging_data()["cli"]
        target = expr.func if isinstance(expr, cst.Call) else expr
        qual = self.ctx.qualname(target)
        if qual in cli["decorators"]:
            return qual or ""
        if isinstance(target, cst.Attribute) and target.attr.value in cli["app_methods"]:
            held = self.ctx.instance(target.value)
            if held is not None and set(self.ctx.names.bases_of(held.ctor)) & set(cli["app_types"]):
                return target.attr.value
            if self.ctx.qualname(target.value) in self.groups:
                return target.attr.value
        return ""

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        qual = self.ctx.qualname(node.func)
        if qual in _logging_data()["cli"]["runners"]:
            target = argument(node, 0, "function")
            self.run_targets.add((self.ctx.qualname(target) or "") if target is not None else "")
            return
        if qual not in _logging_data()["print"]["names"]:
            return
        stream = argument(node, -1, "file")
        to_stream = stream is not None
        if to_stream and self.ctx.qualname(stream) not in _STD_STREAMS:
            return  # print(..., file=handle) writes a file, not a log line
        if _in_main_block(self.ctx.stack):
            return
        if any(id(f) in self.commands for f in self.ctx.functions):
            return
        quals = tuple(self.qualnames.get(id(f), "") for f in self.ctx.functions)
        self.pending.append((node, self.ctx.statement(), quals, to_stream))

    def finish(self) -> None:
        for node, statement, quals, to_stream in self.pending:
            if set(quals) & self.run_targets:
                continue
            what = "print(..., file=sys.stderr)" if to_stream else "print()"
            problem = Problem(
                "TTP203",
                f"{what} in service code writes unstructured text: no level, timestamp or "
                "correlation id, and nothing a log pipeline can parse",
                fix='use a logger: `logger.info("order_created", extra={"order_id": order_id})`',
            )
            with _reporting_at(self.ctx, statement):
                self.ctx.site(LOGGING, "TTP203", node, problem)


@register
class LogMessagePreformatted(Detector):
    codes = ("TTP204",)
    needs = (b"log",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.derived: dict[tuple[int, str], _Library] = {}  # `log = logger.bind(...)`

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        found = self._log_call(node)
        if found is None:
            return
        lib, method = found
        index = lib.message_index + (1 if method in lib.level_first else 0)
        message = argument(node, index, lib.message_keywords[0] if lib.message_keywords else "")
        kind = preformatted(message) if message is not None else None
        problem = None
        if kind is not None:
            problem = Problem(
                "TTP204",
                f"log message is {kind}: its values are baked into the text instead of passed "
                "as fields, so they cannot be searched or aggregated",
                fix=lib.lazy,
            )
        self.ctx.site(LOGGING, "TTP204", node, problem)

    def _log_call(self, call: cst.Call) -> tuple[_Library, str] | None:
        table = _log_table()
        func = call.func
        qual = self.ctx.qualname(func)
        if qual is not None:
            lib = table.functions.get(qual)
            if lib is not None:
                return lib, qual.rsplit(".", 1)[-1]
            owner, _, method = qual.rpartition(".")
            lib = table.objects.get(owner)
            return (lib, method) if lib is not None and method in lib.methods else None
        if isinstance(func, cst.Attribute):
            lib = self._logger(func.value)
            if lib is not None and func.attr.value in lib.methods:
                return lib, func.attr.value
        return None

    def _logger(self, expr: cst.BaseExpression, depth: int = 0) -> _Library | None:
        """The logging library of the logger `expr` holds, if it is one."""
        table = _log_table()
        held = self.ctx.instance(expr)
        if held is not None:
            for base in self.ctx.names.bases_of(held.ctor):
                if base in table.factories:
                    return table.factories[base]
        qual = self.ctx.qualname(expr)
        if qual is not None:
            return table.objects.get(qual)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and depth < 8:
            lib = self._logger(expr.func.value, depth + 1)
            return lib if lib is not None and expr.func.attr.value in lib.derive else None
        key = self._key(expr)
        return self.derived.get(key) if key is not None else None

    def _key(self, target: cst.BaseExpression) -> tuple[int, str] | None:
        names = self.ctx.names
        if isinstance(target, cst.Name):
            for scope in reversed(names.scopes):
                if target.value in scope.bindings or (id(scope), target.value) in self.derived:
                    return id(scope), target.value
            return id(names.current), target.value
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            cls = names.enclosing_class()
            if target.value.value in ("self", "cls") and cls is not None:
                return id(cls), "self." + target.attr.value
        return None

    def leave_Assign(self, node: cst.Assign) -> None:
        if self.off or not isinstance(node.value, cst.Call):
            return
        lib = self._logger(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                key = (id(self.ctx.names.current), target.target.value)
            else:
                key = self._key(target.target)
            if key is None:
                continue
            if lib is not None:
                self.derived[key] = lib
            else:
                self.derived.pop(key, None)
