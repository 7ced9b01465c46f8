"""Start-up: `ttaprod --version`, `rules` and `explain` load no engine, no libcst and no
rule (what they import is what every pre-commit run pays before its first file)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter per command

PROBE = """
import json, sys
from ttaprod import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print(json.dumps(sorted(sys.modules)))
"""
HEAVY = ("libcst", "ttaprod.api", "ttaprod.engine", "ttaprod.checks", "ttaprod.tools")


def _loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--version",), ("rules",), ("explain", "TTP101"), ("--help",)])
def test_light_commands_import_no_engine(args: tuple[str, ...]) -> None:
    loaded = _loaded(*args)
    heavy = sorted(m for m in loaded if m.startswith(HEAVY))
    assert heavy == []
    if args == ("--version",):
        assert "rich" not in loaded and "ttaprod.catalogue" not in loaded
