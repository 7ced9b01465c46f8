"""Log calls: TTP204 (safe) lazy arguments instead of a formatted message, TTP113 (safe) the
traceback attached in an except block.

TTP204, by library (the same output, formatted only when the level is on):

    logger.info(f"user {uid} in {t:.2f}s")   →  logger.info("user %s in %.2fs", uid, t)
    logger.warning("slow %s" % doc_id)        →  logger.warning("slow %s", doc_id)
    logging.error("failed {}".format(x))      →  logging.error("failed %s", x)
    logger.debug("n: " + str(n))              →  logger.debug("n: %s", n)
    loguru: logger.info(f"done {doc}")        →  logger.info("done {}", doc)

structlog takes fields rather than text (`log.info(f"started {doc_id}")` →
`log.info("started", doc_id=doc_id)`): the event's text changes, so that fix is unsafe. A
format spec with no %-equivalent (`{x:>10}`), `{x=}`, or values reached through `*args`
leave the call alone.

TTP113: `logger.error(...)` → `logger.exception(...)`; other levels get `exc_info=True`
(loguru: `logger.opt(exception=True).warning(...)`).
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from .. import knowledge
from ..analysis.logcalls import LogCall, LogCalls
from ..models import Finding
from .kit import (
    ADD,
    RENAME,
    REWRITE,
    Decline,
    Edit,
    FindingFix,
    append_args,
    keyword,
    positional,
    replace_arg,
)
from .settings import data
from .walk import Family, FileKit


@dataclass(frozen=True)
class Hole:
    value: cst.BaseExpression
    conversion: str | None = None  # "r", "s", "a"
    spec: str = ""


Part = str | Hole


# --- reading a formatted message into text and holes ----------------------------------------
def _literal(node: cst.SimpleString) -> str:
    value = ast.literal_eval(node.value)
    if not isinstance(value, str):
        raise Decline("a bytes message")
    return value


def _fstring(node: cst.FormattedString) -> list[Part]:
    if "b" in node.prefix.lower():
        raise Decline("a bytes message")
    raw = "r" in node.prefix.lower()
    quote = node.start[len(node.prefix) :]
    parts: list[Part] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            text = ast.literal_eval(("r" if raw else "") + quote + part.value + quote)
            parts.append(text.replace("{{", "{").replace("}}", "}"))
            continue
        assert isinstance(part, cst.FormattedStringExpression)
        if part.equal is not None:
            raise Decline("a self-documenting `{x=}`")
        spec = ""
        if part.format_spec:
            if not all(isinstance(p, cst.FormattedStringText) for p in part.format_spec):
                raise Decline("a computed format spec")
            spec = "".join(
                p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText)
            )
        parts.append(Hole(part.expression, part.conversion, spec))
    return parts


def _string(node: cst.BaseExpression) -> list[Part] | None:
    if isinstance(node, cst.SimpleString):
        return [_literal(node)]
    if isinstance(node, cst.FormattedString):
        return _fstring(node)
    if isinstance(node, cst.ConcatenatedString):
        left, right = _string(node.left), _string(node.right)
        return None if left is None or right is None else [*left, *right]
    return None


def _str_call(ctx_qual: str | None, node: cst.Call) -> bool:
    return (
        ctx_qual == "builtins.str"
        and len(node.args) == 1
        and not node.args[0].keyword
        and not node.args[0].star
    )


def _concatenation(
    node: cst.BinaryOperation, qualname: Callable[[cst.BaseExpression], str | None]
) -> list[Part]:
    operands: list[cst.BaseExpression] = []
    todo: list[cst.BaseExpression] = [node]
    while todo:
        current = todo.pop()
        if (
            isinstance(current, cst.BinaryOperation)
            and isinstance(current.operator, cst.Add)
            and not current.lpar
        ):
            todo.extend([current.right, current.left])
        else:
            operands.append(current)
    parts: list[Part] = []
    for operand in operands:
        text = _string(operand)
        if text is not None:
            parts.extend(text)
        elif isinstance(operand, cst.Call) and _str_call(qualname(operand.func), operand):
            parts.append(Hole(operand.args[0].value))
        else:
            parts.append(Hole(operand))
    return parts


def _format_call(node: cst.Call) -> list[Part]:
    assert isinstance(node.func, cst.Attribute)
    template = node.func.value
    if not isinstance(template, cst.SimpleString):
        raise Decline("a template that is not a literal")
    text = _literal(template)
    positional_args = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if any(a.star for a in node.args):
        raise Decline("values passed through *args or **kwargs")
    parts: list[Part] = []
    auto = 0
    for literal, field_name, spec, conversion in string.Formatter().parse(text):
        if literal:
            parts.append(literal)
        if field_name is None:
            continue
        if field_name == "":
            index: int | str = auto
            auto += 1
        elif field_name.isdigit():
            index = int(field_name)
        elif field_name.isidentifier():
            index = field_name
        else:
            raise Decline(f"a field `{field_name}` that reads into its value")
        if spec and ("{" in spec):
            raise Decline("a nested format spec")
        if isinstance(index, int):
            if index >= len(positional_args):
                raise Decline("a field without its value")
            value = positional_args[index]
        elif index in keywords:
            value = keywords[index]
        else:
            raise Decline("a field without its value")
        parts.append(Hole(value, conversion, spec or ""))
    return parts


_PERCENT = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)


def _placeholders(template: str) -> tuple[int, bool]:
    """(how many %-placeholders, whether any is named `%(key)s`)."""
    found = [m.group(0) for m in _PERCENT.finditer(template) if m.group(0) != "%%"]
    return len(found), any(f.startswith("%(") for f in found)


# --- writing it back -------------------------------------------------------------------------
_SPEC = re.compile(r"^(?P<flags>[#0+ ]*)(?P<width>\d*)(?P<precision>\.\d+)?(?P<type>[dfFeEgGxXo])$")


def _percent(hole: Hole) -> str:
    if hole.spec:
        if hole.conversion is not None or not _SPEC.match(hole.spec):
            raise Decline(f"the format spec `{hole.spec}` has no %-style equal")
        return "%" + hole.spec
    return "%" + (hole.conversion or "s")


def _braces(hole: Hole) -> str:
    conversion = f"!{hole.conversion}" if hole.conversion else ""
    spec = f":{hole.spec}" if hole.spec else ""
    return "{" + conversion + spec + "}"


def python_string(text: str, quote: str = '"') -> str:
    out = [quote]
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out)


def _quote_of(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        return node.quote[0]
    if isinstance(node, cst.FormattedString):
        return node.start[len(node.prefix) :][0]
    if isinstance(node, cst.ConcatenatedString):
        return _quote_of(node.left)
    if isinstance(node, cst.BinaryOperation):
        return _quote_of(node.left)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return _quote_of(node.func.value)
    return '"'


def _styles() -> dict[str, str]:
    return {row["library"]: row["style"] for row in data()["logging"]}


@dataclass
class _Lazy:
    template: str
    args: list[cst.BaseExpression]
    fields: list[tuple[str, cst.BaseExpression]]
    safe: bool


def lazy(parts: list[Part], style: str) -> _Lazy:
    holes = [p for p in parts if isinstance(p, Hole)]
    if style == "percent":
        text = "".join(p.replace("%", "%%") if isinstance(p, str) else _percent(p) for p in parts)
        return _Lazy(text, [h.value for h in holes], [], True)
    if style == "braces":
        text = "".join(
            p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else _braces(p)
            for p in parts
        )
        return _Lazy(text, [h.value for h in holes], [], True)
    fields: list[tuple[str, cst.BaseExpression]] = []
    for hole in holes:
        value = hole.value
        if hole.conversion or hole.spec or not isinstance(value, (cst.Name, cst.Attribute)):
            raise Decline("a value without a field name to give it")
        name = value.value if isinstance(value, cst.Name) else value.attr.value
        if name in (f for f, _ in fields) or name == "event":
            raise Decline(f"two values would share the field `{name}`")
        fields.append((name, value))
    event = " ".join("".join(p for p in parts if isinstance(p, str)).split()).strip(" :=-,")
    if not event:
        raise Decline("no event text left once the values are fields")
    return _Lazy(event, [], fields, False)


# --- the families ---------------------------------------------------------------------------
class _LogFamily(Family):
    def __init__(self, kit: FileKit) -> None:
        super().__init__(kit)
        self.calls = LogCalls(self.ctx)

    def leave_Assign(self, node: cst.Assign) -> None:
        self.calls.leave_Assign(node)

    def log_call(self, node: cst.Call) -> LogCall:
        found = self.calls.log_call(node)
        if found is None:
            names = frozenset(knowledge.table("error_logging")["logger_names"])
            found = self.calls.guessed_log_call(node, names)
        if found is None:
            raise Decline("not a log call ttaprod knows")
        return found


class LogMessages(_LogFamily):
    codes = ("TTP204",)
    nodes = (cst.Call,)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        assert isinstance(node, cst.Call)
        found = self.log_call(node)
        lib = found.library
        index = lib.message_index + (1 if found.method in lib.level_first else 0)
        plain = [i for i, a in enumerate(node.args) if a.keyword is None]
        if any(a.star for a in node.args[: index + 1]) or len(plain) <= index:
            raise Decline("the message is not a positional argument")
        at = plain[index]
        message = node.args[at].value
        extra = [a for a in node.args[at + 1 :] if a.keyword is None]
        style = _styles().get(lib.name)
        if style is None:
            raise Decline(f"ttaprod does not know how {lib.name} takes arguments")
        parts, ready = self._parts(message, style)
        if extra:
            raise Decline("the call passes arguments already")
        result = ready if ready is not None else lazy(parts, style)
        taken = {a.keyword.value for a in node.args if a.keyword is not None}
        if any(name in taken for name, _ in result.fields):
            raise Decline("a field would repeat a keyword of the call")
        quote = _quote_of(message)
        new_message = cst.parse_expression(python_string(result.template, quote))
        values = [positional(v) for v in result.args]
        fields = [keyword(name, value) for name, value in result.fields]

        def change(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            call = replace_arg(updated, at, [positional(new_message), *values])
            return append_args(call, fields)

        if result.fields:
            what = "log an event with its values as fields: " + ", ".join(
                n for n, _ in result.fields
            )
        else:
            what = "pass the values as arguments of the log call instead of formatting the message"
        safe = self.safe(finding) and result.safe
        self.kit.add(FindingFix(finding, what, safe, [Edit(node, change, REWRITE)]))

    def _parts(self, message: cst.BaseExpression, style: str) -> tuple[list[Part], _Lazy | None]:
        if isinstance(message, (cst.FormattedString, cst.ConcatenatedString)):
            parts = _string(message)
            if parts is None:
                raise Decline("a message ttaprod cannot read")
            return parts, None
        if isinstance(message, cst.BinaryOperation) and isinstance(message.operator, cst.Modulo):
            if style != "percent" or not isinstance(message.left, cst.SimpleString):
                raise Decline("a %-formatted message for a logger without %-arguments")
            template = _literal(message.left)
            count, named = _placeholders(template)
            right = message.right
            if isinstance(right, cst.Tuple) and not named:
                if any(isinstance(e, cst.StarredElement) for e in right.elements):
                    raise Decline("values passed through *args")
                values = [e.value for e in right.elements]
            elif count == 1 or named:
                values = [right]
            else:
                raise Decline("cannot tell how many values the right-hand side holds")
            return [], _Lazy(template, values, [], True)
        if isinstance(message, cst.BinaryOperation) and isinstance(message.operator, cst.Add):
            return _concatenation(message, self.ctx.qualname), None
        if (
            isinstance(message, cst.Call)
            and isinstance(message.func, cst.Attribute)
            and message.func.attr.value == "format"
        ):
            return _format_call(message), None
        raise Decline("a message ttaprod cannot read")


class ExcInfo(_LogFamily):
    codes = ("TTP113",)
    nodes = (cst.Call,)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        assert isinstance(node, cst.Call)
        found = self.log_call(node)
        table = data()["exc_info"]
        func = node.func
        flag = table["keyword"]
        given = next((a for a in node.args if a.keyword and a.keyword.value == flag), None)
        renamed = table["rename"].get(found.method)
        safe = self.safe(finding)
        if renamed and given is None and isinstance(func, cst.Attribute):
            edit = Edit(node, lambda n: _rename(n, renamed), RENAME)
            what = f"use `.{renamed}()`: it logs the traceback"
        elif found.library.name == "loguru":
            if not isinstance(func, cst.Attribute):
                raise Decline("a loguru call ttaprod cannot rewrite")
            option = cst.parse_expression("_." + table["loguru_option"])
            assert isinstance(option, cst.Call)
            edit = Edit(node, lambda n: _with_option(n, option), RENAME)
            what = f"log through `.{table['loguru_option']}`"
        else:
            true = cst.Name("True")
            edit = Edit(node, lambda n: _flagged(n, flag, true), ADD)
            what = f"pass `{flag}=True`"
        self.kit.add(FindingFix(finding, what, safe, [edit]))


def _rename(node: cst.CSTNode, name: str) -> cst.CSTNode:
    assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
    return node.with_changes(func=node.func.with_changes(attr=cst.Name(name)))


def _with_option(node: cst.CSTNode, option: cst.Call) -> cst.CSTNode:
    """`logger.warning(...)` → `logger.opt(exception=True).warning(...)`."""
    assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
    assert isinstance(option.func, cst.Attribute)
    receiver = node.func.value
    opt = option.with_changes(func=option.func.with_changes(value=receiver))
    return node.with_changes(func=node.func.with_changes(value=opt))


def _flagged(node: cst.CSTNode, flag: str, value: cst.BaseExpression) -> cst.CSTNode:
    assert isinstance(node, cst.Call)
    args = list(node.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == flag:
            args[i] = arg.with_changes(value=value)
            return node.with_changes(args=args)
    return append_args(node, [keyword(flag, value)])
