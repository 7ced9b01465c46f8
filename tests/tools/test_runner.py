"""The shared runner: statuses under fault injection, timeouts, overlap, selection, settings."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ttaprod import cli
from ttaprod.api import CheckOptions, UsageError, check
from ttaprod.config import ConfigError, from_table
from ttaprod.models import Report, ToolStatus
from ttaprod.tools import runner, settings

VERSION = 'if [ "$1" = "--version" ]; then echo "{name} 9.9.9"; exit 0; fi'
EMPTY = {
    "ruff": "echo '[]'",
    "bandit": """echo '{"errors": [], "results": []}'; exit 0""",
    "pyright": """echo '{"version": "9.9.9", "generalDiagnostics": []}'; exit 0""",
}
FakeTools = Callable[[str, str], Path]


def _project(root: Path, config: str = "") -> Path:
    (root / "svc").mkdir()
    (root / "svc" / "app.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    if config:
        (root / "svc" / "pyproject.toml").write_text(config, encoding="utf-8")
    return root / "svc"


def _fake(fake_tools: FakeTools, name: str, body: str) -> None:
    fake_tools(name, VERSION.format(name=name) + "\n" + body)


def _runs(report: Report) -> dict[str, tuple[str, str]]:
    return {t.name: (t.status.value, t.reason) for t in report.tools}


def test_crash_hang_broken_json_and_missing_tools_still_finish(
    tmp_path: Path, fake_tools: FakeTools
) -> None:
    _fake(
        fake_tools,
        "ruff",
        "echo 'Traceback (most recent call last):' >&2\necho 'RuntimeError: boom' >&2\nexit 3",
    )
    pidfile = tmp_path / "pyright.pid"
    _fake(fake_tools, "pyright", f"sleep 30 &\necho $! > {pidfile}\nwait")
    _fake(fake_tools, "bandit", "echo '{\"results\": [ oops'\nexit 0")
    root = _project(
        tmp_path,
        '[tool.ttaprod]\ntool-timeout = 1\n[tool.ttaprod.tools]\nsafety = { command = "x" }\n',
    )
    started = time.monotonic()
    report = check(CheckOptions(paths=(root,), no_cache=True))
    elapsed = time.monotonic() - started
    runs = _runs(report)
    assert runs["ruff"] == ("failed", "RuntimeError: boom")
    assert runs["pyright"] == ("timeout", "no result within 1 s (tool-timeout)")
    assert runs["bandit"][0] == "failed" and runs["bandit"][1].startswith("unreadable JSON output")
    assert runs["safety"][0] == "unavailable"
    assert elapsed < 10
    versions = {t.name: t.version for t in report.tools}
    assert versions["ruff"] == "9.9.9" and versions["bandit"] == "9.9.9"
    # The hung tool's whole process group was killed, children included.
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the hung tool's child process survived the timeout")
    items = {i.id: (i.status.value, i.reason) for i in report.checklist}
    assert items["quality.lint"] == ("skip", "ruff failed: RuntimeError: boom")
    assert (
        items["quality.type-check"][0] == "skip"
        and "pyright timeout" in items["quality.type-check"][1]
    )


def test_a_missing_tool_is_unavailable_with_the_install_hint(tmp_path: Path) -> None:
    root = _project(tmp_path, '[tool.ttaprod.tools]\nbandit = "bandit-that-is-not-installed"\n')
    report = check(CheckOptions(paths=(root,), tools=("bandit",), no_cache=True))
    status, reason = _runs(report)["bandit"]
    assert status == "unavailable"
    assert reason == "bandit-that-is-not-installed not found on PATH (pip install 'ttaprod[tools]')"


def test_lookup_falls_back_to_ttaprods_own_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = runner.find_executable(Path(sys.executable).name)
    assert found is not None and Path(found).parent == Path(sys.executable).parent
    assert runner.find_executable("surely-not-a-tool-name") is None


def test_cli_exit_codes_follow_the_gate_and_require_tools(
    tmp_path: Path, fake_tools: FakeTools, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(fake_tools, "ruff", "echo 'error: cannot read config' >&2\nexit 2")
    root = _project(tmp_path)

    def run(*args: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            # --fail-under 0: this tiny project's score is not what is under test here
            argv = ["check", str(root), "--tools", "ruff", "--no-cache", "--fail-under", "0"]
            cli.main([*argv, "-f", "json", *args])
        return int(exit_info.value.code or 0)

    assert run() == 0  # a failing tool does not fail the gate by itself
    data = json.loads(capsys.readouterr().out)
    assert [t["status"] for t in data["tools"]] == ["failed", "skipped", "skipped", "skipped"]
    (root / "pyproject.toml").write_text(
        '[tool.ttaprod]\nrequire-tools = ["ruff"]\n', encoding="utf-8"
    )
    assert run() == 1
    data = json.loads(capsys.readouterr().out)
    assert data["gate"]["require_tools"] == ["ruff"]
    assert "required tool ruff did not run (failed)" in data["gate"]["reasons"]
    assert run("--tools", "ruff,nope") == 2
    assert "unknown tool 'nope'" in capsys.readouterr().err


def test_tools_overlap_instead_of_adding_up(tmp_path: Path, fake_tools: FakeTools) -> None:
    for name, body in EMPTY.items():
        _fake(fake_tools, name, f"sleep 1\n{body}")
    root = _project(tmp_path)
    started = time.monotonic()
    report = check(CheckOptions(paths=(root,), tools=("ruff", "bandit", "pyright"), no_cache=True))
    elapsed = time.monotonic() - started
    durations = {t.name: t.duration_s for t in report.tools if t.status is ToolStatus.OK}
    assert set(durations) == {"ruff", "bandit", "pyright"}
    assert all(d >= 1.0 for d in durations.values())
    assert elapsed < 2.5, f"three 1 s tools took {elapsed:.2f} s: they ran one after another"


def test_no_tools_and_selection_mark_the_others_skipped(
    tmp_path: Path, fake_tools: FakeTools
) -> None:
    _fake(fake_tools, "ruff", EMPTY["ruff"])
    root = _project(tmp_path)
    report = check(CheckOptions(paths=(root,), no_tools=True, no_cache=True))
    assert set(_runs(report).values()) == {("skipped", "--no-tools")}
    report = check(CheckOptions(paths=(root,), tools=("ruff",), no_cache=True))
    runs = _runs(report)
    assert runs["ruff"] == ("ok", "")
    assert runs["bandit"] == ("skipped", "not selected by --tools")
    (root / "pyproject.toml").write_text("[tool.ttaprod.tools]\nruff = false\n", encoding="utf-8")
    report = check(CheckOptions(paths=(root,), no_cache=True))
    assert _runs(report)["ruff"] == ("skipped", "disabled in config")
    report = check(CheckOptions(paths=(root,), no_cache=True, tools=("ruff",)))
    assert _runs(report)["ruff"] == ("ok", "")  # the command line asks for it explicitly


def test_config_keys_are_validated() -> None:
    config = from_table(
        {
            "tools": {
                "pyright": "basedpyright",
                "bandit": False,
                "ruff": {"timeout": 60, "args": ["--preview"]},
            },
            "tool-timeout": 120,
            "require-tools": ["ruff"],
            "safety-db": "db",
        },
        None,
    )
    chosen = settings.resolve(config)
    assert chosen["pyright"].command == "basedpyright" and chosen["pyright"].timeout == 120
    assert not chosen["bandit"].enabled and chosen["bandit"].reason == "disabled in config"
    assert chosen["ruff"].timeout == 60 and chosen["ruff"].args == ("--preview",)
    assert chosen["safety"].enabled
    bad = [
        {"tools": {"mypy": True}},
        {"tools": {"ruff": {"timeout": 0}}},
        {"tools": {"ruff": {"colour": "red"}}},
        {"tools": {"ruff": 3}},
        {"tool-timeout": "soon"},
        {"require-tools": ["ruff", "pylint"]},
        {"safety-db": ""},
    ]
    for table in bad:
        with pytest.raises(ConfigError):
            from_table(table, None)


def test_a_bad_tools_config_is_a_usage_error(tmp_path: Path) -> None:
    root = _project(tmp_path, "[tool.ttaprod.tools]\nmypy = true\n")
    with pytest.raises(UsageError, match="unknown tool 'mypy'"):
        check(CheckOptions(paths=(root,), no_cache=True))


def test_basedpyright_is_a_drop_in(tmp_path: Path, fake_tools: FakeTools) -> None:
    diagnostic = {
        "file": str(tmp_path / "svc" / "app.py"),
        "severity": "error",
        "message": "Type of parameter is partially unknown",
        "range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 9}},
        "rule": "reportUnknownParameterType",
    }
    output = json.dumps({"version": "1.29.0", "generalDiagnostics": [diagnostic]})
    fake_tools("basedpyright", f"echo '{output}'\nexit 1")
    root = _project(tmp_path, '[tool.ttaprod.tools]\npyright = "basedpyright"\n')
    report = check(CheckOptions(paths=(root,), tools=("pyright",), no_cache=True))
    run = next(t for t in report.tools if t.name == "pyright")
    assert (run.status, run.version, run.findings) == (ToolStatus.OK, "1.29.0", 1)
    (finding,) = [f for f in report.findings if f.source == "pyright"]
    assert (finding.rule, finding.line, finding.column) == (
        "pyright:reportUnknownParameterType",
        1,
        9,
    )


def test_tool_rules_obey_ignore_per_file_ignores_and_severity(
    tmp_path: Path, fake_tools: FakeTools
) -> None:
    def diagnostic(code: str, path: str) -> dict:
        return {
            "code": code,
            "filename": str(tmp_path / "svc" / path),
            "location": {"row": 1, "column": 1},
            "end_location": {"row": 1, "column": 4},
            "message": f"{code} here",
        }

    (tmp_path / "svc" / "tests").mkdir(parents=True)
    (tmp_path / "svc" / "tests" / "test_app.py").write_text("def test_x() -> None:\n    pass\n")
    output = json.dumps(
        [
            diagnostic("F401", "app.py"),
            diagnostic("T201", "app.py"),
            diagnostic("E711", "tests/test_app.py"),
        ]
    )
    _fake(fake_tools, "ruff", f"echo '{output}'")
    (tmp_path / "svc" / "app.py").write_text("import os\n")
    config = (
        '[tool.ttaprod]\nignore = ["ruff:T2"]\n'
        '[tool.ttaprod.per-file-ignores]\n"tests/**" = ["ruff:"]\n'
        '[tool.ttaprod.severity]\n"ruff:F401" = "high"\n'
    )
    (tmp_path / "svc" / "pyproject.toml").write_text(config, encoding="utf-8")
    report = check(CheckOptions(paths=(tmp_path / "svc",), tools=("ruff",), no_cache=True))
    assert [(f.rule, f.path, f.severity.value) for f in report.findings if f.source == "ruff"] == [
        ("ruff:F401", "app.py", "high")
    ]


def test_the_scratch_directory_is_removed_even_when_the_analysis_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ttaprod import api

    made: list[Path] = []
    real = runner.scratch_dir

    def scratch() -> Path:
        made.append(real())
        return made[-1]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("analysis crashed")

    monkeypatch.setattr("ttaprod.tools.scratch_dir", scratch)
    monkeypatch.setattr(api, "_analyse", broken)
    with pytest.raises(RuntimeError):
        check(CheckOptions(paths=(_project(tmp_path),), no_tools=True, no_cache=True))
    assert made and not made[0].exists()
