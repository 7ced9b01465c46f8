"""One Python file's fixes: parse it again, find each flagged node by the finding's span, and
let the fix families read it with the engine's name resolution.

The engine's analysis is not touched: this is a second, small traversal over the files that
have fixable findings, with the engine's binder (imports, assignments, instances) and walker,
and one hook per flagged node type that hands the node and its finding to the family of its
rule. A family records `FindingFix`es through the `FileKit`; what it cannot repair it
declines, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from ..engine.binder import Binder, prebind_module
from ..engine.context import FileContext
from ..engine.names import NameTable
from ..engine.positions import resolve_positions
from ..engine.task import module_name_for
from ..engine.walker import HookTable, children, walk
from ..findings import fingerprint
from ..models import Finding
from . import imports
from .kit import Builder, Decline, FindingFix
from .settings import Settings

Span = tuple[int, int, int, int]  # start line, start column (0-based), end line, end column


def span_of(finding: Finding) -> Span:
    return (finding.line, finding.column - 1, finding.end_line, finding.end_column - 1)


@dataclass
class FileKit:
    """What the families of one file share: the tree, settings, and the fixes found."""

    module: cst.Module
    ctx: FileContext
    settings: Settings
    imported: imports.Imported
    fixes: list[FindingFix] = field(default_factory=list)
    declined: list[tuple[Finding, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)  # values to mask in diffs; never shown

    def builder(self) -> Builder:
        return Builder(self.ctx.names, self.imported)

    def add(self, fix: FindingFix) -> None:
        self.fixes.append(fix)

    def decline(self, finding: Finding, why: str) -> None:
        self.declined.append((finding, why))


class Family:
    """The fixes of one family of rules. `target` is called, during the walk, on the node a
    finding flags (names resolve as at that place); `finish` after the walk. Families may
    define `visit_`/`leave_` hooks like detectors."""

    codes: ClassVar[tuple[str, ...]] = ()
    nodes: ClassVar[tuple[type[cst.CSTNode], ...]] = ()

    def __init__(self, kit: FileKit) -> None:
        self.kit = kit
        self.ctx = kit.ctx

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        raise Decline("no automatic fix")

    def finish(self) -> None:
        """Called once after the walk."""

    def safe(self, finding: Finding) -> bool:
        """The catalogue's word for the rule (a family may only downgrade it)."""
        return self.kit.settings.safety.get(finding.rule) == "safe"


class _Locator:
    """Hands each flagged node to its family: `visit_<Type>` hooks are made per run."""

    def __init__(self, kit: FileKit, targets: dict[int, list[tuple[Family, Finding]]]) -> None:
        self.kit = kit
        self.targets = targets

    def at(self, node: cst.CSTNode) -> None:
        for family, finding in self.targets.pop(id(node), ()):
            try:
                family.target(node, finding)
            except Decline as why:
                self.kit.decline(finding, str(why))


def _locator(
    kit: FileKit, targets: dict[int, list[tuple[Family, Finding]]], types: set[type]
) -> _Locator:
    hooks = {f"visit_{t.__name__}": _Locator.at for t in types}
    return type("Locator", (_Locator,), hooks)(kit, targets)


def _nodes_of(module: cst.Module, types: set[type]) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    todo: list[cst.CSTNode] = [module]
    while todo:
        node = todo.pop()
        if type(node) in types:
            found.append(node)
        todo.extend(children(node))
    return found


def python_fixes(
    rel: str,
    text: str,
    module: cst.Module,
    findings: Sequence[Finding],
    families: dict[str, type[Family]],
    settings: Settings,
) -> FileKit:
    names = NameTable(module_name_for(rel), rel.endswith("__init__.py"))
    ctx = FileContext(rel, module, text, names, frozenset())
    kit = FileKit(module, ctx, settings, imports.scan(module))
    wanted = {families[f.rule] for f in findings}
    instances = {cls: cls(kit) for cls in wanted}
    types = {t for cls in wanted for t in cls.nodes}
    candidates = _nodes_of(module, types)
    ranges = resolve_positions(module, candidates)
    by_span: dict[Span, list[cst.CSTNode]] = {}
    for node in candidates:
        if id(node) in ranges:
            by_span.setdefault(ranges[id(node)], []).append(node)
    targets: dict[int, list[tuple[Family, Finding]]] = {}
    for finding in findings:
        family = instances[families[finding.rule]]
        node = _flagged(ctx, finding, by_span.get(span_of(finding), ()), family.nodes)
        if node is None:
            kit.decline(finding, "the flagged code is no longer where it was (file changed?)")
            continue
        targets.setdefault(id(node), []).append((family, finding))
    prebind_module(names, module)
    binder = Binder(ctx)
    hooks = HookTable([binder])
    hooks.leave.clear()
    for obj in (_locator(kit, targets, types), *instances.values()):
        table = HookTable([obj])
        for name, fns in table.visit.items():
            hooks.visit.setdefault(name, []).extend(fns)
        for name, fns in table.leave.items():
            hooks.leave.setdefault(name, []).extend(fns)
    hooks.add_last_leaver(binder)
    walk(module, hooks, ctx.stack)
    for family in instances.values():
        family.finish()
    for pending in targets.values():  # never reached by the walk: nothing to hand it to
        for _, finding in pending:
            kit.decline(finding, "the flagged code was not found")
    return kit


_OWN_ANCHOR = frozenset({"TTP401", "TTP402"})  # fingerprints of masked text, not the node's


def _flagged(
    ctx: FileContext, finding: Finding, nodes: Sequence[cst.CSTNode], types: tuple[type, ...]
) -> cst.CSTNode | None:
    for node in nodes:
        if not isinstance(node, types):
            continue
        if finding.rule in _OWN_ANCHOR:
            return node
        if fingerprint(finding.rule, finding.path, ctx.code_for(node)) == finding.fingerprint:
            return node
    return None
