"""Feeds the name table during the walk: imports, definitions, assignments, `with … as`."""

from __future__ import annotations

import libcst as cst

from .context import FileContext
from .names import Binding, Instance, NameTable


def value_binding(names: NameTable, value: cst.BaseExpression | None) -> Binding:
    """What a name bound to `value` holds: an alias, an instance, or unknown."""
    if value is None:
        return None
    if isinstance(value, cst.Await):
        value = value.expression
    if isinstance(value, cst.Call):
        ctor = names.qualname(value.func) or names.returned(value.func)
        return Instance(ctor, value, "assign") if ctor is not None else None
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Divide):
        held = names.instance(value.left)  # `Path(root) / "x"` is a Path
        return Instance(held.ctor, None, "assign") if held is not None else None
    if isinstance(value, (cst.Name, cst.Attribute)):
        held = names.instance(value)
        if held is not None:
            return held
        return names.qualname(value)
    return None


# modules whose subscripted types wrap the value (Optional[X], Iterator[X], list[X]): the
# annotation means X; any other subscript is a generic class and means that class
_WRAPPERS = frozenset({"typing", "typing_extensions", "collections", "builtins", ""})


def annotation_binding(names: NameTable, annotation: cst.Annotation | None) -> Binding:
    if annotation is None:
        return None
    expr = annotation.annotation
    if isinstance(expr, cst.Subscript):
        wrapper = names.qualname(expr.value) or ""
        inner = expr.slice[0].slice if expr.slice else None
        if wrapper.split(".", 1)[0] not in _WRAPPERS:
            expr = expr.value  # a generic class: `RepositoryGeneric[Recipe]` is the repository
        elif isinstance(inner, cst.Index):  # Optional[httpx.Client], Iterator[Session]
            expr = inner.value
    if isinstance(expr, cst.BinaryOperation):  # httpx.Client | None
        expr = expr.left
    if isinstance(expr, cst.SimpleString):  # a forward reference: `rpc: "RPC"`
        expr = _forward_reference(expr)
    ctor = names.qualname(expr) if expr is not None else None
    return Instance(ctor, None, "annotation") if ctor is not None else None


def _forward_reference(string: cst.SimpleString) -> cst.BaseExpression | None:
    """The dotted name a string annotation holds ("RPC", "app.bot.Bot"), else None."""
    text = string.evaluated_value
    if not isinstance(text, str) or not all(p.isidentifier() for p in text.split(".")):
        return None
    parts = text.split(".")
    expr: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(expr, cst.Name(part))
    return expr


def _injected(names: NameTable, default: cst.Call) -> Instance | None:
    """`session=Depends(generate_session)` (`NameTable.injectors`): the framework passes what
    the dependency returns (or yields). Followed only to a value another module hands out
    (`engine/values.py`), whose type its definition shows; anything else stays unknown."""
    if names.qualname(default.func) not in names.injectors:
        return None
    dependency = next(
        (a.value for a in default.args if a.keyword is None or a.keyword.value == "dependency"),
        None,
    )
    if dependency is None or names.qualname(dependency) is None:
        return None
    held = names.instance(cst.Call(func=dependency))
    return held if held is not None and held.via == "project" else None


def _bind_target(names: NameTable, target: cst.BaseExpression, value: Binding) -> None:
    if isinstance(target, cst.Name):
        names.bind(target.value, value)
    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        if target.value.value in ("self", "cls"):
            names.bind_self_attr(target.attr.value, value)
        else:
            names.bind_path(target, value)
    elif isinstance(target, cst.Attribute):
        names.bind_path(target, value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(names, element.value, None)
    elif isinstance(target, cst.StarredElement):
        _bind_target(names, target.value, None)


def _class_bases(names: NameTable, node: cst.ClassDef) -> tuple[str, ...]:
    """The bases' qualified names; a generic base counts as its class (`Repo[Recipe]`)."""
    exprs = (arg.value for arg in node.bases if arg.keyword is None)
    bases = (names.qualname(e.value if isinstance(e, cst.Subscript) else e) for e in exprs)
    return tuple(b for b in bases if b is not None)


def prebind_module(names: NameTable, module: cst.Module) -> None:
    """Bind module-level names before the walk, so functions see what is defined below them."""
    for statement in module.body:
        for node in _top_level_nodes(statement):
            if isinstance(node, cst.Import):
                names.bind_import(node)
            elif isinstance(node, cst.ImportFrom):
                names.bind_import_from(node)
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                qual = names.qualify_local(node.name.value)
                names.bind(node.name.value, qual)
                if isinstance(node, cst.ClassDef):
                    names.class_bases[qual] = _class_bases(names, node)
            elif isinstance(node, cst.Assign):
                for target in node.targets:
                    _bind_target(names, target.target, value_binding(names, node.value))
            elif isinstance(node, cst.AnnAssign):
                binding = value_binding(names, node.value) or annotation_binding(
                    names, node.annotation
                )
                _bind_target(names, node.target, binding)


def _top_level_nodes(statement: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(statement, cst.SimpleStatementLine):
        return list(statement.body)
    if isinstance(statement, (cst.If, cst.Try)):
        out: list[cst.CSTNode] = []
        blocks = [statement.body]
        if isinstance(statement, cst.Try):
            blocks += [h.body for h in statement.handlers]
        elif isinstance(statement.orelse, cst.Else):
            blocks.append(statement.orelse.body)
        for block in blocks:
            if isinstance(block, cst.IndentedBlock):
                for inner in block.body:
                    out.extend(_top_level_nodes(inner))
        return out
    return [statement]


class Binder:
    """Visited before and left after every detector, so detectors see current bindings."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.names = ctx.names

    def visit_Import(self, node: cst.Import) -> None:
        self.names.bind_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.names.bind_import_from(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.bind(node.name.value, self.names.qualify_local(node.name.value))
        self.names.push("function", node.name.value)
        self.ctx.functions.append(node)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            binding = annotation_binding(self.names, param.annotation)
            if binding is None and isinstance(param.default, cst.Call):
                binding = _injected(self.names, param.default)
            self.names.bind(param.name.value, binding)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.names.bind(star.name.value, None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.pop()
        self.ctx.functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qual = self.names.qualify_local(node.name.value)
        self.names.bind(node.name.value, qual)
        self.names.class_bases[qual] = _class_bases(self.names, node)
        self.names.class_scopes[qual] = self.names.push("class", node.name.value)
        self.ctx.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.pop()
        self.ctx.classes.pop()

    def leave_Assign(self, node: cst.Assign) -> None:
        binding = value_binding(self.names, node.value)
        for target in node.targets:
            _bind_target(self.names, target.target, binding)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        binding = value_binding(self.names, node.value) if node.value is not None else None
        if binding is None:
            binding = annotation_binding(self.names, node.annotation)
        _bind_target(self.names, node.target, binding)

    def leave_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            binding = value_binding(self.names, node.item)
            if isinstance(binding, Instance):
                binding.via = "with"
            _bind_target(self.names, node.asname.name, binding)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        _bind_target(self.names, node.target, value_binding(self.names, node.value))

    def visit_For(self, node: cst.For) -> None:
        _bind_target(self.names, node.target, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            _bind_target(self.names, node.name.name, None)
