"""What guards each LLM call: a cache (performance.cache, TTP314) and a rate limiter
(security.rate-limiting, TTP413). Facts for the project checks in `items/caching.py` and
`items/rate_limiting.py`, which decide with every module's facts in hand.

A call is guarded where it is made when:

- cache: its function is memoized (`@lru_cache`, cachetools/aiocache/async-lru decorators),
  uses a cache object (cachetools, aiocache, diskcache) or both reads and writes a Redis
  client, the call passes `caching=True` (LiteLLM), or a valid TTA.dev
  `CachePrimitive(primitive, cache_key_fn, …)` runs it (TTP103: without `cache_key_fn` it
  raises TypeError and caches nothing);
- limit: it sits in `async with limiter:` / `with semaphore:` (aiolimiter, asyncio/anyio
  semaphores, throttlers), its function acquires a limiter or hits a `limits` strategy, is
  decorated by ratelimit / pyrate-limiter, or it goes through a LiteLLM Router whose
  deployments set `rpm`/`tpm`.

A guarded function guards what it calls, transitively within the module. Across modules one
hop is followed: every guarded region records the functions of other modules it calls
(`guarded_calls` facts), every LLM call records the functions of its module that lead to it
(`reach`), and a call is guarded when one of those is called from a guarded region elsewhere.
Test files are skipped. Knowledge: rules/knowledge/expensive.toml, caching.toml, ratelimit.toml.

Facts (data values are strings):
- `llm_call` at the call: provider, call_kind (generation/embedding), operation, function, reach
  (comma-separated), cache / limit (what guards it here, or ""), stream ("1"), client (the
  key of its `llm_client` fact in this file, or ""), anchor (source of the call);
- `llm_client` at a client or router construction some `llm_call` goes through: key, name;
- `guarded_calls` at a guard: guard ("cache"/"limit"), label, callees (comma-separated);
- `llm_global_cache` at `litellm.cache = …`: provider.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis.llm import LlmCall, llm_call, streams
from ...analysis.llm import table as expensive
from ...analysis.outbound import called_name, find_arg, scope_qualname
from ...analysis.tta import argument_problems, bound_args, reference_qualname, tta_callable
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...facts import GlobalLlmCache, GuardedCalls, LlmClient
from ...facts import LlmCall as LlmCallFact

CACHE, LIMIT = "cache", "limit"
_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins"}


@dataclass(frozen=True)
class _Table:
    cache_decorators: frozenset[str]
    cache_decorator_methods: frozenset[str]
    cache_types: frozenset[str]
    store_types: frozenset[str]
    read_methods: frozenset[str]
    write_methods: frozenset[str]
    global_caches: frozenset[str]
    call_keywords: frozenset[str]
    limit_types: frozenset[str]
    acquire_methods: frozenset[str]
    hit_types: frozenset[str]
    hit_methods: frozenset[str]
    limit_decorators: frozenset[str]
    limit_decorator_methods: frozenset[str]
    router_keys: frozenset[str]
    needs: tuple[bytes, ...]


@knowledge.derived
def _table() -> _Table:
    caching = knowledge.table("caching")
    outbound = knowledge.table("ratelimit")["outbound"]
    needs = [
        *expensive().needs,
        b"cache",
        b"Cache",
        b"Limiter",
        b"Semaphore",
        b"limit",
        b"Throttler",
        b"redis",
    ]
    return _Table(
        cache_decorators=frozenset(caching["decorators"]),
        cache_decorator_methods=frozenset(caching["decorator_methods"]),
        cache_types=frozenset(caching["cache_types"]),
        store_types=frozenset(caching["store_types"]),
        read_methods=frozenset(caching["read_methods"]),
        write_methods=frozenset(caching["write_methods"]),
        global_caches=frozenset(caching["global_caches"]),
        call_keywords=frozenset(caching["call_keywords"]),
        limit_types=frozenset(outbound["types"]),
        acquire_methods=frozenset(outbound["acquire_methods"]),
        hit_types=frozenset(outbound["hit_types"]),
        hit_methods=frozenset(outbound["hit_methods"]),
        limit_decorators=frozenset(outbound["decorators"]),
        limit_decorator_methods=frozenset(outbound["decorator_methods"]),
        router_keys=frozenset(outbound["router_keys"]),
        needs=tuple(dict.fromkeys(needs)),
    )


@dataclass
class _Root:
    guard: str
    label: str
    node: cst.CSTNode
    quals: set[str] = field(default_factory=set)  # local functions/classes it guards
    external: set[str] = field(default_factory=set)  # functions of other modules it calls


@dataclass
class _Site:
    call: LlmCall
    function: str
    cache: str
    limit: str


class CallGuards(Detector):
    feeds = ("TTP314", "TTP413", "TTP701", "TTP533", "TTP711", "TTP713")
    needs = Derived(lambda: _table().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.active = not ctx.is_test_file
        self.prefix = ctx.names.module_name + "."
        self.functions: list[str] = []
        self.defs: set[str] = set()
        self.edges: dict[str, set[str]] = {}
        self.roots: list[_Root] = []
        self.fn_roots: dict[tuple[str, str], _Root] = {}  # (guard, function) → its root
        self.blocks: list[_Root] = []  # open limiter `with` blocks
        self.store: dict[str, set[str]] = {}  # function → {"r", "w"} on a Redis client
        self.sites: list[_Site] = []

    # --- scopes -------------------------------------------------------------------------
    @property
    def function(self) -> str:
        return self.functions[-1] if self.functions else ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.active:
            return
        qual = scope_qualname(self.ctx.names)
        self.functions.append(qual)
        self.defs.add(qual)
        t = _table()
        for decorator in node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            found = self.ctx.qualname(func)
            short = f"@{(found or '').rsplit('.', 1)[-1]} on {node.name.value}()"
            if found in t.cache_decorators:
                self._function_root(CACHE, short, node.name, qual)
            elif (
                isinstance(func, cst.Attribute)
                and func.attr.value in t.cache_decorator_methods
                and self._instance_of(func.value, t.cache_types)
            ):
                label = f"@{self.ctx.code_for(func)} on {node.name.value}()"
                self._function_root(CACHE, label, node.name, qual)
            elif found in t.limit_decorators or (
                isinstance(func, cst.Attribute)
                and func.attr.value in t.limit_decorator_methods
                and self._instance_of(func.value, t.limit_types)
            ):
                self._function_root(
                    LIMIT, f"@{self.ctx.code_for(func)} on {node.name.value}()", node.name, qual
                )

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.active and self.functions:
            self.functions.pop()

    def _function_root(self, guard: str, label: str, node: cst.CSTNode, qual: str) -> None:
        key = (guard, qual)
        if key not in self.fn_roots:
            root = _Root(guard, label, node, {qual})
            self.fn_roots[key] = root
            self.roots.append(root)

    def _instance_of(self, expr: cst.BaseExpression, types: frozenset[str]) -> bool:
        held = self.ctx.instance(expr)
        return held is not None and any(b in types for b in self.ctx.names.bases_of(held.ctor))

    # --- limiter blocks -----------------------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        if not self.active:
            return
        for item in node.items:
            if self._instance_of(item.item, _table().limit_types):
                label = (
                    f"{'async ' if node.asynchronous else ''}with {self.ctx.code_for(item.item)}"
                )
                root = _Root(LIMIT, label, item.item)
                self.roots.append(root)
                self.blocks.append(root)
                return
        self.blocks.append(_Root("", "", node))  # keeps the stack aligned with leave_With

    def leave_With(self, node: cst.With) -> None:
        if self.active and self.blocks:
            self.blocks.pop()

    def _block(self) -> _Root | None:
        for root in reversed(self.blocks):
            if root.guard:
                return root
        return None

    # --- calls --------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        callee = self._callee(node.func, qual)
        block = self._block()
        if callee is not None:
            self.edges.setdefault(self.function, set()).add(callee)
            if block is not None:
                self._guard_callee(block, callee)
        self._note_guards(node, qual)
        found = llm_call(ctx, node, qual)
        if found is not None:
            self._site(found, block)

    def _callee(self, func: cst.BaseExpression, qual: str | None) -> str | None:
        return called_name(self.ctx, func, qual)

    def _guard_callee(self, root: _Root, callee: str) -> None:
        if callee.startswith(self.prefix):
            root.quals.add(callee)
        elif callee.split(".", 1)[0] not in _STDLIB:
            root.external.add(callee)

    def _note_guards(self, node: cst.Call, qual: str | None) -> None:
        t = _table()
        func = node.func
        fn = self.function
        if isinstance(func, cst.Attribute) and fn:
            method = func.attr.value
            receiver = func.value
            if (method in t.acquire_methods and self._instance_of(receiver, t.limit_types)) or (
                method in t.hit_methods and self._instance_of(receiver, t.hit_types)
            ):
                self._function_root(LIMIT, f"{self.ctx.code_for(func)}()", func, fn)
            elif (method in t.read_methods or method in t.write_methods) and self._instance_of(
                receiver, t.store_types
            ):
                self.store.setdefault(fn, set()).add("r" if method in t.read_methods else "w")
                if self.store[fn] == {"r", "w"}:
                    self._function_root(CACHE, "Redis get/set", func, fn)
            elif self._instance_of(receiver, t.cache_types):
                self._function_root(CACHE, f"{self.ctx.code_for(receiver)}", func, fn)
        spec = tta_callable(qual)
        if spec is not None and spec.name == "CachePrimitive" and not spec.form:
            if argument_problems(spec, node.args):
                return  # TTP103: it raises TypeError and caches nothing
            wrapped = bound_args(spec, node.args).get("primitive")
            key = bound_args(spec, node.args).get("cache_key_fn")
            label = f"CachePrimitive(…, cache_key_fn={self.ctx.code_for(key) if key else '…'})"
            root = _Root(CACHE, label, node)
            for ref in _refs(self.ctx, wrapped) if wrapped is not None else ():
                self._guard_callee(root, ref)
            self.roots.append(root)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self.active and self.function and self._instance_of(node.value, _table().cache_types):
            self._function_root(CACHE, self.ctx.code_for(node.value), node, self.function)

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.active:
            return
        for target in node.targets:
            qual = self.ctx.qualname(target.target)
            if qual in _table().global_caches:
                self.ctx.fact(node, GlobalLlmCache(provider=qual.split(".", 1)[0]))

    def _site(self, found: LlmCall, block: _Root | None) -> None:
        t = _table()
        cached = ""
        for arg in found.node.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword in t.call_keywords and isinstance(arg.value, cst.Name):
                cached = f"{keyword}=True" if arg.value.value == "True" else cached
        limit = block.label if block is not None else ""
        if not limit and found.client is not None and self._router_limits(found.client):
            limit = f"{found.client_name}: a {found.provider} with rpm/tpm limits"
        self.sites.append(_Site(found, self.function, cached, limit))

    def _router_limits(self, built: cst.Call) -> bool:
        """A LiteLLM Router whose literal `model_list` sets rpm/tpm for its deployments."""
        keys = _table().router_keys
        model_list = find_arg(built.args, "model_list", 0).value
        todo: list[cst.CSTNode] = [model_list] if model_list is not None else []
        while todo:
            node = todo.pop()
            if (
                isinstance(node, cst.DictElement)
                and isinstance(node.key, cst.SimpleString)
                and node.key.evaluated_value in keys
            ):
                return True
            if isinstance(node, (cst.List, cst.Tuple)):
                todo.extend(e.value for e in node.elements)
            elif isinstance(node, cst.Dict):
                todo.extend(node.elements)
                todo.extend(e.value for e in node.elements if isinstance(e, cst.DictElement))
        return False

    # --- the facts ----------------------------------------------------------------------
    def finish(self) -> None:
        if not self.active:
            return
        closures = [(root, self._closure(root)) for root in self.roots if root.guard]
        if self.sites:
            self._site_facts(closures)
        for root, (_, external) in closures:
            if external:
                guarded = GuardedCalls(
                    guard=root.guard, label=root.label, callees=tuple(sorted(external))
                )
                self.ctx.fact(root.node, guarded)

    def _closure(self, root: _Root) -> tuple[set[str], set[str]]:
        """Local functions a guard reaches (its own, their methods for classes, what they
        call in the module), and the functions of other modules they call."""
        local: set[str] = set()
        external = set(root.external)
        todo = list(root.quals)
        while todo:
            qual = todo.pop()
            if qual in local:
                continue
            local.add(qual)
            members = [d for d in self.defs if d.startswith(qual + ".")]
            todo.extend(members)
            for callee in self.edges.get(qual, ()):
                if callee.startswith(self.prefix):
                    todo.append(callee)
                elif callee.split(".", 1)[0] not in _STDLIB:
                    external.add(callee)
        return local, external

    def _site_facts(self, closures: list[tuple[_Root, tuple[set[str], set[str]]]]) -> None:
        clients: dict[int, str] = {}
        for site in self.sites:
            call = site.call
            cached, limited = site.cache, site.limit
            for root, (local, _) in closures:
                if site.function and _covers(local, site.function):
                    if root.guard == CACHE and not cached:
                        cached = root.label
                    elif root.guard == LIMIT and not limited:
                        limited = root.label
            key = ""
            if call.client is not None:
                key = clients.get(id(call.client), "")
                if not key:
                    key = clients[id(call.client)] = f"c{len(clients) + 1}"
                    self.ctx.fact(call.client, LlmClient(key=key, name=call.client_name))
            fact = LlmCallFact(
                provider=call.provider,
                call_kind=call.kind,
                operation=call.operation,
                function=site.function,
                reach=tuple(sorted(self._reach(site.function))),
                cache=cached,
                limit=limited,
                stream=streams(call.node),
                client=key,
                client_name=call.client_name,
                anchor=self.ctx.code_for(call.node).strip(),
            )
            self.ctx.fact(call.node, fact)

    def _reach(self, function: str) -> set[str]:
        """`function` and the functions of this module that lead to it."""
        if not function:
            return set()
        callers: dict[str, set[str]] = {}
        for caller, callees in self.edges.items():
            for callee in callees:
                callers.setdefault(callee, set()).add(caller)
        out: set[str] = set()
        todo = [function]
        while todo:
            qual = todo.pop()
            if qual in out or not qual:
                continue
            out.add(qual)
            todo.extend(callers.get(qual, ()))
            owner = qual.rpartition(".")[0]
            if owner in self.defs or not owner.startswith(self.prefix):
                continue
            todo.extend(callers.get(owner, ()))  # a method runs when its class is used
        return out


def _covers(local: set[str], function: str) -> bool:
    """`function` is in `local`, or is a method of a class in it."""
    if function in local:
        return True
    parts = function.split(".")
    return any(".".join(parts[:i]) in local for i in range(1, len(parts)))


def _refs(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> list[str]:
    """What a primitive expression runs: functions and classes (this module's or another's)
    through TTA.dev composition (`a >> b`, lists, route dicts, wrappers, LambdaPrimitive)."""
    if depth > 8:
        return []
    if isinstance(expr, cst.BinaryOperation) and isinstance(
        expr.operator, (cst.RightShift, cst.BitOr)
    ):
        return _refs(ctx, expr.left, depth + 1) + _refs(ctx, expr.right, depth + 1)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return [r for e in expr.elements for r in _refs(ctx, e.value, depth + 1)]
    if isinstance(expr, cst.Dict):
        return [
            r
            for e in expr.elements
            if isinstance(e, cst.DictElement)
            for r in _refs(ctx, e.value, depth + 1)
        ]
    if isinstance(expr, cst.Lambda):
        body = expr.body.expression if isinstance(expr.body, cst.Await) else expr.body
        return _refs(ctx, body.func, depth + 1) if isinstance(body, cst.Call) else []
    if isinstance(expr, cst.Call):
        qual = ctx.qualname(expr.func)
        spec = tta_callable(qual)
        if spec is None:
            return [qual] if qual is not None else []
        bound = bound_args(spec, expr.args)
        names = (*spec.params[:1],) if spec.role == "lambda" else (*spec.wraps, *spec.wraps_items)
        return [r for name in names if name in bound for r in _refs(ctx, bound[name], depth + 1)]
    held = ctx.instance(expr)
    if held is not None:
        if held.call is not None:
            return _refs(ctx, held.call, depth + 1)
        return [held.ctor]
    qual = reference_qualname(ctx, expr)
    return [qual] if qual is not None else []
