"""TTP111 multi-write-without-compensation (errors.compensation). A heuristic.

A write step is an external write (rules/knowledge/writes.toml: HTTP POST/PUT/PATCH/DELETE through
the outbound-call classifier, boto3 `put_*`/`delete_*`/`send_*`…, database commits, queue
publishes) or a call of a function of this module that writes (transitively), each counted once
where it is written. Writes in except handlers and `finally` blocks are not steps (they are
compensation or clean-up). What is not a write: a read sent over POST (a search or query
endpoint, a GraphQL query), a token or OAuth exchange, and a re-send of the same request (a
redirect followed by hand, a retry: same call, same payload). Each write goes to a system: the
host of its URL (or the base it is built on, or the client it goes through), the SDK client
(`boto3.client("s3")`), the database, the queue. A function with two or more steps that can both
run (not in two arms of one `if` or `match`) and that reach two or more systems is one site of
errors.compensation: writes to one system (two commits, a create then a start on one API) are
that system's consistency, not a saga. It is covered when:

- a `try` whose handler compensates (calls a write, or a function whose name starts with an undo
  verb: `cancel_order`, `session.rollback()`, `s3.delete_object`) holds one of its steps other than
  the first;
- it is the `forward` of a valid TTA.dev `CompensationPrimitive` (imported from the top-level
  package) or `SagaPrimitive` (from `.recovery`), through composition and LambdaPrimitive;
- or every in-module call of it sits in such a `try` or in a function covered that way.

Compensation applied in another module is not seen (suppress with `# ttaprod: ignore[TTP111]`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis import targets
from ...analysis.outbound import (
    OutboundCall,
    classify,
    enclosing_class_qualname,
    find_arg,
    local_callee,
    render,
    scope_qualname,
)
from ...analysis.outbound import knowledge as knowledge_of_outbound
from ...analysis.tta import argument_problems, bound_args, tta_callable
from ...analysis.url_text import Constants, Lookup, base, host, path_words, url_text
from ...analysis.wrapping import block, walk_body, wrapped
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import dotted
from ...engine.walker import children

COMPENSATION = "errors.compensation"


@dataclass(frozen=True)
class _Writes:
    needs: tuple[bytes, ...]
    calls: targets.Writes  # which calls write, per library (outbound.toml)
    primitives: frozenset[str]
    forward: str
    undo: tuple[str, ...]
    names: frozenset[str]  # every method or function name that may write (or pass one on)
    prefixes: tuple[str, ...]  # every SDK write prefix
    read_words: frozenset[str]  # URL path words of endpoints that read (search, token…)
    read_keys: frozenset[str]  # body keys of a token request (grant_type)
    graphql: frozenset[str]  # URL path words of a GraphQL endpoint
    mutation: str  # how a GraphQL mutation starts
    resend_ignored: frozenset[str]  # keywords that may differ between a request and its re-send


@knowledge.derived
def _writes() -> _Writes:
    raw = knowledge.table("writes")
    calls = targets.writes()
    comp = raw["compensation"]
    outbound = knowledge_of_outbound()
    names = {*outbound.passthrough_methods}
    names |= {name.rpartition(".")[2] for name in outbound.passthrough}
    for http in calls.http.values():
        names |= http.verbs | http.verb_methods
    for _, methods in calls.objects.values():
        names |= methods
    return _Writes(
        needs=(*calls.needs, *(p.rsplit(".", 1)[-1].encode() for p in comp["primitives"])),
        calls=calls,
        primitives=frozenset(comp["primitives"]),
        forward=comp["forward"],
        undo=tuple(comp["undo_verbs"]),
        names=frozenset(names),
        prefixes=tuple(p for prefixes in calls.prefixes.values() for p in prefixes),
        read_words=frozenset(raw["reads"]["path_words"]),
        read_keys=frozenset(raw["reads"]["body_keys"]),
        graphql=frozenset(raw["reads"]["graphql_words"]),
        mutation=raw["reads"]["graphql_mutation"],
        resend_ignored=frozenset(raw["reads"]["resend_ignored"]),
    )


@dataclass
class _Step:
    node: cst.Call
    what: str  # how the write is named in messages
    callee: str | None  # a local function: a step only if it writes
    compensated: bool  # inside a try whose handler compensates
    arms: tuple[tuple[int, int], ...]  # (id of an `if`/`match`, arm) around it
    system: str = ""  # where a direct write goes ("" for a call of a local function)
    args: tuple[cst.Arg, ...] = ()  # a direct write's arguments (to tell a re-send)
    url: cst.BaseExpression | None = None
    # a call of a local function: the system each argument names (by position, by keyword),
    # for a callee that writes to an URL built on its parameter
    passed: dict[int | str, str] = field(default_factory=dict)


@dataclass
class _Function:
    node: cst.FunctionDef
    qual: str
    steps: list[_Step] = field(default_factory=list)
    mutation: bool | None = None  # holds a GraphQL mutation literal (found when needed)
    responses: dict[str, str] = field(default_factory=dict)  # name → system of its response


def _exclusive(a: _Step, b: _Step) -> bool:
    arms = dict(a.arms)
    return any(key in arms and arms[key] != arm for key, arm in b.arms)


class MultiWriteCompensation(Detector):
    codes = ("TTP111",)
    needs = Derived(lambda: _writes().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.prefix = ctx.names.module_name + "."
        self.functions: list[_Function] = []
        self.done: list[_Function] = []
        self.direct: dict[str, str] = {}  # function/class → what compensates it
        self.calls: dict[str, list[tuple[str, bool]]] = {}  # callee → (caller, compensated)
        self._compensates: dict[int, bool] = {}
        self.constants = Constants()  # names bound once, for the URLs built on them
        self.by_qual: dict[str, _Function] = {}

    # --- the walk -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.functions.append(_Function(node, scope_qualname(self.ctx.names)))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.done.append(self.functions.pop())

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.off:
            for target in node.targets:
                self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self.off and node.value is not None:
            self._bind(node.target, node.value)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.constants.bind(scope_qualname(self.ctx.names), target.value, value)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            owner = enclosing_class_qualname(self.ctx.names)
            if owner:
                self.constants.bind(owner, target.attr.value, value)

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        qual = self.ctx.qualname(node.func)
        if qual in _writes().primitives:
            self._saga(node, qual)
            return
        if not self.functions:
            return
        found = self._write(node, qual)
        callee = None if found else local_callee(self.ctx, node.func, qual)
        if not found and callee is None:
            return
        where = self._where()
        if where is None:
            return  # in an except handler or a finally block
        compensated, arms = where
        function = self.functions[-1]
        if callee is not None:
            self.calls.setdefault(callee, []).append((function.qual, compensated))
            what = f"{callee.rpartition('.')[2]}()"
            step = _Step(node, what, callee, compensated, arms)
            step.passed = self._passed(node)
            function.steps.append(step)
            return
        assert found is not None
        what, system, args, url = found
        if system:
            function.steps.append(_Step(node, what, None, compensated, arms, system, args, url))
            name = self._bound_to(node)
            if name:
                function.responses[name] = system

    def _bound_to(self, node: cst.Call) -> str:
        """The name a write's response is bound to (`r = post(…)`, `async with post(…) as r`)."""
        for parent in reversed(self.ctx.stack[:-1]):
            if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                target = parent.targets[0].target
                return target.value if isinstance(target, cst.Name) else ""
            if isinstance(parent, cst.WithItem):
                alias = parent.asname.name if parent.asname is not None else None
                return alias.value if isinstance(alias, cst.Name) else ""
            if not isinstance(parent, (cst.Await, cst.Call, cst.Attribute, cst.Subscript)):
                return ""
        return ""

    def _passed(self, node: cst.Call) -> dict[int | str, str]:
        """The system each argument of a call would name if a callee built its URL on it."""
        out: dict[int | str, str] = {}
        position = 0
        for arg in node.args:
            if arg.star:
                continue
            system = self._url_system(arg.value)
            if arg.keyword is not None:
                out[arg.keyword.value] = system
            else:
                out[position] = system
                position += 1
        return out

    def write(self, node: cst.Call, qual: str | None) -> str:
        """How a write call is named (`requests.post`), or "" when the call does not write."""
        found = self._write(node, qual)
        return found[0] if found is not None else ""

    def _write(
        self, node: cst.Call, qual: str | None
    ) -> tuple[str, str, tuple[cst.Arg, ...], cst.BaseExpression | None] | None:
        """(how the write is named, the system it goes to — "" for a read sent as a write,
        its arguments, its URL), or None when the call does not write."""
        w = _writes()
        func = node.func
        called = func.attr.value if isinstance(func, cst.Attribute) else (qual or "")
        called = called.rpartition(".")[2]
        if called not in w.names and not called.startswith(w.prefixes):
            return None  # a cheap test on the name before resolving anything
        out = classify(self.ctx, node, qual)
        if isinstance(out, OutboundCall):
            # a module function by its resolved name (`from requests import post as send`)
            named = qual if qual and out.kind != "method" and not out.through else out.operation
            method = named.rpartition(".")[2]
            library = out.library.id
            http = w.calls.http.get(library)
            if http is not None:
                if method in http.verbs:
                    url = find_arg(out.args, "url", 0).value
                    return out.operation, self._http_system(out, url), tuple(out.args), url
                if method in http.verb_methods:
                    verb = find_arg(out.args, http.verb_keyword, http.verb_position).value
                    text = verb.evaluated_value if isinstance(verb, cst.SimpleString) else None
                    if isinstance(text, str) and text.lower() in http.verbs:
                        url = find_arg(out.args, "url", http.verb_position + 1).value
                        system = self._http_system(out, url)
                        return f"{out.operation}({text!r})", system, tuple(out.args), url
                return None
            prefixes = w.calls.prefixes.get(library, ())
            if method.startswith(prefixes) and prefixes:
                return out.operation, self._sdk_system(out), tuple(out.args), None
            return None
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            found = w.calls.objects.get(held.ctor) if held is not None else None
            if held is not None and found is not None and func.attr.value in found[1]:
                system = f"{found[0]} ({held.ctor.split('.', 1)[0]})"
                what = f"{render(func) or func.attr.value} ({found[0]})"
                return what, system, tuple(node.args), None
        return None

    # --- where a write goes -------------------------------------------------------------------
    def _lookup(self) -> Lookup:
        function = self.functions[-1].qual if self.functions else ""
        return Lookup(
            self.constants,
            function,
            enclosing_class_qualname(self.ctx.names) or "",
            self.ctx.names.module_name,
            self.ctx.qualname,
        )

    def _http_system(self, out: OutboundCall, url: cst.BaseExpression | None) -> str:
        """The system an HTTP write goes to, or "" when it only reads (a search or query
        endpoint, a GraphQL query, a token exchange)."""
        w = _writes()
        lookup = self._lookup()
        text = url_text(url, lookup) if url is not None else ""
        words = set(path_words(text))
        if words & w.read_words or self._token_request(out.args):
            return ""
        if words & w.graphql and not self._mutates():
            return ""
        found = self._url_system(url) if url is not None else ""
        if found and not found.startswith("url?"):
            return found
        receiver = self._receiver(out)
        if (url is None or text.startswith("/")) and receiver:
            return f"client:{receiver}"
        return found or f"url?{self.functions[-1].qual if self.functions else ''}:?"

    def _url_system(self, url: cst.BaseExpression) -> str:
        """The system an URL names: its host, the response of an earlier write it comes from
        (an upload URL in a `Location` header), the base it is built on, the parameter it is
        built on (`param:` the caller decides), else an unknown system of its own."""
        lookup = self._lookup()
        found = host(url_text(url, lookup))
        if found:
            return f"https://{found}"
        function = self.functions[-1] if self.functions else None
        if function is not None and function.responses:
            for name in _names_in(url, lookup):
                if name in function.responses:
                    return function.responses[name]
        built_on = base(url, lookup)
        if built_on:
            return f"url:{built_on}"
        head = _head_name(url, lookup)
        params = _params(function.node) if function is not None else []
        if function is not None and head in params and lookup.name(head) is None:
            return f"param:{function.qual}:{head}"
        shown = render(url)
        where = function.qual if function is not None else ""
        return f"url?{where}:{shown or id(url)}"

    def _mutates(self) -> bool:
        """The function holds a GraphQL mutation (a string starting with `mutation`)."""
        if not self.functions:
            return False
        function = self.functions[-1]
        if function.mutation is None:
            pattern = re.compile(_writes().mutation)
            function.mutation = any(
                isinstance(node, cst.SimpleString)
                and "mutation" in node.value
                and isinstance(node.evaluated_value, str)
                and pattern.match(node.evaluated_value) is not None
                for node in walk_body(block(function.node.body))
            )
        return function.mutation

    def _token_request(self, args: Sequence[cst.Arg]) -> bool:
        """A body that asks for a token (`data={"grant_type": "refresh_token", …}`)."""
        keys = _writes().read_keys
        for arg in args:
            value = arg.value
            if not isinstance(value, cst.Dict):
                continue
            for element in value.elements:
                key = element.key if isinstance(element, cst.DictElement) else None
                if isinstance(key, cst.SimpleString) and key.evaluated_value in keys:
                    return True
        return False

    def _receiver(self, out: OutboundCall) -> str:
        """The client a method call goes through: its constructor and `base_url` when built
        here, else how the source names it (`self.client`)."""
        func = out.node.func
        if out.kind != "method" or not isinstance(func, cst.Attribute):
            return ""
        receiver = func.value
        held = self.ctx.instance(receiver)
        if held is not None and held.call is not None:
            found = find_arg(held.call.args, "base_url", None).value
            if found is not None:
                text = url_text(found, self._lookup())
                where = host(text) or base(found, self._lookup())
                if where:
                    return where
        name = render(receiver) or ""
        if name.startswith(("self.", "cls.")):
            return f"{enclosing_class_qualname(self.ctx.names)}.{name.partition('.')[2]}"
        return name

    def _sdk_system(self, out: OutboundCall) -> str:
        """An SDK client's system: the service it was built for (`boto3.client("s3")`) or the
        client itself."""
        func = out.node.func
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            if held is not None and held.call is not None:
                service = find_arg(held.call.args, "service_name", 0).value
                if isinstance(service, cst.SimpleString):
                    return f"{out.library.id}:{service.evaluated_value}"
        receiver = self._receiver(out)
        return f"{out.library.id}:{receiver or out.operation}"

    def _where(self) -> tuple[bool, tuple[tuple[int, int], ...]] | None:
        """(inside a compensating try, the `if` arms around) — None in a handler or finally."""
        stack = self.ctx.stack
        child = stack[-1]
        compensated = False
        arms: list[tuple[int, int]] = []
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                return None
            if isinstance(node, cst.Try) and child is node.body:
                compensated = compensated or self._compensating(node)
            elif isinstance(node, cst.If) and child is not node.test:
                arms.append((id(node), 0 if child is node.body else 1))
            elif isinstance(node, cst.Match) and isinstance(child, cst.MatchCase):
                arms.append((id(node), next(i for i, c in enumerate(node.cases) if c is child)))
            child = node
        return compensated, tuple(arms)

    def _compensating(self, node: cst.Try) -> bool:
        key = id(node)
        if key not in self._compensates:
            self._compensates[key] = any(
                self._undoes(inner)
                for handler in node.handlers
                for inner in walk_body(block(handler.body))
                if isinstance(inner, cst.Call)
            )
        return self._compensates[key]

    def _undoes(self, call: cst.Call) -> bool:
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else dotted(func) or ""
        name = name.rpartition(".")[2].lstrip("_").lower()
        return name.startswith(_writes().undo) or bool(self.write(call, self.ctx.qualname(func)))

    def _saga(self, node: cst.Call, qual: str | None) -> None:
        spec = tta_callable(qual)
        if spec is None or argument_problems(spec, node.args):
            return
        forward = bound_args(spec, node.args).get(_writes().forward)
        label = f"the forward step of {qual.rpartition('.')[2] if qual else 'a saga'}"
        for name, _ in wrapped(self.ctx, forward, frozenset()) if forward is not None else ():
            if name.startswith(self.prefix):
                self.direct[name] = label

    # --- the verdicts --------------------------------------------------------------------------
    def finish(self) -> None:
        if self.off or not self.done:
            return
        systems = self._systems()
        sites: list[tuple[_Function, list[_Step], int]] = []
        for function in self.done:
            of = {
                id(step): (
                    frozenset((step.system,))
                    if step.callee is None
                    else self._mapped(step, systems.get(step.callee, frozenset()))
                )
                for step in function.steps
            }
            steps = _steps(function.steps, of, _writes().resend_ignored)
            count = _together(steps, of)
            if count >= 2:
                sites.append((function, steps, count))
        if not sites:
            return
        covered = self._solve()
        for function, steps, count in sites:
            self._judge(function, steps, count, covered)

    def _systems(self) -> dict[str, frozenset[str]]:
        """The systems each function of the module writes to, through its local callees."""
        self.by_qual = {f.qual: f for f in self.done}
        systems = {
            f.qual: frozenset(s.system for s in f.steps if s.callee is None) for f in self.done
        }
        for _ in range(len(self.done)):
            grown = False
            for function in self.done:
                reached = set(systems[function.qual])
                for step in function.steps:
                    if step.callee is not None:
                        reached |= self._mapped(step, systems.get(step.callee, frozenset()))
                if len(reached) > len(systems[function.qual]):
                    systems[function.qual] = frozenset(reached)
                    grown = True
            if not grown:
                break
        return systems

    def _mapped(self, step: _Step, systems: frozenset[str]) -> frozenset[str]:
        """A callee's systems as seen from a call: an URL built on the callee's parameter goes
        where the argument passed for it says."""
        if not any(s.startswith("param:") for s in systems):
            return systems
        out: set[str] = set()
        for system in systems:
            owner, _, param = system.removeprefix("param:").rpartition(":")
            if not system.startswith("param:") or owner != step.callee:
                out.add(system)
                continue
            callee = self.by_qual.get(owner)
            index = _position(callee.node, param) if callee is not None else None
            passed = step.passed.get(param) or (
                step.passed.get(index) if index is not None else None
            )
            out.add(passed or system)
        return frozenset(out)

    def _solve(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for function in self.done:
            owner = function.qual.rpartition(".")[0]
            own = self.direct.get(function.qual) or self.direct.get(owner, "")
            result[function.qual] = own
        for _ in range(len(self.done) + 1):
            changed = False
            for callee, calls in self.calls.items():
                if result.get(callee, "x"):
                    continue
                if all(ok or result.get(caller) for caller, ok in calls):
                    result[callee] = "every in-module caller compensates"
                    changed = True
            if not changed:
                break
        return result

    def _judge(
        self, function: _Function, steps: list[_Step], count: int, covered: dict[str, str]
    ) -> None:
        label = covered.get(function.qual, "")
        if not label and any(s.compensated for s in steps[1:]):
            label = "an except that compensates"
        problem = None
        if not label:
            shown = ", ".join(f"`{s.what}`" for s in steps[:4])
            more = f" and {len(steps) - 4} more" if len(steps) > 4 else ""
            name = function.node.name.value
            problem = Problem(
                "TTP111",
                f"heuristic: `{name}` makes {len(steps)} external writes to {count} systems "
                f"({shown}{more}) and nothing undoes the earlier ones when a later one fails: no "
                "CompensationPrimitive/SagaPrimitive, no except that compensates",
                fix="wrap the steps in SagaPrimitive(forward, compensation) / "
                "CompensationPrimitive, or catch the later write's failure and undo the earlier "
                "ones (cancel, delete, refund, rollback) before re-raising",
            )
        self.ctx.site(COMPENSATION, "TTP111", function.node.name, problem, label=label)


def _params(node: cst.FunctionDef) -> list[str]:
    p = node.params
    return [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]


def _position(node: cst.FunctionDef, name: str) -> int | None:
    """Where a parameter is passed positionally from a call (`self` / `cls` not counted)."""
    p = node.params
    positional = [x.name.value for x in (*p.posonly_params, *p.params)]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    return positional.index(name) if name in positional else None


def _head_name(expr: cst.BaseExpression, lookup: Lookup, depth: int = 0) -> str:
    """The name an URL expression starts with (`url`, `f"{base}/x"`, `base + "/x"`), through
    names bound once in the function (`url = f"{root}{id}/media"` → `root`)."""
    if depth > 4:
        return ""
    if isinstance(expr, cst.Name):
        bound = lookup.constants.get(lookup.function, expr.value)
        return _head_name(bound, lookup, depth + 1) if bound is not None else expr.value
    if isinstance(expr, cst.FormattedString) and expr.parts:
        part = expr.parts[0]
        if isinstance(part, cst.FormattedStringExpression):
            return _head_name(part.expression, lookup, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _head_name(expr.left, lookup, depth + 1)
    return ""


def _names_in(expr: cst.BaseExpression, lookup: Lookup, depth: int = 0) -> set[str]:
    """The names an expression is computed from, through names bound once in the function."""
    found: set[str] = set()
    todo: list[cst.CSTNode] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
            bound = lookup.constants.get(lookup.function, node.value) if depth < 4 else None
            if bound is not None:
                found |= _names_in(bound, lookup, depth + 1)
            continue
        if isinstance(node, cst.Attribute):
            todo.append(node.value)
            continue
        todo.extend(children(node))
    return found


def _steps(
    steps: Sequence[_Step], systems: dict[int, frozenset[str]], ignored: frozenset[str]
) -> list[_Step]:
    """The write steps of a function: calls of local functions that write, and direct writes
    that are not a re-send of an earlier one (the same call with the same payload: a redirect
    followed by hand, a retry)."""
    kept: list[_Step] = []
    for step in steps:
        if not systems[id(step)]:
            continue
        if step.callee is None and any(_resends(step, k, ignored) for k in kept):
            continue
        kept.append(step)
    return kept


def _resends(later: _Step, earlier: _Step, ignored: frozenset[str]) -> bool:
    """The same call with the same payload, to the same system or to an URL only known at run
    time (the `Location` of a redirect)."""
    if earlier.callee is not None or earlier.what != later.what:
        return False
    if later.system != earlier.system and not later.system.startswith("url?"):
        return False

    def payload(step: _Step) -> dict[str, cst.BaseExpression]:
        return {
            a.keyword.value: a.value
            for a in step.args
            if a.keyword is not None and a.keyword.value not in ignored
        }

    first, second = payload(earlier), payload(later)
    if not first or first.keys() != second.keys():
        return False
    return all(first[key].deep_equals(second[key]) for key in first)


def _together(steps: Sequence[_Step], systems: dict[int, frozenset[str]]) -> int:
    """How many systems the steps that can both run reach (two steps not in two arms of one
    `if`/`match`, between them writing to two systems or more); 0 when none."""
    reached: set[str] = set()
    for i, a in enumerate(steps):
        for b in steps[i + 1 :]:
            if _exclusive(a, b):
                continue
            pair = systems[id(a)] | systems[id(b)]
            if len(pair) >= 2:
                reached |= pair
    return len(reached)
