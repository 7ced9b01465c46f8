"""TTP601 public-function-missing-annotations (quality.type-hints): what is public API, what
counts as annotated, the message, and coverage."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from ttaprod.models import Report

from ..conftest import run_check

FN, METHOD = "public function", "public method"


def _run(project, files: dict[str, str]) -> Report:
    root: Path = project({path: dedent(text).lstrip("\n") for path, text in files.items()})
    return run_check(root, select=("TTP601",))


def test_public_functions_and_methods_exact_lines_columns_and_messages(project) -> None:
    src = """
    import functools


    def annotated(a: int, *args: str, b: int = 1, **kw: object) -> None: ...
    def bare(a, b: int): ...
    async def star(*args, **kwargs) -> None: ...
    def keyword_only(*, flag=False) -> None: ...


    class Service:
        def __init__(self, repo): ...
        def method(self, x: int) -> int: ...
        @staticmethod
        def static(x) -> int: ...
        @classmethod
        def create(cls): ...
        @functools.cached_property
        def cached(self): ...
        def __repr__(self): ...
        def _private(self, x): ...

        class Inner:
            def nested_class_method(self): ...
    """
    report = _run(project, {"app/svc.py": src})
    rows = [(f.line, f.column, f.severity.value, f.message) for f in report.findings]
    assert rows == [
        (5, 5, "low", f"{FN} `bare` has no annotation for parameter `a` and the return type"),
        (6, 11, "low", f"{FN} `star` has no annotation for parameters `*args`, `**kwargs`"),
        (7, 5, "low", f"{FN} `keyword_only` has no annotation for parameter `flag`"),
        (11, 9, "low", "public method `__init__` has no annotation for parameter `repo`"),
        (14, 9, "low", "public method `static` has no annotation for parameter `x`"),
        (16, 9, "low", "public method `create` has no annotation for the return type"),
        (18, 9, "low", "public method `cached` has no annotation for the return type"),
        (23, 13, "low", f"{METHOD} `nested_class_method` has no annotation for the return type"),
    ]
    result = next(r for r in report.checklist if r.id == "quality.type-hints")
    assert (result.covered, result.total) == (2, 10)


def test_not_public_api(project) -> None:
    src = """
    def outer(x: int) -> object:
        def helper(value):
            return value

        class Local:
            def method(self, y):
                return y

        return helper, Local


    def _private(payload):
        return payload


    class _Registry:
        def add(self, item):
            self.item = item


    class Public:
        if True:
            def conditional(self, z):
                return z

        def __eq__(self, other):
            return self is other
    """
    test = """
    def test_it(client):
        assert client
    """
    conftest = """
    def pytest_configure(config):
        pass
    """
    files = {"app/svc.py": src, "tests/test_svc.py": test, "conftest.py": conftest}
    report = _run(project, files)
    assert report.findings == ()
    result = next(r for r in report.checklist if r.id == "quality.type-hints")
    assert (result.covered, result.total) == (1, 1)


def test_long_lists_are_cut_and_suppression_works(project) -> None:
    src = """
    def wide(a, b, c, d, e, f, g, h) -> None: ...
    def ignored(a): ...  # ttaprod: ignore[TTP601]
    """
    report = _run(project, {"app/svc.py": src})
    assert [f.message for f in report.findings] == [
        "public function `wide` has no annotation for parameters `a`, `b`, `c`, `d`, `e`, `f`"
        " and 2 more"
    ]
    result = next(r for r in report.checklist if r.id == "quality.type-hints")
    assert (result.covered, result.total) == (1, 2)


def test_cheap_no_traversal_and_def_lines_from_ast(tmp_path: Path, monkeypatch) -> None:
    """Only TTP601 applies to this file (no decorator, route or test names for the facts-only
    detectors): it is not walked, and covered sites take their line from the `ast` parse (no
    position pass); findings still get exact positions."""
    from ttaprod.checks import DETECTORS
    from ttaprod.engine import analyze

    def no_walk(*args: object) -> None:
        raise AssertionError("walked")

    monkeypatch.setattr(analyze, "walk", no_walk)
    path = tmp_path / "mod.py"
    path.write_text(
        dedent(
            """
            import math


            def typed(x: int) -> int:
                return math.floor(x)


            class Api:
                def name(self):
                    return "api"
            """
        ).lstrip("\n"),
        encoding="utf-8",
    )
    task = analyze.FileTask(str(path), "mod.py", frozenset({"TTP601"}))
    result = analyze.analyze_file(task, DETECTORS)
    assert [(s.line, s.covered) for s in result.sites] == [(4, True), (9, False)]
    assert [(f.line, f.column, f.end_column) for f in result.findings] == [(9, 9, 13)]
