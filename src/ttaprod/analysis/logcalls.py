"""Log calls: which calls log, through which library, on which logger. Shared by the structured
logging rules (TTP203/TTP204) and the error logging rules (TTP112-TTP114).

    calls = LogCalls(ctx)              # one per file; forward `leave_Assign` to it
    found = calls.log_call(call)       # LogCall(library, method) or None
    calls.bound_keywords(call)         # fields bound on the logger the call goes through

What counts as a logger is data in `rules/knowledge/logging.toml`: functions that log
(`logging.error`), logger objects (`loguru.logger`), what builds a logger (`logging.getLogger`,
`structlog.get_logger`, typed parameters and `self.log = …` through the instance tracker), and
the methods that derive another logger (`log = logger.bind(user_id=uid)`), which are tracked
per scope here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext


@dataclass(frozen=True)
class Library:
    name: str
    methods: frozenset[str]
    level_first: frozenset[str]
    derive: frozenset[str]
    message_index: int
    message_keywords: tuple[str, ...]
    lazy: str


@dataclass(frozen=True)
class LogTable:
    functions: dict[str, Library]
    objects: dict[str, Library]
    factories: dict[str, Library]
    derive_methods: frozenset[str]  # every library's `derive` methods: a cheap first test


@dataclass(frozen=True)
class LogCall:
    library: Library
    method: str


@knowledge.derived
def log_table() -> LogTable:
    functions: dict[str, Library] = {}
    objects: dict[str, Library] = {}
    factories: dict[str, Library] = {}
    derive: set[str] = set()
    for raw in knowledge.table("logging")["loggers"]:
        lib = Library(
            raw["library"],
            frozenset(raw["methods"]),
            frozenset(raw["level_first"]),
            frozenset(raw["derive"]),
            int(raw["message_index"]),
            tuple(raw["message_keywords"]),
            raw["lazy"],
        )
        functions.update((name, lib) for name in raw["functions"])
        objects.update((name, lib) for name in raw["objects"])
        factories.update((name, lib) for name in raw["factories"])
        derive.update(lib.derive)
    return LogTable(functions, objects, factories, frozenset(derive))


@knowledge.derived
def logging_data() -> dict[str, Any]:
    return knowledge.table("logging")


Key = tuple[int, str]  # (id of the scope, name) or (id of the class, "self.<attr>")


class LogCalls:
    """Log calls of one file, with the loggers derived in it (`log = logger.bind(...)`)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.derived: dict[Key, tuple[Library, frozenset[str]]] = {}

    # --- what is a log call -------------------------------------------------------------
    def log_call(self, call: cst.Call) -> LogCall | None:
        table = log_table()
        func = call.func
        qual = self.ctx.qualname(func)
        if qual is not None:
            lib = table.functions.get(qual)
            if lib is not None:
                return LogCall(lib, qual.rsplit(".", 1)[-1])
            owner, _, method = qual.rpartition(".")
            lib = table.objects.get(owner)
            return LogCall(lib, method) if lib is not None and method in lib.methods else None
        if isinstance(func, cst.Attribute):
            lib = self.logger(func.value)
            if lib is not None and func.attr.value in lib.methods:
                return LogCall(lib, func.attr.value)
        return None

    def logger(self, expr: cst.BaseExpression, depth: int = 0) -> Library | None:
        """The logging library of the logger `expr` holds, if it is one."""
        table = log_table()
        held = self.ctx.instance(expr)
        if held is not None:
            for base in self.ctx.names.bases_of(held.ctor):
                if base in table.factories:
                    return table.factories[base]
        qual = self.ctx.qualname(expr)
        if qual is not None:
            return table.objects.get(qual)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and depth < 8:
            lib = self.logger(expr.func.value, depth + 1)
            return lib if lib is not None and expr.func.attr.value in lib.derive else None
        key = self._key(expr)
        found = self.derived.get(key) if key is not None else None
        return found[0] if found is not None else None

    def guessed_log_call(self, call: cst.Call, names: frozenset[str]) -> LogCall | None:
        """A log method called on a receiver that cannot be resolved but is named like a
        logger (`names`: `logger.error(...)` with `logger` imported from a project module,
        `self.log.warning(...)`), read as a stdlib logger. For rules that would rather not miss
        a log call; `log_call` stays exact."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Name):
            name = receiver.value
        elif isinstance(receiver, cst.Attribute):
            name = receiver.attr.value
        else:
            return None
        if name not in names or self.ctx.instance(receiver) is not None:
            return None
        lib = log_table().functions.get("logging." + func.attr.value)
        return LogCall(lib, func.attr.value) if lib is not None else None

    # --- what a logger carries --------------------------------------------------------------
    def bound_keywords(self, call: cst.Call) -> frozenset[str]:
        """Keywords bound on the logger a log call goes through: `logger.bind(a=1).info(…)`,
        `log = logger.bind(a=1)`, `logging.LoggerAdapter(logger, {"a": 1})`."""
        func = call.func
        return self._bound(func.value, 0) if isinstance(func, cst.Attribute) else frozenset()

    def _bound(self, expr: cst.BaseExpression, depth: int) -> frozenset[str]:
        if depth > 8:
            return frozenset()
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            own = call_keys(expr)
            return own | self._bound(expr.func.value, depth + 1)
        held = self.ctx.instance(expr)
        if held is not None and held.call is not None:
            return call_keys(held.call)
        key = self._key(expr)
        found = self.derived.get(key) if key is not None else None
        return found[1] if found is not None else frozenset()

    # --- derived loggers ------------------------------------------------------------------
    def _key(self, target: cst.BaseExpression) -> Key | None:
        names = self.ctx.names
        if isinstance(target, cst.Name):
            for scope in reversed(names.scopes):
                if target.value in scope.bindings or (id(scope), target.value) in self.derived:
                    return id(scope), target.value
            return id(names.current), target.value
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            cls = names.enclosing_class()
            if target.value.value in ("self", "cls") and cls is not None:
                return id(cls), "self." + target.attr.value
        return None

    def leave_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if not isinstance(value, cst.Call):
            return
        derives = (
            isinstance(value.func, cst.Attribute)
            and value.func.attr.value in log_table().derive_methods
        )
        if not derives and not self.derived:
            return
        lib = self.logger(value) if derives else None
        bound = self._bound(value, 0) if lib is not None else frozenset()
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                key: Key | None = (id(self.ctx.names.current), target.target.value)
            else:
                key = self._key(target.target)
            if key is None:
                continue
            if lib is not None:
                self.derived[key] = (lib, bound)
            else:
                self.derived.pop(key, None)


def call_keys(call: cst.Call) -> frozenset[str]:
    """Keyword names of a call, and the literal keys of dict arguments (`extra={"a": 1}`)."""
    keys: set[str] = set()
    for arg in call.args:
        if arg.keyword is not None:
            keys.add(arg.keyword.value)
            value = arg.value
        elif arg.star == "":
            value = arg.value
        else:
            continue
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and isinstance(
                    element.key, cst.SimpleString
                ):
                    text = element.key.evaluated_value
                    if isinstance(text, str):
                        keys.add(text)
    return frozenset(keys)
