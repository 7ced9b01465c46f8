"""Error logging (errors.logging): TTP112 swallowed-exception, TTP113 error-log-without-exc-info,
TTP114 error-log-without-correlation-id.

Every except handler outside test modules is one site of errors.logging. A handler is judged
when the walk leaves it, from one pass over its body (nested functions and classes excluded):

- TTP112: a handler whose body is only `pass` / `...` / `continue` and that catches
  everything (bare, `Exception`) or an operational failure (OSError, ConnectionError, an HTTP
  client's or database's error — not a ValueError dropped after a parse attempt, and never
  expected control flow: StopIteration, an optional import, an empty queue…), or a
  broad handler (bare `except:`, `Exception`, `BaseException`) that neither logs, reports
  (sentry, traceback, warnings, print), re-raises nor uses the exception it bound;
- TTP113: a warning or error log call directly in the handler (not in a handler nested in it,
  which judges its own) without `exc_info=` / loguru `opt(exception=…)` and not `exception()`;
  loggers that cannot be resolved (imported from a project module) count when named like one;
- TTP114: an error log call in a handler that carries no correlation id itself (a keyword or an
  `extra=` key, or bound on its logger: `log.bind(correlation_id=…)`, a LoggerAdapter) is only
  wrong when the project binds none for every line either (structlog contextvars, a logging
  Filter that adds it, asgi-correlation-id…). A file cannot tell: the handler records a pending
  fact (`ctx.pending`) and the errors.logging project check (`items/error_logging.py`) decides,
  with the `CorrelationBinding` facts of every file (`CorrelationBindings`).

Knowledge: rules/knowledge/error_logging.toml; log calls: `analysis/logcalls.py` / logging.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis.logcalls import LogCall, LogCalls, call_keys
from ...analysis.once import run_once
from ...analysis.outbound import classify, scope_qualname
from ...analysis.strings import words
from ...analysis.wrapping import block, walk_body
from ...engine.context import FileContext, PendingFinding, Problem
from ...engine.detector import Derived, Detector, roots
from ...engine.names import dotted
from ...engine.walker import children
from ...facts import CorrelationBinding, InboundWork
from ...models import Severity

LOGGING = "errors.logging"
CODES = ("TTP112", "TTP113", "TTP114")
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_FALSY = ("False", "None")


@dataclass(frozen=True)
class _Knowledge:
    broad: frozenset[str]
    expected: frozenset[str]
    operational: frozenset[str]
    reporters: frozenset[str]
    reporter_methods: frozenset[str]
    reporter_words: frozenset[str]
    logger_names: frozenset[str]
    error_methods: frozenset[str]
    warning_methods: frozenset[str]
    exception_methods: frozenset[str]
    error_levels: frozenset[str]
    warning_levels: frozenset[str]
    exc_info_keywords: frozenset[str]
    correlation_names: frozenset[str]
    binders: frozenset[str]
    integrations: frozenset[str]
    integration_names: frozenset[str]  # their last names
    filter_bases: frozenset[str]
    inbound: frozenset[str]
    needs: tuple[bytes, ...]
    predicate_calls: frozenset[str]
    pure_calls: frozenset[str]
    pure_words: frozenset[str]


@knowledge.derived
def _k() -> _Knowledge:
    raw = knowledge.table("error_logging")
    corr = raw["correlation"]
    return _Knowledge(
        broad=frozenset(raw["broad"]),
        expected=frozenset(raw["expected"]),
        operational=frozenset(raw["operational"]),
        reporters=frozenset(raw["reporters"]),
        reporter_methods=frozenset(raw["reporter_methods"]),
        reporter_words=frozenset(raw["reporter_words"]),
        logger_names=frozenset(raw["logger_names"]),
        error_methods=frozenset(raw["error_methods"]),
        warning_methods=frozenset(raw["warning_methods"]),
        exception_methods=frozenset(raw["exception_methods"]),
        error_levels=frozenset(raw["error_levels"]),
        warning_levels=frozenset(raw["warning_levels"]),
        exc_info_keywords=frozenset(raw["exc_info_keywords"]),
        correlation_names=frozenset(_norm(n) for n in corr["names"]),
        binders=frozenset(corr["binders"]),
        integrations=frozenset(corr["integrations"]),
        integration_names=frozenset(n.rpartition(".")[2] for n in corr["integrations"]),
        filter_bases=frozenset(corr["filter_bases"]),
        inbound=frozenset(corr["inbound"]),
        needs=tuple(token.encode() for token in corr["needs"]),
        predicate_calls=frozenset(raw["fallback"]["predicate_calls"]),
        pure_calls=frozenset(raw["fallback"]["pure_calls"]),
        pure_words=frozenset(raw["fallback"]["pure_words"]),
    )


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def correlated(keys: frozenset[str]) -> bool:
    """Whether one of `keys` names a correlation id field."""
    names = _k().correlation_names
    return any(_norm(key) in names for key in keys)


# --- one handler's body ---------------------------------------------------------------------
@dataclass
class _Body:
    """What a handler's body does, from one pass (nested scopes excluded)."""

    empty: bool = True  # only pass / ... / continue / strings
    raises: bool = False
    reraises: bool = False  # `raise`, `raise e`, `raise X from e`: the traceback goes on
    reports: bool = False
    uses_name: bool = False
    falls_back: bool = False  # returns, or assigns a value instead
    returns_bool: bool | None = None  # the bool literal the handler ends by returning
    logs: list[tuple[cst.Call, LogCall]] = field(default_factory=list)  # not in nested handlers
    logs_anywhere: bool = False


def _inert(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Pass, cst.Continue)):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
        ):
            continue
        return False
    return True


def _statements(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> list[cst.BaseStatement]:
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)  # `except X: pass` on one line
    return [cst.SimpleStatementLine(body=body.body)]


class _Reader:
    def __init__(self, ctx: FileContext, calls: LogCalls) -> None:
        self.ctx = ctx
        self.calls = calls

    def read(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> _Body:
        statements = _statements(handler)
        body = _Body(empty=all(_inert(s) for s in statements))
        name = handler.name.name if handler.name is not None else None
        bound = name.value if isinstance(name, cst.Name) else None
        # (node, inside a nested handler)
        todo: list[tuple[cst.CSTNode, bool]] = [(s, False) for s in reversed(statements)]
        while todo:
            node, nested = todo.pop()
            if isinstance(node, _SCOPES):
                continue
            if isinstance(node, cst.Raise):
                body.raises = True
                exc = node.exc
                body.reraises = body.reraises or (
                    exc is None
                    or node.cause is not None
                    or (isinstance(exc, cst.Name) and bound is not None and exc.value == bound)
                )
            elif isinstance(node, cst.Return):
                body.falls_back = True
                if node.value is not None and _error_value(node.value):
                    body.reports = True
            elif isinstance(node, (cst.Assign, cst.AnnAssign)) and not nested:
                body.falls_back = True
            elif isinstance(node, cst.Name):
                body.uses_name = body.uses_name or (bound is not None and node.value == bound)
            elif isinstance(node, cst.Call):
                self._call(node, nested, body)
            inner = nested or isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler))
            todo.extend((kid, inner) for kid in reversed(children(node)))
        last = statements[-1] if statements else None
        if isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return):
            body.returns_bool = _bool_literal(last.body[-1].value)
        return body

    def _call(self, call: cst.Call, nested: bool, body: _Body) -> None:
        k = _k()
        found = self.calls.log_call(call) or self.calls.guessed_log_call(call, k.logger_names)
        if found is not None:
            body.logs_anywhere = True
            if not nested:
                body.logs.append((call, found))
            return
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if method in k.reporter_methods or self.ctx.qualname(func) in k.reporters:
            body.reports = True
        elif _logger_like(func, k.logger_names) or _has_exc_info(call):
            body.logs_anywhere = True  # `self.logger().network(…, exc_info=True)`: a project logger
        else:
            name = method or (func.value if isinstance(func, cst.Name) else "")
            if set(words(name)) & k.reporter_words:
                body.reports = True


def _logger_like(func: cst.BaseExpression, names: frozenset[str]) -> bool:
    """A method called on something named like a logger, or on what a logger accessor returns
    (`self.logger().network(...)`, `get_logger().error(...)`)."""
    if not isinstance(func, cst.Attribute):
        return False
    receiver = func.value
    if isinstance(receiver, cst.Call):
        receiver = receiver.func
    if isinstance(receiver, cst.Name):
        return receiver.value in names or receiver.value in ("get_logger", "getLogger")
    if isinstance(receiver, cst.Attribute):
        return receiver.attr.value in names or receiver.attr.value in ("get_logger", "getLogger")
    return False


_IMPURE = frozenset({"builtins.open", "builtins.input", "builtins.print", "builtins.exec"})
_ERROR_WORDS = frozenset({"error", "errors", "err", "fail", "failed", "failure", "exception"})


def _error_value(expr: cst.BaseExpression) -> bool:
    """A value that says it is an error: a string or key (`{"error": …}`, `"failed: …"`) or
    something built by a callee named so (`ErrorResponse(…)`, `self.failure(…)`)."""
    todo: list[cst.CSTNode] = [expr]
    while todo:
        node = todo.pop()
        text = ""
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            text = value if isinstance(value, str) else ""
        elif isinstance(node, cst.FormattedStringText):
            text = node.value
        elif isinstance(node, cst.Call):
            func = node.func
            text = func.attr.value if isinstance(func, cst.Attribute) else ""
            text = text or (func.value if isinstance(func, cst.Name) else "")
        if text and set(words(text[:80])) & _ERROR_WORDS:
            return True
        if not isinstance(node, (cst.Lambda, cst.FunctionDef)):
            todo.extend(children(node))
    return False


def _bool_literal(expr: cst.BaseExpression | None) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def _catches(ctx: FileContext, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> list[str]:
    """Qualified names of what the handler catches ("" for what cannot be resolved);
    `["builtins.BaseException"]` for a bare `except:`."""
    if handler.type is None:
        return ["builtins.BaseException"]
    types = handler.type
    elements = (
        [e.value for e in types.elements] if isinstance(types, (cst.Tuple, cst.List)) else [types]
    )
    return [ctx.qualname(e) or "" for e in elements]


def _truthy(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name) and expr.value in _FALSY:
        return False
    return not (isinstance(expr, cst.Integer) and expr.evaluated_value == 0)


def _has_exc_info(call: cst.Call) -> bool:
    """`exc_info=…` on the call, or `opt(exception=…)` on its logger chain (loguru)."""
    keywords = _k().exc_info_keywords
    expr: cst.BaseExpression = call
    for _ in range(8):
        if not isinstance(expr, cst.Call):
            break
        for arg in expr.args:
            if arg.keyword is not None and arg.keyword.value in keywords and _truthy(arg.value):
                return True
        if not isinstance(expr.func, cst.Attribute):
            break
        expr = expr.func.value
    return False


def _level(ctx: FileContext, call: cst.Call, found: LogCall) -> str:
    """The level of a log call: "exception", "error", "warning", or "" (anything lower)."""
    k = _k()
    method = found.method
    if method in k.exception_methods:
        return "exception"
    if method in k.error_methods:
        return "error"
    if method in k.warning_methods:
        return "warning"
    if method in found.library.level_first and call.args:
        level = ctx.qualname(call.args[0].value) or ""
        if level in k.error_levels:
            return "error"
        if level in k.warning_levels:
            return "warning"
    return ""


def _what(catches: list[str]) -> str:
    if catches == ["builtins.BaseException"]:
        return "`except:`"
    shown = ", ".join(c.rsplit(".", 1)[-1] for c in catches if c) or "…"
    return f"`except {shown}`"


class ErrorHandlers(Detector):
    """TTP112 and TTP113 on each except handler; TTP114 as pending facts."""

    codes = CODES
    needs = (b"except",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.calls = LogCalls(ctx)
        self.reader = _Reader(ctx, self.calls)
        self.site_rule = next((c for c in CODES if ctx.wants(c)), "TTP112")
        self.once: dict[str, str] | None = None

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.off:
            self.calls.leave_Assign(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if not self.off:
            self._judge(node)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if not self.off:
            self._judge(node)

    def _judge(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        ctx = self.ctx
        body = self.reader.read(handler)
        catches = _catches(ctx, handler)
        swallowed = self._swallowed(handler, body, catches)
        if swallowed is not None:
            ctx.site(LOGGING, "TTP112", handler, swallowed)
            return
        first: PendingFinding | None = None
        uncorrelated: list[cst.Call] = []
        # The traceback matters for what was not expected (a broad catch, an outage) and is
        # lost only when the handler does not re-raise it.
        needs_traceback = self._unexpected(catches) and not body.reraises
        levels = [(call, found, _level(ctx, call, found)) for call, found in body.logs]
        # one log call of the handler that keeps the traceback is enough (a warning, then
        # `log.exception(e)`)
        if any(lv == "exception" or _has_exc_info(call) for call, _, lv in levels):
            needs_traceback = False
        for call, found, level in levels:
            if level in ("error", "warning") and needs_traceback and not _has_exc_info(call):
                reported = ctx.report(call, self._no_exc_info(found, level))
                first = first or reported
            if level in ("error", "exception") and not self._correlated(call):
                uncorrelated.append(call)
        if first is not None:
            ctx.site(LOGGING, "TTP113", handler, finding=first)
        elif not (uncorrelated and ctx.wants("TTP114")):
            ctx.site(LOGGING, self.site_rule, handler)
        if ctx.wants("TTP114") and uncorrelated:
            if self._serves():
                for i, call in enumerate(uncorrelated):
                    ctx.pending(call, _NO_CORRELATION, site=first is None and i == 0)
            elif first is None:
                ctx.site(LOGGING, "TTP114", handler, label="runs once: nothing to correlate")

    def _serves(self) -> bool:
        """The handler can run for a request, a message or a job: not at import time (a
        settings module, an optional import), not in code that runs once per process (`main()`,
        a CLI command, a start-up hook, what only those call)."""
        function = self.ctx.function
        if function is None:
            return False
        if self.once is None:
            self.once = run_once(self.ctx)
        return scope_qualname(self.ctx.names) not in self.once

    def _unexpected(self, catches: list[str]) -> bool:
        """Catches everything, or an operational failure (not a specific exception the code
        expects: a KeyError on a lookup, a project's TemporaryError, a missing optional import)."""
        k = _k()
        return any(c in k.broad or c in k.operational for c in catches)

    def _swallowed(
        self, handler: cst.ExceptHandler | cst.ExceptStarHandler, body: _Body, catches: list[str]
    ) -> Problem | None:
        k = _k()
        broad = any(c in k.broad for c in catches)
        # Bare, broad, or an operational failure: a specific ValueError dropped after a parse
        # attempt is an idiom, an OSError or a ConnectionError dropped is a hidden outage.
        drops_failures = not catches or broad or any(c in k.operational for c in catches)
        attempt = self._attempt(handler)
        if body.empty and drops_failures and not all(c in k.expected for c in catches or ["-"]):
            if broad and attempt is not None and self._pure(attempt):
                return None  # `try: n = int(x) except Exception: pass`: suppress-like
            what = "continues" if "continue" in self.ctx.code_for(handler.body) else "passes"
            return Problem(
                "TTP112",
                f"{_what(catches)} {what} silently: the error disappears without a log line, "
                "a metric or a re-raise",
                severity=None if broad else Severity.LOW,
                fix="log it with the traceback (`logger.exception(...)`), re-raise, or catch "
                "only the exception you expect and say why it is safe to ignore",
            )
        handled = body.raises or body.reports or body.logs_anywhere or body.uses_name
        if not broad or handled or attempt is None:
            return None
        if self._predicate(attempt, body) or (body.falls_back and self._pure(attempt)):
            return None
        return Problem(
            "TTP112",
            f"{_what(catches)} catches every error and neither logs, reports nor re-raises "
            "it: failures here are invisible",
            fix="log it with the traceback (`logger.exception(...)`) or re-raise; catch the "
            "specific exceptions you can handle",
        )

    def _attempt(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> cst.Try | None:
        """The `try` statement of the handler being left."""
        parent = self.ctx.parent()
        if isinstance(parent, cst.Try) and handler in parent.handlers:
            return parent
        return None

    def _predicate(self, attempt: cst.Try, body: _Body) -> bool:
        """`try: …; return x == y except …: return False`: the failure is the answer."""
        answer = body.returns_bool
        if answer is None:
            return False
        calls = _k().predicate_calls
        for node in walk_body(block(attempt.body)):
            if isinstance(node, cst.Return) and node.value is not None:
                value = node.value
                if _bool_literal(value) is (not answer) or isinstance(
                    value, (cst.Comparison, cst.UnaryOperation)
                ):
                    return True
                if isinstance(value, cst.Call) and self.ctx.qualname(value.func) in calls:
                    return True
        function = self.ctx.function
        if function is None:
            return False
        return any(
            isinstance(node, cst.Return) and _bool_literal(node.value) is (not answer)
            for node in walk_body(block(function.body))
        )

    def _pure(self, attempt: cst.Try) -> bool:
        """The try only converts or looks up data: no await, no outbound call, every call a
        builtin (but open, input, print), a known conversion, or named only with words of a
        conversion or a lookup (`model_dump`, `parse_date`, `get`)."""
        k = _k()
        for node in walk_body(block(attempt.body)):
            if isinstance(node, (cst.Await, cst.Yield)):
                return False
            if isinstance(node, cst.With) and node.asynchronous is not None:
                return False
            if not isinstance(node, cst.Call):
                continue
            qual = self.ctx.qualname(node.func)
            if qual in k.pure_calls:
                continue
            if qual is not None and qual.startswith("builtins.") and qual not in _IMPURE:
                continue
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else ""
            name = name or (func.value if isinstance(func, cst.Name) else "")
            found = words(name)
            if not found or not set(found) <= k.pure_words:
                return False
            if classify(self.ctx, node, qual) is not None:
                return False  # `requests.get(url)`, `session.get(url)`: I/O, however named
        return True

    @staticmethod
    def _no_exc_info(found: LogCall, level: str) -> Problem:
        hint = (
            "use `logger.opt(exception=True).error(...)` or `logger.exception(...)`"
            if found.library.name == "loguru"
            else "pass `exc_info=True`, or use `.exception(...)`"
        )
        return Problem(
            "TTP113",
            f"{level} log `{found.method}()` in an except block without the exception: the "
            "traceback is lost, only the message is logged",
            fix=hint,
        )

    def _correlated(self, call: cst.Call) -> bool:
        keys = call_keys(call) | self.calls.bound_keywords(call)
        if any(a.star == "**" for a in call.args):
            return True  # `**fields` may carry it: not guessed at
        return correlated(keys)


_NO_CORRELATION = Problem(
    "TTP114",
    "error log without a correlation id, and the project binds none for every log line: "
    "this error cannot be tied to the request or job that caused it",
    fix="bind one per request (structlog.contextvars.bind_contextvars(correlation_id=...), a "
    "logging.Filter or asgi-correlation-id), or pass it: extra={'correlation_id': ...}",
)


# --- project-wide correlation ids -------------------------------------------------------------
class CorrelationBindings(Detector):
    """Records a `correlation-binding` fact where the project binds a correlation id for every
    log line (read by the errors.logging project check)."""

    feeds = ("TTP114",)
    needs = Derived(lambda: _k().needs)

    def visit_Call(self, node: cst.Call) -> None:
        k = _k()
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        if qual in k.binders:
            keys = call_keys(node)
            if correlated(keys) or any(a.star == "**" for a in node.args):
                ctx.fact(node, CorrelationBinding(how=dotted(node.func) or qual or ""))
            return
        if qual in k.integrations:
            ctx.fact(node, CorrelationBinding(how=qual or ""))
            return
        for arg in node.args:
            value = arg.value
            name = value.value if isinstance(value, cst.Name) else ""
            name = value.attr.value if isinstance(value, cst.Attribute) else name
            if name in k.integration_names:  # a cheap test before resolving
                held = ctx.qualname(value)
                if held in k.integrations:
                    ctx.fact(value, CorrelationBinding(how=held or ""))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        bases = {ctx.qualname(arg.value) for arg in node.bases if arg.keyword is None}
        if not bases & _k().filter_bases:
            return
        todo: list[cst.CSTNode] = [node.body]
        while todo:
            current = todo.pop()
            name = ""
            if isinstance(current, cst.Attribute):
                name = current.attr.value
            elif isinstance(current, cst.SimpleString):
                value = current.evaluated_value
                name = value if isinstance(value, str) else ""
            if name and correlated(frozenset({name})):
                ctx.fact(node.name, CorrelationBinding(how=f"logging filter {node.name.value}"))
                return
            todo.extend(children(current))


class InboundWorkFacts(Detector):
    """Records an `inbound-work` fact where the project handles messages or jobs (a bot, a
    consumer, a task worker): with the web routes, what tells the errors.logging project check
    that there is work to correlate at all."""

    feeds = ("TTP114",)
    needs = Derived(lambda: roots(_k().inbound))

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.seen = ctx.is_test_file

    def _note(self, node: cst.CSTNode, expr: cst.BaseExpression) -> None:
        if self.seen:
            return
        target = expr.func if isinstance(expr, cst.Call) else expr
        qual = self.ctx.qualname(target)
        if qual in _k().inbound:
            self.seen = True
            self.ctx.fact(node, InboundWork(api=qual or ""))

    def visit_Call(self, node: cst.Call) -> None:
        self._note(node, node)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._note(node, node.decorator)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if base.keyword is None:
                self._note(base, base.value)
