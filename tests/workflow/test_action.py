"""The composite GitHub Action (action.yml): its shape, and its run step on a real project.

The run step is executed with bash as the runner would (inputs through `env:`, the
runner's files through GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / RUNNER_TEMP), with this
virtualenv standing in for the one the install step creates.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import BARE_CALL, CLEAN, ENV, REPO, write

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["id"]: step for step in ACTION["runs"]["steps"]}


def test_the_action_is_a_composite_with_its_outputs_wired() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(STEPS) == {"install", "run"}
    for step in STEPS.values():
        assert step["shell"] == "bash"
        # inputs reach the scripts through env only: no expression is pasted into a script
        assert "${{" not in step["run"]
    for name, output in ACTION["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.([\w-]+) \}\}", output["value"])
        assert match, name
        assert match.group(1) in STEPS and f"{match.group(2)}=" in STEPS[match.group(1)]["run"]
    assert {"score", "grade", "passed", "sarif-file"} <= set(ACTION["outputs"])
    for name, value in STEPS["run"]["env"].items():
        if name.startswith("INPUT_"):
            key = value.removeprefix("${{ inputs.").removesuffix(" }}")
            assert key in ACTION["inputs"], name


def _run_step(tmp_path: Path, project: Path, **inputs: str) -> tuple[int, dict[str, str], Path]:
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    output, summary = runner / "output", runner / "summary.md"
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    env = {
        **ENV,
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "TTAPROD_BIN": str(Path(sys.executable).parent),
        "INPUT_PATHS": ".",
        "INPUT_ARGS": "--no-tools --no-cache",
        "INPUT_FAIL_UNDER": "",
        "INPUT_SARIF_FILE": "ttaprod.sarif",
        "INPUT_FAIL_ON_GATE": "true",
        **inputs,
    }
    bash = shutil.which("bash")
    assert bash is not None
    script = runner / "step.sh"
    script.write_text(STEPS["run"]["run"], encoding="utf-8")
    done = subprocess.run(  # how the runner starts a `shell: bash` step
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    values = dict(
        line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line
    )
    assert done.stdout.startswith("::") or done.returncode == 2, done.stdout  # annotations
    return done.returncode, values, summary


@pytest.mark.skipif(not (Path(sys.executable).parent / "ttaprod").exists(), reason="no script")
def test_the_run_step_writes_outputs_sarif_and_summary(tmp_path: Path) -> None:
    project = tmp_path / "svc"
    write(project, {"app/a.py": BARE_CALL, "app/b.py": CLEAN})
    code, values, summary = _run_step(tmp_path, project)
    assert code == 1  # the gate failed: so does the step
    assert values["passed"] == "false" and values["exit-code"] == "1"
    assert 0 <= float(values["score"]) <= 100 and values["grade"] in "ABCDF"
    sarif = json.loads((project / values["sarif-file"]).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    report = json.loads(Path(values["report"]).read_text(encoding="utf-8"))
    assert report["score"] == float(values["score"])
    assert summary.read_text(encoding="utf-8").startswith("## ttaprod: ")

    code, values, _ = _run_step(tmp_path, project, INPUT_FAIL_ON_GATE="false")
    assert code == 0 and values["passed"] == "false"  # reported, not failed
    code, values, _ = _run_step(
        tmp_path, project, INPUT_FAIL_UNDER="0", INPUT_ARGS="--no-tools --select TTP6"
    )
    assert code == 0 and values["passed"] == "true"
    code, values, _ = _run_step(tmp_path, project, INPUT_ARGS="--no-such-flag")
    assert code == 2 and "score" not in values


def test_the_install_step_installs_the_action_s_own_ttaprod(tmp_path: Path) -> None:
    """`pip install $GITHUB_ACTION_PATH` from a snapshot of this package (needs the index)."""
    action = tmp_path / "action"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ttaprod_cache")
    for rel in ("pyproject.toml", "README.md", "action.yml", "src/ttaprod", "rules"):
        if (REPO / rel).is_dir():
            shutil.copytree(REPO / rel, action / rel, ignore=ignore)
        else:
            (action / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, action / rel)
    runner = tmp_path / "runner"
    runner.mkdir()
    output = runner / "output"
    output.write_text("", encoding="utf-8")
    script = runner / "install.sh"
    script.write_text(STEPS["install"]["run"], encoding="utf-8")
    env = {
        **ENV,
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTION_PATH": str(action),
        "TTAPROD_SPEC": "",
        "TTAPROD_TOOLS": "false",
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 and (
        "NewConnectionError" in done.stderr or "No matching" in done.stderr
    ):
        pytest.skip("the package index cannot be reached")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("ttaprod ")
    bin_dir = output.read_text(encoding="utf-8").strip().removeprefix("bin=")
    assert (Path(bin_dir) / "ttaprod").exists()

    project = tmp_path / "svc"
    write(project, {"app/a.py": CLEAN})
    code, values, _ = _run_step(tmp_path, project, TTAPROD_BIN=bin_dir)
    assert code in (0, 1) and values["exit-code"] == str(code)
