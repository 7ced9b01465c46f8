"""TTP301 (unsafe: the call now runs in a worker thread, or sleeps without blocking): the
event loop unblocked.

    time.sleep(2 ** attempt)      →  await asyncio.sleep(2 ** attempt)
    requests.get(url, timeout=5)  →  await asyncio.to_thread(requests.get, url, timeout=5)
    subprocess.run(cmd, check=1)  →  await anyio.to_thread.run_sync(
                                         lambda: subprocess.run(cmd, check=1))
                                     (in a module that uses anyio: run_sync takes no keywords)

`(await …)` is parenthesised where the call's result is used at once (`….json()`). Calls
whose result keeps blocking on the loop (`open()`: the file is read there; `sqlite3.connect`:
the connection refuses other threads), calls inside a generator expression (an `await` would
make it asynchronous) and calls already handed to a thread pool are left alone. The table is
`rules/knowledge/fixes.toml` ([blocking]).
"""

from __future__ import annotations

import libcst as cst

from ..models import Finding
from .kit import WRAP, Decline, Edit, FindingFix, positional
from .settings import data
from .walk import Family

_OPEN = (cst.LeftParen(),)
_CLOSE = (cst.RightParen(),)


class Blocking(Family):
    codes = ("TTP301",)
    nodes = (cst.Call,)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        assert isinstance(node, cst.Call)
        self._check_place(node)
        qual = self.ctx.qualname(node.func)
        table = data()["blocking"]
        if qual is not None and qual in table["keep"]["calls"]:
            shown = qual.removeprefix("builtins.")
            raise Decline(f"what `{shown}()` returns blocks the loop too: use an async library")
        runtime = "anyio" if self._uses_anyio() else "asyncio"
        builder = self.kit.builder()
        row = next((r for r in table["replace"] if r["call"] == qual), None)
        if row is not None:
            replacement = builder.expression(row[runtime])
            what = f"await `{builder.fill(row[runtime])}()` instead"
            wrap = _Wrap(replace=replacement)
        else:
            offload = next(r for r in table["offload"] if r["runtime"] == runtime)
            runner = builder.fill(offload["call"])
            what = f"run it in a worker thread: `await {runner}(…)`"
            wrap = _Wrap(runner=cst.parse_expression(runner), keywords=offload["keywords"])
        parent = self.ctx.parent()
        wrap.tight = (
            (isinstance(parent, cst.Attribute) and parent.value is node)
            or (isinstance(parent, cst.Subscript) and parent.value is node)
            or (isinstance(parent, cst.Call) and parent.func is node)
        )
        edit = Edit(node, wrap, WRAP)
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit], builder.needs))

    def _check_place(self, node: cst.Call) -> None:
        if isinstance(self.ctx.parent(), cst.Await):
            raise Decline("the call is awaited already: what it returns is not what blocks")
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            ancestor = stack[i]
            if isinstance(ancestor, (cst.GeneratorExp, cst.Lambda)):
                raise Decline("inside a generator expression or lambda: an await would change it")
            if isinstance(ancestor, cst.FunctionDef):
                if ancestor.asynchronous is None:
                    raise Decline("not directly in an async def")
                return
            if isinstance(ancestor, cst.Call) and self._offloader(ancestor):
                raise Decline(
                    "already handed to a thread pool, but called first: pass the function"
                )
        raise Decline("not in an async def")

    def _offloader(self, call: cst.Call) -> bool:
        qual = self.ctx.qualname(call.func) or ""
        return qual.endswith(("to_thread", "run_sync", "run_in_threadpool", "run_in_executor"))

    def _uses_anyio(self) -> bool:
        module = self.ctx.names.scopes[0]
        return any(
            isinstance(b, str) and b.split(".", 1)[0] == "anyio" for b in module.bindings.values()
        )


_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


class _Wrap:
    """Builds the awaited call from the call as the earlier edits left it (a timeout added by
    TTP101 goes into the thread with it)."""

    def __init__(
        self,
        replace: cst.BaseExpression | None = None,
        runner: cst.BaseExpression | None = None,
        keywords: bool = True,
    ) -> None:
        self.replace = replace
        self.runner = runner
        self.keywords = keywords  # the runner passes keyword arguments on
        self.tight = False

    def __call__(self, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.Call)
        if self.replace is not None:
            inner = updated.with_changes(func=self.replace, lpar=(), rpar=())
        else:
            assert self.runner is not None
            args = _with_func(updated)
            keywords = any(a.keyword is not None or a.star == "**" for a in updated.args)
            if keywords and not self.keywords:
                call = updated.with_changes(lpar=(), rpar=())
                args = [positional(cst.Lambda(params=cst.Parameters(), body=call))]
            inner = cst.Call(func=self.runner, args=args)
        if updated.lpar:
            lpar, rpar = updated.lpar, updated.rpar
        else:
            lpar, rpar = (_OPEN, _CLOSE) if self.tight else ((), ())
        return cst.Await(expression=inner, lpar=lpar, rpar=rpar)


def _with_func(call: cst.Call) -> list[cst.Arg]:
    """The call's function as the first argument, then its arguments."""
    first = positional(call.func)
    if not call.args:
        return [first]
    return [first.with_changes(comma=_COMMA), *call.args]
