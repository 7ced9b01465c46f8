"""The per-file result cache: hits are identical, edits miss, a broken cache is ignored."""

from __future__ import annotations

import json
from pathlib import Path

from ttaprod import cache as cache_mod
from ttaprod.formatters import json_report

from .conftest import run_check

SOURCE = "def f(:\n"


def _report_json(root: Path, **options: object) -> dict:
    options.setdefault("no_cache", False)
    data = json_report.report_dict(run_check(root, **options))
    data["stats"]["duration_s"] = 0
    return data


def _entries(root: Path) -> dict:
    return json.loads(
        (root / ".ttaprod_cache" / f"v{cache_mod.FORMAT}" / "results.json").read_text(
            encoding="utf-8"
        )
    )


def test_second_run_is_served_from_the_cache_and_identical(project, monkeypatch) -> None:
    root = project({"app/a.py": SOURCE, "app/b.py": "x = 1\n"})
    first = _report_json(root)
    assert set(_entries(root)) == {"app/a.py", "app/b.py"}
    analysed: list[str] = []
    real = cache_mod.ResultCache.put

    def spy(self, task, key, result):
        analysed.append(task.rel_path)
        return real(self, task, key, result)

    monkeypatch.setattr(cache_mod.ResultCache, "put", spy)
    assert _report_json(root) == first
    assert analysed == []
    (root / "app" / "b.py").write_text("def g(:\n", encoding="utf-8")
    changed = _report_json(root)
    assert analysed == ["app/b.py"]
    assert [f["path"] for f in changed["findings"]] == ["app/a.py", "app/b.py"]


def test_selection_change_misses_the_cache(project) -> None:
    root = project({"app/a.py": SOURCE})
    assert [f["rule"] for f in _report_json(root)["findings"]] == ["TTP901"]
    assert _report_json(root, ignore=("TTP901",))["findings"] == []


def test_corrupt_or_hostile_cache_is_ignored(project) -> None:
    root = project({"app/a.py": SOURCE})
    expected = _report_json(root)
    target = root / ".ttaprod_cache" / f"v{cache_mod.FORMAT}" / "results.json"
    for junk in ("not json", "[1, 2]", '{"app/a.py": {"key": 5}}', '{"app/a.py": "x"}'):
        target.write_text(junk, encoding="utf-8")
        assert _report_json(root) == expected
    entries = _entries(root)
    key = entries["app/a.py"]["key"]
    target.write_text(
        json.dumps({"app/a.py": {"key": key, "result": {"path": 1}}}), encoding="utf-8"
    )
    assert _report_json(root) == expected


def test_no_cache_writes_nothing(project) -> None:
    root = project({"app/a.py": SOURCE})
    run_check(root, no_cache=True)
    assert not (root / ".ttaprod_cache").exists()


def test_cache_directory_is_marked(project) -> None:
    root = project({"app/a.py": SOURCE})
    run_check(root, no_cache=False)
    assert (root / ".ttaprod_cache" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert (root / ".ttaprod_cache" / "CACHEDIR.TAG").exists()
