"""What reaches a terminal: control characters and escape sequences in file names, messages,
code lines and baseline messages are written escaped in every human format, with or without
colour; a report that cannot be written is one line and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run_process

ESC_NAME = "evil\x1b[2J\x1b]0;pwned\x07.py"
SHOWN_NAME = "evil\\x1b[2J\\x1b]0;pwned\\x07.py"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ESC_NAME).write_text("print('hi')\n", encoding="utf-8")
    # a code line carrying an escape sequence, a C1 control and a bidi override
    (root / "app.py").write_text(
        "print('x')  # \x1b[31mred\x1b[0m \x9b2Jfake \u202eevil\n", encoding="utf-8"
    )
    return root


HUMAN = ("rich", "markdown", "github", "junit")


@pytest.mark.parametrize("fmt", HUMAN)
@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"FORCE_COLOR": "1"}])
def test_escape_sequences_never_reach_a_person(
    tmp_path: Path, ttaprod, monkeypatch, fmt: str, env: dict[str, str]
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    root = _project(tmp_path / "svc")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-f", fmt)
    assert run.code == 1
    text = run.out
    if fmt == "rich" and "FORCE_COLOR" in env:  # rich's own colour codes: ours are \x1b[…m
        text = text.replace("\x1b[", "")
    for char in RAW:
        assert char not in text, (fmt, repr(char))
    assert SHOWN_NAME.replace("[", "\\[") in text or SHOWN_NAME in text


def test_the_escapes_are_shown_not_dropped(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    run = ttaprod("check", root, "--no-tools", "--no-cache")
    assert SHOWN_NAME in run.out
    assert "# \\x1b[31mred\\x1b[0m \\x9b2Jfake \\u202eevil" in run.out
    data = json.loads(ttaprod("check", root, "--no-tools", "--no-cache", "-f", "json").out)
    assert ESC_NAME in {f["path"] for f in data["findings"]}  # machine formats keep the name


def test_baseline_messages_cannot_forge_lines(tmp_path: Path, ttaprod, monkeypatch) -> None:
    """A baseline is committed to the repository: its messages are shown for stale entries."""
    monkeypatch.setenv("COLUMNS", "200")
    root = tmp_path / "svc"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    forged = "gone\n  app.py TTP401 critical\x1b[31m forged line\x1b[0m\r\x9b2J"
    baseline = root / ".ttaprod-baseline.json"
    baseline.write_text(
        json.dumps(
            {
                "version": 1,
                "findings": [
                    {"rule": "TTP203", "path": "app.py", "fingerprint": "f" * 20, "message": forged}
                ],
            }
        ),
        encoding="utf-8",
    )
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--baseline", baseline)
    for char in RAW:
        assert char not in run.out
    stale = [line for line in run.out.splitlines() if "TTP203" in line]
    assert stale == [
        "  app.py TTP203 gone\\x0a  app.py TTP401 critical\\x1b[31m forged line\\x1b[0m\\x0d\\x9b2J"
    ]


def test_a_full_disk_on_output_is_one_line(tmp_path: Path, ttaprod) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    for flags in (
        ("-o", "/dev/full"),
        ("-f", "json=/dev/full"),
        ("-f", "sarif", "-o", "/dev/full"),
    ):
        run = ttaprod("check", root, "--no-tools", "--no-cache", *flags)
        assert (run.code, run.err_lines) == (
            2,
            ["ttaprod: error: cannot write /dev/full: No space left on device"],
        )


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["rich", "json"])
def test_a_full_disk_on_stdout_is_one_line(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "-f", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=120,
        )
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "ttaprod: error: cannot write the report to standard output: No space left on device"
    ]


@pytest.mark.slow
def test_a_terminal_that_is_not_utf8_gets_escapes_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "café_☕.py").write_text("print('✓')\n", encoding="utf-8")
    run = run_process("check", root, "--no-tools", "--preview", env={"PYTHONIOENCODING": "latin-1"})
    assert run.code == 1 and "Traceback" not in run.err
    assert "caf" in run.out
