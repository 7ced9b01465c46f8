"""Small helpers the project item checks share: facts as evidence, places as text, the
guard of another module that covers a call. Counting, findings and verdicts are the kit's
(`ttaprod.tally`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..engine.project import ProjectIndex
from ..facts import Fact, GuardedCalls
from ..models import Evidence, Finding, Status

PARTIAL = "only some files were checked: the project cannot be judged as a whole"
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def worse(a: Status, b: Status) -> Status:
    """The worse of two applicable statuses (pass < warn < fail)."""
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def evidence(fact: Fact, note: str) -> Evidence:
    return Evidence(fact.path, fact.line, note)


def at(fact: Fact | Evidence | Finding) -> str:
    return f"{fact.path}:{fact.line}"


def where_note(where: str) -> str:
    if where == "module":
        return "at module level"
    if where == "main":
        return 'in the `if __name__ == "__main__":` block'
    return f"in {where.removeprefix('function:').rsplit('.', 1)[-1]}()"


def short_api(api: str) -> str:
    """`opentelemetry.trace.set_tracer_provider` → `trace.set_tracer_provider`."""
    parts = api.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else api


def listed(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def relative(index: ProjectIndex, path: Path) -> str:
    """`path` relative to the checked root (POSIX), `../…` when it lies outside."""
    return Path(os.path.relpath(path, index.root)).as_posix()


def guards_of(index: ProjectIndex, guard: str) -> dict[str, tuple[str, GuardedCalls]]:
    """Functions of other modules a cache or limiter (`guard`) is around: qualified name →
    (the guard's label, where it is)."""
    out: dict[str, tuple[str, GuardedCalls]] = {}
    for fact in index.facts_of(GuardedCalls):
        if fact.guard == guard:
            for callee in fact.callees:
                out.setdefault(callee, (fact.label, fact))
    return out


def guard_on_paths(
    index: ProjectIndex, guarded: Mapping[str, tuple[str, Fact]]
) -> dict[str, tuple[str, Fact]]:
    """Functions every path into which passes a guard of `guards_of` (however many calls and
    modules away, through the call graph), each with that guard."""
    return {qual: guarded[seed] for qual, seed in index.graph.covered(guarded).items()}


def external_match(
    reach: tuple[str, ...], guarded: dict[str, tuple[str, GuardedCalls]]
) -> tuple[str, GuardedCalls] | None:
    """The guard of another module that calls one of `reach` (or its class)."""
    for qual in reach:
        parts = qual.split(".")
        for i in range(len(parts), 0, -1):
            found = guarded.get(".".join(parts[:i]))
            if found is not None:
                return found
    return None
