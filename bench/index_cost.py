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
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def _timed(root: Path, jobs: int | None) -> float:
    start = time.perf_counter()
    check(CheckOptions(paths=(root,), no_tools=True, no_cache=True, jobs=jobs))
    return time.perf_counter() - start


def _graph_time(root: Path, jobs: int | None) -> tuple[float, int, int]:
    """Seconds spent building and solving the call graph, and its size."""
    spent = 0.0
    size = (0, 0)
    build = graph_module.CallGraph.__init__

    def timed_init(self: graph_module.CallGraph, facts: object) -> None:
        nonlocal spent, size
        start = time.perf_counter()
        build(self, facts)  # type: ignore[arg-type]
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
    with_index, without = [], []
    for _ in range(args.runs):
        with_index.append(_timed(root, args.jobs))
        with _without_index():
            without.append(_timed(root, args.jobs))
    graph_s, functions, edges = _graph_time(root, args.jobs)
    full, bare = statistics.median(with_index), statistics.median(without)
    print(f"tree: {root} ({files} Python files)")
    print(f"own pass with the index:    {full:7.2f} s  (runs: {_spread(with_index)})")
    print(f"own pass without the index: {bare:7.2f} s  (runs: {_spread(without)})")
    share = (full - bare) / bare
    print(f"index cost:                 {full - bare:7.2f} s  ({share:.1%} of the pass)")
    print(f"  of which the call graph:  {graph_s:7.2f} s  ({functions} functions, {edges} calls)")


def _spread(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()
