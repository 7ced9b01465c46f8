"""Pooled, reused clients (performance.connection-pooling): TTP311 client-created-per-call,
TTP312 db-engine-created-per-call, TTP313 db-connection-per-call.

Every construction of a pooled client (an HTTP session, an SDK client, a Redis or MongoDB
client), a SQLAlchemy engine or a raw database connection is a site, covered when what it
builds outlives the call that builds it:

- built at module or class level, or kept: stored on an attribute (`self.client`,
  `app.state.http`), in a global or a module-level container;
- built in code that runs once per process: `main()`, a function the `__main__` block calls,
  `__main__.py`, a CLI command, a start-up hook, a lifespan, a memoized (`@lru_cache`) factory;
- returned by a factory, or yielded by a context manager (a lifespan) — except that a
  *connection* returned or yielded is one new connection per use, and a request handler or a
  per-request dependency (`Depends(fn)`, a plain generator yielding it) runs once per request;
- used for a batch of calls: bound to a name the function uses inside a loop (not in a
  request handler, which runs once per request whatever it loops over).

Otherwise it is built and dropped on every call. A factory of another module that builds a new
client on every call (not memoized, not kept: `engine/values.py`), or a lambda doing so, is a
construction where it is called, judged the same way. Test files are skipped.
Knowledge: rules/knowledge/pooling.toml (constructors, once-only markers), caching.toml
(memoizing decorators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ... import knowledge
from ...analysis import targets
from ...analysis.blocking import executing_function
from ...analysis.lifetime import Fate, fate
from ...analysis.outbound import construction, enclosing_class_qualname, render
from ...analysis.outbound import knowledge as outbound
from ...analysis.syntax import is_main_guard as _is_main_guard
from ...analysis.web import HandlerIndex, function_qualname, literal_str
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...facts import ClientValue

ITEM = "performance.connection-pooling"
CLIENT, ENGINE, CONNECTION = "TTP311", "TTP312", "TTP313"


@dataclass(frozen=True)
class Kind:
    rule: str
    display: str
    fix: str

    @property
    def connection(self) -> bool:
        return self.rule == CONNECTION


@dataclass(frozen=True)
class _Table:
    libraries: frozenset[str]
    client_fix: str
    built: dict[str, Kind]  # qualified constructor → kind (engines, connections, more clients)
    once: dict[str, Any]
    cache_decorators: frozenset[str]
    dependency_markers: frozenset[str]
    needs: tuple[bytes, ...]


_RULES = {"client": CLIENT, "engine": ENGINE, "connection": CONNECTION}


@knowledge.derived
def _table() -> _Table:
    data = knowledge.table("pooling")
    client_fix = data["client_fix"]
    requests_clients = outbound().clients  # judged through `construction` (local subclasses)
    built = {
        name: Kind(_RULES[b.kind], b.display, b.fix or client_fix)
        for name, b in targets.pooled().items()
        if name not in requests_clients
    }
    return _Table(
        libraries=frozenset(lib["id"] for lib in targets.libraries() if lib.get("pooled")),
        client_fix=client_fix,
        built=built,
        once=data["once"],
        cache_decorators=frozenset(knowledge.table("caching")["decorators"]),
        dependency_markers=frozenset(knowledge.table("web")["correlation"]["dependency_markers"]),
        needs=targets.pooled_needs(),
    )


@dataclass(eq=False)
class _Fn:
    node: cst.FunctionDef | cst.Lambda
    qual: str
    once: str = ""  # why it runs once per process
    cached: str = ""  # the memoizing decorator
    context_manager: bool = False
    globals: set[str] = field(default_factory=set)
    names: dict[str, _Built] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name.value if isinstance(self.node, cst.FunctionDef) else "<lambda>"


@dataclass(eq=False)
class _Built:
    node: cst.Call
    kind: Kind
    fn: _Fn | None
    fate: Fate
    level: str = "module"  # outside any function: "module" or "class"


_RANK = {"kept": 4, "returned": 3, "yielded": 3, "handed": 1, "local": 1, "dropped": 0}


class PerCallClients(Detector):
    codes = (CLIENT, ENGINE, CONNECTION)
    needs = Derived(lambda: _table().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.active = not ctx.is_test_file
        self.handlers = HandlerIndex(ctx)
        self.frames: list[_Fn] = []
        self.by_node: dict[int, _Fn] = {}
        self.built: list[_Built] = []
        self.tracked = 0  # local names bound to constructions, in open frames
        self.once: dict[str, str] = {}  # functions run once, found at their call or registration
        self.per_request: set[str] = set()  # functions handed to Depends(...)
        self.main_block: cst.If | None = None
        self.prefix = ctx.names.module_name + "."
        self.callers: dict[str, set[str]] = {}  # function of this module → who calls it here
        if ctx.path.rsplit("/", 1)[-1] == "__main__.py":
            self.module_once = "__main__.py"
        else:
            self.module_once = ""

    # --- functions ----------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.active:
            return
        self.handlers.visit_function(node)
        fn = _Fn(node, function_qualname(self.ctx), once=self.module_once)
        once = _table().once
        if len(self.ctx.names.scopes) == 2 and node.name.value in once["entry_point_names"]:
            fn.once = f"{node.name.value}()"
        for decorator in node.decorators:
            self._decorator(fn, decorator.decorator)
        self.frames.append(fn)
        self.by_node[id(node)] = fn

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.active and self.frames and self.frames[-1].node is node:
            self.tracked -= len(self.frames.pop().names)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        if self.active:
            fn = _Fn(node, "<lambda>")
            self.frames.append(fn)
            self.by_node[id(node)] = fn

    def leave_Lambda(self, node: cst.Lambda) -> None:
        if self.active and self.frames and self.frames[-1].node is node:
            self.tracked -= len(self.frames.pop().names)

    def visit_Global(self, node: cst.Global) -> None:
        self._declare(node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._declare(node.names)

    def _declare(self, names: Sequence[cst.NameItem]) -> None:
        if self.active and self.frames:
            self.frames[-1].globals.update(item.name.value for item in names)

    def _decorator(self, fn: _Fn, expr: cst.BaseExpression) -> None:
        table = _table()
        once = table.once
        func = expr.func if isinstance(expr, cst.Call) else expr
        qual = self.ctx.qualname(func)
        if qual in table.cache_decorators:
            fn.cached = qual.rsplit(".", 1)[-1]
        elif qual in once["decorators"]:
            fn.once = fn.once or "a CLI command"
        elif qual in once["context_managers"]:
            fn.context_manager = True
        elif isinstance(func, cst.Attribute):
            method = func.attr.value
            held = self.ctx.instance(func.value)
            if method in once["cli_methods"] and held is not None and held.ctor in once["cli_apps"]:
                fn.once = fn.once or "a CLI command"
            elif method in once["hook_methods"] or (
                method in once["event_methods"]
                and isinstance(expr, cst.Call)
                and expr.args
                and literal_str(expr.args[0].value) in once["events"]
            ):
                fn.once = fn.once or "a start-up hook"

    # --- the `__main__` block -----------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if self.active and not self.frames and _is_main_guard(node.test):
            self.main_block = node

    def leave_If(self, node: cst.If) -> None:
        if self.main_block is node:
            self.main_block = None

    # --- calls ------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        ctx = self.ctx
        if self.built:  # a registration call names a function defined above it
            self.handlers.visit_call(node)
        qual = ctx.qualname(node.func)
        kind = self._kind(node, qual)
        if kind is not None:
            self._built(node, kind)
            return
        if qual is not None and self.main_block is not None and not self.frames:
            self.once.setdefault(qual, "the __main__ block")
        callee = self._local_callee(node.func, qual)
        if callee is not None:
            caller = self.frames[-1].qual if self.frames else "<module>"
            self.callers.setdefault(callee, set()).add(caller)
        if qual in _table().dependency_markers:
            self._note(node, 0, self.per_request)
        self._registration(node)

    def _local_callee(self, func: cst.BaseExpression, qual: str | None) -> str | None:
        """A function of this module being called (`helper(...)`, `self.helper(...)`)."""
        if qual is not None:
            return qual if qual.startswith(self.prefix) else None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            owner = enclosing_class_qualname(self.ctx.names)
            return f"{owner}.{func.attr.value}" if owner else None
        return None

    def _kind(self, node: cst.Call, qual: str | None) -> Kind | None:
        table = _table()
        value = self._fresh_factory(node, qual)
        if value is not None:
            return table.built.get(value.ctor) or Kind(CLIENT, value.ctor, table.client_fix)
        if qual is None:
            return None
        kind = table.built.get(qual)
        if kind is not None:
            return kind
        client = construction(self.ctx, node, qual)
        if client is None or client.spec.library.id not in table.libraries:
            return None
        return Kind(
            CLIENT,
            client.subclass.rsplit(".", 1)[-1] if client.subclass else qual,
            table.client_fix,
        )

    def _note(self, node: cst.Call, position: int, into: set[str]) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) > position:
            target = self.ctx.qualname(positional[position].value)
            if target is not None:
                into.add(target)

    def _registration(self, node: cst.Call) -> None:
        once = _table().once
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in once["lifespan_keywords"]:
                target = self.ctx.qualname(arg.value)
                if target is not None:
                    self.once.setdefault(target, "the lifespan")
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in once["event_methods"]
            and node.args
            and literal_str(node.args[0].value) in once["events"]
        ):
            found: set[str] = set()
            self._note(node, 1, found)
            for target in found:
                self.once.setdefault(target, "a start-up hook")

    def _built(self, node: cst.Call, kind: Kind) -> None:
        owner = executing_function(self.ctx.stack)
        fn = self.by_node.get(id(owner)) if owner is not None else None
        where = fate(self.ctx.stack, fn.globals if fn else (), self._module_names())
        built = _Built(node, kind, fn, where, "class" if self.ctx.classes else "module")
        self.built.append(built)
        if fn is not None and where.kind == "local" and where.where:
            if where.where not in fn.names:
                self.tracked += 1
            fn.names[where.where] = built

    def _module_names(self) -> dict[str, Any]:
        return self.ctx.names.scopes[0].bindings

    # --- later uses of a local name -----------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        if not self.tracked:
            return
        for fn in reversed(self.frames):
            built = fn.names.get(node.value)
            if built is not None:
                break
        else:
            return
        use = fate(self.ctx.stack, fn.globals, self._module_names())
        current = built.fate
        if _RANK.get(use.kind, 0) > _RANK.get(current.kind, 0):
            built.fate = Fate(use.kind, use.where, use.looped or current.looped)
        elif use.looped and not current.looped and use.kind in ("use", "handed"):
            built.fate = Fate(current.kind, current.where, True)

    # --- the verdicts -------------------------------------------------------------------
    def finish(self) -> None:
        if not self.built:
            return
        self._once_by_callers()
        for built in self.built:
            label, problem = self._verdict(built)
            self.ctx.site(ITEM, built.kind.rule, built.node, problem, label)

    def _once_by_callers(self) -> None:
        """A function that only code running once calls (import time, the `__main__` block,
        `main()`, a start-up hook…) runs once too, transitively."""
        for fn in self.by_node.values():
            if fn.once:
                self.once.setdefault(fn.qual, fn.once)
        changed = True
        while changed:
            changed = False
            for callee, callers in self.callers.items():
                if callee in self.once or not callers:
                    continue
                if all(c == "<module>" or c in self.once for c in callers):
                    names = sorted(
                        "import" if c == "<module>" else c.rsplit(".", 1)[-1] + "()"
                        for c in callers
                    )
                    self.once[callee] = f"only called from {' and '.join(names[:2])}"
                    changed = True

    def _fresh_factory(self, node: cst.Call, qual: str | None) -> ClientValue | None:
        """A factory of another module (or a lambda of this one) that builds a new client on
        every call: calling it is building one."""
        values = self.ctx.names.values
        if not values:
            return None
        if qual is None and isinstance(node.func, cst.Name):
            qual = f"{self.prefix}{node.func.value}"
        value = values.get(qual) if qual is not None else None
        return value if value is not None and value.factory and value.fresh else None

    def _verdict(self, built: _Built) -> tuple[str, Problem | None]:
        fn, where = built.fn, built.fate
        if fn is None:
            return f"built once at {built.level} level", None
        if where.kind == "kept":
            return f"kept on {where.where}", None
        if fn.cached:
            return f"cached by @{fn.cached} on {fn.name}()", None
        once = fn.once or self.once.get(fn.qual, "")
        if once:
            plain = once.endswith("()") and " " not in once  # "main()"
            return f"built once in {once}" if plain else f"built once ({once})", None
        handler = isinstance(fn.node, cst.FunctionDef) and self.handlers.is_handler(fn.node)
        per_request = handler or fn.qual in self.per_request
        if where.kind in ("returned", "yielded") and not built.kind.connection and not per_request:
            if where.kind == "returned":
                return f"returned by the factory {fn.name}()", None
            if fn.context_manager:
                return f"yielded by the context manager {fn.name}()", None
        elif where.looped and where.kind in ("local", "handed") and not per_request:
            return f"reused for a batch of calls in {fn.name}()", None
        return "", self._problem(built, fn, per_request, handler)

    def _problem(self, built: _Built, fn: _Fn, per_request: bool, handler: bool) -> Problem:
        kind = built.kind
        what = render(built.node.func) or kind.display
        factory = built.fate.kind in ("returned", "yielded")
        if per_request:
            when = (
                f"on every request (in the dependency {fn.name}())"
                if factory and not handler
                else f"on every request to {fn.name}()"
            )
        else:
            when = f"each time {fn.name}() is used" if factory else f"on every call of {fn.name}()"
        if kind.rule == ENGINE:
            message = (
                f"{what}() builds a new {kind.display} and connection pool {when}: "
                "connections are never reused and every engine holds its own pool"
            )
        elif kind.rule == CONNECTION:
            message = (
                f"{what}() opens a new database connection {when} instead of borrowing "
                "one from a pool"
            )
        else:
            message = (
                f"{what}() builds a new client {when} and drops it after, so its "
                "connection pool is never reused (a new TCP and TLS handshake each time)"
            )
        return Problem(kind.rule, message + ".", fix=kind.fix)
