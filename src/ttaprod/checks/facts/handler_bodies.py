"""What request handlers do, for deploy.health-endpoint (`ttaprod.items.health`, TTP541).

Emits one `HandlerBody` fact per request handler (see `analysis/web.py`) and per function
named like a health endpoint (registered from another module, say), at the function's name, with
`handler` (qualified name, as in `route` facts) and `checks`: how the body reaches a
dependency — the first `await`, `async with`/`async for`, or call that is not a constant
builder (`rules/knowledge/health.toml`, `[constant]`) — or "" when it only returns constants;
`keys`: the string keys of the dict literals it returns (a `/status` that returns data is not
a health answer); `auth`: what makes it serve a logged-in user only (an auth decorator,
`request.user`, `current_user`; `[auth]`), since a probe cannot log in.
Reports nothing; test files are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import knowledge
from ...analysis.web import ROUTE_NEEDS, HandlerIndex, function_qualname
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...facts import HandlerBody

_LITERALS = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Dict,
    cst.List,
    cst.Tuple,
    cst.Set,
    cst.Integer,
    cst.Float,
)
MAX_NOTE = 60


@dataclass(frozen=True)
class _Health:
    constant_calls: frozenset[str]
    log_methods: frozenset[str]
    function_names: frozenset[str]
    auth_decorators: frozenset[str]
    user_objects: frozenset[str]
    request_types: frozenset[str]


@knowledge.derived
def _health() -> _Health:
    data = knowledge.table("health")
    auth = data["auth"]
    return _Health(
        frozenset(data["constant"]["calls"]),
        frozenset(data["constant"]["log_methods"]),
        frozenset(data["function_names"]),
        frozenset(auth["decorators"]),
        frozenset(auth["user_objects"]),
        frozenset(auth["request_types"]),
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "…"


class HandlerBodyFacts(Detector):
    facts_only = True
    needs = Derived(lambda: (*ROUTE_NEEDS, *(n.encode() for n in _health().function_names)))

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.handlers = HandlerIndex(ctx)
        self.functions: list[tuple[cst.FunctionDef, str]] = []
        self.probes: dict[int, str] = {}  # id(function) → first dependency access
        self.keys: dict[int, list[str]] = {}  # id(function) → keys of the dicts it returns
        self.auth: dict[int, str] = {}  # id(function) → what requires a logged-in user

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.off:
            return
        self.handlers.visit_function(node)
        self.functions.append((node, function_qualname(self.ctx)))
        for decorator in node.decorators:
            target = decorator.decorator
            target = target.func if isinstance(target, cst.Call) else target
            if self.ctx.qualname(target) in _health().auth_decorators:
                self.auth.setdefault(id(node), "@" + self.ctx.code_for(target))

    def visit_Return(self, node: cst.Return) -> None:
        fn = self.ctx.function
        if self.off or fn is None:
            return
        value = node.value
        if isinstance(value, cst.Call) and value.args:  # JSONResponse({...}), jsonify({...})
            value = value.args[0].value
        if isinstance(value, cst.Dict):
            keys = self.keys.setdefault(id(fn), [])
            for element in value.elements:
                if isinstance(element, cst.DictElement) and isinstance(
                    element.key, cst.SimpleString
                ):
                    keys.append(element.key.evaluated_value)  # type: ignore[arg-type]

    def visit_Attribute(self, node: cst.Attribute) -> None:
        fn = self.ctx.function
        if self.off or fn is None or node.attr.value != "user" or id(fn) in self.auth:
            return
        found = self.ctx.instance(node.value)
        if found is not None and found.ctor in _health().request_types:
            self.auth[id(fn)] = self.ctx.code_for(node)

    def visit_Name(self, node: cst.Name) -> None:
        fn = self.ctx.function
        if self.off or fn is None or id(fn) in self.auth:
            return
        if self.ctx.qualname(node) in _health().user_objects:
            self.auth[id(fn)] = node.value

    def _probe(self, note: str) -> None:
        fn = self.ctx.function
        if fn is not None and id(fn) not in self.probes and self._in_body(fn):
            self.probes[id(fn)] = _short(note)

    def _in_body(self, fn: cst.FunctionDef) -> bool:
        """In the function's body, not in its decorators, defaults or annotations."""
        stack = self.ctx.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is fn:
                return i + 1 < len(stack) and stack[i + 1] is fn.body
        return False

    def visit_Await(self, node: cst.Await) -> None:
        if not self.off:
            self._probe("await " + self._called(node.expression))

    def visit_With(self, node: cst.With) -> None:
        if not self.off and node.asynchronous is not None:
            self._probe("async with " + self.ctx.code_for(node.items[0].item))

    def visit_For(self, node: cst.For) -> None:
        if not self.off and node.asynchronous is not None:
            self._probe("async for … in " + self.ctx.code_for(node.iter))

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        self.handlers.visit_call(node)
        fn = self.ctx.function
        if fn is not None and id(fn) not in self.probes and self._reaches_out(node):
            self._probe(self._called(node))

    def _called(self, expr: cst.BaseExpression) -> str:
        if isinstance(expr, cst.Call):
            return self.ctx.code_for(expr.func) + "()"
        return self.ctx.code_for(expr)

    def _reaches_out(self, call: cst.Call) -> bool:
        """Could this call reach a dependency? Not for constant builders (see the module doc)."""
        health = _health()
        func = call.func
        qual = self.ctx.qualname(func)
        if qual is not None and (qual.startswith("builtins.") or qual in health.constant_calls):
            return False
        if isinstance(func, cst.Attribute):
            name = func.attr.value
            receiver = func.value
            if name in health.log_methods or isinstance(receiver, _LITERALS):
                return False
            if isinstance(receiver, cst.Call) and not self._reaches_out(receiver):
                return False
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            return True
        return not name[:1].isupper()

    def finish(self) -> None:
        names = _health().function_names
        for fn, qual in self.functions:
            if self.handlers.is_handler(fn) or fn.name.value in names:
                checks = self.probes.get(id(fn), "")
                keys = tuple(dict.fromkeys(str(k) for k in self.keys.get(id(fn), ())))
                auth = self.auth.get(id(fn), "")
                fact = HandlerBody(handler=qual, checks=checks, keys=keys, auth=auth)
                self.ctx.fact(fn.name, fact)
