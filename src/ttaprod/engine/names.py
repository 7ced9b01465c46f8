"""Name resolution without metadata providers: an import/alias table with lexical scopes.

The walker feeds imports, assignments, parameters and `with … as` targets in source order;
rules ask for the qualified name of an expression (`r.get` → `requests.get`) or for the
instance a name holds (`s = requests.Session()` → an instance of `requests.Session`).
This is the cheap half of libcst's QualifiedNameProvider: flow-insensitive within a scope,
no cross-module inference, but 10× faster, which keeps ttaprod usable as a pre-commit hook.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from ..facts import ClientValue

_BUILTINS = frozenset(dir(builtins))


@dataclass(eq=False)
class Instance:
    """A value built by calling `ctor` (a qualified name), or declared with that type."""

    ctor: str
    call: cst.Call | None = None
    via: str = ""  # "assign", "with", "annotation", "attribute", "inline", "project"
    origin: str = ""  # the project value (`ClientValue.name`) it comes from, when imported


Binding = str | Instance | None  # alias of a qualified name, an instance, or unknown


@dataclass(eq=False)
class Scope:
    kind: str  # "module", "class", "function"
    name: str
    bindings: dict[str, Binding] = field(default_factory=dict)
    # attributes set on `self` inside this class's methods (class scopes only)
    self_attrs: dict[str, Binding] = field(default_factory=dict)


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` → "a.b.c" for a pure Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def _rebound(old: Binding, new: Binding) -> Binding:
    """A declared type (`self._api: ccxt.Exchange`) holds when the name is later assigned a
    value of unknown type (`self._api = self._init_ccxt(...)`), as it does for a type checker."""
    if new is None and isinstance(old, Instance) and old.via == "annotation":
        return old
    return new


class NameTable:
    def __init__(
        self,
        module_name: str,
        is_package: bool = False,
        values: Mapping[str, ClientValue] | None = None,
        objects: frozenset[str] = frozenset(),
        injectors: frozenset[str] = frozenset(),
    ) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.scopes: list[Scope] = [Scope("module", module_name)]
        self.class_bases: dict[str, tuple[str, ...]] = {}
        self.class_scopes: dict[str, Scope] = {}  # classes of this module, by qualified name
        # clients and factories other modules of the project hand out (`engine/values.py`)
        self.values: Mapping[str, ClientValue] = values or {}
        # the objects the knowledge names by an expression (`FileTask.objects`)
        self.objects = objects
        # what marks a parameter's default as a dependency the framework calls (`Depends`)
        self.injectors = injectors
        self.paths_bound = False  # some dotted path (`request.state.db`) holds an instance

    # --- scopes -----------------------------------------------------------------------
    @property
    def current(self) -> Scope:
        return self.scopes[-1]

    def push(self, kind: str, name: str) -> Scope:
        scope = Scope(kind, name)
        self.scopes.append(scope)
        return scope

    def pop(self) -> Scope:
        return self.scopes.pop()

    def qualify_local(self, name: str) -> str:
        """The qualified name a definition called `name` gets in the current scope."""
        outer = [s.name for s in self.scopes[1:]]
        return ".".join([self.module_name, *outer, name]) if self.module_name else name

    def enclosing_class(self) -> Scope | None:
        """The class whose method body we are in (for `self.x`)."""
        for i in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[i]
            if scope.kind == "class":
                return scope
            if scope.kind == "function" and i > 0 and self.scopes[i - 1].kind == "class":
                return self.scopes[i - 1]
        return None

    # --- binding ----------------------------------------------------------------------
    def bind(self, name: str, value: Binding) -> None:
        self.current.bindings[name] = _rebound(self.current.bindings.get(name), value)

    def bind_self_attr(self, attr: str, value: Binding) -> None:
        cls = self.enclosing_class()
        if cls is not None:
            cls.self_attrs[attr] = _rebound(cls.self_attrs.get(attr), value)

    def bind_path(self, target: cst.Attribute, value: Binding) -> None:
        """`request.state.db = SessionLocal()`: the dotted path holds that instance in this
        scope, until it is bound again."""
        path = dotted(target)
        if path is not None:
            held = value if isinstance(value, Instance) else None
            self.paths_bound = self.paths_bound or held is not None
            self.bind(path, held)

    def bind_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, full)
            else:
                top = full.split(".", 1)[0]
                self.bind(top, top)

    def bind_import_from(self, node: cst.ImportFrom) -> None:
        base = self.absolute_module(node)
        if base is None or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            target = f"{base}.{name}" if base else name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, target)
            else:
                self.bind(name, target)

    def absolute_module(self, node: cst.ImportFrom) -> str | None:
        module = dotted(node.module) if node.module is not None else ""
        if module is None:
            return None
        level = len(node.relative)
        if level == 0:
            return module
        package = self.module_name.split(".") if self.module_name else []
        if not self.is_package:
            package = package[:-1]
        if level > 1:
            package = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
        return ".".join([*package, module] if module else package)

    # --- lookup -----------------------------------------------------------------------
    def lookup(self, name: str) -> Binding:
        innermost = len(self.scopes) - 1
        for i in range(innermost, -1, -1):
            scope = self.scopes[i]
            if scope.kind == "class" and i != innermost:
                continue  # class bodies do not enclose their methods
            if name in scope.bindings:
                return scope.bindings[name]
        if name in _BUILTINS:
            return f"builtins.{name}"
        return None

    def qualname(self, expr: cst.BaseExpression) -> str | None:
        """Qualified name of a Name/Attribute chain rooted in an import or alias."""
        if isinstance(expr, cst.Name):
            bound = self.lookup(expr.value)
            return bound if isinstance(bound, str) else None
        if isinstance(expr, cst.Attribute):
            base = self.qualname(expr.value)
            return f"{base}.{expr.attr.value}" if base is not None else None
        return None

    def instance(self, expr: cst.BaseExpression) -> Instance | None:
        """The instance an expression holds: a tracked name, `self.attr`, or an inline call;
        through the project's values, a client another module builds or hands out."""
        if isinstance(expr, cst.Name):
            bound = self.lookup(expr.value)
            if isinstance(bound, str):
                return self._imported(bound)
            return self._through(bound) if isinstance(bound, Instance) else None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            if self.paths_bound:
                bound = self.lookup(f"{expr.value.value}.{expr.attr.value}")
                if isinstance(bound, Instance):
                    return self._through(bound)
            if expr.value.value in ("self", "cls"):
                cls = self.enclosing_class()
                if cls is not None:
                    name = expr.attr.value
                    bound = cls.self_attrs.get(name, cls.bindings.get(name))
                    return self._through(bound) if isinstance(bound, Instance) else None
            owner = self.qualname(expr.value)
            scope = self.class_scopes.get(owner) if owner is not None else None
            if scope is not None:  # `Trade.session`: a class attribute of this module
                bound = scope.bindings.get(expr.attr.value)
                return self._through(bound) if isinstance(bound, Instance) else None
            qual = self.qualname(expr)
            return self._imported(qual) if qual is not None else None
        if isinstance(expr, cst.Attribute):
            path = dotted(expr) if self.paths_bound else None
            bound = self.lookup(path) if path is not None else None
            return self._through(bound) if isinstance(bound, Instance) else None
        if isinstance(expr, cst.Call):
            ctor = self.qualname(expr.func)
            returned = self.returned(expr.func) if ctor is None else None
            if returned is not None:
                return Instance(returned, expr, "inline")
            if ctor is None and isinstance(expr.func, cst.Name) and self.values:
                ctor = f"{self.module_name}.{expr.func.value}"  # a lambda of this module
                return (
                    self._through(Instance(ctor, expr, "inline")) if ctor in self.values else None
                )
            if ctor is not None:
                return self._through(Instance(ctor, expr, "inline"))
        return None

    def returned(self, func: cst.BaseExpression) -> str | None:
        """What calling `func` returns when `func` is not a name but an instance or its
        method, named after it: `SessionLocal()` → "sqlalchemy.orm.sessionmaker()",
        `conn.getresponse()` → "http.client.HTTPSConnection.getresponse()"; only the results
        in `objects` (what the knowledge describes), anything else stays unknown."""
        if not self.objects:
            return None
        held = self.instance(func)
        if held is not None:
            name = f"{held.ctor}()"
        elif isinstance(func, cst.Attribute) and (owner := self.instance(func.value)) is not None:
            name = f"{owner.ctor}.{func.attr.value}()"
        else:
            return None
        return name if name in self.objects else None

    def _imported(self, qual: str) -> Instance | None:
        """A module-level client of another module, imported by name, or a library's own
        module-level object (`fastapi_sqlalchemy.db.session`)."""
        if qual in self.objects:
            return Instance(qual, None, "module")
        value = self.values.get(qual)
        if value is None or value.factory:
            return None
        return Instance(value.ctor, None, "project", value.name)

    def _through(self, held: Instance) -> Instance:
        """What a call of another module's factory returns: its client, built there; and what
        an annotation naming another module's type alias (`SessionType`) means."""
        value = self.values.get(held.ctor) if self.values else None
        if value is None or not (value.factory or held.via == "annotation"):
            return held
        return Instance(value.ctor, None, "project", value.name)

    def names_value(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` (`clients.http`) is a client another module builds, by its name."""
        if not self.values or not isinstance(expr, cst.Attribute):
            return False
        qual = self.qualname(expr)
        return qual is not None and qual in self.values

    def value_rooted(self, qual: str) -> ClientValue | None:
        """The project value `qual` (`app.clients.http.get`) is a member of, if any."""
        if not self.values:
            return None
        parts = qual.split(".")
        for i in range(len(parts) - 1, 0, -1):
            found = self.values.get(".".join(parts[:i]))
            if found is not None:
                return found
        return None

    def bases_of(self, qualname: str) -> tuple[str, ...]:
        """`qualname` and every base class known for it in this module, nearest first."""
        seen: list[str] = []
        todo = [qualname]
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.append(current)
            todo.extend(self.class_bases.get(current, ()))
        return tuple(seen)
