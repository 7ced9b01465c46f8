"""What a URL expression says about where a request goes, from the literal text it is built of.

    constants = Constants()              # fed by the walk: module, class and local bindings
    constants.bind(scope_key, name, expr)
    text = url_text(expr, constants, scopes, qualname)   # "https://api.acme.io/v1/{}" or None

The text keeps every literal part of the URL and replaces what cannot be known with `{}`:
`f"{self.BASE_URL}/orders/{oid}"` with `BASE_URL = "https://api.acme.io"` on the class is
`https://api.acme.io/orders/{}`; `"{}/search".format(base)` is `{}/search`. A name bound once
in the function, the class or the module is followed (a few steps deep); anything else is `{}`.
`base(expr, ...)` names what the URL starts with when its text does not (`settings.API_URL`,
`self.base_url`): two URLs built on one base go to one system.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

UNKNOWN = "{}"
_DEPTH = 6


@dataclass
class Constants:
    """Names bound once to an expression, per scope (a qualified name: the module, a class,
    a function). A name bound twice in one scope is not followed."""

    by_scope: dict[str, dict[str, cst.BaseExpression | None]] = field(default_factory=dict)

    def bind(self, scope: str, name: str, value: cst.BaseExpression) -> None:
        names = self.by_scope.setdefault(scope, {})
        names[name] = None if name in names else value

    def get(self, scope: str, name: str) -> cst.BaseExpression | None:
        return self.by_scope.get(scope, {}).get(name)


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left = _literal(node.left) if isinstance(node.left, cst.BaseExpression) else None
        right = _literal(node.right) if isinstance(node.right, cst.BaseExpression) else None
        return None if left is None or right is None else left + right
    return None


@dataclass(frozen=True)
class Lookup:
    """Where names are looked up: the function's scope, then its class, then the module."""

    constants: Constants
    function: str  # qualified name of the enclosing function ("" at module level)
    owner: str  # qualified name of the enclosing class ("")
    module: str
    qualname: Callable[[cst.BaseExpression], str | None]

    def name(self, name: str) -> cst.BaseExpression | None:
        for scope in (self.function, self.owner, self.module):
            if scope:
                found = self.constants.get(scope, name)
                if found is not None:
                    return found
        return None

    def attribute(self, node: cst.Attribute) -> cst.BaseExpression | None:
        """`self.X` / `cls.X` / `Class.X` bound in the class body or `self.X = …` once."""
        receiver = node.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls") and self.owner:
            return self.constants.get(self.owner, node.attr.value)
        owner = self.qualname(receiver)
        if owner is not None:
            return self.constants.get(owner, node.attr.value)
        return None


def url_text(expr: cst.BaseExpression, lookup: Lookup, depth: int = 0) -> str:
    """The URL's literal text with `{}` for every part that cannot be known."""
    if depth > _DEPTH:
        return UNKNOWN
    literal = _literal(expr)
    if literal is not None:
        return literal
    if isinstance(expr, cst.FormattedString):
        parts: list[str] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                parts.append(url_text(part.expression, lookup, depth + 1))
        return "".join(parts)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return url_text(expr.left, lookup, depth + 1) + url_text(expr.right, lookup, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        template = _literal(expr.left)
        return _fill(template) if template is not None else UNKNOWN
    func = expr.func if isinstance(expr, cst.Call) else None
    if isinstance(func, cst.Attribute) and func.attr.value == "format":
        template = _literal(func.value)
        return _fill(template) if template is not None else UNKNOWN
    if isinstance(expr, cst.Name):
        bound = lookup.name(expr.value)
        return url_text(bound, lookup, depth + 1) if bound is not None else UNKNOWN
    if isinstance(expr, cst.Attribute):
        bound = lookup.attribute(expr)
        return url_text(bound, lookup, depth + 1) if bound is not None else UNKNOWN
    return UNKNOWN


def _fill(template: str) -> str:
    """`"{}/search".format(x)` / `"%s/search" % x`: the fields are unknown."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{":
            end = template.find("}", i)
            if end < 0:
                break
            out.append(UNKNOWN)
            i = end + 1
            continue
        if ch == "%" and i + 1 < len(template):
            out.append(UNKNOWN)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def base(expr: cst.BaseExpression, lookup: Lookup, depth: int = 0) -> str:
    """What an URL whose text starts unknown is built on: the resolved name of its first part
    (`settings.API_URL`, `self.base_url` as `Class.base_url`), or ""."""
    if depth > _DEPTH:
        return ""
    first: cst.BaseExpression | None = None
    if isinstance(expr, (cst.Name, cst.Attribute)):
        first = expr
    elif isinstance(expr, cst.FormattedString) and expr.parts:
        part = expr.parts[0]
        first = part.expression if isinstance(part, cst.FormattedStringExpression) else None
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        first = expr.left
    elif isinstance(expr, cst.Call) and expr.args:
        # "{}/x".format(base_url), urljoin(base_url, path): the base is the first argument
        func = expr.func
        formats = isinstance(func, cst.Attribute) and func.attr.value == "format"
        if formats or (lookup.qualname(func) or "").endswith(".urljoin"):
            first = expr.args[0].value
    if first is None:
        return ""
    if isinstance(first, cst.Name):
        bound = lookup.name(first.value)
        if bound is not None:
            return base(bound, lookup, depth + 1)
        return lookup.qualname(first) or ""
    if isinstance(first, cst.Attribute):
        bound = lookup.attribute(first)
        if bound is not None:
            return base(bound, lookup, depth + 1)
        receiver = first.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls") and lookup.owner:
            return f"{lookup.owner}.{first.attr.value}"
        return lookup.qualname(first) or ""
    return ""


def path_words(text: str) -> Sequence[str]:
    """The lower-case words of a URL's path (after the host), split on `/ . ? & = -`."""
    rest = text
    if "://" in rest:
        rest = rest.split("://", 1)[1]
        rest = rest.partition("/")[2]
    words: list[str] = []
    word = ""
    for ch in rest.lower():
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word:
                words.append(word)
            word = ""
    if word:
        words.append(word)
    return words


def host(text: str) -> str:
    """The host of an absolute URL whose host is literal, else ""."""
    if "://" not in text:
        return ""
    rest = text.split("://", 1)[1]
    end = len(rest)
    for sep in "/?#":
        found = rest.find(sep)
        if found >= 0:
            end = min(end, found)
    found = rest[:end]
    if UNKNOWN in found or not found:
        return ""
    return found.rpartition("@")[2].lower()
