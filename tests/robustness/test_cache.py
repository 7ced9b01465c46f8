"""The result cache is untrusted input: a cache committed to the repository is never read by
default, a forged or malformed entry is dropped and recomputed, and the file is opened without
following symlinks, refusing FIFOs and devices, within a size bound."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ttaprod import cache as cache_mod

from .conftest import run_process

GATE = '[tool.ttaprod]\nfail-under = 0\nblock-on = ["high"]\n'
LEAKY = 'import os\n\npassword = "Zq8-strong-Pw-31"\nprint(os.sep)\n'
BROKEN = "def handler(event):\n    return process(event\n"
WARN = "ttaprod: warning: cache "


def _project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(GATE, encoding="utf-8")
    (root / "app" / "leaky.py").write_text(LEAKY, encoding="utf-8")
    (root / "app" / "broken.py").write_text(BROKEN, encoding="utf-8")
    return root


def _high(run) -> list[tuple[str, str]]:
    data = json.loads(run.out)
    return [(f["path"], f["rule"]) for f in data["findings"] if f["severity"] == "high"]


EXPECTED = [("app/broken.py", "TTP901"), ("app/leaky.py", "TTP402")]


def _cache_file(directory: Path) -> Path:
    return directory / f"v{cache_mod.FORMAT}" / cache_mod.FILE_NAME


def _forge_clean(directory: Path) -> None:
    """Every entry rewritten to say its file is clean, with the right keys: what an attacker
    who knows ttaprod's version and the project's config can write."""
    target = _cache_file(directory)
    data = json.loads(target.read_text(encoding="utf-8"))
    for entry in data["entries"].values():
        entry["result"].update(findings=[], suppressed=[], sites=[], parse_error=False)
    target.write_text(json.dumps(data), encoding="utf-8")


def test_a_forged_cache_committed_to_the_repository_is_never_read(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    committed = root / ".ttaprod_cache"
    run = ttaprod("check", root, "--no-tools", "--cache-dir", committed, "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)
    _forge_clean(committed)
    # By default the cache is the user's, outside the tree: the committed one plays no part.
    run = ttaprod("check", root, "--no-tools", "-f", "json")
    assert (run.code, _high(run), run.err) == (1, EXPECTED, "")
    run = ttaprod("check", root, "--no-tools", "-f", "json")  # now warm from the user's cache
    assert (run.code, _high(run), run.err) == (1, EXPECTED, "")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)


def _entry_with(tmp_path: Path, ttaprod, change) -> tuple[Path, object]:
    root = _project(tmp_path / "svc")
    where = tmp_path / "cache"
    ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    target = _cache_file(where)
    data = json.loads(target.read_text(encoding="utf-8"))
    change(data["entries"]["app/leaky.py"])
    target.write_text(json.dumps(data), encoding="utf-8")
    return root, where


def _finding(entry) -> dict:
    return next(f for f in entry["result"]["findings"] if f["rule"] == "TTP402")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda e: _finding(e).update(rule="TTP999"), id="unknown-rule"),
        pytest.param(lambda e: _finding(e).update(path="../../etc/passwd"), id="path-outside"),
        pytest.param(lambda e: e["result"].update(path="../../etc/passwd"), id="result-outside"),
        pytest.param(lambda e: _finding(e).update(pos=["3", "1", "3", "9"]), id="pos-strings"),
        pytest.param(lambda e: _finding(e).update(pos=[3, 1]), id="pos-short"),
        pytest.param(lambda e: e["result"].update(lines="4"), id="lines-string"),
        pytest.param(lambda e: e["result"].update(findings={"a": 1}), id="findings-object"),
        pytest.param(lambda e: _finding(e).update(severity="catastrophic"), id="severity"),
        pytest.param(lambda e: _finding(e).update(source="ruff"), id="not-own"),
        pytest.param(lambda e: _finding(e).update(pos=[10**12, 1, 3, 9]), id="line-huge"),
        pytest.param(lambda e: e["result"].update(sites=[["nope", "TTP402", 3, 1, ""]]), id="site"),
        pytest.param(lambda e: e["result"].update(facts=[{"kind": "evil"}]), id="fact-kind"),
        pytest.param(lambda e: e["result"].update(facts=[5]), id="fact-int"),
        pytest.param(lambda e: e.update(result="x"), id="result-string"),
    ],
)
def test_an_entry_of_the_wrong_shape_is_dropped_and_recomputed(
    tmp_path: Path, ttaprod, forge
) -> None:
    root, where = _entry_with(tmp_path, ttaprod, forge)
    run = ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)
    assert run.err_lines == [
        f"{WARN}{_cache_file(where)}: 1 invalid entry dropped; those files were analysed again"
    ]
    # the dropped entry was replaced by the recomputed one
    run = ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    assert (run.code, _high(run), run.err) == (1, EXPECTED, "")


def _broken_cache(tmp_path: Path, ttaprod, make) -> tuple[Path, Path]:
    root = _project(tmp_path / "svc")
    where = tmp_path / "cache"
    ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    target = _cache_file(where)
    target.unlink()
    make(target)
    return root, where


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda t: os.symlink("/dev/zero", t), "a symlink or not a directory (not followed)"),
        (lambda t: os.mkfifo(t), "not a regular file"),
        (
            lambda t: t.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8"),
            "not valid JSON (or nested too deeply)",
        ),
        (
            lambda t: t.write_text('{"app/leaky.py": {"key": 1}}', encoding="utf-8"),
            "not a ttaprod cache of this version",
        ),
        (lambda t: os.truncate(t, 0) if t.touch() else os.truncate(t, 150 * 2**20), None),
    ],
    ids=["symlink-dev-zero", "fifo", "deep-json", "old-shape", "150-MB"],
)
def test_a_cache_file_that_cannot_be_trusted_is_not_read(
    tmp_path: Path, ttaprod, make, why: str | None
) -> None:
    root, where = _broken_cache(tmp_path, ttaprod, make)
    run = ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)
    why = why or "150 MB, over its 16 MB bound"
    assert run.err_lines == [f"{WARN}{_cache_file(where)}: not used: {why}"]
    target = _cache_file(where)
    assert target.is_file() and not target.is_symlink()  # replaced by a good one
    run = ttaprod("check", root, "--no-tools", "--cache-dir", where, "-f", "json")
    assert (run.code, _high(run), run.err) == (1, EXPECTED, "")


def test_a_cache_directory_that_is_a_symlink_is_not_written_through(
    tmp_path: Path, ttaprod
) -> None:
    root = _project(tmp_path / "svc")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / ".ttaprod_cache")
    run = ttaprod("check", root, "--no-tools", "--cache-dir", root / ".ttaprod_cache", "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)
    where = _cache_file(root / ".ttaprod_cache")
    assert run.err_lines == [
        f"{WARN}{where}: not used: a symlink or not a directory (not followed)"
    ]
    assert list(outside.iterdir()) == []
    # the version directory below a real cache directory is held to the same
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(outside, real / f"v{cache_mod.FORMAT}")
    run = ttaprod("check", root, "--no-tools", "--cache-dir", real, "-f", "json")
    assert (run.code, _high(run)) == (1, EXPECTED)
    assert list(outside.iterdir()) == []


@pytest.mark.slow
def test_two_concurrent_runs_leave_one_whole_cache(tmp_path: Path) -> None:
    root = _project(tmp_path / "svc")
    for i in range(30):
        (root / "app" / f"m{i}.py").write_text(f"def f{i}() -> int:\n    return {i}\n", "utf-8")
    where = tmp_path / "cache"
    argv = [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "-q"]
    argv += ["--cache-dir", str(where)]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in runs]
    assert results == [(1, b""), (1, b"")]
    entries = json.loads(_cache_file(where).read_text(encoding="utf-8"))["entries"]
    assert len(entries) == 32
    assert [p.name for p in _cache_file(where).parent.iterdir()] == [cache_mod.FILE_NAME]
    again = run_process("check", root, "--no-tools", "-q", "--cache-dir", where)
    assert (again.code, again.err) == (1, "")


def test_non_utf8_file_and_directory_names_do_not_crash(tmp_path: Path, ttaprod) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "ok.py").write_text("x = 1\n", encoding="utf-8")
    bad_dir = os.path.join(os.fsencode(root), b"pkg\xff")
    os.mkdir(bad_dir)
    with open(os.path.join(bad_dir, b"mod\xfe.py"), "wb") as handle:
        handle.write(b'password = "Zq8-strong-Pw-31"\n')
    for extra in ((), ("--no-cache",)):
        run = ttaprod("check", root, "--no-tools", "-f", "json", *extra)
        assert run.err == ""
        data = json.loads(run.out)
        assert [(f["path"], f["rule"]) for f in data["findings"]] == [
            ("pkg\\xff/mod\\xfe.py", "TTP402")
        ]
        run = ttaprod("check", root, "--no-tools", *extra)
        assert "pkg\\xff/mod\\xfe.py" in run.out and run.code == 1


def test_the_cache_is_private_to_its_user(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    ttaprod("check", root, "--no-tools", "-q")
    directory = cache_mod.default_directory(root)
    assert directory.stat().st_mode & 0o077 == 0
    assert _cache_file(directory).stat().st_mode & 0o077 == 0
    shutil.rmtree(directory)
