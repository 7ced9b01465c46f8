"""The project's call graph, joined from every file's facts (`checks/facts/call_graph.py`):
which function calls which, across modules, through re-exports and inherited methods, and
what protects each call where it is made.

It answers three questions for the project item checks:

- `protection(qual)`: the timeout and retry every path into a function carries: its own
  decorators and the wrappers applied to it (or its class) anywhere, else the weakest of its
  call sites, each with its caller's protection (a fixpoint over the graph). A function that
  nothing in the project calls has only its own.
- `unprotected_path(qual, ...)`: one chain of calls, from a caller nothing calls down to the
  function, on which the protection is missing (the trace a finding shows).
- `blocking(qual)`: the chain of sync calls from a function to one that blocks its thread.

Dispatch the files cannot resolve (`getattr`, callbacks through data) is not in the graph:
a function only called that way has no call sites, so it keeps its own verdict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..facts import (
    BlockingCall,
    CallEdge,
    ClassInfo,
    Decorated,
    Export,
    Fact,
    Function,
    ParamUse,
    Protected,
    ProtectingDecorator,
)
from .task import unalias

# Sync helpers followed below a coroutine's call: the helper it calls and the helpers that one
# calls. Deeper chains were mostly data-dependent on real code (a lazy `if x is None: x =
# read_file()` three calls down, never taken on the request path): 14 of 15 false alarms in
# our judged sample were such chains, and no true one was deeper than two helpers.
MAX_DEPTH = 1


@dataclass(frozen=True)
class Guard:
    """What protects a call or a function: a timeout (0 none, 1 cancellation — interrupts only
    awaitable work, 2 anything) and a retry, each with what to call it."""

    timeout: int = 0
    timeout_label: str = ""
    retry: str = ""

    def merge(self, other: Guard) -> Guard:
        timeout, label = self.timeout, self.timeout_label
        if other.timeout > timeout:
            timeout, label = other.timeout, other.timeout_label
        return Guard(timeout, label, self.retry or other.retry)

    def covers(self, timeout: int, retry: bool) -> bool:
        return self.timeout >= timeout and (not retry or bool(self.retry))


# how a method of an object of some type blocks: (what to call it, severity) or None
MethodBlocks = Callable[[str, str], "tuple[str, str] | None"]

NONE = Guard()
_TOP = Guard(2, "protected on every path", "protected on every path")  # the fixpoint's start


def _weakest(guards: Iterable[Guard]) -> Guard:
    items = list(guards)
    if not items:
        return NONE
    timeout = min(items, key=lambda g: g.timeout)
    retry = all(g.retry for g in items)
    return Guard(
        timeout.timeout,
        "the timeout at every call site" if timeout.timeout else "",
        "a retry at every call site" if retry else "",
    )


class CallGraph:
    def __init__(self, facts: Iterable[Fact], aliases: Mapping[str, str] | None = None) -> None:
        self.aliases: Mapping[str, str] = aliases or {}  # `task.module_aliases`
        self._resolved: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.exports: dict[str, str] = {}
        self.star_exports: dict[str, list[str]] = defaultdict(list)  # module → `import *` of
        self.callers: dict[str, list[CallEdge]] = defaultdict(list)
        self.calls_from: dict[str, list[CallEdge]] = defaultdict(list)
        self.direct: dict[str, Guard] = defaultdict(lambda: NONE)
        self.where: dict[str, Protected] = {}
        self.decorators: dict[str, ProtectingDecorator] = {}
        self.decorated: list[Decorated] = []
        self.blocking_calls: dict[str, BlockingCall] = {}
        self.param_uses: dict[str, list[ParamUse]] = defaultdict(list)
        edges: list[CallEdge] = []
        for fact in facts:
            if isinstance(fact, Function):
                self.functions[fact.qual] = fact
            elif isinstance(fact, ClassInfo):
                self.classes[fact.qual] = fact
            elif isinstance(fact, Export):
                if fact.name.endswith(".*"):
                    self.star_exports[fact.name[:-2]].append(fact.target)
                else:
                    self.exports[fact.name] = fact.target
            elif isinstance(fact, CallEdge):
                edges.append(fact)
            elif isinstance(fact, Protected):
                guard = Guard(fact.timeout, fact.timeout_label, fact.retry)
                self.where.setdefault(fact.target, fact)
                self.direct[fact.target] = self.direct[fact.target].merge(guard)
            elif isinstance(fact, ProtectingDecorator):
                self.decorators[fact.name] = fact
            elif isinstance(fact, Decorated):
                self.decorated.append(fact)
            elif isinstance(fact, BlockingCall):
                self.blocking_calls.setdefault(fact.function, fact)
            elif isinstance(fact, ParamUse):
                self.param_uses[fact.function].append(fact)
        for decorated in self.decorated:
            found = self.decorators.get(self.resolve(decorated.decorator))
            if found is not None:
                guard = Guard(found.timeout, found.timeout_label, found.retry)
                self.direct[decorated.target] = self.direct[decorated.target].merge(guard)
        self.overrides = self._overrides()
        for edge in edges:
            for callee in self.targets(edge):
                self.callers[callee].append(edge)
            if edge.caller:
                self.calls_from[edge.caller].append(edge)
        self._solved: dict[str, Guard] | None = None

    # --- names ---------------------------------------------------------------------------
    def resolve(self, qual: str) -> str:
        """The definition a name reaches: through re-exports (`app.fetch` → `app.client.fetch`),
        for a method through the bases of its class, and through what a function or property
        returns (`Controller.repos.recipes.get_one` → `RecipeRepository.get_one`)."""
        found = self._resolved.get(qual)
        if found is None:
            found = self._resolved[qual] = self._resolve(qual, 0)
        return found

    def _resolve(self, qual: str, depth: int) -> str:
        for _ in range(10):
            qual = unalias(qual, self.aliases)
            if qual in self.functions or qual in self.classes:
                return qual
            target = self.exports.get(qual) or self._member(qual, depth)
            if target is None or target == qual:
                return qual
            qual = target
        return qual

    def _member(self, qual: str, depth: int) -> str | None:
        """`owner.name` through what its owner is: a re-exported module, a module's `import *`,
        a class (its bases, then the class of its attribute: `bot.exchange`), or what a
        function or property returns (`get_handler().handle`)."""
        owner, _, name = qual.rpartition(".")
        if not owner:
            return None
        target = self.exports.get(owner)
        if target is not None:
            return f"{target}.{name}"
        if depth >= 8:
            return None
        for module in self.star_exports.get(owner, ()):
            found = self._resolve(f"{module}.{name}", depth + 1)
            if found in self.functions or found in self.classes:
                return found
        known = owner in self.functions or owner in self.classes
        resolved = owner if known else self._resolve(owner, depth + 1)
        if resolved in self.classes:
            return self._inherited(resolved, name) or self._attribute(resolved, name)
        function = self.functions.get(resolved)
        return f"{function.returns}.{name}" if function is not None and function.returns else None

    def _attribute(self, owner: str, name: str) -> str | None:
        """The class of attribute `name` of `owner`'s instances (or of a base's), if known."""
        seen: set[str] = set()
        todo = [owner]
        while todo:
            cls = todo.pop(0)
            info = self.classes.get(cls)
            if cls in seen or info is None:
                continue
            seen.add(cls)
            for attr in info.attrs:
                key, _, ctor = attr.partition("=")
                if key == name:
                    return ctor
            todo.extend(self.resolve(base) for base in info.bases)
        return None

    def _overrides(self) -> dict[str, list[str]]:
        """Each method → the methods of subclasses that override it: a call of `self.check()`
        in a base class may run any of them (the protection around it covers them too)."""
        subclasses: dict[str, list[str]] = defaultdict(list)
        for qual, info in self.classes.items():
            for base in info.bases:
                subclasses[self.resolve(base)].append(qual)
        out: dict[str, list[str]] = defaultdict(list)
        for qual in self.functions:
            owner, _, name = qual.rpartition(".")
            if owner not in self.classes:
                continue
            seen: set[str] = set()
            todo = [owner]
            while todo:
                cls = todo.pop()
                if cls in seen:
                    continue
                seen.add(cls)
                for base in self.classes[cls].bases if cls in self.classes else ():
                    parent = self.resolve(base)
                    if f"{parent}.{name}" in self.functions:
                        out[f"{parent}.{name}"].append(qual)
                    todo.append(parent)
        return out

    def targets(self, edge: CallEdge) -> list[str]:
        """The functions a call may run: what it resolves to, and that method's overrides."""
        callee = self.resolve(edge.callee)
        return [callee, *self.overrides.get(callee, ())]

    def display(self, qual: str) -> str:
        """How a function is named to the user: `Class.method` for a method, else its name."""
        resolved = self.resolve(qual)
        owner, _, name = resolved.rpartition(".")
        if owner in self.classes:
            return f"{owner.rpartition('.')[2]}.{name}"
        return name

    def _inherited(self, owner: str, name: str) -> str | None:
        seen: set[str] = set()
        todo = [owner]
        while todo:
            cls = todo.pop(0)
            if cls in seen:
                continue
            seen.add(cls)
            if f"{cls}.{name}" in self.functions:
                return f"{cls}.{name}"
            info = self.classes.get(cls)
            if info is not None:
                todo.extend(self.resolve(base) for base in info.bases)
        return None

    # --- protection ----------------------------------------------------------------------
    def own(self, qual: str) -> Guard:
        """A function's own protection: its decorators, and wrappers applied to it or its
        class anywhere in the project."""
        found = self.direct.get(qual, NONE)
        owner = qual.rpartition(".")[0]
        if owner in self.classes:
            found = found.merge(self.direct.get(owner, NONE))
        return found

    def protection(self, qual: str) -> Guard:
        return self._solve().get(qual, self.own(qual))

    def _solve(self) -> dict[str, Guard]:
        """Each function's protection: its own, merged with the weakest of its call paths.

        A greatest fixpoint over the graph, so recursion does not unprotect a function that
        every outside caller protects; functions no path from a root reaches (a root: a
        function nothing calls, or module-level code) keep only their own protection, so a
        cycle nobody enters never counts as protected."""
        if self._solved is not None:
            return self._solved
        reached = self._reached()
        result = {qual: self.own(qual) if qual not in reached else _TOP for qual in self.functions}
        todo = list(reached)
        queued = set(todo)
        while todo:
            callee = todo.pop()
            queued.discard(callee)
            inherited = _weakest(
                edge_guard(edge).merge(result.get(edge.caller, NONE) if edge.caller else NONE)
                for edge in self.callers[callee]
            )
            merged = self.own(callee).merge(inherited)
            if merged != result[callee]:
                result[callee] = merged
                for edge in self.calls_from.get(callee, ()):
                    for target in self.targets(edge):
                        if target in reached and target not in queued:
                            queued.add(target)
                            todo.append(target)
        self._solved = result
        return result

    def _reached(self) -> set[str]:
        """Functions with callers that some path from a root reaches."""
        roots = [q for q in self.functions if not self.callers.get(q)]
        module_level = [
            t for es in self.callers.values() for e in es if not e.caller for t in self.targets(e)
        ]
        roots += module_level
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            qual = todo.pop()
            for edge in self.calls_from.get(qual, ()):
                for target in self.targets(edge):
                    if target in self.functions and target not in seen and self.callers.get(target):
                        seen.add(target)
                        todo.append(target)
        seen.update(t for t in module_level if t in self.functions)
        return seen

    def unprotected_path(self, qual: str, timeout: int, retry: bool) -> list[CallEdge]:
        """Calls from a root (a function nothing calls, or module-level code) down to `qual`
        on which neither the calls nor their callers protect as needed; [] when every path
        is protected or `qual` has no callers."""
        chain: list[CallEdge] = []
        seen = {qual}
        current = qual
        while True:
            weak = [
                edge
                for edge in self.callers.get(current, ())
                if not edge_guard(edge).covers(timeout, retry)
                and not (edge.caller and self.protection(edge.caller).covers(timeout, retry))
            ]
            if not weak:
                return list(reversed(chain))
            edge = weak[0]
            chain.append(edge)
            if not edge.caller or edge.caller in seen:
                return list(reversed(chain))
            seen.add(edge.caller)
            current = edge.caller

    def covered(self, seeds: Iterable[str]) -> dict[str, str]:
        """Functions every path into which passes through one of `seeds` (a function, or a
        class meaning its methods), each with the seed that covers it: a cache, limiter or
        fallback applied there covers them. A greatest fixpoint, like `protection`: a function
        is covered when it is a seed, or when some root reaches it and all its call sites are
        in covered functions."""
        marks = {self.resolve(seed): seed for seed in seeds}
        if not marks:
            return {}

        def seed_of(qual: str) -> str | None:
            return marks.get(qual) or marks.get(qual.rpartition(".")[0])

        reached = self._reached()
        covered = {q for q in self.functions if seed_of(q) or q in reached}
        todo = list(covered)
        while todo:
            qual = todo.pop()
            if qual not in covered or seed_of(qual):
                continue
            if any(not e.caller or e.caller not in covered for e in self.callers.get(qual, ())):
                covered.discard(qual)
                todo.extend(t for e in self.calls_from.get(qual, ()) for t in self.targets(e))
        found = {q: seed for q in covered if (seed := seed_of(q)) is not None}
        frontier = list(found)
        while frontier:
            qual = frontier.pop(0)
            for edge in self.calls_from.get(qual, ()):
                for target in self.targets(edge):
                    if target in covered and target not in found:
                        found[target] = found[qual]
                        frontier.append(target)
        return found

    # --- blocking --------------------------------------------------------------------------
    def blocking(self, edge: CallEdge, blocks: MethodBlocks) -> list[CallEdge | BlockingCall]:
        """The chain from the sync function `edge` calls to a call that blocks its thread ([]
        when it does not block, as far as the graph shows). `blocks(type, method)` says how a
        method of an object passed in blocks: `def store(session): session.query(...)` blocks
        when called with a synchronous session."""
        callee = self.resolve(edge.callee)
        return self._blocking(callee, self._arg_types(edge, callee, {}), blocks, set(), 0)

    def _blocking(
        self, qual: str, types: Mapping[str, str], blocks: MethodBlocks, seen: set[str], depth: int
    ) -> list[CallEdge | BlockingCall]:
        function = self.functions.get(qual)
        if function is None or function.is_async or qual in seen or depth > MAX_DEPTH:
            return []
        seen.add(qual)
        direct = self.blocking_calls.get(qual)
        if direct is not None:
            return [direct]
        for use in self.param_uses.get(qual, ()) if types else ():
            found = blocks(types[use.param], use.method) if use.param in types else None
            if found is not None:
                what, severity = found
                step = BlockingCall(
                    function=qual,
                    what=f"`{use.anchor}()` ({what})",
                    anchor=use.anchor,
                    severity=severity,
                    path=use.path,
                    line=use.line,
                )
                return [step]
        for edge in self.calls_from.get(qual, ()):
            if edge.offloaded:
                continue
            callee = self.resolve(edge.callee)
            rest = self._blocking(
                callee, self._arg_types(edge, callee, types), blocks, seen, depth + 1
            )
            if rest:
                return [edge, *rest]
        return []

    def _arg_types(
        self, edge: CallEdge, callee: str, caller_types: Mapping[str, str]
    ) -> dict[str, str]:
        """The callee's parameters a call fills with an object of known type: by position
        through its parameter list, by keyword, or passing on the caller's own parameter."""
        function = self.functions.get(callee)
        if function is None or not edge.args:
            return {}
        out: dict[str, str] = {}
        for arg in edge.args:
            key, _, ctor = arg.partition("=")
            if key.isdigit():
                index = int(key)
                if index >= len(function.params):
                    continue
                key = function.params[index]
            if ctor.startswith("@"):
                passed = caller_types.get(ctor[1:])
                if passed is None:
                    continue
                ctor = passed
            out[key] = ctor
        return out


def edge_guard(edge: CallEdge) -> Guard:
    return Guard(edge.timeout, edge.timeout_label, edge.retry)
