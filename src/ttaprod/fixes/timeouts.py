"""TTP101 (safe): a timeout where there is none.

The flagged call or client constructor gets the library's timeout keyword with
`fix-timeout` seconds (`timeout=10`); `timeout=None` becomes that value. requests calls take
`fix-requests-timeout` as a `(connect, read)` pair when it is set; aiohttp wants a
`ClientTimeout(total=…)`. What keyword each call and client takes is the outbound table's
(`rules/knowledge/outbound.toml`), the value's shape `rules/knowledge/fixes.toml`. A call with
`**kwargs` (which may carry a timeout already) or handed to a thread pool is left alone.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.outbound import (
    Deferred,
    Factories,
    OutboundCall,
    classify,
    construction,
    scope_qualname,
)
from ..analysis.outbound.values import find_arg, is_none
from ..models import Finding
from .kit import ADD, Builder, Decline, Edit, FindingFix, append_args, keyword
from .settings import data, number
from .walk import Family, FileKit


class Timeouts(Family):
    codes = ("TTP101",)
    nodes = (cst.Call,)

    def __init__(self, kit: FileKit) -> None:
        super().__init__(kit)
        self.factories = Factories()
        self.functions: list[str] = []
        self.deferred: list[tuple[Deferred, Finding, cst.Call]] = []

    # factories: `make_session().get(url)` resolves once the module is read
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qual = scope_qualname(self.ctx.names)
        self.functions.append(qual)
        self.factories.note_function(self.ctx, node, qual)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        self.factories.note_return(self.ctx, node, self.functions[-1] if self.functions else None)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        assert isinstance(node, cst.Call)
        if any(a.star == "**" for a in node.args):
            raise Decline("the call passes **kwargs, which may set a timeout already")
        out = classify(self.ctx, node)
        if isinstance(out, Deferred):
            self.deferred.append((out, finding, node))
            return
        if isinstance(out, OutboundCall):
            if out.through:
                raise Decline(f"the call runs through {out.through}: set the timeout inside")
            self._fix(finding, node, out.library.id, out.timeout_keyword, out.timeout_position)
            return
        client = construction(self.ctx, node)
        if client is None:
            raise Decline("not a call or client ttaprod knows the timeout keyword of")
        spec = client.spec
        self._fix(finding, node, spec.library.id, spec.timeout_keyword, spec.timeout_position)

    def finish(self) -> None:
        for deferred, finding, node in self.deferred:
            out = self.factories.resolve(self.ctx.names, deferred)
            if out is None:
                self.kit.decline(finding, "the client this call goes through is not known")
                continue
            self._fix(finding, node, out.library.id, out.timeout_keyword, out.timeout_position)

    def _fix(
        self,
        finding: Finding,
        call: cst.Call,
        library: str,
        name: str | None,
        position: int | None,
    ) -> None:
        if name is None:
            raise Decline("this call takes no timeout keyword: set it on its client")
        given = find_arg(call.args, name, position)
        if given.value is not None and not is_none(given.value):
            raise Decline(f"`{name}=` is set already, to something ttaprod cannot judge")
        builder = self.kit.builder()
        text = self._value(library, builder)
        value = cst.parse_expression(text)
        if given.value is None:
            edit = Edit(call, lambda n: append_args(_call(n), [keyword(name, value)]), ADD)
            what = f"add `{name}={text}`"
        else:
            index = next(i for i, a in enumerate(call.args) if a.value is given.value)
            edit = Edit(call, lambda n: _replace_value(_call(n), index, value), ADD)
            what = f"replace `{name}=None` with `{name}={text}`"
        fix = FindingFix(finding, what, self.safe(finding), [edit], builder.needs)
        self.kit.add(fix)

    def _value(self, library: str, builder: Builder) -> str:
        settings = self.kit.settings
        table = data()["timeouts"]
        seconds = number(settings.timeout)
        if settings.requests_timeout is not None and library in table["pair_libraries"]:
            connect, read = settings.requests_timeout
            return f"({number(connect)}, {number(read)})"
        for row in table["values"]:
            if row["library"] == library:
                return str(builder.fill(row["value"], seconds=seconds))
        return seconds


def _call(node: cst.CSTNode) -> cst.Call:
    assert isinstance(node, cst.Call)
    return node


def _replace_value(call: cst.Call, index: int, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    args[index] = args[index].with_changes(value=value)
    return call.with_changes(args=args)
