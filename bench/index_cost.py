"""What the project index costs: ttaprod's own pass with and without it, on the same tree.

    python bench/index_cost.py DIR [--runs 3] [--jobs N]

The project index is everything ttaprod does to follow calls and clients across modules:
the per-file facts that feed it (`checks/facts/call_graph.py`, `checks/facts/client_values.py`),
the second look at files that import another module's clients (`engine/values.py`), and the
call graph the project items solve (`engine/graph.py`). "without" removes all three: the
per-file rules and every other project item still run. Both runs are cold (`--no-cache`,
own rules only), in this process; the table shows the median wall time of `--runs` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ttaprod import api, runner
from ttaprod.api import CheckOptions, check
from ttaprod.checks.facts.call_graph import CallGraphFacts
from ttaprod.checks.facts.client_values import ClientValueFacts
from ttaprod.engine import graph as graph_module

_INDEX = (CallGraphFacts, ClientValueFacts)


@contextmanager
def _without_index() -> Iterator[None]:
    detectors = runner.detectors
    second_look = api._second_look
    full = detectors()
    runner.detectors = lambda: tuple(d for d in full if d not in _INDEX)  # type: ignore[assignment]
    api._second_look = lambda *args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        runner.detectors = detectors
        api._second_look = second_look


def _timed(root: Path, jobs: int | None) -> tuple[float, float]:
    """Wall and CPU seconds (this process and the workers it waited for) of one cold pass."""
    start, cpu = time.perf_counter(), _cpu()
    check(CheckOptions(paths=(root,), no_tools=True, no_cache=True, jobs=jobs))
    return time.perf_counter() - start, _cpu() - cpu


def _warm_up(jobs: int | None) -> None:
    """One pass on a two-file tree first, so neither timed pass pays the imports and the
    knowledge tables."""
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        app.mkdir()
        (app / "a.py").write_text("import requests\n\ndef f():\n    return requests.get('u')\n")
        (app / "b.py").write_text("from app.a import f\n\nasync def g():\n    return f()\n")
        _timed(app.parent, jobs)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _graph_time(root: Path, jobs: int | None) -> tuple[float, int, int]:
    """Seconds spent building and solving the call graph, and its size."""
    spent = 0.0
    size = (0, 0)
    build = graph_module.CallGraph.__init__

    def timed_init(self: graph_module.CallGraph, *args: Any, **kwargs: Any) -> None:
        nonlocal spent, size
        start = time.perf_counter()
        build(self, *args, **kwargs)
        self._solve()
        spent += time.perf_counter() - start
        size = (len(self.functions), sum(len(v) for v in self.callers.values()))

    graph_module.CallGraph.__init__ = timed_init  # type: ignore[method-assign]
    try:
        check(CheckOptions(paths=(root,), no_tools=True, no_cache=True, jobs=jobs))
    finally:
        graph_module.CallGraph.__init__ = build  # type: ignore[method-assign]
    return spent, *size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    root: Path = args.root.resolve()
    files = sum(1 for _ in root.rglob("*.py"))
    _warm_up(args.jobs)
    with_index, without = [], []
    for _ in range(args.runs):
        with_index.append(_timed(root, args.jobs))
        with _without_index():
            without.append(_timed(root, args.jobs))
    graph_s, functions, edges = _graph_time(root, args.jobs)
    print(f"tree: {root} ({files} Python files)")
    for label, pick in (("wall", 0), ("CPU", 1)):
        full = statistics.median(t[pick] for t in with_index)
        bare = statistics.median(t[pick] for t in without)
        share = (full - bare) / bare
        print(f"{label}: with the index    {full:7.2f} s  (runs: {_spread(with_index, pick)})")
        print(f"{label}: without the index {bare:7.2f} s  (runs: {_spread(without, pick)})")
        print(f"{label}: index cost        {full - bare:7.2f} s  ({share:.1%} of the pass)")
    print(f"call graph build+solve: {graph_s:7.2f} s  ({functions} functions, {edges} calls)")


def _spread(times: list[tuple[float, float]], pick: int) -> str:
    return ", ".join(f"{t[pick]:.2f}" for t in times)


if __name__ == "__main__":
    main()
