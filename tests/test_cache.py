"""The per-file result cache: hits are identical, edits miss, a broken cache is ignored, and it
lives in the user's cache directory (never in the checked tree unless `--cache-dir` says so).
Hostile caches (forged, symlinked, a FIFO, huge) are in tests/robustness/test_cache.py."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ttaprod import cache as cache_mod
from ttaprod import facts
from ttaprod.formatters import json_report

from .conftest import run_check

SOURCE = "def f(:\n"


def _report_json(root: Path, **options: object) -> dict:
    options.setdefault("no_cache", False)
    data = json_report.report_dict(run_check(root, **options))
    data["stats"]["duration_s"] = 0
    return data


def _file(root: Path) -> Path:
    return cache_mod.default_directory(root) / f"v{cache_mod.FORMAT}" / cache_mod.FILE_NAME


def _entries(root: Path) -> dict:
    return json.loads(_file(root).read_text(encoding="utf-8"))["entries"]


def test_the_cache_lives_in_the_user_cache_directory_keyed_by_root(
    project, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    root = project({"app/a.py": SOURCE})
    run_check(root, no_cache=False)
    assert not (root / ".ttaprod_cache").exists()
    (directory,) = (home / "ttaprod").iterdir()
    assert directory == cache_mod.default_directory(root)
    assert set(_entries(root)) == {"app/a.py"}
    assert (directory / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert (directory / "CACHEDIR.TAG").exists()


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


def test_selection_and_config_changes_miss_the_cache(project) -> None:
    root = project({"app/a.py": SOURCE})
    assert [f["rule"] for f in _report_json(root)["findings"]] == ["TTP901"]
    assert _report_json(root, ignore=("TTP901",))["findings"] == []
    key = _entries(root)["app/a.py"]["key"]
    (root / "pyproject.toml").write_text("[tool.ttaprod]\nfail-under = 10\n", encoding="utf-8")
    _report_json(root)
    assert _entries(root)["app/a.py"]["key"] != key


def test_corrupt_or_hostile_cache_is_ignored(project) -> None:
    root = project({"app/a.py": SOURCE})
    expected = _report_json(root)
    target = _file(root)
    for junk in ("not json", "[1, 2]", '{"format": 3, "entries": {"app/a.py": {"key": 5}}}'):
        target.write_text(junk, encoding="utf-8")
        assert _report_json(root) == expected
    key = _entries(root)["app/a.py"]["key"]
    target.write_text(
        json.dumps({"format": 3, "entries": {"app/a.py": {"key": key, "result": {"path": 1}}}}),
        encoding="utf-8",
    )
    assert _report_json(root) == expected


def test_no_cache_writes_nothing(project, tmp_path_factory, monkeypatch) -> None:
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    root = project({"app/a.py": SOURCE})
    run_check(root, no_cache=True)
    assert not (root / ".ttaprod_cache").exists()
    assert list(home.iterdir()) == []


def test_cache_dir_puts_it_where_asked(project, tmp_path_factory) -> None:
    root = project({"app/a.py": SOURCE})
    where = tmp_path_factory.mktemp("ci") / "ttaprod-cache"
    run_check(root, no_cache=False, cache_dir=where)
    data = json.loads((where / f"v{cache_mod.FORMAT}" / "results.json").read_text("utf-8"))
    assert set(data["entries"]) == {"app/a.py"}
    assert (where / "CACHEDIR.TAG").exists()


SAMPLE = {"str": "x", "int": 3, "float": 2.5, "bool": True, "tuple[str, ...]": ("a", "b")}


@pytest.mark.parametrize("kind", sorted(facts.KINDS))
def test_every_fact_kind_survives_the_cache(kind: str) -> None:
    """A fact kind whose field types the cache cannot read back would be dropped from every
    warm run (and refused in a shard's partial report)."""
    cls = facts.KINDS[kind]
    values = {
        f.name: SAMPLE[f.type] for f in dataclasses.fields(cls) if f.name != "path"
    }  # every field type a fact may have is in SAMPLE, or this raises KeyError
    fact = cls(path="app/a.py", **values)
    assert facts.from_dict(json.loads(json.dumps(facts.to_dict(fact))), "app/a.py") == fact


def test_a_fact_with_an_infinite_number_is_refused() -> None:
    fact = facts.CallTimeout(
        path="a.py", function="f", module="a", seconds=5.0, what="`x()`", anchor="x"
    )
    raw = facts.to_dict(fact) | {"seconds": float("inf")}
    with pytest.raises(ValueError):
        facts.from_dict(raw, "a.py")
