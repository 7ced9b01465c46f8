"""TTP111 multi-write-without-compensation (errors.compensation). A heuristic.

A write step is an external write (rules/knowledge/writes.toml: HTTP POST/PUT/PATCH/DELETE through
the outbound-call classifier, boto3 `put_*`/`delete_*`/`send_*`…, database commits, queue
publishes) or a call of a function of this module that writes (transitively), each counted once
where it is written. Writes in except handlers and `finally` blocks are not steps (they are
compensation or clean-up). A function with two or more steps that can both run (not in two arms
of one `if`) is one site of errors.compensation. It is covered when:

- a `try` whose handler compensates (calls a write, or a function whose name starts with an undo
  verb: `cancel_order`, `session.rollback()`, `s3.delete_object`) holds one of its steps other than
  the first;
- it is the `forward` of a valid TTA.dev `CompensationPrimitive` (imported from the top-level
  package) or `SagaPrimitive` (from `.recovery`), through composition and LambdaPrimitive;
- or every in-module call of it sits in such a `try` or in a function covered that way.

Compensation applied in another module is not seen (suppress with `# ttaprod: ignore[TTP111]`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from ... import knowledge
from ...analysis import targets
from ...analysis.outbound import (
    OutboundCall,
    classify,
    find_arg,
    local_callee,
    render,
    scope_qualname,
)
from ...analysis.outbound import knowledge as knowledge_of_outbound
from ...analysis.tta import argument_problems, bound_args, tta_callable
from ...analysis.wrapping import block, walk_body, wrapped
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...engine.names import dotted

COMPENSATION = "errors.compensation"


@dataclass(frozen=True)
class _Writes:
    needs: tuple[bytes, ...]
    calls: targets.Writes  # which calls write, per library (outbound.toml)
    primitives: frozenset[str]
    forward: str
    undo: tuple[str, ...]
    names: frozenset[str]  # every method or function name that may write (or pass one on)
    prefixes: tuple[str, ...]  # every SDK write prefix


@knowledge.derived
def _writes() -> _Writes:
    raw = knowledge.table("writes")
    calls = targets.writes()
    comp = raw["compensation"]
    outbound = knowledge_of_outbound()
    names = {*outbound.passthrough_methods}
    names |= {name.rpartition(".")[2] for name in outbound.passthrough}
    for http in calls.http.values():
        names |= http.verbs | http.verb_methods
    for _, methods in calls.objects.values():
        names |= methods
    return _Writes(
        needs=(*calls.needs, *(p.rsplit(".", 1)[-1].encode() for p in comp["primitives"])),
        calls=calls,
        primitives=frozenset(comp["primitives"]),
        forward=comp["forward"],
        undo=tuple(comp["undo_verbs"]),
        names=frozenset(names),
        prefixes=tuple(p for prefixes in calls.prefixes.values() for p in prefixes),
    )


@dataclass
class _Step:
    node: cst.Call
    what: str  # how the write is named in messages
    callee: str | None  # a local function: a step only if it writes
    compensated: bool  # inside a try whose handler compensates
    arms: tuple[tuple[int, int], ...]  # (id of an `if`, 0 body / 1 else) around it


@dataclass
class _Function:
    node: cst.FunctionDef
    qual: str
    steps: list[_Step] = field(default_factory=list)


def _exclusive(a: _Step, b: _Step) -> bool:
    arms = dict(a.arms)
    return any(key in arms and arms[key] != arm for key, arm in b.arms)


class MultiWriteCompensation(Detector):
    codes = ("TTP111",)
    needs = Derived(lambda: _writes().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file
        self.prefix = ctx.names.module_name + "."
        self.functions: list[_Function] = []
        self.done: list[_Function] = []
        self.direct: dict[str, str] = {}  # function/class → what compensates it
        self.calls: dict[str, list[tuple[str, bool]]] = {}  # callee → (caller, compensated)
        self._compensates: dict[int, bool] = {}

    # --- the walk -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.functions.append(_Function(node, scope_qualname(self.ctx.names)))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.off:
            self.done.append(self.functions.pop())

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        qual = self.ctx.qualname(node.func)
        if qual in _writes().primitives:
            self._saga(node, qual)
            return
        if not self.functions:
            return
        write = self.write(node, qual)
        callee = None if write else local_callee(self.ctx, node.func, qual)
        if not write and callee is None:
            return
        where = self._where()
        if where is None:
            return  # in an except handler or a finally block
        compensated, arms = where
        function = self.functions[-1]
        if callee is not None:
            self.calls.setdefault(callee, []).append((function.qual, compensated))
        what = write or f"{callee.rpartition('.')[2] if callee else '?'}()"
        function.steps.append(_Step(node, what, callee, compensated, arms))

    def write(self, node: cst.Call, qual: str | None) -> str:
        """How a write call is named (`requests.post`), or "" when the call does not write."""
        w = _writes()
        func = node.func
        called = func.attr.value if isinstance(func, cst.Attribute) else (qual or "")
        called = called.rpartition(".")[2]
        if called not in w.names and not called.startswith(w.prefixes):
            return ""  # a cheap test on the name before resolving anything
        out = classify(self.ctx, node, qual)
        if isinstance(out, OutboundCall):
            # a module function by its resolved name (`from requests import post as send`)
            named = qual if qual and out.kind != "method" and not out.through else out.operation
            method = named.rpartition(".")[2]
            library = out.library.id
            http = w.calls.http.get(library)
            if http is not None:
                if method in http.verbs:
                    return out.operation
                if method in http.verb_methods:
                    verb = find_arg(out.args, http.verb_keyword, http.verb_position).value
                    text = verb.evaluated_value if isinstance(verb, cst.SimpleString) else None
                    if isinstance(text, str) and text.lower() in http.verbs:
                        return f"{out.operation}({text!r})"
                return ""
            prefixes = w.calls.prefixes.get(library, ())
            return out.operation if method.startswith(prefixes) and prefixes else ""
        if isinstance(func, cst.Attribute):
            held = self.ctx.instance(func.value)
            found = w.calls.objects.get(held.ctor) if held is not None else None
            if found is not None and func.attr.value in found[1]:
                return f"{render(func) or func.attr.value} ({found[0]})"
        return ""

    def _where(self) -> tuple[bool, tuple[tuple[int, int], ...]] | None:
        """(inside a compensating try, the `if` arms around) — None in a handler or finally."""
        stack = self.ctx.stack
        child = stack[-1]
        compensated = False
        arms: list[tuple[int, int]] = []
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                return None
            if isinstance(node, cst.Try) and child is node.body:
                compensated = compensated or self._compensating(node)
            elif isinstance(node, cst.If) and child is not node.test:
                arms.append((id(node), 0 if child is node.body else 1))
            child = node
        return compensated, tuple(arms)

    def _compensating(self, node: cst.Try) -> bool:
        key = id(node)
        if key not in self._compensates:
            self._compensates[key] = any(
                self._undoes(inner)
                for handler in node.handlers
                for inner in walk_body(block(handler.body))
                if isinstance(inner, cst.Call)
            )
        return self._compensates[key]

    def _undoes(self, call: cst.Call) -> bool:
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else dotted(func) or ""
        name = name.rpartition(".")[2].lstrip("_").lower()
        return name.startswith(_writes().undo) or bool(self.write(call, self.ctx.qualname(func)))

    def _saga(self, node: cst.Call, qual: str | None) -> None:
        spec = tta_callable(qual)
        if spec is None or argument_problems(spec, node.args):
            return
        forward = bound_args(spec, node.args).get(_writes().forward)
        label = f"the forward step of {qual.rpartition('.')[2] if qual else 'a saga'}"
        for name, _ in wrapped(self.ctx, forward, frozenset()) if forward is not None else ():
            if name.startswith(self.prefix):
                self.direct[name] = label

    # --- the verdicts --------------------------------------------------------------------------
    def finish(self) -> None:
        if self.off or not self.done:
            return
        writers = {f.qual for f in self.done if any(s.callee is None for s in f.steps)}
        for _ in range(len(self.done)):
            grown = {
                f.qual
                for f in self.done
                if f.qual not in writers and any(s.callee in writers for s in f.steps)
            }
            if not grown:
                break
            writers |= grown
        sites: list[tuple[_Function, list[_Step]]] = []
        for function in self.done:
            steps = [s for s in function.steps if s.callee is None or s.callee in writers]
            if len(steps) >= 2 and _together(steps):
                sites.append((function, steps))
        if not sites:
            return
        covered = self._solve()
        for function, steps in sites:
            self._judge(function, steps, covered)

    def _solve(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for function in self.done:
            owner = function.qual.rpartition(".")[0]
            own = self.direct.get(function.qual) or self.direct.get(owner, "")
            result[function.qual] = own
        for _ in range(len(self.done) + 1):
            changed = False
            for callee, calls in self.calls.items():
                if result.get(callee, "x"):
                    continue
                if all(ok or result.get(caller) for caller, ok in calls):
                    result[callee] = "every in-module caller compensates"
                    changed = True
            if not changed:
                break
        return result

    def _judge(self, function: _Function, steps: list[_Step], covered: dict[str, str]) -> None:
        label = covered.get(function.qual, "")
        if not label and any(s.compensated for s in steps[1:]):
            label = "an except that compensates"
        problem = None
        if not label:
            shown = ", ".join(f"`{s.what}`" for s in steps[:4])
            more = f" and {len(steps) - 4} more" if len(steps) > 4 else ""
            name = function.node.name.value
            problem = Problem(
                "TTP111",
                f"heuristic: `{name}` makes {len(steps)} external writes ({shown}{more}) and "
                "nothing undoes the earlier ones when a later one fails: no "
                "CompensationPrimitive/SagaPrimitive, no except that compensates",
                fix="wrap the steps in SagaPrimitive(forward, compensation) / "
                "CompensationPrimitive, or catch the later write's failure and undo the earlier "
                "ones (cancel, delete, refund, rollback) before re-raising",
            )
        self.ctx.site(COMPENSATION, "TTP111", function.node.name, problem, label=label)


def _together(steps: Sequence[_Step]) -> bool:
    """Two of the steps can both run (they are not in two arms of one `if`)."""
    return any(not _exclusive(a, b) for i, a in enumerate(steps) for b in steps[i + 1 :])
