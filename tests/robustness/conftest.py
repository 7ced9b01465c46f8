"""Helpers for the hostile-input tests: run the CLI as a user would and read what they see."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ttaprod import cli


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


@pytest.fixture
def ttaprod(capsys: pytest.CaptureFixture[str]):
    """`ttaprod ARGS…` in this process (fast): exit code, stdout, stderr. `check` runs the
    rules in preview too: the hostile inputs here meet every rule."""

    def run(*args: str | Path) -> Run:
        argv = [str(a) for a in args]
        if argv[:1] == ["check"] and "--preview" not in argv:
            argv.insert(1, "--preview")
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        captured = capsys.readouterr()
        return Run(int(exit_info.value.code or 0), captured.out, captured.err)

    return run


def run_process(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout=120
) -> Run:
    """`python -m ttaprod ARGS…` in a child process (for crashes, signals, real tools)."""
    result = subprocess.run(
        [sys.executable, "-m", "ttaprod", *(str(a) for a in args)],
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120", **(env or {})},
        timeout=timeout,
    )
    return Run(
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write `name` as an executable shell script in a directory put first on PATH (fault
    injection: a tool that crashes, hangs, forks or prints garbage)."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))

    def make(name: str, body: str) -> Path:
        path = bin_dir / name
        version = f'if [ "$1" = "--version" ]; then echo "{name} 9.9.9"; exit 0; fi\n'
        path.write_text("#!/bin/sh\n" + version + body + "\n", encoding="utf-8")
        path.chmod(0o755)
        return path

    return make


@pytest.fixture
def real_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned tools of this environment first on PATH (CI does not activate the venv)."""
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))
