"""The tools' cache with the real ruff, bandit and pyright. Each tool on PATH is a shim that
writes down how it was called and then runs the real tool (observation only: every finding
comes from the real tool). An unchanged tree starts no tool; one changed file is all ruff and
bandit are given; a configuration change, a forged entry or a failed run means running again;
two runs at once both finish and leave a cache the next run can use. And a tool's time runs
from its start to its exit, however late ttaprod looks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ttaprod.api import CheckOptions, check
from ttaprod.config import Config
from ttaprod.formatters import json_report
from ttaprod.tools import cache as tool_cache
from ttaprod.tools import settings
from ttaprod.tools.base import Context
from ttaprod.tools.runner import Session, scratch_dir

from .conftest import VENV_BIN

TOOLS = ("ruff", "bandit", "pyright")
A = 'import os\nimport subprocess\n\n\ndef run(cmd: str) -> int:\n    return subprocess.call(cmd, shell=True)\n'  # fmt: skip
B = "def add(x: int, y: int) -> int:\n    return x + y\n"
C = 'count: int = "one"\n'
FOUND = [
    ("ruff:F401", "app/a.py", 1, []),
    ("bandit:B404", "app/a.py", 2, []),
    ("ruff:S602", "app/a.py", 6, ["bandit:B602"]),
    ("pyright:reportAssignmentType", "app/c.py", 1, []),
]


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Shims for the real tools, first on PATH; returns a function reading the calls so far:
    (tool, arguments) in order, `--version` probes left out."""
    shims, log = tmp_path / "shims", tmp_path / "calls.log"
    shims.mkdir()
    for name in TOOLS:
        shim = shims / name
        shim.write_text(
            "#!/bin/sh\n"
            f'{{ printf "%s" "{name}"; for a in "$@"; do printf "\\t%s" "$a"; done; echo; }}'
            f' >> "{log}"\n'
            f'exec "{VENV_BIN}/{name}" "$@"\n',
            encoding="utf-8",
        )
        shim.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join((str(shims), VENV_BIN, os.environ["PATH"])))

    def read() -> list[tuple[str, tuple[str, ...]]]:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        out = [(line.split("\t")[0], tuple(line.split("\t")[1:])) for line in lines]
        return [(tool, args) for tool, args in out if args != ("--version",)]

    return read


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    for name, text in (("__init__.py", ""), ("a.py", A), ("b.py", B), ("c.py", C)):
        (root / "app" / name).write_text(text, encoding="utf-8")
    return root


def _run(root: Path, tmp_path: Path, **options: object) -> dict:
    base = CheckOptions(paths=(root,), tools=TOOLS, cache_dir=tmp_path / "cache")
    return json_report.report_dict(check(replace(base, **options)))  # type: ignore[arg-type]


def _found(data: dict) -> list[tuple[str, str, int, list[str]]]:
    return [(f["rule"], f["path"], f["line"], f["also_reported_by"]) for f in data["findings"]]


def _tools(data: dict) -> dict[str, tuple[str, int, bool]]:
    return {t["name"]: (t["status"], t["findings"], t.get("cached", False)) for t in data["tools"]}


def _files(args: tuple[str, ...]) -> list[str]:
    """The files a tool was given (after `--`; pyright takes its files last, without it)."""
    if "--" in args:
        return list(args[args.index("--") + 1 :])
    return [a for a in args if a.endswith(".py")]


def _stable(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    data["stats"]["duration_s"] = 0
    for tool in data["tools"]:
        tool["duration_s"] = 0
        tool.pop("cached", None)
    return data


def test_an_unchanged_tree_starts_no_tool(tmp_path: Path, calls) -> None:
    root = _project(tmp_path)
    cold = _run(root, tmp_path)
    assert _found(cold) == FOUND
    assert sorted(tool for tool, _ in calls()) == ["bandit", "pyright", "ruff"]
    assert _tools(cold) == {
        "ruff": ("ok", 2, False), "pyright": ("ok", 1, False), "bandit": ("ok", 2, False),
        "safety": ("skipped", 0, False),
    }  # fmt: skip
    before = calls()
    warm = _run(root, tmp_path)
    assert calls() == before  # not one process started
    assert _tools(warm) == {
        "ruff": ("ok", 2, True), "pyright": ("ok", 1, True), "bandit": ("ok", 2, True),
        "safety": ("skipped", 0, False),
    }  # fmt: skip
    assert [t["duration_s"] for t in warm["tools"]] == [0.0, 0.0, 0.0, 0.0]
    assert _stable(warm) == _stable(cold)  # the same report, timings aside
    # --no-cache: every tool runs again
    _run(root, tmp_path, no_cache=True)
    assert sorted(tool for tool, _ in calls()[len(before) :]) == ["bandit", "pyright", "ruff"]


def test_one_changed_file_is_all_ruff_and_bandit_are_given(tmp_path: Path, calls) -> None:
    root = _project(tmp_path)
    _run(root, tmp_path)
    seen = len(calls())
    (root / "app" / "b.py").write_text("import sys\n\n" + B, encoding="utf-8")
    data = _run(root, tmp_path)
    again = {tool: _files(args) for tool, args in calls()[seen:]}
    assert again == {
        "ruff": ["app/b.py"],
        "bandit": ["app/b.py"],
        "pyright": [],  # its input changed: it runs, on its own config of every checked file
    }
    assert _found(data) == [*FOUND[:3], ("ruff:F401", "app/b.py", 1, []), FOUND[3]]
    assert _tools(data)["ruff"] == ("ok", 3, False)
    # without pyright (`--tools ruff,bandit`), the next change starts ruff and bandit only
    seen = len(calls())
    (root / "app" / "b.py").write_text(B, encoding="utf-8")
    data = _run(root, tmp_path, tools=("ruff", "bandit"))
    assert [(tool, _files(args)) for tool, args in sorted(calls()[seen:])] == [
        ("bandit", ["app/b.py"]),
        ("ruff", ["app/b.py"]),
    ]
    assert _found(data) == FOUND[:3]


def test_a_config_change_runs_the_tools_again(tmp_path: Path, calls) -> None:
    root = _project(tmp_path)
    _run(root, tmp_path)
    seen = len(calls())
    (root / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["F"]\n', encoding="utf-8")
    data = _run(root, tmp_path)
    again = sorted((tool, _files(args)) for tool, args in calls()[seen:])
    assert [tool for tool, _ in again] == ["bandit", "pyright", "ruff"]
    assert dict(again)["ruff"] == ["app/__init__.py", "app/a.py", "app/b.py", "app/c.py"]
    # ruff now follows the project's own selection: S602 is bandit's alone
    assert _found(data) == [
        ("ruff:F401", "app/a.py", 1, []),
        ("bandit:B404", "app/a.py", 2, []),
        ("bandit:B602", "app/a.py", 6, []),
        ("pyright:reportAssignmentType", "app/c.py", 1, []),
    ]


def test_a_forged_entry_is_dropped_and_its_file_checked_again(
    tmp_path: Path, calls, caplog
) -> None:
    root = _project(tmp_path)
    _run(root, tmp_path)
    target = tmp_path / "cache" / tool_cache.SUBDIR / "ruff.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    assert sorted(data["files"]) == ["app/__init__.py", "app/a.py", "app/b.py", "app/c.py"]
    data["files"]["app/a.py"]["findings"] = []  # "clean", with the right key
    data["files"]["app/b.py"]["findings"] = [{"code": "F401", "pos": "everywhere"}]
    target.write_text(json.dumps(data), encoding="utf-8")
    seen = len(calls())
    found = _run(root, tmp_path)
    assert [(tool, _files(args)) for tool, args in calls()[seen:]] == [("ruff", ["app/b.py"])]
    assert [r.getMessage() for r in caplog.records] == [
        f"cache {target}: 1 invalid entry dropped; those files were checked again"
    ]
    # a well-formed lie with the right key is believed: the cache is the user's own (README)
    assert _found(found) == [FOUND[1], ("bandit:B602", "app/a.py", 6, []), FOUND[3]]


def test_a_failed_tool_is_never_cached(tmp_path: Path, calls, monkeypatch) -> None:
    root = _project(tmp_path)
    shim = tmp_path / "shims" / "ruff"
    real = shim.read_text(encoding="utf-8")
    shim.write_text(real.replace("exec ", 'echo "error: boom" >&2; exit 2\nexec '), "utf-8")
    data = _run(root, tmp_path, tools=("ruff",))
    assert _tools(data)["ruff"] == ("failed", 0, False)
    assert not (tmp_path / "cache" / tool_cache.SUBDIR / "ruff.json").exists()
    shim.write_text(real, encoding="utf-8")
    data = _run(root, tmp_path, tools=("ruff",))
    assert _tools(data)["ruff"] == ("ok", 2, False)
    assert [tool for tool, _ in calls()] == ["ruff", "ruff"]


def test_two_runs_at_once_both_finish_and_leave_a_valid_cache(tmp_path: Path, calls) -> None:
    root = _project(tmp_path)
    for i in range(20):
        (root / "app" / f"m{i}.py").write_text(f"import os\nVALUE = {i}\n", encoding="utf-8")
    where = tmp_path / "cache"
    argv = [sys.executable, "-m", "ttaprod", "check", str(root), "--tools", "ruff,bandit"]
    argv += ["--cache-dir", str(where), "-f", "json"]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outputs = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [1, 1]
    assert [err for _, err in outputs] == [b"", b""]
    reports = [_stable(json.loads(out)) for out, _ in outputs]
    assert reports[0] == reports[1]
    assert len([f for f in reports[0]["findings"] if f["rule"] == "ruff:F401"]) == 21
    for tool in ("ruff", "bandit"):
        data = json.loads((where / tool_cache.SUBDIR / f"{tool}.json").read_text("utf-8"))
        assert len(data["files"]) == 24
    assert sorted(p.name for p in (where / tool_cache.SUBDIR).iterdir()) == [
        "bandit.json",
        "ruff.json",
    ]  # no temporary file left behind
    seen = len(calls())
    third = subprocess.run(argv, capture_output=True, timeout=300)
    assert (third.returncode, third.stderr) == (1, b"")
    assert calls()[seen:] == []
    assert _stable(json.loads(third.stdout)) == reports[0]


def test_a_tool_time_runs_from_start_to_exit(tmp_path: Path, fake_tools) -> None:
    """ttaprod looks at the tools only between files: a tool that ends while a large file is
    parsed is still timed to its exit."""
    version = 'if [ "$1" = "--version" ]; then echo "ruff 9.9.9"; exit 0; fi\n'
    fake_tools("ruff", version + 'sleep 0.3\necho "[]"')
    root = _project(tmp_path)
    chosen = settings.resolve(Config(), ("ruff",))
    ctx = Context(root, (".",), ("app/a.py",), (), Config(), chosen["ruff"], scratch_dir())
    with Session(ctx, chosen) as session:
        session.start()
        time.sleep(2.0)  # busy elsewhere, not polling
        (run,) = [r for r in session.finish() if r.name == "ruff"]
    assert run.status.value == "ok"
    assert 0.25 <= run.duration_s < 1.0, run.duration_s
