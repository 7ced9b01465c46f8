"""The terminal: a progress display only on a TTY, --quiet, 80 columns, shell completion."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from ttaprod import catalogue, progress
from ttaprod.commands import explain_view as explain

from .conftest import BAD, ENV, ttaprod

TOOLS = ("--tools", "ruff,bandit,pyright", "--no-cache")
PROGRESS_WORDS = ("Analysing files", "Running tools")


def _in_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ttaprod with stdout and stderr on a pseudo-terminal; (exit code, all output)."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in ENV.items() if k not in ("CI", "NO_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ttaprod", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other side closed
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", errors="replace")


def test_the_progress_display_draws_without_a_thread_and_leaves_no_trace() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    threads = threading.active_count()
    with progress.TerminalProgress(console, delay=0) as shown:
        shown("files", 3, 10)
        assert threading.active_count() == threads
        time.sleep(progress.INTERVAL_S)
        shown("tools", 1, 3, "pyright")
        drawn = out.getvalue()
    assert "Analysing files" in drawn and "3/10" in drawn
    assert "Running tools" in drawn and "1/3" in drawn and "pyright" in drawn
    assert out.getvalue().endswith("\x1b[2K") or "\x1b[2K" in out.getvalue()[len(drawn) :]


def test_short_runs_and_unknown_stages_draw_nothing() -> None:
    out = io.StringIO()
    with progress.TerminalProgress(Console(file=out, force_terminal=True), delay=60) as shown:
        shown("files", 1, 2)
        shown("other", 1, 2)
    assert out.getvalue() == ""


def test_progress_is_wanted_only_for_the_rich_report_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.wanted(["rich"], quiet=False)
    assert progress.wanted([], quiet=False)  # every format goes to a file
    assert not progress.wanted(["json"], quiet=False)
    assert not progress.wanted(["rich"], quiet=True)
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(["rich"], quiet=False)
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert not progress.wanted(["rich"], quiet=False)


@pytest.mark.skipif(
    shutil.which("pyright") is None and not Path(sys.executable).with_name("pyright").exists(),
    reason="pyright not installed",
)
def test_a_long_run_on_a_terminal_shows_progress_and_piped_runs_do_not(tmp_path: Path) -> None:
    project = tmp_path / "bad"
    shutil.copytree(BAD, project)
    code, seen = _in_pty(["check", ".", *TOOLS], project)
    assert code == 1, seen
    assert any(word in seen for word in PROGRESS_WORDS), seen[-2000:]
    assert "Score" in seen

    piped = ttaprod("check", ".", *TOOLS, cwd=project)
    assert piped.returncode == 1 and "Score" in piped.stdout
    assert not any(w in piped.stdout + piped.stderr for w in PROGRESS_WORDS)

    code, seen = _in_pty(["check", ".", *TOOLS, "-f", "json"], project)
    assert code == 1
    assert json.loads(seen)["version"]  # nothing but the JSON on the terminal


def test_quiet_prints_only_the_verdict_line() -> None:
    done = ttaprod("check", BAD, "--no-tools", "--no-cache", "-q", COLUMNS="200")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [done.stdout.strip()]
    assert done.stdout.startswith("Score ") and "gate FAILED" in done.stdout


def test_rules_and_explain_fit_80_columns() -> None:
    done = ttaprod("rules", COLUMNS="80")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "Error handling" in lines and any(line.startswith("TTP101 ") for line in lines)
    for spec in catalogue.catalogue().values():
        out = io.StringIO()
        explain.render(spec, Console(file=out, width=80, color_system=None))
        text = out.getvalue()
        assert max(cell_len(line) for line in text.splitlines()) <= 80, spec.code
        assert spec.code in text and "Why it matters in production" in text
    single = ttaprod("explain", "TTP101", COLUMNS="80").stdout
    assert "Session methods without" in single  # the TOML breaks the line there: reflowed


def test_shell_completion_installs_and_completes(tmp_path: Path) -> None:
    done = ttaprod("--install-completion", "bash", cwd=tmp_path, SHELL="/bin/bash")
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "ttaprod.sh"
    assert script.is_file() and str(script) in (tmp_path / ".bashrc").read_text()
    shim = tmp_path / "bin" / "ttaprod"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m ttaprod "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    bash = shutil.which("bash")
    assert bash is not None
    for words, cword, expected in [
        ("ttaprod ba", 1, "baseline"),
        ("ttaprod explain TTP10", 2, "TTP101"),
        ("ttaprod check --format s", 3, "sarif"),
        ("ttaprod check --di", 2, "--diff"),
    ]:
        run = (
            f"source {script}; COMP_WORDS=({words}); COMP_CWORD={cword}; "
            'COMP_LINE="$(echo ${COMP_WORDS[@]})"; _ttaprod_completion ttaprod; '
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        result = subprocess.run(
            [bash, "--norc", "-c", run],
            capture_output=True,
            text=True,
            env={**ENV, "PATH": f"{shim.parent}{os.pathsep}{ENV['PATH']}"},
            timeout=60,
        )
        assert expected in result.stdout.split(), (words, result.stdout, result.stderr)
