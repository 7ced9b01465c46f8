"""Structured logging (observability.structured-logging): TTP203 print-in-service-code and
TTP204 log-message-preformatted.

Every print() in service code and every log call is a site: a print is uncovered (TTP203),
a log call is covered unless its message was formatted before the call (an f-string with
placeholders, `%`, `.format()`, `+` on a string: TTP204). Test files are not service code
and are skipped; CLI output (entry modules, `scripts/`, `bin/`, `__main__` blocks, Click and
Typer commands) is the product there, so those prints are not sites at all. What counts as
a logger or a CLI entry point is data in `rules/knowledge/logging.toml`.
"""

from __future__ import annotations

import libcst as cst

from ...analysis.logcalls import LogCalls
from ...analysis.logcalls import logging_data as _logging_data
from ...analysis.once import script_code
from ...analysis.outbound import scope_qualname
from ...analysis.syntax import is_main_guard as _main_guard
from ...analysis.web import argument, function_qualname
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector
from ...engine.walker import children

LOGGING = "observability.structured-logging"
_STD_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})
_EXITS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit"})


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


def _parses_command_line(ctx: FileContext) -> bool:
    """The module builds an argument parser (`argparse.ArgumentParser(...)`), resolved by
    import: a cheap text test first, then the module's own bindings."""
    parsers = _logging_data()["cli"].get("parsers", ())
    if not any(p.rsplit(".", 1)[-1] + "(" in ctx.text for p in parsers):
        return False
    bound = ctx.names.scopes[0].bindings.values()
    prefixes = tuple(p.rsplit(".", 1)[0] for p in parsers)
    return any(isinstance(b, str) and (b in parsers or b in prefixes) for b in bound)


def cli_module(path: str) -> bool:
    """A command-line entry module: `__main__.py`, `cli.py`, or under `cli/`, `commands/`,
    `scripts/`, `bin/`."""
    cli = _logging_data()["cli"]
    *dirs, name = path.split("/")
    return name in cli["module_names"] or any(d in cli["dirs"] for d in dirs)


class PrintInServiceCode(Detector):
    codes = ("TTP203",)
    needs = (b"print",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file or cli_module(ctx.path) or _parses_command_line(ctx)
        self.commands: set[int] = set()  # ids of functions decorated as CLI commands
        self.groups: set[str] = set()  # click groups defined here (`@cli.command()`)
        # groups by the name they are bound to, nested ones too (in a plugin hook,
        # `@cli.group()` on a group handed in: its `@name.command()` functions are commands)
        self.group_names: set[str] = set()
        # functions run as commands (`typer.run(main)`), found before the walk
        self.run_targets = _run_targets(ctx) if not self.off else frozenset()
        self.script: frozenset[str] | None = None

    def _before_exit(self) -> bool:
        """A fatal message to whoever starts the process: the print's block then exits
        (`raise SystemExit(1)`, `sys.exit(…)`), before logging may even be set up."""
        stack = self.ctx.stack
        for i in range(len(stack) - 1, 0, -1):
            statement, block = stack[i], stack[i - 1]
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            body = block.body if isinstance(block, (cst.IndentedBlock, cst.Module)) else ()
            after = list(body)[list(body).index(statement) + 1 :] if statement in body else []
            return any(self._exits(s) for s in after)
        return False

    def _exits(self, statement: cst.CSTNode) -> bool:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, cst.Raise) and small.exc is not None:
                exc = small.exc.func if isinstance(small.exc, cst.Call) else small.exc
                if self.ctx.qualname(exc) == "builtins.SystemExit":
                    return True
            call = small.value if isinstance(small, cst.Expr) else None
            if isinstance(call, cst.Call) and self.ctx.qualname(call.func) in _EXITS:
                return True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        qual = function_qualname(self.ctx)
        if qual in self.run_targets:
            self.commands.add(id(node))
        for decorator in node.decorators:
            kind = self._command_decorator(decorator.decorator)
            if kind == "unresolved-group":
                self.group_names.add(node.name.value)
            elif kind:
                self.commands.add(id(node))
                if kind.endswith("group"):
                    self.groups.add(qual)
                    self.group_names.add(node.name.value)

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
            receiver = target.value
            if isinstance(receiver, cst.Name) and receiver.value in self.group_names:
                return target.attr.value
            if (
                target.attr.value == "group"
                and isinstance(expr, cst.Call)
                and self.ctx.qualname(receiver) is None
                and held is None
            ):
                # `@cli.group(name="x")` on a group handed to a plugin hook: what `@x.command()`
                # decorates is a command
                return "unresolved-group"
        return ""

    def visit_Call(self, node: cst.Call) -> None:
        if self.off or self.ctx.qualname(node.func) not in _logging_data()["print"]["names"]:
            return
        stream = argument(node, -1, "file")
        if stream is not None and self.ctx.qualname(stream) not in _STD_STREAMS:
            return  # print(..., file=handle) writes a file, not a log line
        if _in_main_block(self.ctx.stack):
            return
        if any(id(f) in self.commands for f in self.ctx.functions):
            return
        if self.ctx.functions:
            if self.script is None:
                self.script = script_code(self.ctx)
            if scope_qualname(self.ctx.names) in self.script:
                return  # the program the `__main__` block runs: its output is the product
        if self._before_exit():
            return
        what = "print(..., file=sys.stderr)" if stream is not None else "print()"
        problem = Problem(
            "TTP203",
            f"{what} in service code writes unstructured text: no level, timestamp or "
            "correlation id, and nothing a log pipeline can parse",
            fix='use a logger: `logger.info("order_created", extra={"order_id": order_id})`',
        )
        self.ctx.site(LOGGING, "TTP203", node, problem)


def _run_targets(ctx: FileContext) -> frozenset[str]:
    """Functions this module hands to a command runner (`typer.run(main)`)."""
    cli = _logging_data()["cli"]
    if not any(runner.split(".", 1)[0] in ctx.text for runner in cli["runners"]):
        return frozenset()
    found: set[str] = set()
    todo: list[cst.CSTNode] = [ctx.module]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Call) and ctx.qualname(node.func) in cli["runners"]:
            target = argument(node, 0, "function")
            qual = ctx.qualname(target) if target is not None else None
            if qual is not None:
                found.add(qual)
        todo.extend(children(node))
    return frozenset(found)


class LogMessagePreformatted(Detector):
    codes = ("TTP204",)
    needs = (b"log",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.calls = LogCalls(ctx)  # tracks derived loggers: `log = logger.bind(...)`

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        found = self.calls.log_call(node)
        if found is None:
            return
        lib, method = found.library, found.method
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

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.off:
            self.calls.leave_Assign(node)
