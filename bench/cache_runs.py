"""Cold, warm and one-changed-file runs of the full `ttaprod check` (with tools), for
`python bench/compare.py DIR --cache [--tools ruff,bandit] [--runs 3]`.

The tree is copied to a scratch directory (one file of it is edited) and the cache lives in
another: the user's cache is never touched. Each scenario runs `--runs` times; the table
shows the median wall time and the median CPU seconds of ttaprod and everything it waited
for (its analysis workers and the tools), and each median as a ratio of the cold one.

- cold: an empty cache directory each time (the run fills it);
- warm: the cache filled by an identical run before, nothing changed;
- one changed file: before each run a comment is appended to one mid-sized file.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and of what it waited for)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def _middle_file(root: Path) -> Path:
    """A Python file of median size: the one the "changed" runs edit."""
    files = sorted((p.stat().st_size, str(p)) for p in root.rglob("*.py") if p.is_file())
    if not files:
        raise SystemExit(f"no Python files under {root}")
    return Path(files[len(files) // 2][1])


def scenarios(
    root: Path, tools: str, runs: int, jobs: int = 0
) -> dict[str, list[tuple[float, float]]]:
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / root.name
        shutil.copytree(root, tree, symlinks=True)
        base = [sys.executable, "-m", "ttaprod", "check", str(tree), "-q", "--tools", tools]
        if jobs:
            base += ["--jobs", str(jobs)]
        out: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "one file changed": []}
        for i in range(runs):
            out["cold"].append(_timed([*base, "--cache-dir", f"{scratch}/cold-{i}"]))
        warm = [*base, "--cache-dir", f"{scratch}/warm"]
        _timed(warm)
        for _ in range(runs):
            out["warm"].append(_timed(warm))
        edited = _middle_file(tree)
        for i in range(runs):
            with edited.open("a", encoding="utf-8") as handle:
                handle.write(f"\n# bench edit {i}\n")
            out["one file changed"].append(_timed(warm))
    return out


def report(root: Path, tools: str, runs: int, jobs: int = 0) -> None:
    results = scenarios(root, tools, runs, jobs)
    cold_wall = statistics.median(w for w, _ in results["cold"])
    cold_cpu = statistics.median(c for _, c in results["cold"])
    print(f"full run with --tools {tools}; edited file: {_middle_file(root).relative_to(root)}")
    print(f"runs: {runs} (medians)\n")
    print(f"{'scenario':<18}  {'wall s':>7}  {'× cold':>7}  {'CPU s':>7}  {'× cold':>7}")
    for name, measured in results.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(
            f"{name:<18}  {wall:7.2f}  {wall / cold_wall:7.2f}  {cpu:7.2f}  {cpu / cold_cpu:7.2f}"
        )
