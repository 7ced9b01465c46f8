"""Time ttaprod against bandit and ruff on the same tree.

    python bench/compare.py DIR [--runs 3] [--jobs N]
    python bench/compare.py DIR --cache [--tools ruff,bandit] [--runs 3]

Each command runs `--runs` times; the table shows the median and the spread of wall time,
the median CPU time (user + system of the command and every process it waited for: ttaprod's
workers, from `wait4`) and the peak resident memory of its largest process. ttaprod runs cold
(`--no-cache`, own rules only: `--no-tools`) and warm (cache filled by a first run). Tools
are looked up next to this interpreter first, then on PATH.

With `--cache`, the full `ttaprod check` with the tools runs cold, warm on an unchanged tree
and warm after one file changed (`bench/cache_runs.py`), wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _tool(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


Sample = tuple[float, float, float]  # wall s, CPU s, peak RSS MB


def run_once(command: list[str], cwd: Path | None = None) -> Sample:
    """(wall, CPU, peak RSS) of one run. On Linux `wait4` reports the child's CPU with that
    of the processes it waited for, and the largest resident set among them (in KB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _time(command: list[str], runs: int, cwd: Path | None = None) -> list[Sample]:
    return [run_once(command, cwd) for _ in range(runs)]


def tree_size(root: Path) -> tuple[int, int]:
    files = lines = 0
    for path in root.rglob("*.py"):
        files += 1
        with path.open("rb") as handle:
            lines += sum(1 for _ in handle)
    return files, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--jobs", type=int, default=0, help="ttaprod worker processes (0: all cores)"
    )
    parser.add_argument("--cache", action="store_true", help="cold, warm and one changed file")
    parser.add_argument("--tools", default="ruff,bandit", help="with --cache: the tools to run")
    args = parser.parse_args()
    root = args.directory.resolve()
    if args.cache:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from cache_runs import report

        report(root, args.tools, args.runs, args.jobs)
        return
    ttaprod = [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "-q"]
    if args.jobs:
        ttaprod += ["--jobs", str(args.jobs)]
    commands: dict[str, list[str]] = {"ttaprod (cold, --no-cache)": [*ttaprod, "--no-cache"]}
    with tempfile.TemporaryDirectory() as scratch:
        warm_root = Path(scratch) / root.name
        shutil.copytree(root, warm_root, symlinks=True)
        warm = [sys.executable, "-m", "ttaprod", "check", str(warm_root), "--no-tools", "-q"]
        subprocess.run(warm, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands["ttaprod (warm cache)"] = warm
        bandit, ruff = _tool("bandit"), _tool("ruff")
        if bandit:
            commands["bandit -r"] = [bandit, "-r", "-q", "-f", "json", str(root)]
        if ruff:
            commands["ruff check (no cache)"] = [
                ruff,
                "check",
                "--no-cache",
                "--exit-zero",
                "--select",
                "E,F,B,S",
                str(root),
            ]
        results = {name: _time(cmd, args.runs) for name, cmd in commands.items()}
    files, lines = tree_size(root)
    print(f"tree: {root} ({files} Python files, {lines} lines)")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"runs: {args.runs} (median, min–max)\n")
    width = max(len(name) for name in results)
    print(f"{'':<{width}}  {'wall':>8}  {'(min–max)':>13}  {'CPU':>8}  {'peak RSS':>9}")
    for name, samples in results.items():
        walls = [s[0] for s in samples]
        spread = f"({min(walls):.2f}–{max(walls):.2f})"
        cpu = statistics.median(s[1] for s in samples)
        rss = max(s[2] for s in samples)
        print(
            f"{name:<{width}}  {statistics.median(walls):6.2f} s  {spread:>13}  "
            f"{cpu:6.2f} s  {rss:6.0f} MB"
        )


if __name__ == "__main__":
    main()
