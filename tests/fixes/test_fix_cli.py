"""`ttaprod check --fix / --unsafe-fixes / --fix-only / --fix-diff` as a user runs them: the
bad sample service repaired, exit codes, what is printed, what is never fixed (suppressed,
baselined, out of --diff scope), and a file changed during the run left alone."""

from __future__ import annotations

import json
import py_compile
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from ttaprod import cli
from ttaprod.api import CheckOptions, fix
from ttaprod.fixes import FIXABLE
from ttaprod.fixes import files as fix_files

from ..helpers import FIXTURES, run_check

BARE = "import requests\n\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url).content\n"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`ttaprod ARGS…`; `check` with the rules in preview too (their fixes are tested here)."""
    argv = [*args]
    if argv[:1] == ["check"] and "--preview" not in argv:
        argv.insert(1, "--preview")
    with pytest.raises(SystemExit) as ended:
        cli.main(argv)
    out = capsys.readouterr()
    return int(ended.value.code or 0), out.out, out.err


def _copy_bad(tmp_path: Path) -> Path:
    root = tmp_path / "rag"
    shutil.copytree(FIXTURES / "rag_service_bad", root)
    return root


def _safe_rules() -> set[str]:
    from ttaprod import catalogue

    return {c for c, s in catalogue.catalogue().items() if s.fix == "safe"}


def test_fix_repairs_every_safe_fixable_finding_of_the_bad_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_bad(tmp_path)
    before = run_check(root, preview=True)
    safe = _safe_rules()
    assert {f.rule for f in before.findings} & safe

    code, out, err = _run(capsys, "check", str(root), "--no-tools", "--no-cache", "--fix")
    assert code == 1, err  # critical findings (live keys, TLS off) are not safe to fix
    fixed = sum(1 for f in before.findings if f.rule in safe)
    assert f"Fixed {fixed} findings in 5 files (21 more with --unsafe-fixes)" in out
    after = run_check(root, preview=True)
    assert [f for f in after.findings if f.rule in safe] == []
    assert not Counter(f.rule for f in after.findings) - Counter(f.rule for f in before.findings)
    for path in root.rglob("*.py"):
        py_compile.compile(str(path), doraise=True)

    code, out, _ = _run(capsys, "check", str(root), "--no-tools", "--no-cache", "--fix-only")
    assert (code, out.splitlines()[0]) == (0, "Nothing to fix (21 more with --unsafe-fixes).")


def test_unsafe_fixes_on_the_bad_service_compile_and_bring_no_finding(tmp_path: Path) -> None:
    root = _copy_bad(tmp_path)
    before = Counter(f.rule for f in run_check(root, preview=True).findings)
    options = CheckOptions(paths=(root,), no_tools=True, no_cache=True, preview=True)
    outcome = fix(options, unsafe=True)
    assert len(outcome.summary.applied) == 44
    assert outcome.summary.env == (
        "ADMIN_PASSWORD",
        "ANTHROPIC_API_KEY",
        "AUTHORIZATION_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "OPENAI_API_KEY",
        "PASSWORD",
        "VECTOR_DB_API_KEY",
    )
    after = Counter(f.rule for f in run_check(root, preview=True).findings)
    assert not after - before
    for rule in ("TTP101", "TTP113", "TTP204", "TTP401", "TTP402", "TTP403", "TTP503", "TTP513"):
        assert after[rule] == 0, rule
    # open(), and four calls of the project's own blocking helpers (the fixer wraps library
    # calls only); no retrying client here
    assert (after["TTP301"], after["TTP102"]) == (5, 11)
    for path in root.rglob("*.py"):
        py_compile.compile(str(path), doraise=True)
    assert fix(options, unsafe=True).changes == ()


def test_fix_diff_prints_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    (root / "app" / "a.py").write_text(BARE, encoding="utf-8")
    code, out, err = _run(capsys, "check", str(root), "--no-tools", "--no-cache", "--fix-diff")
    assert code == 1
    assert out == (
        "--- a/app/a.py\n"
        "+++ b/app/a.py\n"
        "@@ -2,4 +2,4 @@\n"
        " \n"
        " \n"
        " def fetch(url: str) -> bytes:\n"
        "-    return requests.get(url).content\n"
        "+    return requests.get(url, timeout=10).content\n"
    )
    assert err == "ttaprod: would fix 1 finding in 1 file\n"  # TTP102: no retrying client here
    assert (root / "app" / "a.py").read_text(encoding="utf-8") == BARE
    _run(capsys, "check", str(root), "--no-tools", "--no-cache", "--fix")
    code, out, err = _run(
        capsys, "check", str(root), "--no-tools", "--no-cache", "--fix-diff", "--unsafe-fixes"
    )
    assert (code, out, err) == (0, "", "ttaprod: nothing to fix\n")


def test_fix_only_lists_each_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    (root / "app" / "a.py").write_text(BARE, encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(root), "--no-tools", "--no-cache", "--fix-only")
    assert code == 0
    assert out == ("Fixed 1 finding in 1 file:\n  app/a.py:5 TTP101 add `timeout=10`\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unsafe-fixes"], "--unsafe-fixes needs --fix, --fix-only or --fix-diff"),
        (["--fix-only", "--fix-diff"], "--fix-only and --fix-diff do not go together: pick one"),
        (
            ["--fix-diff", "-f", "json"],
            "--fix-diff prints what changes, not a report: drop --format/--output",
        ),
    ],
)
def test_bad_fix_options_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = _run(capsys, "check", str(tmp_path), "--no-tools", *args)
    assert (code, out, err) == (2, "", f"ttaprod: error: {message}\n")


def test_bad_fix_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ttaprod]\nfix-requests-timeout = [3]\n", encoding="utf-8"
    )
    code, _, err = _run(capsys, "check", str(tmp_path), "--no-tools", "--fix")
    assert code == 2 and err.count("\n") == 1
    assert "'fix-requests-timeout' must be a list of two numbers of seconds" in err


def test_suppressed_and_baselined_findings_are_not_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    known = BARE.replace("fetch", "known")
    silenced = BARE.replace("requests.get(url)", "requests.get(url)  # ttaprod: ignore[TTP101]")
    (root / "app" / "known.py").write_text(known, encoding="utf-8")
    code, _, _ = _run(capsys, "baseline", str(root), "--no-tools", "--no-cache")
    assert code == 0
    (root / "app" / "silenced.py").write_text(silenced, encoding="utf-8")
    (root / "app" / "new.py").write_text(BARE, encoding="utf-8")
    code, out, _ = _run(
        capsys, "check", str(root), "--no-tools", "--no-cache", "--fix-only", "--baseline",
        str(root / ".ttaprod-baseline.json"),
    )  # fmt: skip
    assert out.splitlines()[1:] == ["  app/new.py:5 TTP101 add `timeout=10`"]
    assert (root / "app" / "known.py").read_text(encoding="utf-8") == known
    assert (root / "app" / "silenced.py").read_text(encoding="utf-8") == silenced


@pytest.mark.slow  # git in a subprocess
def test_fix_diff_with_diff_ref_fixes_only_changed_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "old.py").write_text(BARE, encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=root, check=True, capture_output=True,
        )  # fmt: skip

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "old")
    (root / "app" / "new.py").write_text(BARE.replace("fetch", "fresh"), encoding="utf-8")
    code, out, _ = _run(
        capsys, "check", str(root), "--no-tools", "--no-cache", "--diff", "main", "--fix-diff"
    )
    assert code == 1
    assert "+++ b/app/new.py" in out and "app/old.py" not in out


def test_a_file_changed_during_the_run_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    target = root / "app" / "a.py"
    target.write_text(BARE, encoding="utf-8")
    (root / "app" / "b.py").write_text(BARE.replace("fetch", "other"), encoding="utf-8")
    edited = BARE + "# edited by someone during the run\n"
    real = fix_files.replace

    def edit_first(src: fix_files.Source, new: bytes) -> str:  # fault injection
        if src.rel == "app/a.py":
            target.write_text(edited, encoding="utf-8")
        return real(src, new)

    monkeypatch.setattr(fix_files, "replace", edit_first)
    outcome = fix(CheckOptions(paths=(root,), no_tools=True, no_cache=True, preview=True))
    assert outcome.summary.refused == ("app/a.py: changed since ttaprod read it: left alone",)
    assert outcome.summary.files == ("app/b.py",)
    assert target.read_text(encoding="utf-8") == edited
    assert "timeout=10" in (root / "app" / "b.py").read_text(encoding="utf-8")


def test_replace_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "run.py"
    path.write_text("x = 1\n", encoding="utf-8")
    path.chmod(0o750)
    src = fix_files.read(path, "run.py")
    assert fix_files.replace(src, b"x = 2\n") == ""
    assert path.read_bytes() == b"x = 2\n" and path.stat().st_mode & 0o777 == 0o750
    assert fix_files.replace(src, b"x = 3\n") == fix_files.CHANGED  # read before the last write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.py"]


def test_fix_report_in_json_lists_fixes_and_the_variables_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_bad(tmp_path)
    code, out, _ = _run(
        capsys, "check", str(root), "--no-tools", "--no-cache", "--fix", "--unsafe-fixes",
        "-f", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 1 and data["fixes"]["mode"] == "fix"
    assert len(data["fixes"]["applied"]) == 44 and data["fixes"]["held_back"] == 0
    assert "OPENAI_API_KEY" in data["fixes"]["env"] and data["fixes"]["refused"] == []


def test_every_catalogue_fix_has_its_fixer() -> None:
    from ttaprod import catalogue

    declared = {c for c, s in catalogue.catalogue().items() if s.fix}
    assert declared == set(FIXABLE)
