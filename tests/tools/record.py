"""Record the pinned tools' output on fixtures/_tools_svc for the adapters' parse() tests.

    .venv/bin/python tests/tools/record.py

Runs each adapter's own command line (as the runner would) with the tools of the active
environment (constraints.txt pins them), and writes tests/tools/recordings/<tool>.json:
{"version", "argv", "exit_code", "stdout", "stderr"}, with the absolute path of the
checked root replaced by @ROOT@ so the recordings do not depend on the checkout's place.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ttaprod.config import Config
from ttaprod.discovery import discover
from ttaprod.tools import bandit, pyright, ruff
from ttaprod.tools.base import Context, Settings
from ttaprod.tools.runner import find_executable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent / "fixtures" / "_tools_svc"
OUT = HERE / "recordings"
PLACEHOLDER = "@ROOT@"


def record(adapter, scratch: Path) -> dict:
    found = discover([ROOT], ROOT)
    command = find_executable(adapter.DEFAULT_COMMAND)
    assert command, f"{adapter.NAME} is not installed"
    ctx = Context(
        root=ROOT,
        targets=(".",),
        python_files=found.python,
        other_files=found.other,
        config=Config(),
        settings=Settings(adapter.NAME, command=command),
        scratch=scratch,
    )
    inv = adapter.build(ctx)
    env = {**os.environ, **inv.env}
    done = subprocess.run(
        inv.argv, cwd=inv.cwd, env=env, capture_output=True, text=True, check=False
    )
    version = subprocess.run([command, "--version"], capture_output=True, text=True, check=False)
    scrub = str(ROOT)
    return {
        "version": version.stdout.strip().splitlines()[0],
        "argv": [Path(inv.argv[0]).name, *(a.replace(scrub, PLACEHOLDER) for a in inv.argv[1:])],
        "exit_code": done.returncode,
        "stdout": done.stdout.replace(scrub, PLACEHOLDER),
        "stderr": done.stderr.replace(scrub, PLACEHOLDER),
    }


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for adapter in (ruff, bandit, pyright):
        with tempfile.TemporaryDirectory() as scratch:
            data = record(adapter, Path(scratch))
        path = OUT / f"{adapter.NAME}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path.relative_to(HERE.parent.parent)}: {data['version']}", file=sys.stderr)


if __name__ == "__main__":
    main()
