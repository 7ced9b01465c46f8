"""The real pinned tools (constraints.txt) run by `ttaprod check`, end to end."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from importlib import import_module
from pathlib import Path

import pytest
from rich.console import Console

from ttaprod.api import CheckOptions, check
from ttaprod.config import Config
from ttaprod.formatters import json_report, terminal
from ttaprod.models import Report, ToolStatus
from ttaprod.tools import pyright
from ttaprod.tools.base import Context, Settings

from .conftest import RECORDINGS, SAFETY_DB, SVC

pytestmark = pytest.mark.usefixtures("real_tools")
FIXTURES = SVC.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
TEXT_FORMATS = ("sarif", "junit", "github", "markdown", "gitlab")
SECRET = "hunter2"


def _recorded_version(tool: str) -> str:
    data = json.loads((RECORDINGS / f"{tool}.json").read_text(encoding="utf-8"))
    return data["version"].split()[1]


def _tool_rows(report: Report) -> set[tuple[str, int, str, tuple[str, ...]]]:
    tools = [f for f in report.findings if f.source != "ttaprod"]
    return {(f.path, f.line, f.rule, f.also_reported_by) for f in tools}


def test_every_tool_runs_on_the_sample_service_and_findings_merge() -> None:
    # Only ttaprod's notices (TTP9) of its own, so this test sees the tools alone.
    report = check(CheckOptions(paths=(SVC,), select=("TTP9",), safety_db=SAFETY_DB, no_cache=True))
    runs = {t.name: t for t in report.tools}
    assert {name: run.status for name, run in runs.items()} == dict.fromkeys(
        ("ruff", "pyright", "bandit", "safety"), ToolStatus.OK
    )
    for tool in ("ruff", "pyright", "bandit"):
        assert runs[tool].version == _recorded_version(tool)
    assert runs["pyright"].reason.startswith("2 unresolved third-party import(s) hidden")
    assert _tool_rows(report) == {
        ("app/client.py", 3, "bandit:B404", ()),
        ("app/client.py", 8, "ruff:S105", ("bandit:B105",)),
        ("app/client.py", 12, "ruff:S113", ("bandit:B113",)),
        ("app/client.py", 17, "ruff:S501", ("bandit:B501",)),
        ("app/client.py", 20, "ruff:S107", ("bandit:B107",)),
        ("app/client.py", 21, "ruff:T201", ()),
        ("app/client.py", 26, "ruff:S602", ("bandit:B602",)),
        ("app/client.py", 30, "ruff:ASYNC251", ()),
        ("app/client.py", 35, "pyright:reportOptionalMemberAccess", ()),
        ("app/worker.py", 3, "ruff:F401", ()),
        ("app/worker.py", 4, "ruff:F401", ()),
        ("app/worker.py", 4, "pyright:reportAttributeAccessIssue", ()),
        ("app/worker.py", 10, "ruff:BLE001", ()),
        ("app/worker.py", 15, "pyright:reportReturnType", ()),
        ("app/worker.py", 18, "pyright:reportAssignmentType", ()),
        ("requirements.txt", 1, "safety:36546", ()),
        ("requirements.txt", 1, "safety:58755", ()),
        ("requirements.txt", 2, "safety:39611", ()),
    }
    assert all(f.fingerprint and f.line >= 1 and f.column >= 1 for f in report.findings)
    items = {i.id: i for i in report.checklist}
    assert items["quality.lint"].status.value in ("warn", "fail")
    assert "from ruff" in items["quality.lint"].reason


def test_one_call_without_timeout_is_one_finding() -> None:
    report = check(CheckOptions(paths=(SVC,), no_cache=True, tools=("ruff", "bandit")))
    place = ("app/client.py", 12, "errors.timeout")
    here = [f for f in report.findings if (f.path, f.line, f.checklist_item) == place]
    assert len(here) == 1, here
    (finding,) = here
    assert {"ruff:S113", "bandit:B113"} <= {finding.rule, *finding.also_reported_by}
    assert finding.rule == "TTP101" and finding.source == "ttaprod"


def _outputs(report: Report) -> dict[str, str]:
    buffer = io.StringIO()
    terminal.render(report, Console(file=buffer, width=100, no_color=True))
    out = {"rich": buffer.getvalue(), "json": json_report.render(report)}
    for name in TEXT_FORMATS:
        out[name] = import_module(f"ttaprod.formatters.{name}").render(report)
    return out


def test_no_output_format_carries_the_password_bandit_echoes() -> None:
    assert SECRET in (SVC / "app" / "client.py").read_text(encoding="utf-8")
    report = check(CheckOptions(paths=(SVC,), safety_db=SAFETY_DB, no_cache=True))
    reported = {rule for f in report.findings for rule in (f.rule, *f.also_reported_by)}
    assert "bandit:B105" in reported
    outputs = _outputs(report)
    assert {"rich", "json"} <= set(outputs)
    leaking = [name for name, text in outputs.items() if SECRET in text]
    assert not leaking, f"{SECRET!r} appears in: {leaking}"


def test_ruff_never_rewrites_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff]\nfix = true\nunsafe-fixes = true\n"
        '[tool.ruff.lint]\nselect = ["F401", "T201"]\n',
        encoding="utf-8",
    )
    source = "import os\n\n\ndef main() -> None:\n    print('hi')\n"
    (tmp_path / "main.py").write_text(source, encoding="utf-8")
    report = check(CheckOptions(paths=(tmp_path,), tools=("ruff",), no_cache=True))
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == source
    assert not (tmp_path / ".ruff_cache").exists()
    reported = {rule for f in report.findings for rule in (f.rule, *f.also_reported_by)}
    assert {"ruff:F401", "ruff:T201"} <= reported  # T201 may merge into ttaprod's print rule


def _ctx(root: Path, scratch: Path, args: tuple[str, ...] = ()) -> Context:
    return Context(
        root=root,
        targets=(".",),
        python_files=(),
        other_files=(),
        config=Config(),
        settings=Settings("pyright", command="pyright", args=args),
        scratch=scratch,
    )


def test_pyright_is_pointed_at_the_projects_virtualenv(tmp_path: Path) -> None:
    root, scratch = tmp_path / "svc", tmp_path / "scratch"
    (root / ".venv" / "bin").mkdir(parents=True)
    scratch.mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (root / ".venv" / "bin" / "python").write_text("", encoding="utf-8")
    argv = pyright.build(_ctx(root, scratch)).argv
    assert argv[argv.index("--pythonpath") + 1] == str(root / ".venv" / "bin" / "python")
    config = json.loads((scratch / "pyrightconfig.json").read_text(encoding="utf-8"))
    assert config["include"] == [os.path.relpath(root, scratch)]  # no Python file discovered
    files = ("app/main.py", "app/api/routes.py", "manage.py")
    pyright.build(replace(_ctx(root, scratch), python_files=files))
    config = json.loads((scratch / "pyrightconfig.json").read_text(encoding="utf-8"))
    # exactly the files ttaprod checks: no walk of pyright's own (symlinks, FIFOs, big files)
    assert config["include"] == [os.path.relpath(root / f, scratch) for f in files]
    assert "--pythonpath" not in pyright.build(_ctx(root, scratch, ("--venvpath", "x"))).argv[:-2]
    (root / "pyrightconfig.json").write_text('{"venv": ".venv", "venvPath": "."}', encoding="utf-8")
    argv = pyright.build(_ctx(root, scratch)).argv
    assert "--pythonpath" not in argv and argv[argv.index("-p") + 1] == str(root)


def _snapshot_rows(report: Report) -> list[str]:
    rows = sorted(_tool_rows(report))
    return [
        f"{path}:{line} {rule}" + (f" (also {', '.join(also)})" if also else "")
        for path, line, rule, also in rows
    ]


@pytest.mark.skipif(not (FIXTURES / "rag_service_bad").is_dir(), reason="fixture not present")
def test_tool_findings_on_the_bad_service_match_the_snapshot() -> None:
    """Exact tool findings on fixtures/rag_service_bad. After a deliberate change to the fixture,
    refresh with TTAPROD_UPDATE_SNAPSHOTS=1 and review the diff."""
    root = FIXTURES / "rag_service_bad"
    options = CheckOptions(paths=(root,), select=("TTP9",), safety_db=SAFETY_DB, no_cache=True)
    report = check(options)
    assert all(t.status is ToolStatus.OK for t in report.tools), report.tools
    text = "\n".join(_snapshot_rows(report)) + "\n"
    snapshot = SNAPSHOTS / "rag_service_bad.txt"
    if os.environ.get("TTAPROD_UPDATE_SNAPSHOTS"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8"), "tool findings changed: see the docstring"


def test_the_production_profile_knows_fastapi_dependencies(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from fastapi import Depends, Query\n"
        "\n"
        "def get_db() -> None: ...\n"
        "def make_items() -> list[int]: return []\n"
        "\n"
        "def route(db: None = Depends(get_db), q: int = Query(1), items: list[int] = make_items()) -> None: ...\n",
        encoding="utf-8",
    )
    report = check(CheckOptions(paths=(tmp_path,), tools=("ruff",), no_cache=True))
    b008 = [(f.line, f.column) for f in report.findings if f.rule == "ruff:B008"]
    assert b008 == [(6, 77)]  # make_items() only: Depends and Query are meant to be called there
