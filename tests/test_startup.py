"""Start-up: `ttaprod --version`, `rules` and `explain` load no engine, no libcst and no
rule, and a check whose files all come from the cache loads nothing that analyses a file
(what they import is what every pre-commit run pays before its first file)."""

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
    # the catalogue's own shapes (rulespec) only: not the report's, nor the facts'
    assert not {"ttaprod.models", "ttaprod.facts"} & loaded
    if args[0] != "explain":  # explain reads the precision table (TOML)
        assert not {"tomllib", "tomli"} & loaded, "a JSON copy of rules/ is stale"


WARM_PROBE = """
import io, json, sys
from ttaprod import cli
root, cache = sys.argv[1:]
sys.stdout = io.StringIO()
try:
    cli.main(["check", root, "--no-tools", "-f", "json", "--cache-dir", cache])
except SystemExit:
    pass
report = json.loads(sys.stdout.getvalue())
sys.stdout = sys.__stdout__
found = [[f["rule"], f["path"], f["line"], f["message"]] for f in report["findings"]]
print(json.dumps({"modules": sorted(sys.modules), "score": report["score"], "findings": found}))
"""
# Only what analysing a file needs: a run whose files all come from the cache never loads it.
ANALYSIS = ("libcst", "ttaprod.checks", "ttaprod.runner", "ttaprod.engine.analyze", "ttaprod.fixes")
DRAWING = ("rich", "ttaprod.formatters.terminal")  # not for a JSON report


def test_a_warm_check_loads_no_analysis(tmp_path) -> None:
    root = tmp_path / "service"
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text(
        "import requests\n\n\ndef fetch(url: str) -> bytes:\n"
        "    return requests.get(url).content\n",
        encoding="utf-8",
    )
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nUSER app\n", encoding="utf-8")

    def run() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-c", WARM_PROBE, str(root), str(tmp_path / "cache")],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    cold, warm = run(), run()
    assert "libcst" in cold["modules"]
    assert sorted(m for m in warm["modules"] if m.startswith(ANALYSIS)) == []
    assert sorted(m for m in warm["modules"] if m.startswith(DRAWING)) == []
    assert (warm["score"], warm["findings"]) == (cold["score"], cold["findings"])
    assert cold["findings"], "the probe's call without a timeout is reported"
