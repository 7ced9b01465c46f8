"""The engine's own promises: names resolve through aliases, positions match libcst's,
suppressions work, a crashing detector is a finding and not a crash."""

from __future__ import annotations

import ast
import os
from typing import ClassVar

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from ttaprod.engine import analyze
from ttaprod.engine.binder import Binder, prebind_module
from ttaprod.engine.context import FileContext, Problem
from ttaprod.engine.detector import Detector
from ttaprod.engine.names import NameTable
from ttaprod.engine.positions import resolve_positions
from ttaprod.engine.task import module_name_for
from ttaprod.engine.walker import HookTable, walk

from .conftest import run_check

RESOLUTION = """
import requests as r
from requests import get as fetch
import urllib.request
import httpx
from . import sibling
from ..pkg import thing

g = r.get
session = r.Session()

class Api:
    shared = httpx.Client()

    def __init__(self):
        self.client = httpx.AsyncClient(timeout=None)

    async def call(self):
        await self.client.get("x")
        self.shared.get("y")

async def main(c: httpx.AsyncClient, d: "httpx.Client | None" = None, e: httpx.Client | None = None):
    async with httpx.AsyncClient() as cl:
        await cl.post("u")
    fetch("a"); g("b"); session.get("c"); urllib.request.urlopen("d"); c.get("e")
    r.Session().get("f")
    e.get("g")
    sibling.go(); thing()

def shadow(fetch):
    fetch("z")
"""


def _calls(source: str, path: str = "app/mod/sub.py") -> list[tuple[str, str | None, str | None]]:
    module = cst.parse_module(source)
    names = NameTable(module_name_for(path), path.endswith("__init__.py"))
    ctx = FileContext(path, module, source, names, frozenset())
    prebind_module(names, module)
    seen: list[tuple[str, str | None, str | None]] = []

    class Probe:
        def visit_Call(self, node: cst.Call) -> None:
            held = ctx.instance(node.func.value) if isinstance(node.func, cst.Attribute) else None
            seen.append((module.code_for_node(node), ctx.qualname(node.func), held and held.ctor))

    hooks = HookTable([Binder(ctx)])
    for name, fns in HookTable([Probe()]).visit.items():
        hooks.visit.setdefault(name, []).extend(fns)
    walk(module, hooks, ctx.stack)
    return seen


def test_names_and_instances_resolve_through_aliases() -> None:
    got = {code: (qual, ctor) for code, qual, ctor in _calls(RESOLUTION)}
    assert got['fetch("a")'] == ("requests.get", None)
    assert got['g("b")'] == ("requests.get", None)
    assert got['session.get("c")'] == (None, "requests.Session")
    assert got['urllib.request.urlopen("d")'] == ("urllib.request.urlopen", None)
    assert got['c.get("e")'] == (None, "httpx.AsyncClient")
    assert got['e.get("g")'] == (None, "httpx.Client")
    assert got['r.Session().get("f")'] == (None, "requests.Session")
    assert got['self.client.get("x")'] == (None, "httpx.AsyncClient")
    assert got['self.shared.get("y")'] == (None, "httpx.Client")
    assert got['cl.post("u")'] == (None, "httpx.AsyncClient")
    assert got["sibling.go()"] == ("app.mod.sibling.go", None)
    assert got["thing()"] == ("app.pkg.thing", None)
    assert got['fetch("z")'] == (None, None)  # a parameter shadows the import


def test_relative_imports_in_a_package_init() -> None:
    got = {
        code: qual
        for code, qual, _ in _calls("from .client import make\nmake()\n", "src/app/__init__.py")
    }
    assert got["make()"] == "app.client.make"


SAMPLES = [
    RESOLUTION,
    'x = """multi\nline"""; f(x)\n\n@decorator(arg)\nasync def g(a,\n      b):\n    return await h(a, "é€", b)\n',
    "class A(B, metaclass=M):\n    def m(self):  # comment\n        return [c(i) for i in range(3) if d(i)]\n",
    "if x:\n\tcall(1)\nelse:\n\tcall(2)\nlambda: q(\n  1,\n)\n",
    "def f():\r\n    return g(1)\r\n",
]


# statements placed by the lines `ast` gives: comments and blank lines above them, decorators
# with comments of their own, nodes in a class body, one-line classes, `;` lines, a continued
# `@`, a footer comment, no trailing newline, `\r` newlines
PLACED = [
    "import a; import b\n\n# about X\n\nclass X(Base):\n    '''doc'''\n    # lead\n"
    "    @dec  # trailing\n    # between\n    @other(1,\n           2)\n    def m(self):\n"
    "        return call(self.x)\n\n        # footer comment\n\n    y = f(1)\n\n"
    "class One: z = g(2)\n\n\n@outer\nclass Nested:\n    class Inner:\n"
    "        def n(self): return h(3)\n    after = k(4)\n",
    "@ \\\n  dec\ndef f():\n    return g(1)\n\nx = y(2)\n",
    "\n\n# header\n\nif a:\n    b(1)\nelif c:\n    d(2)\nelse:\n    e(3)\n"
    "try:\n    f(4)\nexcept E as err:\n    g(err)\nfinally:\n    h(5)\nz = i(6)",
    "class A:\r    def m(self):\r        return g(1)\r\rb = c(2)\r",
]


@pytest.mark.parametrize("source", SAMPLES + PLACED)
def test_light_positions_match_libcst_position_provider(source: str) -> None:
    module = cst.parse_module(source)
    wanted: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(
                node, (cst.Call, cst.Name, cst.FunctionDef, cst.ClassDef, cst.SimpleString, cst.Arg)
            ):
                wanted.append(node)
            return True

    module.visit(Collect())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = resolve_positions(module, wanted)
    tree = ast.parse(source)
    placed = resolve_positions(module, wanted, tree)  # only the statements that hold them
    for node in wanted:
        want = expected[node]
        start_line, start_col, end_line, end_col = ours[id(node)]
        got = (start_line, start_col, end_line, end_col)
        assert got == (want.start.line, want.start.column, want.end.line, want.end.column), (
            module.code_for_node(node)
        )
        assert placed[id(node)] == got
        assert resolve_positions(module, [node], tree)[id(node)] == got  # alone


def _analyze(tmp_path, source: str, detectors) -> analyze.FileResult:
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    task = analyze.FileTask(str(path), "mod.py", frozenset({"TTP901", "TTP906", "TTP903"}))
    return analyze.analyze_file(task, detectors)


class FlagEveryCall(Detector):
    codes: ClassVar[tuple[str, ...]] = ("TTP903",)

    def visit_Call(self, node: cst.Call) -> None:
        self.ctx.site("errors.timeout", "TTP903", node, Problem("TTP903", "flagged call"))


class Explodes(Detector):
    codes: ClassVar[tuple[str, ...]] = ("TTP903",)

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


def test_inline_suppressions_on_the_line_or_the_statement(tmp_path) -> None:
    source = (
        "a()  # ttaprod: ignore[TTP903]\n"
        "b(  # ttaprod: ignore[ttp90]\n"
        "  c())\n"
        "d()  # ttaprod: ignore\n"
        "e()  # ttaprod: ignore[TTP902]\n"
        "f()\n"
    )
    result = _analyze(tmp_path, source, [FlagEveryCall])
    assert [(f.line, f.column) for f in result.findings] == [(5, 1), (6, 1)]
    assert sorted(f.line for f in result.suppressed) == [1, 2, 3, 4]
    assert sum(1 for s in result.sites if s.covered) == 4  # suppressed sites count as covered
    assert result.findings[0].snippet == "e()  # ttaprod: ignore[TTP902]"


def test_a_crashing_detector_is_reported_and_the_file_still_counts(tmp_path) -> None:
    result = _analyze(tmp_path, "x = f()\n", [Explodes])
    assert [f.rule for f in result.findings] == ["TTP906"]
    assert "ValueError" in result.findings[0].message
    assert result.lines == 1


def test_fingerprint_survives_unrelated_edits(tmp_path) -> None:
    before = _analyze(tmp_path, "f(1)\n", [FlagEveryCall]).findings[0]
    after = _analyze(tmp_path, "import os\n\n\nf( 1 )\n", [FlagEveryCall]).findings[0]
    assert after.line == 4
    assert before.fingerprint == after.fingerprint


class KillsTheWorker(Detector):
    """Stands in for libcst's native parser crashing the process on one file."""

    codes: ClassVar[tuple[str, ...]] = ("TTP903",)

    def visit_Module(self, node: cst.Module) -> None:
        if self.ctx.path.endswith("crash.py"):
            os._exit(70)


def test_a_worker_that_dies_loses_only_its_file(project, monkeypatch) -> None:
    from ttaprod import runner

    files = {f"app/m{i:02d}.py": "def f(:\n" for i in range(20)}
    files["app/crash.py"] = "x = 1\n"
    root = project(files)
    detectors = (*runner.detectors(), KillsTheWorker)
    monkeypatch.setattr(runner, "detectors", lambda: detectors)
    report = run_check(root, jobs=2, select=("TTP9",))
    by_path = {f.path: f for f in report.findings}
    assert by_path["app/crash.py"].rule == "TTP906"
    assert by_path["app/crash.py"].message == "the parser crashed on this file; it was not analysed"
    assert sum(1 for f in report.findings if f.rule == "TTP901") == 20
    assert report.stats.files == 21


def test_pool_tasks_are_sent_without_what_every_task_shares(tmp_path) -> None:
    """The enabled rules and the project's module names reach forked workers once, by
    inheritance: a task's message does not grow with the number of top-level modules."""
    import pickle

    from ttaprod import runner
    from ttaprod.engine.analyze import FileTask

    def task(project: frozenset[str]) -> FileTask:
        return FileTask(str(tmp_path / "a.py"), "a.py", frozenset({"TTP101"}), project=project)

    small, large = frozenset({"a"}), frozenset(f"m{i}" for i in range(5000))
    [(_, sent_small)] = runner._pack([task(small)])
    [(key_large, sent_large)] = runner._pack([task(large)])
    assert len(pickle.dumps(sent_large)) == len(pickle.dumps(sent_small))
    assert runner._SHARED[key_large] == (frozenset({"TTP101"}), large)
    (tmp_path / "a.py").write_text("import requests\nrequests.get('https://x')\n")
    packed = runner._pack([task(large)])
    assert runner._guarded_packed(packed[0]) == runner._guarded(task(large))
