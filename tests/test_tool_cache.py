"""The tools' cache as a store (no tool runs here: tests/tools/test_cache.py runs the real ones):
entries come back for the files whose key matches, every entry is checked when read and a
forged one is dropped, nothing is stored unmasked, and the user cache is kept under its bound
(`cachedir`), removed by `ttaprod cache clean` and shown by `ttaprod cache dir`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ttaprod import cache as cache_mod
from ttaprod import cachedir, cli, safeio
from ttaprod.models import Severity
from ttaprod.tools import cache as tool_cache
from ttaprod.tools.base import make_finding

WARN = "cache "


def _finding(
    path: str, code: str = "F401", line: int = 1, message: str = "`os` imported but unused"
):
    return make_finding(
        "ruff", code, "quality.lint", Severity.LOW, path, (line, 1, line, 10), message
    )


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    (root / "app" / "a.py").write_text("import os\n", encoding="utf-8")
    (root / "app" / "b.py").write_text("import sys\n", encoding="utf-8")
    return root


def _store(root: Path, where: Path) -> tool_cache.ToolCache:
    return tool_cache.ToolCache(root, True, where, ("app/a.py", "app/b.py"), ("pyproject.toml",))


def _keys(store: tool_cache.ToolCache) -> dict[str, str | None]:
    settings = store.settings_key("ruff", "/usr/bin/true", ("ruff", "check"), "")
    return {rel: store.file_key(settings, rel) for rel in store.python}


def _filled(tmp_path: Path) -> tuple[Path, Path]:
    root, where = _project(tmp_path), tmp_path / "cache"
    store = _store(root, where)
    found = [
        _finding("app/a.py"),
        _finding("app/b.py", line=1, message="`sys` imported but unused"),
    ]
    store.keep_files("ruff", _keys(store), found, "0.17.6")
    store.save()
    return root, where


def test_entries_come_back_for_unchanged_files_only(tmp_path: Path) -> None:
    root, where = _filled(tmp_path)
    store = _store(root, where)
    hits, version = store.split("ruff", _keys(store))
    assert version == "0.17.6"
    assert {rel: [(f.rule, f.line, f.message) for f in found] for rel, found in hits.items()} == {
        "app/a.py": [("ruff:F401", 1, "`os` imported but unused")],
        "app/b.py": [("ruff:F401", 1, "`sys` imported but unused")],
    }
    (root / "app" / "b.py").write_text("import sys  # changed\n", encoding="utf-8")
    store = _store(root, where)
    hits, _ = store.split("ruff", _keys(store))
    assert list(hits) == ["app/a.py"]
    # other settings (another argument, another tool binary) are another key: no hit
    other = store.settings_key("ruff", "/usr/bin/true", ("ruff", "check", "--preview"), "")
    assert store.split("ruff", {"app/a.py": store.file_key(other, "app/a.py")})[0] == {}


def test_a_config_file_anywhere_in_the_tree_changes_every_key(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _keys(_store(root, tmp_path / "cache"))
    (root / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    after = _keys(_store(root, tmp_path / "cache"))
    assert all(before[rel] != after[rel] for rel in before)


def _forge(where: Path, change) -> None:
    target = where / tool_cache.SUBDIR / "ruff.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    change(data["files"]["app/a.py"])
    target.write_text(json.dumps(data), encoding="utf-8")


def _first(entry: dict) -> dict:
    return entry["findings"][0]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda e: _first(e).update(code="F401; rm -rf"), id="code"),
        pytest.param(lambda e: _first(e).update(item="quality.nope"), id="item"),
        pytest.param(lambda e: _first(e).update(severity="catastrophic"), id="severity"),
        pytest.param(lambda e: _first(e).update(path="app/b.py"), id="other-file"),
        pytest.param(lambda e: _first(e).update(path="../../etc/passwd"), id="path-outside"),
        pytest.param(lambda e: _first(e).update(pos=["1", 1, 1, 10]), id="pos-strings"),
        pytest.param(lambda e: _first(e).update(pos=[1, 1]), id="pos-short"),
        pytest.param(lambda e: _first(e).update(pos=[10**12, 1, 10**12, 2]), id="line-huge"),
        pytest.param(lambda e: _first(e).update(pos=[5, 1, 2, 1]), id="end-before-start"),
        pytest.param(lambda e: _first(e).update(message="a\0b"), id="nul"),
        pytest.param(lambda e: _first(e).update(message="x" * 5000), id="long-message"),
        pytest.param(lambda e: _first(e).update(message=7), id="message-int"),
        pytest.param(lambda e: e.update(findings={"a": 1}), id="findings-object"),
        pytest.param(lambda e: e.update(key=5), id="key-int"),
        pytest.param(lambda e: e.update(version="9" * 100), id="version-long"),
    ],
)
def test_a_forged_entry_is_dropped_with_one_warning(tmp_path: Path, caplog, forge) -> None:
    root, where = _filled(tmp_path)
    _forge(where, forge)
    store = _store(root, where)
    hits, _ = store.split("ruff", _keys(store))
    assert list(hits) == ["app/b.py"]  # the other file's entry still serves
    store.save()
    target = where / tool_cache.SUBDIR / "ruff.json"
    assert [r.getMessage() for r in caplog.records] == [
        f"{WARN}{target}: 1 invalid entry dropped; those files were checked again"
    ]
    assert set(json.loads(target.read_text(encoding="utf-8"))["files"]) == {"app/b.py"}


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ("[" * 10_000 + "]" * 10_000, "not valid JSON (or nested too deeply)"),
        (
            '{"format": 1, "tool": "bandit", "files": {}}',
            "not a ttaprod tool cache of this version",
        ),
        ('{"format": 0, "tool": "ruff", "files": {}}', "not a ttaprod tool cache of this version"),
    ],
)
def test_a_tool_cache_file_that_is_not_one_is_not_used(
    tmp_path: Path, caplog, payload: str, why: str
) -> None:
    root, where = _filled(tmp_path)
    target = where / tool_cache.SUBDIR / "ruff.json"
    target.write_text(payload, encoding="utf-8")
    store = _store(root, where)
    assert store.split("ruff", _keys(store))[0] == {}
    assert [r.getMessage() for r in caplog.records] == [f"{WARN}{target}: not used: {why}"]


def test_a_symlinked_tool_cache_file_is_not_followed(tmp_path: Path, caplog) -> None:
    root, where = _filled(tmp_path)
    target = where / tool_cache.SUBDIR / "ruff.json"
    target.unlink()
    os.symlink("/dev/zero", target)
    store = _store(root, where)
    assert store.split("ruff", _keys(store))[0] == {}
    why = "a symlink or not a directory (not followed)"
    assert [r.getMessage() for r in caplog.records] == [f"{WARN}{target}: not used: {why}"]


def test_nothing_is_stored_unmasked(tmp_path: Path) -> None:
    root, where = _project(tmp_path), tmp_path / "cache"
    store = _store(root, where)
    value = "Zq8-strong-Pw-31x"
    leaky = make_finding(
        "bandit", "B105", "security.secrets-in-env", Severity.LOW, "app/a.py", (1, 1, 1, 9),
        f"Possible hardcoded password: password = '{value}'", f"drop password={value}",
    )  # fmt: skip
    whole = tool_cache.Cached((leaky,), "1.9.4", f"DB_PASSWORD={value}")
    store.keep_files("bandit", _keys(store), [leaky], "1.9.4")
    store.keep_whole("pyright", "k", whole)
    store.save()
    written = "".join(p.read_text(encoding="utf-8") for p in (where / tool_cache.SUBDIR).iterdir())
    assert value not in written and "(17 chars)" in written
    back = _store(root, where).whole("pyright", "k")
    assert back is not None and value not in repr(back)


# --- the user cache: bound, eviction, clean, dir ---------------------------------------------
def _project_dir(name: str, size: int, used: float) -> Path:
    path = cachedir.base() / name
    cache_mod.write_file(path, "v4", "results.json", b"x" * size)
    os.utime(path, (used, used))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def test_the_user_cache_is_trimmed_least_recently_used_first(home: Path) -> None:
    now = time.time()
    old, older, current = (
        _project_dir(name * 24, 400_000, now - age)
        for name, age in (("a", 100), ("b", 200), ("c", 300))
    )
    stranger = cachedir.base() / ("d" * 24)  # not ttaprod's: never counted or removed
    stranger.mkdir()
    (stranger / "data").write_bytes(b"y" * 900_000)
    held = {path: cachedir.usage(path) for path in (old, older)}
    # the oldest is the current project's: kept; the next oldest goes, and that is enough
    assert cachedir.trim(current, limit=900_000) == [held[older]]
    assert {p.name for p in cachedir.base().iterdir()} == {old.name, current.name, stranger.name}
    assert time.time() - os.stat(current).st_mtime < 60  # marked used now
    assert cachedir.trim(current, limit=1) == [held[old]]
    assert cachedir.projects() == [current]


def test_a_cache_dir_given_by_the_user_is_never_trimmed(home: Path, tmp_path: Path) -> None:
    mine = tmp_path / "ci-cache"
    cache_mod.write_file(mine, "v4", "results.json", b"x" * 1000)
    assert cachedir.trim(mine, limit=1) == []
    assert (mine / "v4" / "results.json").exists()


@pytest.mark.parametrize(
    ("value", "expected"), [("", 200), ("50", 50), ("0", 200), ("lots", 200), ("-3", 200)]
)
def test_the_bound_is_200_mb_unless_the_environment_says(monkeypatch, value, expected) -> None:
    monkeypatch.setenv(cachedir.ENV_MAX_MB, value)
    assert cachedir.max_bytes() == expected * safeio.MB


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_cache_dir_and_clean_name_what_they_remove(home: Path, tmp_path: Path, capsys) -> None:
    root = _project(tmp_path)
    code, out, _ = _cli(capsys, "cache", "dir", str(root))
    directory = cache_mod.default_directory(root)
    assert (code, out) == (0, f"{directory}\n")
    assert directory.parent == home / "ttaprod"
    assert _cli(capsys, "check", str(root), "--no-tools", "-q")[0] == 1  # the gate fails
    held = cachedir.usage(directory)
    assert held.files == 3 and held.bytes > 0  # results.json, .gitignore, CACHEDIR.TAG
    code, out, err = _cli(capsys, "cache", "clean", str(root))
    size = cachedir.human(held.bytes)
    assert (code, out, err) == (0, f"removed {directory} (3 files, {size})\nfreed {size}\n", "")
    assert not directory.exists()
    code, out, _ = _cli(capsys, "cache", "clean", str(root))
    assert (code, out) == (0, f"nothing to remove: no ttaprod cache in {directory}\n")


def test_cache_clean_all_removes_every_project(home: Path, capsys) -> None:
    first, second = _project_dir("1" * 24, 2048, 1.0), _project_dir("2" * 24, 1024, 2.0)
    held = [cachedir.usage(p) for p in (first, second)]
    code, out, _ = _cli(capsys, "cache", "clean", "--all")
    assert (code, out.splitlines()) == (0, [
        f"removed {first} (3 files, {cachedir.human(held[0].bytes)})",
        f"removed {second} (3 files, {cachedir.human(held[1].bytes)})",
        f"freed {cachedir.human(held[0].bytes + held[1].bytes)}",
    ])  # fmt: skip
    assert cachedir.projects() == []
    code, out, _ = _cli(capsys, "cache", "clean", "--all")
    assert (code, out) == (0, f"nothing to remove: no ttaprod cache in {cachedir.base()}\n")


def test_cache_clean_refuses_a_directory_that_is_not_a_cache(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "precious"
    mine.mkdir()
    (mine / "thesis.tex").write_text("…", encoding="utf-8")
    code, out, err = _cli(capsys, "cache", "clean", "--cache-dir", str(mine))
    assert (code, out) == (2, "")
    assert err == (
        f"ttaprod: error: {mine} is not a ttaprod cache directory (no CACHEDIR.TAG of ttaprod's)\n"
    )
    assert (mine / "thesis.tex").exists()


def test_profile_goes_to_stderr_and_leaves_stdout_parseable(tmp_path: Path, capsys) -> None:
    root = _project(tmp_path)
    code, out, err = _cli(capsys, "check", str(root), "--no-tools", "--no-cache", "-f", "json",
                          "--profile")  # fmt: skip
    assert code == 1 and json.loads(out)["stats"]["files"] == 2
    phases = [line.split("  ")[0] for line in err.splitlines()[2:]]
    assert [p for p in phases if not p.startswith("start-up")] == [
        "config, discovery",
        "tools: cache lookup, start",
        "own pass: parse + rules, per file",
        "own pass: second look, cache write",
        "waiting for the tools",
        "merge: tool findings checked, judged, deduplicated",
        "project checks (index, call graph, items)",
        "report (scores, gate)",
        "render",
        "total",
        "tool ruff (start to exit)",
        "tool pyright (start to exit)",
        "tool bandit (start to exit)",
        "tool safety (start to exit)",
    ]
    assert err.splitlines()[-1].split() == [
        "tool",
        "safety",
        "(start",
        "to",
        "exit)",
        "–",
        "skipped",
    ]
