"""The rule model: one registry, one guard, one suppression, packages that import one way."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import ClassVar

import libcst as cst
import pytest

from ttaprod import catalogue, cli, ruleset
from ttaprod.engine.detector import Detector
from ttaprod.engine.project import CheckResult, ProjectIndex
from ttaprod.engine.registry import ENGINE_CODES, ItemCheck, Registry
from ttaprod.models import ItemResult

from .conftest import REPO, run_check

SRC = REPO / "src" / "ttaprod"


def test_every_catalogue_code_is_implemented_exactly_once() -> None:
    implemented = ruleset.registry().implementations()
    codes = set(catalogue.catalogue())
    assert {c for c, where in implemented.items() if len(where) != 1} == set()
    assert codes - set(implemented) == set(), "catalogue entries nothing reports"
    assert set(implemented) - codes == set(), "codes reported with no catalogue entry"
    assert set(ENGINE_CODES) <= codes


def test_detectors_feed_only_codes_a_check_reports() -> None:
    registry = ruleset.registry()
    reported_by_checks = {code for check in registry.item_checks for code in check.codes}
    # reported by a detector, judged by the item check with other files in hand
    pending = {"TTP101", "TTP102", "TTP110", "TTP114", "TTP301"}
    for detector in registry.detectors:
        assert set(detector.feeds) <= reported_by_checks | pending, detector.__name__


def _package_of(module: str) -> str:
    """`ttaprod.checks.errors.x` → `checks`; top-level modules are their own node."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> set[str]:
    rel = path.relative_to(SRC.parent).with_suffix("")
    module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    package = module if rel.name == "__init__" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            out.update(n for n in [target, *names] if n.startswith("ttaprod."))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("ttaprod."))
    return out


def _package_graph() -> dict[str, set[str]]:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        source = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for target in _imports(path):
            node = _package_of(target)
            if node not in packages and f"{node}.py" not in {p.name for p in SRC.glob("*.py")}:
                continue
            if node != source:
                graph.setdefault(source, set()).add(node)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_packages_and_modules_import_one_way() -> None:
    graph = _package_graph()
    assert _cycle(graph) == []
    assert "checks" not in graph.get("deploy", set())
    assert not {"checks", "items", "ruleset"} & graph.get("engine", set()), "engine imports a rule"
    assert not {"checks", "items", "deploy"} & graph.get("analysis", set())
    for formatter_import in graph.get("formatters", set()):
        assert formatter_import in {"models", "checklist", "redact"}, formatter_import


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    with pytest.raises(SystemExit) as ended:
        cli.main(["check", *args, "--no-tools", "--no-cache", "-f", "json"])
    out = capsys.readouterr().out
    return int(ended.value.code or 0), json.loads(out)


def test_a_prefix_mark_above_a_dockerfile_line_suppresses_and_is_counted(project, capsys) -> None:
    root = project(
        {
            "app/main.py": "def run() -> int:\n    return 1\n",
            "Dockerfile": (
                "# ttaprod: ignore[TTP5]\n"
                "FROM python:latest\n"
                "USER app\n"
                'HEALTHCHECK CMD ["python", "-c", "print(1)"]\n'
            ),
        }
    )
    report = run_check(root, select=("TTP501",))
    assert [f.rule for f in report.findings] == []
    assert report.stats.suppressed == 1
    (silenced,) = report.suppressed
    assert (silenced.rule, silenced.path, silenced.line) == ("TTP501", "Dockerfile", 2)
    assert silenced.suppressed_by == "# ttaprod: ignore at line 1"
    _, data = _json(capsys, str(root), "--select", "TTP501", "--show-suppressed")
    shown = [(f["rule"], f["line"], f.get("suppressed")) for f in data["findings"]]
    assert shown == [("TTP501", 2, "# ttaprod: ignore at line 1")]
    _, plain = _json(capsys, str(root), "--select", "TTP501")
    assert plain["findings"] == [] and plain["stats"]["suppressed"] == 1


def test_a_project_level_finding_suppressed_inline_is_counted(project) -> None:
    src = (
        "from openai import OpenAI\n"
        "client = OpenAI(timeout=30.0)\n"
        "def ask(q):\n"
        "    return client.chat.completions.create(model='gpt-4o', messages=[])"
        "  # ttaprod: ignore[TTP314]\n"
    )
    report = run_check(project({"app/llm.py": src}), select=("TTP314",), preview=True)
    assert [f.rule for f in report.findings] == []
    assert [(f.rule, f.line, f.suppressed_by) for f in report.suppressed] == [
        ("TTP314", 4, "# ttaprod: ignore at line 4")
    ]
    assert report.stats.suppressed == 1
    cache = next(i for i in report.checklist if i.id == "performance.cache")
    assert (cache.status.value, cache.covered, cache.total) == ("pass", 1, 1)


class _Raises(Detector):
    codes: ClassVar[tuple[str, ...]] = ()
    feeds: ClassVar[tuple[str, ...]] = ("TTP101",)

    def visit_Call(self, node: cst.Call) -> None:
        raise KeyError("boom")


def _broken_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    raise KeyError("boom")


def test_a_rule_that_raises_is_ttp906_and_the_run_goes_on(project, capsys, monkeypatch) -> None:
    root = project({"app/a.py": "import requests\nrequests.get('https://x.example.com')\n"})
    real = ruleset.registry()
    broken = Registry(
        lambda: (*real.detectors, _Raises),
        (*real.item_checks, ItemCheck("performance.cache", _broken_item)),
    )
    monkeypatch.setattr(ruleset, "registry", lambda: broken)
    code, data = _json(capsys, str(root), "--jobs", "1")
    assert code in (0, 1)
    internal = sorted((f["path"], f["message"]) for f in data["findings"] if f["rule"] == "TTP906")
    assert internal == [
        (
            "",
            "ttaprod's check of performance.cache (_broken_item) failed here (KeyError); "
            "the rest of the run went on. Please report this bug.",
        ),
        (
            "app/a.py",
            "ttaprod's _Raises (TTP101) failed on this file (KeyError in visit_Call); "
            "other files were analysed. Please report this bug.",
        ),
    ]
    cache = next(i for i in data["checklist"] if i["id"] == "performance.cache")
    assert (cache["status"], cache["reason"]) == (
        "skip",
        "not judged: internal error in _broken_item (KeyError); please report this bug",
    )
    assert "TTP101" in {f["rule"] for f in data["findings"]}  # the real rules still ran
