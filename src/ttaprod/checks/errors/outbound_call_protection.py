"""TTP101 http-call-without-timeout and TTP102 external-call-without-retry.

Every outbound call (see `analysis/outbound/`) is one site of errors.timeout and one of
errors.retry. The walk only collects: outbound calls with what surrounds them, client
constructions, mounted adapters, local classes, what functions return, and what protects each
function (`analysis/protection/paths.py`). Verdicts need the whole module, so they are given in
`finish()` (`analysis/protection/verdicts.py`). Test files are skipped: their calls are not
production traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ...analysis.outbound import (
    ANYTHING,
    ASYNC_ONLY,
    Client,
    Deferred,
    Factories,
    OutboundCall,
    class_defaults,
    classify,
    construction,
    knowledge,
    mounted_adapter,
    scope_qualname,
)
from ...analysis.protection.guards import NONE, Protection, guard
from ...analysis.protection.paths import Paths
from ...analysis.protection.verdicts import (
    ClientFacts,
    Mount,
    Verdict,
    client_problem,
    mount_info,
    retry_verdict,
    timeout_verdict,
)
from ...engine.context import FileContext, PendingFinding, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import Instance

TIMEOUT, RETRY = "errors.timeout", "errors.retry"


@dataclass
class _Seen:
    """One node collected during the walk, with what the walk knew there."""

    node: cst.CSTNode
    statement: cst.CSTNode | None
    function: str | None
    guard: Protection


class OutboundCallProtection(Detector):
    codes = ("TTP101", "TTP102")
    needs = Derived(lambda: knowledge().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.active = not ctx.is_test_file
        self.paths = Paths(ctx)
        self.factories = Factories()
        self.calls: list[tuple[OutboundCall | Deferred, _Seen]] = []
        self.built: list[tuple[Client, _Seen]] = []
        self.mounts: dict[int, list[Mount]] = {}  # id(session Instance) → adapters
        self.classes: dict[str, cst.ClassDef] = {}
        self._class_defaults: dict[str, tuple[bool, bool]] = {}

    # --- the walk -----------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qual = self.paths.enter_function(node)
        self.factories.note_function(self.ctx, node, qual)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.paths.leave_function()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes[scope_qualname(self.ctx.names)] = node

    def visit_Return(self, node: cst.Return) -> None:
        self.factories.note_return(self.ctx, node, self.paths.function)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        ctx = self.ctx
        qual = ctx.qualname(node.func)
        self.paths.visit_call(node, qual)
        out = classify(ctx, node, qual)
        if out is not None:
            self.calls.append((out, self._seen(node)))
            return
        client = construction(ctx, node, qual)
        if client is not None:
            self.built.append((client, _Seen(node, ctx.statement(), self.paths.function, NONE)))
            return
        if qual is None and isinstance(node.func, cst.Attribute):
            mounted = mounted_adapter(ctx, node)
            if mounted is not None:
                mount = mount_info(ctx, mounted[1])
                if mount is not None:
                    self.mounts.setdefault(id(mounted[0]), []).append(mount)

    def _seen(self, node: cst.CSTNode) -> _Seen:
        return _Seen(node, self.ctx.statement(), self.paths.function, guard(self.ctx))

    # --- the verdicts -------------------------------------------------------------------
    def finish(self) -> None:
        if not self.active or not (self.calls or self.built):
            return
        protection = self.paths.solve()
        ctor_findings: dict[int, PendingFinding] = {}
        used: set[int] = set()
        for item, seen in self.calls:
            out = (
                item
                if isinstance(item, OutboundCall)
                else self.factories.resolve(self.ctx.names, item)
            )
            if out is None:
                continue
            path = seen.guard
            if seen.function is not None:
                path = path.merge(protection.get(seen.function, NONE))
            facts = self._facts(out.client)
            if out.client is not None and out.client.call is not None:
                used.add(id(out.client.call))
            timeout = timeout_verdict(self.ctx, out, path, facts)
            level = ASYNC_ONLY if out.is_async else ANYTHING  # what a caller's timeout needs
            self._site(TIMEOUT, "TTP101", out.node, seen, timeout, ctor_findings, (level, False))
            if out.library.retry_applies:
                retry = retry_verdict(self.ctx, out, path, facts)
                self._site(RETRY, "TTP102", out.node, seen, retry, ctor_findings, (0, True))
        self._unused_clients(used, ctor_findings)

    def _unused_clients(self, used: set[int], ctor_findings: dict[int, PendingFinding]) -> None:
        """A client whose calls this module does not show (built here, used elsewhere) is
        judged where it is built, as one site."""
        for client, seen in self.built:
            call = client.call
            if call is None or id(call) in used or id(call) in ctor_findings:
                continue
            if self._facts(client).sets_timeout:
                continue
            problem = client_problem(self.ctx, client)
            if problem is not None:
                verdict = Verdict(client.spec.library.timeout_phrase, problem, call)
                self._site(TIMEOUT, "TTP101", call, seen, verdict, {})

    def _facts(self, client: Client | None) -> ClientFacts:
        if client is None:
            return ClientFacts()
        timeout = retries = ""
        if client.subclass is not None:
            sets_timeout, sets_retries = self._defaults(client.subclass)
            short = client.subclass.rsplit(".", 1)[-1]
            timeout = f"{short} sets a default timeout" if sets_timeout else ""
            retries = f"{short} sets max_retries" if sets_retries else ""
        instance: Instance | None = client.instance
        for mount in self.mounts.get(id(instance), ()) if instance is not None else ():
            mount_timeout, mount_retries = (
                self._defaults(mount.qual) if mount.local else (False, False)
            )
            timeout = timeout or (
                f"{mount.name} mounted with a default timeout" if mount_timeout else ""
            )
            if mount.retries or mount_retries:
                retries = retries or f"{mount.name} mounted with max_retries"
        return ClientFacts(timeout, retries)

    def _defaults(self, qual: str) -> tuple[bool, bool]:
        if qual not in self._class_defaults:
            node = self.classes.get(qual)
            self._class_defaults[qual] = (
                class_defaults(node) if node is not None else (False, False)
            )
        return self._class_defaults[qual]

    def _site(
        self,
        item: str,
        rule: str,
        node: cst.CSTNode,
        seen: _Seen,
        verdict: Verdict,
        ctor_findings: dict[int, PendingFinding],
        needs: tuple[int, bool] = (0, False),
    ) -> None:
        """One site; a constructor's problem is reported once, on the constructor, and
        shared by every call that relies on it (suppressing it there covers them all). A
        problem of the call itself that its callers' protection would cover is judged with
        the whole project's call graph (`items/outbound.py`): `needs` is the timeout level
        and retry a caller must bring."""
        ctx = self.ctx
        if not ctx.wants(rule):
            return
        problem: Problem | None = verdict.problem
        if problem is not None and verdict.ctor is None and seen.function is not None:
            ctx.pending(
                node,
                problem,
                site=True,
                function=seen.function,
                needs_timeout=needs[0],
                needs_retry=needs[1],
                statement=seen.statement,
                label=verdict.label,
            )
            return
        ctor = verdict.ctor
        built_in = self._built_in(ctor) if ctor is not None else None
        by_call = needs[0] > 0  # from a call that relies on it (not an unused client)
        same_function = built_in is not None and built_in == seen.function
        if problem is not None and ctor is not None and by_call and same_function:
            # a client built and used in one function: a timeout its callers put around that
            # function bounds the client's calls too (`asyncio.wait_for(self.check(), 60)`)
            ctx.pending(
                ctor,
                problem,
                site=True,
                function=seen.function or "",
                needs_timeout=needs[0],
                statement=self._statement_of(ctor),
                label=verdict.label,
            )
            return
        if problem is not None and verdict.ctor is not None:
            key = id(verdict.ctor)
            if key not in ctor_findings:
                shared = ctx.report(verdict.ctor, problem, self._statement_of(verdict.ctor))
                if shared is not None:
                    ctor_findings[key] = shared
            ctx.site(item, rule, node, label=verdict.label, finding=ctor_findings.get(key))
        else:
            ctx.site(item, rule, node, problem, verdict.label, statement=seen.statement)

    def _built_in(self, call: cst.Call) -> str | None:
        """The function a client constructor sits in (None at module or class level)."""
        for client, seen in self.built:
            if client.call is call:
                return seen.function
        return None

    def _statement_of(self, call: cst.Call) -> cst.CSTNode | None:
        for client, seen in self.built:
            if client.call is call:
                return seen.statement
        return None
