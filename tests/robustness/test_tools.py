"""Tools that lie, crash, hang or fork: each is a `failed`/`timeout` status with its reason,
never the run; no process is left behind; the tools see only the files ttaprod checks."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ttaprod.api import CheckOptions, check
from ttaprod.models import Report

GOOD = "def add(a: int, b: int) -> int:\n    return a + b\n"
RUFF_ITEM = {
    "code": "F401",
    "filename": "@ROOT@/app.py",
    "location": {"row": 1, "column": 1},
    "end_location": {"row": 1, "column": 5},
    "message": "unused",
}
PYRIGHT_ITEM = {
    "file": "@ROOT@/app.py",
    "severity": "error",
    "rule": "reportGeneralTypeIssues",
    "message": "bad",
    "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 3}},
}
BANDIT_ITEM = {
    "filename": "@ROOT@/app.py",
    "test_id": "B101",
    "issue_severity": "LOW",
    "issue_text": "assert used",
    "line_number": 1,
    "line_range": [1],
    "col_offset": 0,
    "end_col_offset": 4,
}


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(GOOD, encoding="utf-8")
    return root


def _runs(report: Report) -> dict[str, tuple[str, str]]:
    return {t.name: (t.status.value, t.reason) for t in report.tools}


def _serve(fake_tools, tmp_path: Path, name: str, output: str, code: int = 0) -> None:
    """`name` prints `output` (from a file: any size, any bytes) and exits with `code`."""
    target = tmp_path / f"{name}.out"
    target.write_text(output, encoding="utf-8")
    fake_tools(name, f"cat '{target}'\nexit {code}")


def _with(template: dict, **changes: object) -> dict:
    return {**template, **changes}


def _ruff(items: object) -> str:
    return json.dumps(items)


def _pyright(items: object) -> str:
    return json.dumps({"version": "9.9.9", "generalDiagnostics": items})


def _bandit(items: object) -> str:
    return json.dumps({"errors": [], "results": items})


WRAP = {
    "ruff": (_ruff, RUFF_ITEM, 0),
    "pyright": (_pyright, PYRIGHT_ITEM, 1),
    "bandit": (_bandit, BANDIT_ITEM, 1),
}
CASES = {
    "ruff": [
        (_with(RUFF_ITEM, location=[1, 1]), "unexpected JSON output ('location' is list)"),
        (_with(RUFF_ITEM, location="1:1"), "unexpected JSON output ('location' is str)"),
        (_with(RUFF_ITEM, location={"row": "1", "column": 1}), "unexpected JSON output (a position is str)"),
        (_with(RUFF_ITEM, filename="@ROOT@/a\u0000pp.py"), "unexpected JSON output (a file name with a NUL byte)"),
        (_with(RUFF_ITEM, filename=["app.py"]), "unexpected JSON output (a file name is list)"),
        (_with(RUFF_ITEM, location={"row": 10**12, "column": 1}), f"unexpected JSON output (a position out of range ({10**12}))"),
        (_with(RUFF_ITEM, code={"x": 1}), "unexpected JSON output (a rule code is dict)"),
        (_with(RUFF_ITEM, message=5), "unexpected JSON output (a message is int)"),
        (_with(RUFF_ITEM, fix=[1]), "unexpected JSON output (a fix is list)"),
    ],
    "pyright": [
        (_with(PYRIGHT_ITEM, range=[0, 0]), "unexpected JSON output (a range is list)"),
        (_with(PYRIGHT_ITEM, range={"start": "0:0"}), "unexpected JSON output (a range's start is str)"),
        (_with(PYRIGHT_ITEM, file="@ROOT@/app\u0000.py"), "unexpected JSON output (a file name with a NUL byte)"),
        (_with(PYRIGHT_ITEM, rule=7), "unexpected JSON output (a rule name is int)"),
        (_with(PYRIGHT_ITEM, range={"start": {"line": -5, "character": 0}}), "unexpected JSON output (a position out of range (-4))"),
    ],
    "bandit": [
        (_with(BANDIT_ITEM, line_range=5), "unexpected JSON output (a line range is int)"),
        (_with(BANDIT_ITEM, line_range=["1"]), "unexpected JSON output (a line range that is not a list of numbers)"),
        (_with(BANDIT_ITEM, line_number="1"), "unexpected JSON output (a line number is str)"),
        (_with(BANDIT_ITEM, filename="@ROOT@/a\u0000.py"), "unexpected JSON output (a file name with a NUL byte)"),
        (_with(BANDIT_ITEM, col_offset=1.5), "unexpected JSON output (a column is float)"),
    ],
}  # fmt: skip
PARAMS = [
    pytest.param(tool, item, reason, id=f"{tool}-{i}")
    for tool, cases in CASES.items()
    for i, (item, reason) in enumerate(cases)
]


@pytest.mark.parametrize(("tool", "item", "reason"), PARAMS)
def test_a_field_of_the_wrong_type_or_range_fails_that_tool_only(
    tmp_path: Path, fake_tools, tool: str, item: dict, reason: str
) -> None:
    root = _project(tmp_path / "svc")
    wrap, good, code = WRAP[tool]
    output = wrap([good, item]).replace("@ROOT@", str(root))
    _serve(fake_tools, tmp_path, tool, output, code)
    report = check(CheckOptions(paths=(root,), tools=(tool,), no_cache=True))
    assert _runs(report)[tool] == ("failed", reason)
    assert not [f for f in report.findings if f.source == tool]
    assert report.stats.files == 1


@pytest.mark.parametrize("tool", ["ruff", "pyright", "bandit"])
def test_deep_json_or_garbage_fails_that_tool_only(tmp_path: Path, fake_tools, tool) -> None:
    root = _project(tmp_path / "svc")
    _serve(fake_tools, tmp_path, tool, "[" * 10_000 + "]" * 10_000, WRAP[tool][2])
    report = check(CheckOptions(paths=(root,), tools=(tool,), no_cache=True))
    assert _runs(report)[tool] == ("failed", "unreadable JSON output (nested too deeply)")
    (tmp_path / f"{tool}.out").write_bytes(b"\x00\xff\xfe garbage \x1b[2J")
    report = check(CheckOptions(paths=(root,), tools=(tool,), no_cache=True))
    status, reason = _runs(report)[tool]
    assert status == "failed" and reason.startswith("unreadable JSON output (")


def test_output_past_the_bound_is_not_read(tmp_path: Path, fake_tools, monkeypatch) -> None:
    from ttaprod.tools import runner

    monkeypatch.setattr(runner, "MAX_OUTPUT", 1024 * 1024)
    root = _project(tmp_path / "svc")
    fake_tools("ruff", "head -c 3000000 /dev/zero")
    report = check(CheckOptions(paths=(root,), tools=("ruff",), no_cache=True))
    assert _runs(report)["ruff"] == ("failed", "output of 2 MB, over 1 MB")


SAFETY_OK = {"$meta": {"timestamp": 1700000000}, "requests": [{"id": "pyup.io-1", "specs": ["<3"], "advisory": "x"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("database", "status"),
    [
        ({"requests": 5}, ("failed", "advisory database: 'requests' holds int, not a list")),
        (
            {"requests": [{"id": "1", "specs": 5}]},
            ("failed", "advisory for 'requests': 'specs' is int, not a list of strings"),
        ),
        (
            {"requests": [{"id": "1", "specs": ["<3"], "ids": 7}]},
            ("failed", "advisory for 'requests': 'ids' is int, not a list"),
        ),
        ({**SAFETY_OK, "$meta": {"timestamp": 10**30}}, ("ok", "advisory db")),
        ({**SAFETY_OK, "$meta": {"timestamp": -(10**15)}}, ("ok", "advisory db")),
        ({**SAFETY_OK, "$meta": {"timestamp": math.nan}}, ("ok", "advisory db")),
        ({"$meta": {"timestamp": 1700000000}, "requests": SAFETY_OK["requests"]}, ("ok", "advisory db 2023-11-14")),
    ],
    ids=["int-package", "int-specs", "int-ids", "huge-stamp", "negative-stamp", "nan-stamp", "good"],
)  # fmt: skip
def test_a_hostile_safety_database_fails_safety_only(
    tmp_path: Path, database: dict, status: tuple[str, str]
) -> None:
    root = _project(tmp_path / "svc")
    (root / "requirements.txt").write_text("requests==2.0.0\n", encoding="utf-8")
    db = tmp_path / "insecure_full.json"
    db.write_text(json.dumps(database), encoding="utf-8")
    report = check(CheckOptions(paths=(root,), tools=("safety",), safety_db=db, no_cache=True))
    run = next(t for t in report.tools if t.name == "safety")
    if status[0] == "ok":
        assert (run.status.value, run.version) == status
        assert [f.rule for f in report.findings if f.source == "safety"] == ["safety:1"]
    else:
        assert (run.status.value, run.reason) == status


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "deep"])
def test_an_unreadable_safety_database_fails_fast(tmp_path: Path, kind: str) -> None:
    root = _project(tmp_path / "svc")
    db = tmp_path / "insecure_full.json"
    if kind == "dev-zero":
        os.symlink("/dev/zero", db)
        why = f"cannot read {db}: is a device"
    elif kind == "fifo":
        os.mkfifo(db)
        why = f"cannot read {db}: is a named pipe"
    else:
        db.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
        why = "advisory database is not JSON (nested too deeply)"
    started = time.monotonic()
    report = check(CheckOptions(paths=(root,), tools=("safety",), safety_db=db, no_cache=True))
    assert _runs(report)["safety"] == ("failed", why)
    assert time.monotonic() - started < 30


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_tool_that_forks_and_exits_leaves_no_child_behind(tmp_path: Path, fake_tools) -> None:
    root = _project(tmp_path / "svc")
    pidfile = tmp_path / "child.pid"
    fake_tools("ruff", f"sleep 300 &\necho $! > '{pidfile}'\necho '[]'\nexit 0")
    report = check(CheckOptions(paths=(root,), tools=("ruff",), no_cache=True))
    assert _runs(report)["ruff"] == ("ok", "")
    assert _gone(int(pidfile.read_text())), "the tool's child outlived ttaprod's run"


def test_a_tool_that_forks_and_hangs_is_killed_with_its_children(
    tmp_path: Path, fake_tools
) -> None:
    root = _project(tmp_path / "svc")
    (root / "pyproject.toml").write_text("[tool.ttaprod]\ntool-timeout = 1\n", encoding="utf-8")
    pidfile = tmp_path / "child.pid"
    fake_tools("bandit", f"sh -c 'sleep 300' &\necho $! > '{pidfile}'\nsleep 300")
    started = time.monotonic()
    report = check(CheckOptions(paths=(root,), tools=("bandit",), no_cache=True))
    assert _runs(report)["bandit"] == ("timeout", "no result within 1 s (tool-timeout)")
    assert time.monotonic() - started < 15
    assert _gone(int(pidfile.read_text()))


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, "terminated by SIGTERM"),
    (signal.SIGINT, 130, "interrupted"),
])  # fmt: skip
def test_a_signal_mid_run_kills_the_tools_and_removes_their_output(
    tmp_path: Path, fake_tools, signum: int, code: int, said: str
) -> None:
    """A CI job timeout sends SIGTERM: bandit's output (every credential it saw) must not stay
    in $TMPDIR, and the slow tool must not keep running."""
    root = _project(tmp_path / "svc")
    temp = tmp_path / "tmp"
    temp.mkdir()
    pidfile = tmp_path / "tool.pid"
    fake_tools("bandit", f"echo $$ > '{pidfile}'\necho 'password = hunter2-secret'\nsleep 300")
    process = subprocess.Popen(
        [sys.executable, "-m", "ttaprod", "check", str(root), "--tools", "bandit", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(temp), "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not list(temp.glob("ttaprod-tools-*/bandit/main.out")):
        assert time.monotonic() < deadline, "the tool never started"
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == code
    assert err.decode().strip().splitlines() == [f"ttaprod: error: {said}"]
    assert list(temp.iterdir()) == []
    assert _gone(int(pidfile.read_text()))


@pytest.mark.slow
def test_the_tools_see_only_what_ttaprod_checks(tmp_path: Path, real_tools) -> None:
    """A symlink to /dev/zero, a FIFO named like a module, a 5,000-deep file and a file over
    the size limit: each is reported by ttaprod, none reaches a tool (ruff once followed the
    symlink to 3 GB, blocked on the FIFO until its timeout, and crashed on the deep file,
    failing for the whole project)."""
    root = _project(tmp_path / "svc")
    (root / "pyproject.toml").write_text(
        "[tool.ttaprod]\ntool-timeout = 60\nmax-file-size-kb = 64\n", encoding="utf-8"
    )
    os.symlink("/dev/zero", root / "zero.py")
    os.mkfifo(root / "pipe.py")
    (root / "deep.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (root / "big.py").write_text("import os\n" * 10_000, encoding="utf-8")
    (root / "used.py").write_text("import os\n", encoding="utf-8")
    started = time.monotonic()
    report = check(CheckOptions(paths=(root,), tools=("ruff", "pyright", "bandit"), no_cache=True))
    assert time.monotonic() - started < 60
    runs = _runs(report)
    # ruff's parser overflows its stack on deep.py: run again without it (big.py, over the
    # size limit, was never given to a tool)
    assert runs["ruff"] == ("ok", "run again without 1 file(s) ttaprod could not analyse (deep.py)")
    assert runs["pyright"][0] == "ok" and runs["bandit"][0] == "ok"
    notices = sorted(
        (f.path, f.rule, f.message) for f in report.findings if f.rule.startswith("TTP9")
    )
    assert notices == [
        ("big.py", "TTP903", "file is 97 KiB, over the 64 KiB limit (max-file-size-kb); not analysed"),
        ("deep.py", "TTP904", "expression nesting is too deep to analyse safely"),
        ("pipe.py", "TTP902", "is a named pipe, not a regular file; not read (by ttaprod or the tools)"),
        ("zero.py", "TTP905", "symlink points outside the checked tree; not followed"),
    ]  # fmt: skip
    tool_paths = {f.path for f in report.findings if f.source != "ttaprod"}
    assert tool_paths <= {"used.py", "app.py"}
    assert "used.py" in tool_paths  # ruff F401 on the one file with a finding


def _ctx(root: Path, scratch: Path, files: tuple[str, ...], name: str):
    from ttaprod.config import Config, ToolSettings
    from ttaprod.tools.base import Context

    scratch.mkdir(parents=True, exist_ok=True)
    return Context(
        root=root,
        targets=(".",),
        python_files=files,
        other_files=(),
        config=Config(),
        settings=ToolSettings(name, command=name),
        scratch=scratch,
    )


def test_each_tool_is_given_the_files_not_a_directory(tmp_path: Path, monkeypatch) -> None:
    from ttaprod.tools import bandit, base, pyright, ruff

    root = _project(tmp_path / "svc")
    files = ("app.py", "pkg/mod.py")
    argv = ruff.build(_ctx(root, tmp_path / "s1", files, "ruff")).argv
    assert argv[-3:] == ("--", "app.py", "pkg/mod.py") and "--force-exclude" in argv
    argv = bandit.build(_ctx(root, tmp_path / "s2", files, "bandit")).argv
    assert argv[-3:] == ("--", "app.py", "pkg/mod.py")
    pyright.build(_ctx(root, tmp_path / "s3", files, "pyright"))
    config = json.loads((tmp_path / "s3" / "pyrightconfig.json").read_text(encoding="utf-8"))
    assert config["include"] == [os.path.relpath(root / f, tmp_path / "s3") for f in files]
    (root / "pyrightconfig.json").write_text('{"exclude": ["pkg/**"]}', encoding="utf-8")
    argv = pyright.build(_ctx(root, tmp_path / "s4", files, "pyright")).argv
    # the project's own exclusions still apply; pyright has no `--` (it would be a file name)
    assert argv[-1:] == ("app.py",) and "--" not in argv
    # past what a command line holds, the tools walk the given paths instead
    monkeypatch.setattr(base, "ARGV_BUDGET", 10)
    assert ruff.build(_ctx(root, tmp_path / "s5", files, "ruff")).argv[-2:] == ("--", ".")
