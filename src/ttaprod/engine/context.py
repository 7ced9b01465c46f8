"""What a detector sees of the file it is visiting, and how it reports.

Detectors report nodes, not positions: positions are resolved once, after the traversal,
for only the nodes that were reported (see positions.py).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from .. import redact
from ..facts import Fact, Pending
from ..findings import fingerprint
from ..roles import Role
from .lines import statement_lines
from .names import Instance, NameTable
from .problem import Problem


@dataclass
class PendingFinding:
    node: cst.CSTNode
    statement: cst.CSTNode | None
    problem: Problem


@dataclass
class PendingSite:
    item: str
    rule: str
    node: cst.CSTNode
    label: str
    problem: Problem | None
    finding: PendingFinding | None
    line: int = 0  # known already (no position pass needed for it); 0: from the node


@dataclass
class PendingFact:
    node: cst.CSTNode
    fact: Fact  # its path and line are filled in once positions are known
    line: int = 0  # known already (no position pass needed for it); 0: from the node


@dataclass
class FileContext:
    path: str  # relative to the root, POSIX
    module: cst.Module
    text: str
    names: NameTable
    enabled: frozenset[str]
    stack: list[cst.CSTNode] = field(default_factory=list)
    functions: list[cst.FunctionDef] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    findings: list[PendingFinding] = field(default_factory=list)
    sites: list[PendingSite] = field(default_factory=list)
    facts: list[PendingFact] = field(default_factory=list)
    tree: ast.Module | None = None  # the same file parsed by `ast` (line numbers, cheaply)
    role: Role = Role.SERVICE
    project: frozenset[str] = frozenset()  # top-level module names of the project's files
    sync_clients: frozenset[str] = frozenset()  # the team's synchronous clients (config)
    sync_calls: frozenset[str] = frozenset()  # the team's blocking functions (config)
    _lines: dict[int, int] | None = None

    def in_project(self, qual: str | None) -> bool:
        """Whether `qual` names something defined in the checked project."""
        return qual is not None and qual.split(".", 1)[0] in self.project

    # --- where we are ---------------------------------------------------------------
    @property
    def function(self) -> cst.FunctionDef | None:
        return self.functions[-1] if self.functions else None

    @property
    def in_async_function(self) -> bool:
        return bool(self.functions) and self.functions[-1].asynchronous is not None

    @property
    def is_test_file(self) -> bool:
        parts = self.path.split("/")
        name = parts[-1]
        return (
            any(p in ("tests", "test", "testing") for p in parts[:-1])
            or name.startswith("test_")
            or name.endswith("_test.py")
            or name == "conftest.py"
        )

    def parent(self, levels: int = 1) -> cst.CSTNode | None:
        """The node `levels` above the one being visited (1 = its direct parent)."""
        index = len(self.stack) - 1 - levels
        return self.stack[index] if index >= 0 else None

    def ancestors(self) -> Sequence[cst.CSTNode]:
        """Enclosing nodes, innermost first, excluding the node being visited."""
        return self.stack[-2::-1]

    def statement(self) -> cst.CSTNode | None:
        for node in reversed(self.stack):
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return node
        return None

    # --- names ----------------------------------------------------------------------
    def qualname(self, expr: cst.BaseExpression) -> str | None:
        return self.names.qualname(expr)

    def instance(self, expr: cst.BaseExpression) -> Instance | None:
        return self.names.instance(expr)

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # --- reporting ------------------------------------------------------------------
    def wants(self, rule: str) -> bool:
        return rule in self.enabled

    def report(
        self,
        node: cst.CSTNode,
        problem: Problem,
        statement: cst.CSTNode | None = None,
    ) -> PendingFinding | None:
        """A finding on `node`. `statement` is the statement whose first line may carry a
        suppression comment; by default the one being visited (give it when reporting
        from `finish()`, after the walk has left the node)."""
        if problem.rule not in self.enabled:
            return None
        pending = PendingFinding(node, statement or self.statement(), problem)
        self.findings.append(pending)
        return pending

    def site(
        self,
        item: str,
        rule: str,
        node: cst.CSTNode,
        problem: Problem | None = None,
        label: str = "",
        finding: PendingFinding | None = None,
        statement: cst.CSTNode | None = None,
        line: int = 0,
    ) -> None:
        """Count `node` as one site of a sites-kind item; a `problem` makes it uncovered
        (unless it is only informational, or the user suppresses it inline). Several sites
        can share one `finding` already reported elsewhere (a client's constructor): the
        problem is then shown once, and suppressing it covers every site that shares it.
        A covered site whose `line` is known already needs no position pass."""
        if rule not in self.enabled:
            return
        if finding is not None:
            problem = finding.problem
        elif problem is not None:
            finding = self.report(node, problem, statement)
        self.sites.append(PendingSite(item, rule, node, label, problem, finding, line))

    def fact(self, node: cst.CSTNode, fact: Fact, line: int = 0) -> None:
        """Tell the project item checks `fact`, about `node` (its line is filled in; give it
        when known already, `statement_line()`, and no position pass is needed for it)."""
        self.facts.append(PendingFact(node, fact, line))

    def _anchor(self, node: cst.CSTNode, problem: Problem) -> str:
        """The text a finding's fingerprint is made of, as the engine makes it for findings
        reported in the file (masked when the problem masks its snippet)."""
        if problem.fingerprint_text is not None:
            return problem.fingerprint_text
        text = self.code_for(node)
        return redact.mask_string_literals(text) if problem.snippet_mask else text

    def statement_line(self, statement: cst.CSTNode | None = None) -> int:
        """The first line of `statement` (by default the innermost one being visited), read
        from the `ast` tree; 0 when unknown."""
        if self._lines is None:
            self._lines = statement_lines(self.module, self.tree) if self.tree else {}
        node = statement if statement is not None else self.statement()
        return self._lines.get(id(node), 0) if node is not None else 0

    def pending(
        self,
        node: cst.CSTNode,
        problem: Problem,
        site: bool,
        entries: tuple[str, ...] = (),
        function: str = "",
        needs_timeout: int = 0,
        needs_retry: bool = False,
        statement: cst.CSTNode | None = None,
        label: str = "",
    ) -> None:
        """Record `problem` on `node` for the project check of its item to judge (its verdict
        needs other files); `site`: it stands for one site of that item; `entries`: the
        functions whose protection in another module would cover it; `function`, with
        `needs_timeout`/`needs_retry`: the function whose callers' protection would."""
        if problem.rule not in self.enabled:
            return
        statement = statement or self.statement()
        fact = Pending(
            rule=problem.rule,
            message=problem.message,
            severity=problem.severity.value if problem.severity is not None else "",
            fix=problem.fix or "",
            anchor=redact.mask_string_literals(self.code_for(node).strip()),
            fingerprint=fingerprint(problem.rule, self.path, self._anchor(node, problem)),
            site=site,
            entries=entries,
            function=function,
            needs_timeout=needs_timeout,
            needs_retry=needs_retry,
            statement_line=self.statement_line(statement) if statement is not None else 0,
            label=label,
        )
        self.fact(node, fact)
