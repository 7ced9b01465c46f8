"""Helpers for the tool adapter tests: recorded output, fake tools on PATH, the sample service."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SVC = HERE.parent.parent / "fixtures" / "_tools_svc"
RECORDINGS = HERE / "recordings"
SAFETY_DB = HERE.parent.parent / "fixtures" / "_safety_db"
VENV_BIN = str(Path(sys.executable).parent)


def recording(tool: str, root: Path = SVC) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) the pinned tool printed on fixtures/_tools_svc."""
    data = json.loads((RECORDINGS / f"{tool}.json").read_text(encoding="utf-8"))
    fill = str(root)
    return (
        data["stdout"].replace("@ROOT@", fill),
        data["stderr"].replace("@ROOT@", fill),
        data["exit_code"],
    )


@pytest.fixture
def real_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned tools of this environment first on PATH (CI does not activate the venv)."""
    monkeypatch.setenv("PATH", VENV_BIN + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write `name` as an executable shell script in a directory put first on PATH."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))

    def make(name: str, body: str) -> Path:
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return make
