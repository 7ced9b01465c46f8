"""Long-running workers and consumers, and how they show they are alive, for
deploy.health-endpoint (`ttaprod.items.health`). Reports nothing; test files are skipped.

Facts (`ttaprod.facts`):

- `Worker` at a call or decorator that runs or defines a worker (`KafkaConsumer(...)`,
  `@app.task` of a Celery app, `application.run_polling()`), from the library rows of
  `rules/knowledge/workers.toml`; and at `asyncio.run(main())` when `main` (a function or a
  method of a class of this module) loops with `while` over awaits: a home-grown service loop.
- `Heartbeat` at what shows liveness without an HTTP route: a liveness file touched or written
  (`Path("/tmp/healthy").touch()`), a watchdog notification.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import knowledge
from ...analysis.observability import callee, receiver_type
from ...analysis.web import argument, function_qualname, literal_str
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...engine.names import dotted
from ...facts import Heartbeat, Worker


@dataclass(frozen=True)
class _Row:
    id: str
    display: str
    roots: tuple[str, ...]
    methods: frozenset[str]
    in_loop: bool


@dataclass(frozen=True)
class _Workers:
    calls: dict[str, _Row]  # qualified name → its library row
    by_method: tuple[_Row, ...]  # rows with method names
    runners: frozenset[str]
    file_calls: frozenset[str]
    words: tuple[str, ...]
    heartbeat_calls: frozenset[str]
    needs: tuple[bytes, ...]


@knowledge.derived
def _workers() -> _Workers:
    data = knowledge.table("workers")
    calls: dict[str, _Row] = {}
    by_method: list[_Row] = []
    needs: set[str] = set()
    for lib in data["library"]:
        row = _Row(
            lib["id"],
            lib["display"],
            tuple(lib["needs"]),
            frozenset(lib.get("methods", ())),
            bool(lib.get("in_loop", False)),
        )
        needs.update(lib["needs"])
        for name in lib.get("calls", ()):
            calls[name] = row
        if row.methods:
            by_method.append(row)
    heartbeat = data["heartbeat"]
    runners = frozenset(data["asyncio"]["runners"])
    needs.update(r.split(".", 1)[0] for r in runners)
    needs.update(heartbeat["words"])
    needs.update(c.split(".", 1)[0] for c in heartbeat["calls"])
    return _Workers(
        calls,
        tuple(by_method),
        runners,
        frozenset(heartbeat["file_calls"]),
        tuple(heartbeat["words"]),
        frozenset(heartbeat["calls"]),
        tuple(sorted(n.encode() for n in needs)),
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WorkerFacts(Detector):
    facts_only = True
    needs = Derived(lambda: _workers().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.imported: set[str] = set()  # top-level modules this file imports
        self.looping: set[str] = set()  # functions with a `while` loop over awaits
        self.runs: list[tuple[cst.Call, str]] = []  # asyncio.run(f()) and what f is

    # --- imports -------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imported.add((dotted(alias.name) or "").split(".", 1)[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None:
            self.imported.add((dotted(node.module) or "").split(".", 1)[0])

    # --- what marks a worker -----------------------------------------------------------------
    def _target(self, expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Call):
            return callee(self.ctx, expr)
        qual = self.ctx.qualname(expr)
        if qual is None and isinstance(expr, cst.Attribute):
            owner = receiver_type(self.ctx, expr.value)
            return f"{owner}.{expr.attr.value}" if owner else None
        return qual

    def visit_Decorator(self, node: cst.Decorator) -> None:
        if self.off:
            return
        target = self._target(node.decorator)
        row = _workers().calls.get(target or "")
        if row is not None:
            how = "@" + self.ctx.code_for(node.decorator)
            self.ctx.fact(node, Worker(library=row.id, display=row.display, how=_short(how)))

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        workers = _workers()
        target = self._target(node)
        row = workers.calls.get(target or "")
        if row is not None:
            how = _short(self.ctx.code_for(node))
            self.ctx.fact(node, Worker(library=row.id, display=row.display, how=how))
            return
        if target in workers.runners and node.args and isinstance(node.args[0].value, cst.Call):
            function = self._function_of(node.args[0].value)
            if function is not None:
                self.runs.append((node, function))
            return
        if isinstance(node.func, cst.Attribute) and target is None:
            self._method(node, node.func.attr.value)
        self._heartbeat(node, target)

    def _method(self, node: cst.Call, name: str) -> None:
        for row in _workers().by_method:
            if name not in row.methods or not any(r in self.imported for r in row.roots):
                continue
            if row.in_loop and not any(isinstance(a, cst.While) for a in self._enclosing()):
                continue
            # the call's source only for a fact (code generation of every call is not free)
            how = _short(self.ctx.code_for(node))
            self.ctx.fact(node, Worker(library=row.id, display=row.display, how=how))
            return

    def _enclosing(self) -> list[cst.CSTNode]:
        """The nodes around the one being visited, up to its function."""
        out: list[cst.CSTNode] = []
        for node in self.ctx.ancestors():
            if isinstance(node, cst.FunctionDef):
                break
            out.append(node)
        return out

    def visit_Await(self, node: cst.Await) -> None:
        if self.off or self.ctx.function is None:
            return
        if any(isinstance(a, cst.While) for a in self._enclosing()):
            self.looping.add(function_qualname(self.ctx))

    # --- heartbeats ----------------------------------------------------------------------------
    def _heartbeat(self, node: cst.Call, target: str | None) -> None:
        workers = _workers()
        if target in workers.heartbeat_calls:
            self.ctx.fact(node, Heartbeat(how=_short(self.ctx.code_for(node))))
            return
        if target not in workers.file_calls:
            return
        path = literal_str(argument(node, 0, "file"))
        func = node.func
        if path is None and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            path = literal_str(argument(func.value, 0, ""))  # Path("/tmp/healthy").touch()
        name = (path or "").rsplit("/", 1)[-1].lower()
        if name and any(word in name for word in workers.words):
            self.ctx.fact(node, Heartbeat(how=f"liveness file {path}"))

    # --- asyncio service loops -----------------------------------------------------------------
    def finish(self) -> None:
        for run, function in self.runs:
            if function in self.looping:
                how = _short(self.ctx.code_for(run))
                self.ctx.fact(run, Worker(library="asyncio", display="service loop", how=how))

    def _function_of(self, call: cst.Call) -> str | None:
        """The qualified name of the function or method a coroutine call runs."""
        func = call.func
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            if held is not None:
                return f"{held.ctor}.{func.attr.value}"
        return self.ctx.qualname(func)
