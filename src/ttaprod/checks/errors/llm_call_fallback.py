"""TTP110 llm-call-without-fallback (errors.fallback).

Every generation call to an LLM (`_expensive.llm_call`, rules/knowledge/expensive.toml: SDK
calls classified by `_outbound`, LiteLLM functions and routers; embeddings are not sites) and
every TTA.dev LLM primitive construction outside test modules is one site of errors.fallback.
What gives one a fallback is data in rules/knowledge/fallback.toml. It has a degraded path when:

- the call itself falls back: LiteLLM `fallbacks=`, a LiteLLM Router built with fallbacks or
  with two or more deployments, a TTA.dev LLM primitive built with `fallbacks=`;
- it sits in the body of a `try` whose handler degrades: does not end by raising, and returns a
  value (not None) or assigns a name the `try` body assigns or the function returns
  (`answer = CANNED`);
- its function is protected: the `primary` of a valid TTA.dev `FallbackPrimitive(primary,
  fallback)` (through composition, wrappers and LambdaPrimitive), a decorator with a fallback
  (tenacity `retry_error_callback=`, TTA.dev `with_retry(..., fallback=…)`), or every in-module
  call of the function is itself guarded or protected (transitively);
- or a fallback in another module protects its function, or a function of this module that leads
  to it: that needs the whole project, so such calls are recorded as pending facts with the
  functions that could be protected (`entries`), every module records which functions of other
  modules it protects (`fallback-covers` facts), and the errors.fallback project check decides.

A RouterPrimitive chooses a route before the call; it does not retry another route when the
chosen one fails, so it is not a fallback. The `fallback` of a FallbackPrimitive is the last
resort: calls in it are covered only by a FallbackPrimitive around that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis.llm import GENERATION, llm_call
from ...analysis.llm import table as expensive_table
from ...analysis.outbound import (
    Deferred,
    Factories,
    OutboundCall,
    called_name,
    classify,
    find_arg,
    is_none,
    scope_qualname,
)
from ...analysis.tta import argument_problems, bound_args, tta_callable
from ...analysis.wrapping import block, walk_body, wrapped
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import dotted
from ...facts import FallbackCovers

FALLBACK = "errors.fallback"
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


# --- knowledge ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Router:
    fallback_keywords: tuple[str, ...]
    model_list_keyword: str


@dataclass(frozen=True)
class _Fallbacks:
    needs: tuple[bytes, ...]
    call_keywords: tuple[tuple[str, tuple[str, ...]], ...]  # (qualname prefix, keywords)
    routers: dict[str, _Router]
    primitives: dict[str, tuple[str, str]]  # TTA.dev name → (display, fallback keyword)
    fallback_primitive: str
    primary: str
    decorators: dict[str, tuple[str, int | None]]  # qualname → (keyword, position)
    answer_methods: frozenset[str]  # a handler that calls one replies to the user
    generic_methods: frozenset[str]  # too common to cover by name alone


@knowledge.derived
def _llm() -> _Fallbacks:
    raw = knowledge.table("fallback")
    routers: dict[str, _Router] = {}
    for entry in raw["routers"]:
        router = _Router(tuple(entry["fallback_keywords"]), entry["model_list_keyword"])
        routers.update(dict.fromkeys(entry["names"], router))
    primitives = {e["name"]: (e["display"], e["fallback_keyword"]) for e in raw["primitives"]}
    fb = raw["fallbacks"]
    decorators: dict[str, tuple[str, int | None]] = {}
    for entry in fb["decorators"]:
        decorators.update(dict.fromkeys(entry["names"], (entry["keyword"], entry.get("position"))))
    return _Fallbacks(
        needs=tuple(token.encode() for token in raw["needs"]),
        call_keywords=tuple((e["prefix"], tuple(e["keywords"])) for e in raw["call_fallbacks"]),
        routers=routers,
        primitives=primitives,
        fallback_primitive=fb["primitive"],
        primary=fb["primary"],
        decorators=decorators,
        answer_methods=frozenset(fb["answer_methods"]),
        generic_methods=frozenset(fb["generic_methods"]),
    )


@knowledge.derived
def _generation_names() -> frozenset[str]:
    """The last name of every call that may reach a model (`create` of
    `client.chat.completions.create`, `acompletion`, a router's methods)."""
    t = expensive_table()
    names = {op.rpartition(".")[2] for _, gen, emb in t.sdk.values() for op in (*gen, *emb)}
    names |= {qual.rpartition(".")[2] for qual in t.functions}
    names |= {method for _, methods in t.routers.values() for method in methods}
    return frozenset(names)


def _set(expr: cst.BaseExpression | None) -> bool:
    """A fallback argument that holds something: not None, not an empty list."""
    if expr is None or is_none(expr):
        return False
    return not (isinstance(expr, (cst.List, cst.Tuple, cst.Dict)) and not expr.elements)


def _keyword(call: cst.Call, names: Iterable[str]) -> str:
    wanted = set(names)
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in wanted and _set(arg.value):
            return arg.keyword.value
    return ""


# --- a try whose handler degrades ---------------------------------------------------------------
def _targets(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The targets an assignment binds, tuples and lists unpacked."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [t for e in target.elements for t in _targets(e.value)]
    return [target]


def _assigned(nodes: Iterable[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for node in walk_body(nodes):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t for target in node.targets for t in _targets(target.target)]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            targets = _targets(node.target)
        names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


def returned_names(function: cst.FunctionDef | None) -> set[str]:
    """Names a function returns as they are (`return text`, `return text, actions`)."""
    if function is None:
        return set()
    names: set[str] = set()
    for node in walk_body(block(function.body)):
        if isinstance(node, cst.Return) and node.value is not None:
            names.update(t.value for t in _targets(node.value) if isinstance(t, cst.Name))
    return names


def _gives_up_with_an_answer(loop: cst.For | cst.While, attempt: cst.Try) -> bool:
    """A bounded retry loop: its body returns an answer outside the `try` (`if tries <= 0:
    return "failed", []`)."""
    inside = {id(n) for n in walk_body([attempt])}
    return any(
        isinstance(node, cst.Return)
        and node.value is not None
        and not is_none(node.value)
        and id(node) not in inside
        for node in walk_body(block(loop.body))
    )


def degrading_handler(
    node: cst.Try,
    function: cst.FunctionDef | None,
    loop: cst.For | cst.While | None = None,
    answers: frozenset[str] = frozenset(),
) -> bool:
    """A handler that answers instead of failing: it does not end by raising, and returns a
    value; assigns a value to what the try body assigns or the function returns (`answer =
    CACHED[key]`, `text, actions = "error", []`), or degraded state (`self.history[cid] =
    self.history[cid][-10:]`); replies to the user (`update.message.reply_text("try again")`);
    or, in a bounded retry loop that gives up with an answer, clears the try's result
    (`prediction = None`)."""
    wanted: set[str] | None = None
    for handler in node.handlers:
        statements = block(handler.body)
        last = statements[-1] if statements else None
        if (
            isinstance(last, cst.SimpleStatementLine)
            and last.body
            and isinstance(last.body[-1], cst.Raise)
        ):
            continue
        for inner in walk_body(statements):
            if (
                isinstance(inner, cst.Return)
                and inner.value is not None
                and not is_none(inner.value)
            ):
                return True
            if isinstance(inner, cst.Call) and _answers(inner, answers):
                return True
            if not isinstance(inner, (cst.Assign, cst.AnnAssign)) or inner.value is None:
                continue
            targets = (
                [t for target in inner.targets for t in _targets(target.target)]
                if isinstance(inner, cst.Assign)
                else _targets(inner.target)
            )
            state = any(isinstance(t, (cst.Subscript, cst.Attribute)) for t in targets)
            if state and not is_none(inner.value):
                return True
            if wanted is None:
                wanted = _assigned(block(node.body)) | returned_names(function)
            names = {t.value for t in targets if isinstance(t, cst.Name)}
            if names & wanted and (
                not is_none(inner.value)
                or (loop is not None and _gives_up_with_an_answer(loop, node))
            ):
                return True
    return False


def _answers(call: cst.Call, methods: frozenset[str]) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in methods


# --- the detector ---------------------------------------------------------------------------------
@dataclass
class _Site:
    node: cst.Call
    statement: cst.CSTNode | None
    function: str | None
    display: str
    label: str  # what gives it a fallback here ("" when nothing in this module)


@dataclass
class _Graph:
    defs: set[str] = field(default_factory=set)
    direct: dict[str, str] = field(default_factory=dict)  # function/class → label
    last_resort: set[str] = field(default_factory=set)  # only a FallbackPrimitive's fallback
    # callee → (caller, guard) for every in-module call
    sites: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    external: list[tuple[str | None, str, str, cst.CSTNode]] = field(default_factory=list)

    def solve(self) -> dict[str, str]:
        result = {
            q: self.direct.get(q) or self.direct.get(q.rpartition(".")[0], "") for q in self.defs
        }
        for _ in range(len(self.defs) + 1):
            changed = False
            for callee, sites in self.sites.items():
                if result.get(callee, "x"):
                    continue
                if all(guard or (caller and result.get(caller)) for caller, guard in sites):
                    result[callee] = "every in-module caller falls back"
                    changed = True
            if not changed:
                break
        return result

    def entries(self, function: str) -> list[str]:
        """`function` and the in-module functions that lead to it."""
        callers: dict[str, set[str]] = {}
        for callee, sites in self.sites.items():
            for caller, _ in sites:
                if caller:
                    callers.setdefault(callee, set()).add(caller)
        seen = [function]
        todo = [function]
        while todo and len(seen) < 50:
            for caller in sorted(callers.get(todo.pop(), ())):
                if caller not in seen:
                    seen.append(caller)
                    todo.append(caller)
        return seen


class LlmCallFallback(Detector):
    codes = ("TTP110",)
    needs = Derived(lambda: _llm().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.prefix = ctx.names.module_name + "."
        self.graph = _Graph()
        self.stack: list[str] = []
        self.factories = Factories()
        self.sites: list[_Site] = []
        self.deferred: list[tuple[Deferred, _Site]] = []
        self.covered_calls: dict[int, str] = {}  # id(LLM primitive construction) → label
        self.last_calls: set[int] = set()  # constructions that are only a fallback
        self.covers: list[tuple[str, cst.CSTNode]] = []
        self.leaves = frozenset(_llm().primitives)
        self.tries = 0
        self._degrades: dict[int, bool] = {}

    @property
    def function(self) -> str | None:
        return self.stack[-1] if self.stack else None

    # --- the walk -------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        qual = scope_qualname(self.ctx.names)
        self.stack.append(qual)
        self.graph.defs.add(qual)
        self.factories.note_function(self.ctx, node, qual)
        for decorator in node.decorators:
            label = self._decorator(decorator.decorator)
            if label:
                self.graph.direct[qual] = label

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.stack.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self.tries += 1

    def leave_Try(self, node: cst.Try) -> None:
        self.tries -= 1

    def visit_Return(self, node: cst.Return) -> None:
        if not self.off:
            self.factories.note_return(self.ctx, node, self.function)

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        spec = tta_callable(qual)
        if spec is not None:
            self._tta(node, spec.name)
        else:
            self._llm_call(node, qual)
        self._edge(node, qual)

    def _decorator(self, expr: cst.BaseExpression) -> str:
        if not isinstance(expr, cst.Call):
            return ""
        found = _llm().decorators.get(self.ctx.qualname(expr.func) or "")
        if found is None:
            return ""
        keyword, position = found
        arg = find_arg(expr.args, keyword, position)
        return f"@{dotted(expr.func)}({keyword}=…)" if _set(arg.value) else ""

    def _tta(self, node: cst.Call, name: str) -> None:
        ctx = self.ctx
        spec = tta_callable(ctx.qualname(node.func))
        assert spec is not None
        if name in _llm().primitives:
            display, keyword = _llm().primitives[name]
            label = f"{keyword}=" if _keyword(node, (keyword,)) else ""
            self._site(node, f"`{dotted(node.func) or name}(...)` ({display})", label)
            return
        if name != _llm().fallback_primitive or argument_problems(spec, node.args):
            return
        bound = bound_args(spec, node.args)
        primary = bound.get(_llm().primary)
        for qual, call in wrapped(ctx, primary, self.leaves) if primary is not None else ():
            self._protect(qual, call, node)
        for key, value in bound.items():
            if key == _llm().primary:
                continue
            for qual, call in wrapped(ctx, value, self.leaves):
                if qual.startswith(self.prefix):
                    self.graph.last_resort.add(qual)
                elif call is not None and not qual:
                    self.last_calls.add(id(call))

    def _protect(self, qual: str, call: cst.Call | None, where: cst.Call) -> None:
        label = "the primary of a FallbackPrimitive"
        if not qual and call is not None:
            self.covered_calls[id(call)] = label
        elif qual.startswith(self.prefix):
            self.graph.direct[qual] = label
        elif qual:
            self.covers.append((qual, where))

    def _llm_call(self, node: cst.Call, qual: str | None) -> None:
        """A generation call (`_expensive.llm_call`), with the fallback it carries itself."""
        func = node.func
        called = func.attr.value if isinstance(func, cst.Attribute) else (qual or "")
        if called.rpartition(".")[2] not in _generation_names():
            return  # a cheap test on the name before resolving anything
        found = llm_call(self.ctx, node, qual)
        if found is None:
            if qual is None and isinstance(node.func, cst.Attribute):
                out = classify(self.ctx, node, qual)  # a client from a local factory: later
                if isinstance(out, Deferred):
                    self.deferred.append((out, self._seen(node, "", "")))
            return
        if found.kind != GENERATION:
            return
        label = ""
        held = self.ctx.instance(func.value) if isinstance(func, cst.Attribute) else None
        router = _llm().routers.get(held.ctor) if held is not None else None
        if router is not None:
            label = self._router_label(router, found.provider, held.call if held else None)
        elif qual is not None:
            for prefix, keywords in _llm().call_keywords:
                if qual.startswith(prefix) and _keyword(node, keywords):
                    label = f"{_keyword(node, keywords)}="
        self._site(node, f"`{found.operation}` ({found.provider})", label)

    @staticmethod
    def _router_label(router: _Router, display: str, built: cst.Call | None) -> str:
        if built is None:
            return f"a {display} (built elsewhere)"
        keyword = _keyword(built, router.fallback_keywords)
        if keyword:
            return f"{display} with {keyword}="
        models = find_arg(built.args, router.model_list_keyword, 0)
        value = models.value
        if value is None and models.known:
            return ""
        if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) < 2:
            return ""
        return f"{display} over several deployments"

    @staticmethod
    def _generation(out: OutboundCall) -> str:
        """A call resolved late (through a local factory) that generates."""
        found = expensive_table().sdk.get(out.library.id)
        if found is None:
            return ""
        display, generation, _ = found
        return f"`{out.operation}` ({display})" if out.operation.endswith(generation) else ""

    def _edge(self, node: cst.Call, qual: str | None) -> None:
        """An in-module call (for propagation) or a call into another module (for covers). A
        method called on something not resolvable here (`plugin.instance.chat_parse(...)`) is
        recorded by name (`?.chat_parse`) when a try around it answers instead."""
        callee = self._callee(node.func, qual)
        if callee is None:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else ""
            if not name or name in _llm().generic_methods or name in _generation_names():
                return
            guard = self._guard()
            if guard:
                self.graph.external.append((self.function, f"?.{name}", guard, node))
            return
        guard = self._guard()
        if callee.startswith(self.prefix):
            self.graph.sites.setdefault(callee, []).append((self.function, guard))
        else:
            self.graph.external.append((self.function, callee, guard, node))

    def _callee(self, func: cst.BaseExpression, qual: str | None) -> str | None:
        if qual is not None and qual.startswith("builtins."):
            return None
        return called_name(self.ctx, func, qual)

    def _guard(self) -> str:
        """A `try` around the call whose handler answers instead. A function defined inside
        another one is looked through: a callback built in a `try` runs in it (`async def
        _reply(): …` handed to a helper in the try's body)."""
        if not self.tries:
            return ""
        stack = self.ctx.stack
        child = stack[-1]
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, _SCOPES):
                nested = any(isinstance(n, (cst.FunctionDef, cst.Lambda)) for n in stack[:i])
                if isinstance(node, cst.ClassDef) or not nested:
                    break
            if isinstance(node, cst.Try) and child is node.body:
                key = id(node)
                if key not in self._degrades:
                    self._degrades[key] = self._degrading(node, stack[:i])
                if self._degrades[key]:
                    return "an except that answers instead"
            child = node
        return ""

    @staticmethod
    def _degrading(node: cst.Try, above: list[cst.CSTNode]) -> bool:
        """`degrading_handler` with the function the `try` is in and the loop around it."""
        owner: cst.FunctionDef | None = None
        loop: cst.For | cst.While | None = None
        for parent in reversed(above):
            if isinstance(parent, (cst.For, cst.While)) and loop is None:
                loop = parent
            if isinstance(parent, cst.FunctionDef):
                owner = parent
                break
        return degrading_handler(node, owner, loop, _llm().answer_methods)

    def _seen(self, node: cst.Call, display: str, label: str) -> _Site:
        return _Site(node, self.ctx.statement(), self.function, display, label or self._guard())

    def _site(self, node: cst.Call, display: str, label: str) -> None:
        self.sites.append(self._seen(node, display, label))

    # --- the verdicts --------------------------------------------------------------------------
    def finish(self) -> None:
        if self.off:
            return
        for deferred, seen in self.deferred:
            out = self.factories.resolve(self.ctx.names, deferred)
            display = self._generation(out) if out is not None else ""
            if display:
                seen.display = display
                self.sites.append(seen)
        covered = self.graph.solve()
        if not self.sites and not self.covers and not self.graph.external:
            return
        for site in self.sites:
            self._judge(site, covered)
        self._record_covers(covered)

    def _judge(self, site: _Site, covered: dict[str, str]) -> None:
        ctx = self.ctx
        if not ctx.wants("TTP110"):
            return
        label = (
            site.label
            or self.covered_calls.get(id(site.node), "")
            or (covered.get(site.function, "") if site.function else "")
        )
        if label:
            ctx.site(FALLBACK, "TTP110", site.node, label=label, statement=site.statement)
            return
        last = id(site.node) in self.last_calls or (
            site.function is not None
            and any(
                q in self.graph.last_resort
                for q in (site.function, site.function.rpartition(".")[0])
            )
        )
        what = (
            "is only the last fallback of a FallbackPrimitive: when it fails too, the request fails"
            if last
            else "has no fallback: when the provider fails, times out or rate-limits, the request "
            "fails with it"
        )
        problem = Problem(
            "TTP110",
            f"LLM call {site.display} {what}",
            fix="wrap the primitive or function in FallbackPrimitive(primary, fallback) ending in "
            "an answer that makes no external call, give LiteLLM fallbacks=[...], or catch the "
            "provider's errors and answer from a cache, a default or another model",
        )
        entries = self.graph.entries(site.function) if site.function else []
        function = site.function or ""
        ctx.pending(site.node, problem, site=True, entries=tuple(entries), function=function)

    def _record_covers(self, covered: dict[str, str]) -> None:
        seen: set[str] = set()
        for target, node in self.covers:
            if target not in seen:
                seen.add(target)
                self.ctx.fact(node, FallbackCovers(target=target))
        for caller, target, guard, node in self.graph.external:
            if target in seen or not (guard or (caller and covered.get(caller))):
                continue
            seen.add(target)
            self.ctx.fact(node, FallbackCovers(target=target))
