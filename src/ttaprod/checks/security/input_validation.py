"""Input validation at endpoints (security.input-validation): TTP411
endpoint-parameter-not-validated and TTP412 raw-request-data-not-validated.

Every request handler of a web framework (FastAPI, Starlette, Flask, or a route on an app
imported from elsewhere: see `analysis/web.py`) is one site, covered when all the user data it
takes is validated:

- FastAPI validates each parameter from its annotation, so a parameter typed `dict`, `Any`,
  `dict[str, Any]`, `list[dict]`, `object`, or with no annotation at all accepts anything
  (TTP411). Scalars (`int`, `str`, constrained `Annotated[str, Path(pattern=…)]`), models and
  other classes are validated; dependencies (`Depends(...)`) are judged where they are defined.
  On an app whose type is not known here, only explicit dict/Any annotations are judged.
- A body or form read by hand — `await request.json()`, `.form()`, `.body()`, a WebSocket's
  `receive_json()`, Flask's `request.get_json()`, `request.json`, `request.form`,
  `request.data`, `request.values` — must reach a validator in the handler (TTP412): a
  `model_validate`/`parse_obj`/`load`/`validate` method (pydantic, marshmallow, TypeAdapter), a
  validating function (`jsonschema.validate`), a class called with it (`Model(**data)`), directly
  or through the names it is assigned to (`data = json.loads(await request.body())`). A
  validating decorator (webargs, flask-smorest, APIFlask, quart-schema) covers the handler.

The first problem of a handler is its site; later ones are reported too. AWS Lambda handlers
are not judged (the event's shape depends on its trigger). Test files are skipped.
Knowledge: rules/knowledge/validation.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis.strings import words
from ...analysis.web import ROUTE_NEEDS, HandlerIndex, function_qualname
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector
from ...engine.walker import children

ITEM = "security.input-validation"
PARAM, RAW = "TTP411", "TTP412"


@dataclass(frozen=True)
class _Table:
    unvalidated: frozenset[str]
    containers: frozenset[str]
    annotated: frozenset[str]
    injected: frozenset[str]
    typed: frozenset[str]
    explicit_only: frozenset[str]
    judged: frozenset[str]
    raw_methods_by_type: dict[str, frozenset[str]]
    raw_method_names: frozenset[str]
    raw_calls: frozenset[str]  # flask.request.get_json …
    raw_attributes: frozenset[str]  # flask.request.json …
    raw_attribute_names: frozenset[str]
    methods: frozenset[str]
    functions: frozenset[str]
    data_keywords: frozenset[str]
    not_validators: frozenset[str]
    class_modules: frozenset[str]
    decorators: frozenset[str]
    decorator_methods: frozenset[str]
    verifier_functions: frozenset[str]
    verifier_classes: frozenset[str]
    signature_words: frozenset[str]
    forms: frozenset[str]
    lookups: frozenset[str]


@knowledge.derived
def _table() -> _Table:
    data = knowledge.table("validation")
    params, validators = data["parameters"], data["validators"]
    by_type: dict[str, frozenset[str]] = {}
    raw_calls: set[str] = set()
    raw_attributes: set[str] = set()
    attribute_names: set[str] = set()
    method_names: set[str] = set()
    for entry in data["raw_reads"]:
        methods = frozenset(entry.get("methods", ()))
        method_names.update(methods)
        for type_name in entry.get("types", ()):
            by_type[type_name] = methods
        for obj in entry.get("objects", ()):
            raw_calls.update(f"{obj}.{m}" for m in methods)
            raw_attributes.update(f"{obj}.{a}" for a in entry.get("attributes", ()))
            attribute_names.update(entry.get("attributes", ()))
    return _Table(
        unvalidated=frozenset(params["unvalidated"]),
        containers=frozenset(params["containers"]),
        annotated=frozenset(params["annotated"]),
        injected=frozenset(params["injected"]),
        typed=frozenset(params["typed_frameworks"]),
        explicit_only=frozenset(params["explicit_only_frameworks"]),
        judged=frozenset(params["judged_frameworks"]),
        raw_methods_by_type=by_type,
        raw_method_names=frozenset(method_names),
        raw_calls=frozenset(raw_calls),
        raw_attributes=frozenset(raw_attributes),
        raw_attribute_names=frozenset(attribute_names),
        methods=frozenset(validators["methods"]),
        functions=frozenset(validators["functions"]),
        data_keywords=frozenset(validators["data_keywords"]),
        not_validators=frozenset(validators["not_validators"]),
        class_modules=frozenset(validators["class_modules"]),
        decorators=frozenset(validators["decorators"]),
        decorator_methods=frozenset(validators["decorator_methods"]),
        verifier_functions=frozenset(data["verifiers"]["functions"]),
        verifier_classes=frozenset(data["verifiers"]["classes"]),
        signature_words=frozenset(data["verifiers"]["signature_words"]),
        forms=frozenset(data["fields"]["forms"]),
        lookups=frozenset(data["fields"]["lookups"]),
    )


@dataclass(eq=False)
class _Raw:
    node: cst.CSTNode
    param: str = ""  # an untyped parameter it is read from (a Starlette endpoint's request)
    validated: bool = False
    form: bool = False  # form data: flat strings
    whole: bool = False  # used other than field by field (handed on, iterated, returned)


@dataclass(eq=False)
class _Fn:
    node: cst.FunctionDef
    qual: str
    untyped: frozenset[str]  # untyped parameters
    first: str  # first positional parameter
    decorated: bool = False  # a validating decorator
    raw: dict[int, _Raw] = field(default_factory=dict)
    tainted: dict[str, set[int]] = field(default_factory=dict)


class EndpointInputValidation(Detector):
    codes = (PARAM, RAW)
    needs = ROUTE_NEEDS

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.active = not ctx.is_test_file
        self.handlers = HandlerIndex(ctx)
        self.frameworks: dict[str, set[str]] = {}  # handler → frameworks of its routes
        self.fns: list[_Fn] = []
        self.by_node: dict[int, _Fn] = {}

    # --- the walk -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.active:
            return
        qual = function_qualname(self.ctx)
        for route in self.handlers.visit_function(node):
            self.frameworks.setdefault(qual, set()).add(route.framework)
        params = node.params
        positional = [*params.posonly_params, *params.params]
        fn = _Fn(
            node,
            qual,
            frozenset(p.name.value for p in positional if p.annotation is None),
            positional[0].name.value if positional else "",
        )
        fn.decorated = any(self._validating(d.decorator) for d in node.decorators)
        self.fns.append(fn)
        self.by_node[id(node)] = fn

    def _validating(self, expr: cst.BaseExpression) -> bool:
        table = _table()
        func = expr.func if isinstance(expr, cst.Call) else expr
        if self.ctx.qualname(func) in table.decorators:
            return True
        return (
            isinstance(expr, cst.Call)
            and isinstance(func, cst.Attribute)
            and func.attr.value in table.decorator_methods
            and bool(expr.args)
        )

    def _frame(self) -> _Fn | None:
        fn = self.ctx.function
        return self.by_node.get(id(fn)) if fn is not None else None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        route = self.handlers.visit_call(node)
        if route is not None and route.handler:
            self.frameworks.setdefault(route.handler, set()).add(route.framework)
        fn = self._frame()
        if fn is None:
            return
        raw = self._raw_call(node, fn)
        if raw is not None:
            fn.raw[id(node)] = raw
            self._placed(raw, node)

    def leave_Call(self, node: cst.Call) -> None:
        """Validators are judged on the way out, once the reads inside them are known."""
        fn = self._frame() if self.active else None
        if fn is None or not (fn.raw or fn.tainted) or id(node) in fn.raw:
            return
        self._validate(fn, node, {})

    def _validate(self, fn: _Fn, call: cst.Call, extra: dict[str, set[int]]) -> None:
        data = self._validator_data(call)
        for expr in data or ():
            for index in self._sources(fn, expr, extra):
                fn.raw[index].validated = True

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self._comprehension(node)

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self._comprehension(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comprehension(node)

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self._comprehension(node)

    def _comprehension(self, node: cst.BaseComp) -> None:
        """`[Model(**item) for item in await request.json()]`: the loop variable carries the
        read, and the element (visited before the loop) validates it."""
        fn = self._frame() if self.active else None
        if fn is None or not (fn.raw or fn.tainted):
            return
        carried: dict[str, set[int]] = {}
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            found = self._sources(fn, comp.iter, carried)
            if found and isinstance(comp.target, cst.Name):
                carried[comp.target.value] = found
            comp = comp.inner_for_in
        if not carried:
            return
        todo: list[cst.CSTNode] = [n for n in children(node) if n is not node.for_in]
        while todo:
            current = todo.pop()
            if isinstance(current, cst.Call):
                self._validate(fn, current, carried)
            todo.extend(children(current))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.active or node.attr.value not in _table().raw_attribute_names:
            return
        parent = self.ctx.parent()
        if isinstance(parent, cst.Call) and parent.func is node:
            return
        fn = self._frame()
        if fn is not None and self.ctx.qualname(node) in _table().raw_attributes:
            raw = _Raw(node, form=node.attr.value in _table().forms)
            fn.raw[id(node)] = raw
            self._placed(raw, node)

    def visit_Name(self, node: cst.Name) -> None:
        """A name holding form data, used other than to read one field: the form is used
        whole."""
        fn = self._frame() if self.active else None
        if fn is None or node.value not in fn.tainted:
            return
        parent = self.ctx.parent()
        if isinstance(parent, (cst.AssignTarget, cst.Param)) or (
            isinstance(parent, cst.Attribute) and parent.attr is node
        ):
            return
        if _use(self.ctx.stack, _table().lookups) == "whole":
            for index in fn.tainted[node.value]:
                fn.raw[index].whole = True

    def _placed(self, raw: _Raw, node: cst.CSTNode) -> None:
        if raw.form and _use(self.ctx.stack, _table().lookups) == "whole":
            raw.whole = True

    def leave_Assign(self, node: cst.Assign) -> None:
        fn = self._frame() if self.active else None
        if fn is None or not (fn.raw or fn.tainted):
            return
        if isinstance(node.value, cst.Call) and self._validator_data(node.value) is not None:
            return
        found = self._sources(fn, node.value)
        if found:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    fn.tainted.setdefault(target.target.value, set()).update(found)

    # --- reading the syntax -------------------------------------------------------------
    def _raw_call(self, node: cst.Call, fn: _Fn) -> _Raw | None:
        table = _table()
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        form = func.attr.value in table.forms
        if func.attr.value in table.raw_method_names:
            held = self.ctx.instance(func.value)
            if held is not None:
                for base in self.ctx.names.bases_of(held.ctor):
                    if func.attr.value in table.raw_methods_by_type.get(base, ()):
                        return _Raw(node, form=form)
            elif (
                isinstance(func.value, cst.Name)
                and func.value.value in fn.untyped
                and isinstance(self.ctx.parent(), cst.Await)
            ):
                return _Raw(node, param=func.value.value, form=form)
        if self.ctx.qualname(func) in table.raw_calls:
            return _Raw(node, form=form)
        return None

    def _validator_data(self, call: cst.Call) -> list[cst.BaseExpression] | None:
        """The data arguments of a validating call, or None when `call` does not validate."""
        table = _table()
        func = call.func
        qual = self.ctx.qualname(func)
        if qual in table.functions:
            return self._data_args(call)
        if self._verifies(call, qual):
            return [a.value for a in call.args]
        if isinstance(func, cst.Attribute) and func.attr.value in table.methods:
            receiver = self.ctx.qualname(func.value)
            if receiver is not None and receiver.split(".", 1)[0] in table.not_validators:
                return None
            return self._data_args(call)
        if qual is not None and self._validating_class(qual):
            return [a.value for a in call.args]
        return None

    def _verifies(self, call: cst.Call, qual: str | None) -> bool:
        """A signature check that takes the raw payload (`stripe.Webhook.construct_event(payload,
        sig_header, secret)`, `SignatureVerifier(...).is_valid(body, ts, sig)`), or a call that
        takes it with a signature (`handle(body, sha256_signature=sig, raw_body=raw)`)."""
        table = _table()
        if qual in table.verifier_functions:
            return True
        func = call.func
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            if held is not None and held.ctor in table.verifier_classes:
                return True
        for arg in call.args:
            name = arg.keyword.value if arg.keyword is not None else ""
            value = arg.value
            name = name or (value.value if isinstance(value, cst.Name) else "")
            name = name or (value.attr.value if isinstance(value, cst.Attribute) else "")
            if set(words(name)) & table.signature_words:
                return True
        return False

    def _validating_class(self, qual: str) -> bool:
        """A class of this module, of the project's package, or of a validation library."""
        table = _table()
        if qual in self.ctx.names.class_bases:
            return True
        top, last = qual.split(".", 1)[0], qual.rsplit(".", 1)[-1]
        if not last[:1].isupper() or top in table.not_validators:
            return False
        module = self.ctx.names.module_name
        own = module.split(".", 1)[0] if "." in module else ""
        return top in table.class_modules or top == own or not own

    def _data_args(self, call: cst.Call) -> list[cst.BaseExpression]:
        keywords = _table().data_keywords
        out = [a.value for a in call.args if a.keyword is None and not a.star][:1]
        out += [a.value for a in call.args if a.star == "**"]
        out += [a.value for a in call.args if a.keyword is not None and a.keyword.value in keywords]
        return out

    def _sources(
        self, fn: _Fn, expr: cst.BaseExpression, extra: dict[str, set[int]] | None = None
    ) -> set[int]:
        """The raw reads `expr` carries: raw read nodes inside it and tainted names."""
        found: set[int] = set()
        todo: list[cst.CSTNode] = [expr]
        while todo:
            node = todo.pop()
            if id(node) in fn.raw:
                found.add(id(node))
                continue
            base = _field_base(node, _table().lookups)
            if base is not None:
                inner = self._sources(fn, base, extra)
                if inner and all(fn.raw[i].form for i in inner):
                    continue  # one field of a form: a string, not the form
            if isinstance(node, cst.Name):
                found |= fn.tainted.get(node.value, set())
                if extra:
                    found |= extra.get(node.value, set())
                continue
            if isinstance(node, (cst.Lambda, cst.FunctionDef)):
                continue
            todo.extend(children(node))
        return found

    # --- the verdicts -------------------------------------------------------------------
    def finish(self) -> None:
        table = _table()
        for fn in self.fns:
            frameworks = self.frameworks.get(fn.qual, set()) & table.judged
            if not frameworks or not self.handlers.is_handler(fn.node):
                continue
            problems = [
                found
                for found in self._param_problems(fn, frameworks)
                + self._raw_problems(fn, frameworks)
                if self.ctx.wants(found[1].rule)
            ]
            if not problems:
                self._covered(fn)
                continue
            problems.sort(key=lambda p: _order(fn.node, p[0]))
            first_node, first = problems[0]
            self.ctx.site(ITEM, first.rule, first_node, first)
            for node, problem in problems[1:]:
                self.ctx.report(node, problem)

    def _covered(self, fn: _Fn) -> None:
        if fn.raw:
            label = "request data validated"
        elif _data_params(fn.node):
            label = "typed parameters"
        else:
            label = "no request data"
        rule = PARAM if self.ctx.wants(PARAM) else RAW
        self.ctx.site(ITEM, rule, fn.node.name, label=label)

    def _param_problems(self, fn: _Fn, frameworks: set[str]) -> list[tuple[cst.CSTNode, Problem]]:
        table = _table()
        typed = bool(frameworks & table.typed)
        if not typed and not frameworks & table.explicit_only:
            return []
        out: list[tuple[cst.CSTNode, Problem]] = []
        name = fn.node.name.value
        for param in _data_params(fn.node):
            if (
                isinstance(param.default, cst.Call)
                and self.ctx.qualname(param.default.func) in table.injected
            ):
                continue
            if param.annotation is None:
                if typed:
                    message = (
                        f"{name}() takes `{param.name.value}` with no type, so FastAPI passes "
                        "any value through unvalidated"
                    )
                    out.append((param, self._problem(PARAM, message)))
                continue
            loose = self._loose(param.annotation.annotation, 0)
            if loose is not None:
                message = (
                    f"{name}() takes `{param.name.value}: {self.ctx.code_for(loose)}`, which "
                    "FastAPI accepts without validating its fields"
                )
                out.append((param, self._problem(PARAM, message)))
        return out

    def _loose(self, expr: cst.BaseExpression, depth: int) -> cst.BaseExpression | None:
        """The part of an annotation that accepts anything (`dict`, `Any`), else None."""
        if depth > 6:
            return None
        table = _table()
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return self._loose(expr.left, depth + 1) or self._loose(expr.right, depth + 1)
        if isinstance(expr, cst.Subscript):
            base = self.ctx.qualname(expr.value)
            items = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            if base in table.annotated and items:
                if any(self._injected(meta) for meta in items[1:]):
                    return None
                return self._loose(items[0], depth + 1)
            if base in table.unvalidated:
                return expr
            if base in table.containers:
                for item in items:
                    found = self._loose(item, depth + 1)
                    if found is not None:
                        return found
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return expr if self.ctx.qualname(expr) in table.unvalidated else None
        return None

    def _injected(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and self.ctx.qualname(expr.func) in _table().injected

    def _raw_problems(self, fn: _Fn, frameworks: set[str]) -> list[tuple[cst.CSTNode, Problem]]:
        if fn.decorated:
            return []
        out: list[tuple[cst.CSTNode, Problem]] = []
        for raw in fn.raw.values():
            if raw.validated or (raw.form and not raw.whole):
                continue
            if raw.param and not ("starlette" in frameworks and raw.param == fn.first):
                continue
            message = (
                f"{fn.node.name.value}() reads `{self.ctx.code_for(raw.node)}` and uses it "
                "without validating it against a schema"
            )
            out.append((raw.node, self._problem(RAW, message)))
        return out

    def _problem(self, rule: str, message: str) -> Problem:
        fix = (
            "declare a Pydantic model parameter (class Body(BaseModel): …) or a constrained "
            "type (Annotated[int, Path(ge=1)])"
            if rule == PARAM
            else "validate it first: Model.model_validate(data), a marshmallow schema.load(data), "
            "or declare a Pydantic model parameter"
        )
        return Problem(rule, message + ".", fix=fix)


def _field_base(node: cst.CSTNode, lookups: frozenset[str]) -> cst.BaseExpression | None:
    """What one field is read from: `x["email"]`, `x.get("email", "")`, `x._dict.get("cmd")`
    → `x`; None when `node` is not such a read."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return node.value
        return None
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    if node.func.attr.value not in lookups or not node.args:
        return None
    if not isinstance(node.args[0].value, cst.SimpleString) or node.args[0].keyword is not None:
        return None
    base = node.func.value
    if isinstance(base, cst.Attribute) and base.attr.value.startswith("_"):
        base = base.value  # a private mapping of the form (`form._dict`)
    return base


def _use(stack: list[cst.CSTNode], lookups: frozenset[str]) -> str:
    """How the node at the top of the walk's stack is used: "field" (one field read from it),
    "bound" (assigned to a name, whose uses decide), or "whole"."""
    child = stack[-1]
    for i in range(len(stack) - 2, -1, -1):
        parent = stack[i]
        if isinstance(parent, cst.Await):
            child = parent
            continue
        if isinstance(parent, cst.Assign) and parent.value is child:
            targets = parent.targets
            return "bound" if all(isinstance(t.target, cst.Name) for t in targets) else "whole"
        if isinstance(parent, cst.Subscript) and parent.value is child:
            return "field" if _field_base(parent, lookups) is child else "whole"
        if isinstance(parent, cst.Attribute) and parent.value is child:
            grand = stack[i - 1] if i > 0 else None
            if isinstance(grand, cst.Attribute) and grand.value is parent:
                call = stack[i - 2] if i > 1 else None
            else:
                call = grand
            if isinstance(call, cst.Call) and _field_base(call, lookups) is child:
                return "field"
        return "whole"
    return "whole"


def _data_params(fn: cst.FunctionDef) -> list[cst.Param]:
    params = fn.params
    return [
        p
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.name.value not in ("self", "cls")
    ]


def _order(fn: cst.FunctionDef, node: cst.CSTNode) -> int:
    """Parameters first, in order; then reads (by when they were found: stable)."""
    params = _data_params(fn)
    for i, param in enumerate(params):
        if param is node:
            return i
    return len(params)
