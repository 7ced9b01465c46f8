"""The codemod kit every Python fix uses: edits on the original tree, references to names a fix
needs (adding the import only when it is missing), and argument lists changed without losing
their layout.

A fix never edits text. It says which node of the tree it read changes and how (`Edit`), which
names it uses (`Builder.ref`) and what it fixes (`FindingFix`); `render` applies the edits of
any set of fixes in one transformation and adds the imports they need (`imports.add`).
"""

from __future__ import annotations

import ast
import bisect
import difflib
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from ..engine.names import NameTable
from ..engine.walker import children
from ..models import Finding, Replacement
from . import files, imports

Change = Callable[
    [cst.CSTNode], "cst.CSTNode | cst.FlattenSentinel[cst.CSTNode] | cst.RemovalSentinel"
]

# Edits of one node run in this order: arguments removed, then added, then the call renamed
# or its message rewritten, and wrapping (await, to_thread) last.
REMOVE, ADD, REWRITE, RENAME, WRAP = 10, 20, 30, 40, 90


class Decline(Exception):
    """This finding has no safe automatic fix here; the message says why (shown to people)."""


@dataclass
class Edit:
    """A change of one node of the tree as parsed, run when the transformation leaves it."""

    node: cst.CSTNode
    change: Change
    order: int = REWRITE
    key: str = ""  # edits with the same node and key run once, however many findings share it


@dataclass
class FindingFix:
    """The automatic fix of one finding."""

    finding: Finding
    description: str
    safe: bool
    edits: list[Edit] = field(default_factory=list)  # Python files
    needs: list[imports.Need] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)  # other files: text edits
    env: tuple[str, ...] = ()  # environment variables the fixed code reads


_PLACEHOLDER = re.compile(r"\$\{(?:(import|from):)?([A-Za-z_][\w.]*)\}")


class Builder:
    """Writes the code of one fix at one place of the tree: names resolved as the walk sees
    them there, imports collected for the ones missing."""

    def __init__(self, names: NameTable, imported: imports.Imported) -> None:
        self.names = names
        self.imported = imported
        self.needs: list[imports.Need] = []

    def fill(self, template: str, **values: str) -> str:
        """`template` with `${import:q}` / `${from:q}` references and `${name}` values."""

        def one(match: re.Match[str]) -> str:
            style, name = match.group(1), match.group(2)
            if style is None:
                if name not in values:
                    raise Decline(f"template value `{name}` missing")  # a bug in fixes.toml
                return values[name]
            return self.ref(name, style)

        return _PLACEHOLDER.sub(one, template)

    def expression(self, template: str, **values: str) -> cst.BaseExpression:
        return cst.parse_expression(self.fill(template, **values))

    def ref(self, qual: str, style: str = "import") -> str:
        """How this place of the module names `qual`: through a binding it has, else through
        an import added for it (`import asyncio` → `asyncio.to_thread`, or `from tenacity
        import retry` → `retry`). Declines when the name it would bind is taken."""
        local = self._bound_to(qual)
        if local is not None:
            return local
        module, _, attr = qual.rpartition(".")
        if module:
            held = self._bound_to(module)
            if held is not None:
                return f"{held}.{attr}"
        if style == "import" and module and self._imports_from(module) and self._free(attr):
            style = "from"  # the module names what it takes from `module`: so does the fix
        if style == "from" and module:
            if self._free(attr):
                self.needs.append(imports.Need(module, attr))
                return attr
            raise Decline(f"`{attr}` is already a name in this module")
        target = module or qual
        top = target.split(".", 1)[0]
        if "." in target and target in self.imported.modules and self._is_module(top):
            return qual
        if self._free(top) or ("." in target and self._is_module(top)):
            self.needs.append(imports.Need(target, None))
            return qual
        raise Decline(f"`{top}` is already a name in this module")

    # --- names ----------------------------------------------------------------------------
    def _bound_to(self, qual: str) -> str | None:
        names = self.names
        innermost = len(names.scopes) - 1
        for i in range(innermost, -1, -1):
            scope = names.scopes[i]
            if scope.kind == "class" and i != innermost:
                continue
            for name, bound in scope.bindings.items():
                if bound == qual and names.lookup(name) == qual:
                    return name
        return None

    def _imports_from(self, module: str) -> bool:
        prefix = module + "."
        return any(
            isinstance(bound, str) and bound.startswith(prefix) and "." not in bound[len(prefix) :]
            for bound in self.names.scopes[0].bindings.values()
        ) and not any(bound == module for bound in self.names.scopes[0].bindings.values())

    def _free(self, name: str) -> bool:
        return self.names.lookup(name) is None and name not in self.names.scopes[0].bindings

    def _is_module(self, top: str) -> bool:
        return self.names.lookup(top) == top


# --- arguments ------------------------------------------------------------------------------
_SPACE = cst.SimpleWhitespace(" ")
_NONE = cst.SimpleWhitespace("")


def _separator(call: cst.Call) -> cst.Comma:
    """The comma between two arguments in this call's layout: one per line stays one per line."""
    args = call.args
    if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
        return args[-2].comma
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=call.whitespace_before_args)
    return cst.Comma(whitespace_after=_SPACE)


def append_args(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `new` arguments after the others, in their layout; what ends the list (a
    trailing comma, the newline before `)`) still ends it."""
    if not new:
        return call
    args = list(call.args)
    if not args:
        return call.with_changes(
            args=[*new[:-1], new[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        )
    last = args[-1]
    comma = _separator(call)
    args[-1] = last.with_changes(comma=comma, whitespace_after_arg=_NONE)
    added = [a.with_changes(comma=comma) for a in new[:-1]]
    added.append(
        new[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    )
    return call.with_changes(args=[*args, *added])


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=_NONE, whitespace_after=_NONE),
    )


def positional(value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value)


def remove_keywords(call: cst.Call, names: set[str]) -> cst.Call:
    """`call` without the keyword arguments `names`; the last one left takes over what ended
    the list (a trailing comma, the newline before `)`)."""
    args = list(call.args)
    kept = [a for a in args if a.keyword is None or a.keyword.value not in names]
    if len(kept) == len(args):
        return call
    if kept and args[-1] is not kept[-1]:
        end = args[-1]
        kept[-1] = kept[-1].with_changes(
            comma=end.comma, whitespace_after_arg=end.whitespace_after_arg
        )
    return call.with_changes(args=kept)


def replace_arg(call: cst.Call, index: int, new: Sequence[cst.Arg]) -> cst.Call:
    """`call` with argument `index` replaced by `new` (one or more)."""
    args = list(call.args)
    old = args[index]
    between = cst.Comma(whitespace_after=_SPACE)
    if (
        index < len(args) - 1
        and isinstance(old.comma, cst.Comma)
        and isinstance(old.comma.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        between = old.comma
    placed = [a.with_changes(comma=between, whitespace_after_arg=_NONE) for a in new[:-1]]
    placed.append(
        new[-1].with_changes(comma=old.comma, whitespace_after_arg=old.whitespace_after_arg)
    )
    return call.with_changes(args=[*args[:index], *placed, *args[index + 1 :]])


# --- statements -----------------------------------------------------------------------------
def statement(code: str, module: cst.Module) -> cst.BaseStatement:
    return cst.parse_statement(code + module.default_newline, config=module.config_for_parsing)


def remove_statement(block_size: int) -> Change:
    """Drop a simple statement line; a block it leaves empty gets `pass`."""

    def change(node: cst.CSTNode) -> cst.CSTNode | cst.RemovalSentinel:
        if block_size > 1:
            return cst.RemovalSentinel.REMOVE
        assert isinstance(node, cst.SimpleStatementLine)
        return node.with_changes(body=[cst.Pass()])

    return change


# --- rendering ------------------------------------------------------------------------------
class _Apply(cst.CSTTransformer):
    def __init__(self, edits: dict[int, list[Edit]]) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.FlattenSentinel[cst.CSTNode] | cst.RemovalSentinel:
        result: cst.CSTNode | cst.FlattenSentinel[cst.CSTNode] | cst.RemovalSentinel
        result = super().on_leave(original_node, updated_node)
        for edit in self.edits.get(id(original_node), ()):
            if not isinstance(result, cst.CSTNode):
                break
            result = edit.change(result)
        return result


def render(module: cst.Module, fixes: Sequence[FindingFix], first_party: frozenset[str]) -> str:
    """The module's code with the edits and imports of `fixes` applied."""
    edits: dict[int, list[Edit]] = {}
    seen: set[tuple[int, str]] = set()
    needs: list[imports.Need] = []
    for fix in fixes:
        for edit in fix.edits:
            mark = (id(edit.node), edit.key)
            if edit.key and mark in seen:
                continue
            seen.add(mark)
            edits.setdefault(id(edit.node), []).append(edit)
        needs.extend(n for n in fix.needs if n not in needs)
    for chain in edits.values():
        chain.sort(key=lambda e: e.order)
    changed = module.visit(_Apply(edits)) if edits else module
    return imports.add(changed, needs, first_party).code


class Statements:
    """Renders one fix at a time cheaply, for the reports: only the statement its edit is in
    is transformed and generated again, with the indentation of its block, and compared with
    what it was; the imports it needs are compared at the top of the module. A fix whose
    edits are in several statements is rendered with its top-level statements instead."""

    def __init__(self, module: cst.Module, text: str, first_party: frozenset[str]) -> None:
        self.module = module
        self.text = text
        self.first_party = first_party
        self.parents: dict[int, cst.CSTNode] = {}
        todo: list[cst.CSTNode] = [module]
        while todo:
            node = todo.pop()
            for child in children(node):
                self.parents[id(child)] = node
                todo.append(child)
        self.line_starts = [0]
        for line in text.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))

    def code(self, node: cst.CSTNode, indents: Sequence[str]) -> str:
        state = CodegenState(self.module.default_indent, self.module.default_newline)
        state.indent_tokens.extend(indents)
        node._codegen(state)
        return "".join(state.tokens)

    def _host(self, node: cst.CSTNode) -> tuple[cst.CSTNode, list[str]] | None:
        """The statement holding `node` (itself, if a statement) and its block indents."""
        host: cst.CSTNode | None = node
        while host is not None and not isinstance(
            host, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ):
            host = self.parents.get(id(host))
        if host is None:
            return None
        indents: list[str] = []
        up = self.parents.get(id(host))
        while up is not None:
            if isinstance(up, cst.IndentedBlock):
                indents.append(up.indent if up.indent is not None else self.module.default_indent)
            up = self.parents.get(id(up))
        return host, indents[::-1]

    def replacements(self, fix: FindingFix, line: int) -> list[Replacement] | None:
        """The replacements that apply `fix` alone (`line`: where its finding is); None when
        the result would not parse."""
        hosts = {id(h[0]): h for e in fix.edits if (h := self._host(e.node)) is not None}
        if len(hosts) != 1 or len(hosts) == 0:
            return None
        host, indents = next(iter(hosts.values()))
        edits: dict[int, list[Edit]] = {}
        for edit in fix.edits:
            edits.setdefault(id(edit.node), []).append(edit)
        for chain in edits.values():
            chain.sort(key=lambda e: e.order)
        before = self.code(host, indents)
        begin = self._locate(before, line)
        if begin is None:
            return None
        result = host.visit(_Apply(edits))
        nodes = (
            list(result.nodes)
            if isinstance(result, cst.FlattenSentinel)
            else []
            if isinstance(result, cst.RemovalSentinel)
            else [result]
        )
        after = "".join(self.code(n, indents) for n in nodes)
        try:
            ast.parse(textwrap.dedent(after) if after.strip() else "pass")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        first = bisect.bisect_right(self.line_starts, begin) - 1
        out = [
            Replacement(r.line + first, r.column, r.end_line + first, r.end_column, r.text)
            for r in files.replacements(before, after)
        ]
        if fix.needs:
            changed = imports.add(self.module, fix.needs, self.first_party)
            out.extend(self._top_level(changed.body, files.replacements))
        return out

    def _locate(self, code: str, line: int) -> int | None:
        """Where `code` stands in the file around `line` (its character offset)."""
        at = self.text.find(code)
        while at >= 0:
            first = bisect.bisect_right(self.line_starts, at) - 1
            if first + 1 <= line <= first + 1 + code.count("\n"):
                return at
            at = self.text.find(code, at + 1)
        return None

    def _top_level(
        self,
        body: Sequence[cst.BaseStatement],
        diff: Callable[[str, str], list[Replacement]],
    ) -> list[Replacement]:
        old = list(self.module.body)
        out: list[Replacement] = []
        matcher = difflib.SequenceMatcher(
            None, [id(s) for s in old], [id(s) for s in body], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            before = "".join(self.module.code_for_node(s) for s in old[i1:i2])
            after = "".join(self.module.code_for_node(s) for s in body[j1:j2])
            anchor = self.module.code_for_node(old[i1]) if i1 < len(old) else ""
            begin = self.text.find(anchor) if anchor else len(self.text)
            first = bisect.bisect_right(self.line_starts, max(begin, 0)) - 1
            for r in diff(before, after):
                out.append(
                    Replacement(r.line + first, r.column, r.end_line + first, r.end_column, r.text)
                )
        return out
