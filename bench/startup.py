"""Start-up of ttaprod's light commands and of a warm check, as a user's shell sees it
(hyperfine-like).

    python bench/startup.py [--runs 20] [--no-bytecode-cache]

Each command runs `--runs` times in a fresh interpreter (the installed `ttaprod` script);
the table shows the median and minimum wall time and the median CPU time (user + system,
from `wait4`, so a busy machine shows in wall, much less in CPU). The warm row checks
fixtures/rag_service_good with every file in the cache.

Every command runs once untimed first: it fills the result cache (in a user cache directory
of the bench's own, `XDG_CACHE_HOME`) and Python's bytecode cache (in a directory of its own,
`PYTHONPYCACHEPREFIX`), as an installed ttaprod has both. `--no-bytecode-cache` sets
`PYTHONDONTWRITEBYTECODE=1` instead: every module is compiled from source at each start.
`python -X importtime -m ttaprod …` shows what the rest is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM_TREE = Path(__file__).resolve().parent.parent / "fixtures" / "rag_service_good"
COMMANDS = (
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("ttaprod --version", ["--version"]),
    ("ttaprod rules", ["rules"]),
    ("ttaprod explain TTP101", ["explain", "TTP101"]),
    ("check, warm cache", ["check", str(WARM_TREE), "--no-tools", "-q"]),
)


def _script() -> str:
    local = Path(sys.executable).parent / "ttaprod"
    return str(local) if local.exists() else shutil.which("ttaprod") or "ttaprod"


def run_once(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def _environment(scratch: str, bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile every module at each start"
    )
    args = parser.parse_args()
    script = _script()
    print(f"{'command':<24} {'wall median':>12} {'wall min':>9} {'CPU median':>11}")
    with tempfile.TemporaryDirectory(prefix="ttaprod-startup-") as scratch:
        env = _environment(scratch, not args.no_bytecode_cache)
        for name, argv in COMMANDS:
            full = argv if argv[0] == sys.executable else [script, *argv]
            run_once(full, env)
            runs = [run_once(full, env) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            best = min(r[0] for r in runs)
            print(f"{name:<24} {wall:>10.3f} s {best:>7.3f} s {cpu:>9.3f} s")


if __name__ == "__main__":
    main()
