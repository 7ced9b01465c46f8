"""Bad input gets a clear answer and the run goes on (issue 2: tests for bad input)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import run_check

GOOD = "def ok() -> int:\n    return 1\n"


def _notices(report) -> list[tuple[str, str, int]]:
    return [(f.path, f.rule, f.line) for f in report.findings if f.rule.startswith("TTP9")]


def test_syntax_error_is_reported_and_the_run_goes_on(project) -> None:
    root = project(
        {"app/broken.py": "def handler(event):\n    return process(event\n", "app/ok.py": GOOD}
    )
    report = run_check(root)
    assert _notices(report) == [("app/broken.py", "TTP901", 2)]
    assert report.stats.files == 2
    assert report.stats.parse_errors == 1
    assert "never closed" in report.findings[0].message


def test_latin1_file_without_cookie(project) -> None:
    root = project({"app/legacy.py": 'NAME = "caf\xe9"\n'.encode("latin-1"), "app/ok.py": GOOD})
    report = run_check(root)
    assert _notices(report) == [("app/legacy.py", "TTP902", 1)]
    assert "not valid UTF-8" in report.findings[0].message


def test_latin1_file_with_cookie_is_fine(project) -> None:
    source = '# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n'.encode("latin-1")
    report = run_check(project({"app/legacy.py": source}))
    assert _notices(report) == []
    assert report.stats.parse_errors == 0


def test_huge_generated_file_is_skipped(project) -> None:
    line = "VALUE_%d = %d\n"
    body = "".join(line % (i, i) for i in range(260_000))
    assert len(body) > 5 * 1024 * 1024
    root = project({"app/generated.py": body, "app/ok.py": GOOD})
    report = run_check(root)
    assert _notices(report) == [("app/generated.py", "TTP903", 1)]
    assert "over the 1024 KiB limit" in report.findings[0].message


def test_size_limit_is_configurable(project) -> None:
    root = project(
        {
            "pyproject.toml": "[tool.ttaprod]\nmax-file-size-kb = 1\n",
            "app/big.py": "X = 1\n" * 400,
        }
    )
    assert _notices(run_check(root)) == [("app/big.py", "TTP903", 1)]


def test_expression_nested_2000_deep(project) -> None:
    deep_parens = "x = " + "(" * 2000 + "1" + ")" * 2000 + "\n"
    deep_binop = "x = " + " + ".join(["1"] * 2000) + "\n"
    # 5,000 nested minus signs: CPython 3.11+ refuses them; 3.10 parses them, and then the
    # position pass for the print() finding would exhaust the stack: a notice either way
    deep_unary = "x = " + "-" * 5000 + "1\nprint(x)\n"
    root = project(
        {
            "app/parens.py": deep_parens,
            "app/binop.py": deep_binop,
            "app/unary.py": deep_unary,
            "app/ok.py": GOOD,
        }
    )
    report = run_check(root)
    notices = _notices(report)
    assert ("app/parens.py", "TTP904", 1) in notices
    assert ("app/unary.py", "TTP904", 1) in notices
    # a long flat chain of + is deep for the parser, not for the analysis: either it is
    # analysed or it is reported, never a crash
    assert all(path != "app/ok.py" for path, _, _ in notices)
    assert report.stats.files == 4


def test_symlink_out_of_the_tree_is_reported_not_followed(project, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret_module.py").write_text("print('outside')\n", encoding="utf-8")
    root = project({"app/ok.py": GOOD})
    os.symlink(outside / "secret_module.py", root / "app" / "linked.py")
    os.symlink(outside, root / "vendor")
    os.symlink(root / "app" / "ok.py", root / "app" / "alias.py")  # inside: skipped quietly
    report = run_check(root)
    assert sorted(_notices(report)) == [("app/linked.py", "TTP905", 1), ("vendor", "TTP905", 1)]
    assert report.stats.files == 1


def test_empty_file(project) -> None:
    report = run_check(project({"app/__init__.py": "", "app/ok.py": GOOD}))
    assert report.findings == ()
    assert report.stats.files == 2
    assert report.stats.parse_errors == 0


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ttaprod", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )


def test_directory_without_python_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# docs only\n", encoding="utf-8")
    result = _cli("check", str(tmp_path), "--no-tools", "-q")
    assert result.returncode == 0
    assert "no Python files found" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _cli("check", str(tmp_path / "nope"), "--no-tools")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"ttaprod: error: path does not exist: {tmp_path / 'nope'}"
    ]


def test_bad_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _cli("check", str(tmp_path), "--frmat", "json")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--frmat" in result.stderr


def test_bad_format_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _cli("check", str(tmp_path), "--format", "yaml", "--no-tools")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "ttaprod: error: unknown format 'yaml' (choose from rich, json, sarif, junit, github, markdown, gitlab)"
    )


def test_unknown_config_key_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttaprod]\nselct = ['TTP1']\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(GOOD, encoding="utf-8")
    result = _cli("check", str(tmp_path), "--no-tools")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pyproject.toml" in lines[0] and "unknown key 'selct'" in lines[0]


def test_wrong_type_in_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ttaprod]\nfail-under = "high"\n', encoding="utf-8"
    )
    result = _cli("check", str(tmp_path), "--no-tools")
    assert result.returncode == 2
    assert "'fail-under' must be a number from 0 to 100" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_sync_client_names_are_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ttaprod]\nsync-clients = ["BillingClient"]\n', encoding="utf-8"
    )
    (tmp_path / "app.py").write_text(GOOD, encoding="utf-8")
    result = _cli("check", str(tmp_path), "--no-tools")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ttaprod: error: {tmp_path / 'pyproject.toml'}: [tool.ttaprod] 'sync-clients' must "
        "list qualified names like 'ourcorp.billing.Client', not 'BillingClient'"
    ]


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ttaprod\nselect = 1\n", encoding="utf-8")
    result = _cli("check", str(tmp_path), "--no-tools")
    assert result.returncode == 2
    assert "invalid TOML" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_rule_in_select(tmp_path: Path) -> None:
    result = _cli("check", str(tmp_path), "--no-tools", "--select", "TTP777")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "ttaprod: error: select: no rule matches 'TTP777' (see `ttaprod rules`)"
    )


def test_unreadable_directory_is_reported_and_the_run_goes_on(project, monkeypatch) -> None:
    from ttaprod import discovery

    root = project({"app/ok.py": GOOD, "app/locked/hidden.py": GOOD})
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    report = run_check(root)
    assert _notices(report) == [("app/locked", "TTP902", 1)]
    assert report.findings[0].message == (
        "cannot read directory (Permission denied); its files were not checked"
    )
    assert report.stats.files == 1


def test_internal_error_is_one_line_and_exit_2_traceback_only_with_verbose(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import pytest

    from ttaprod import cli
    from ttaprod.commands import check as check_cmd

    def broken(options):
        raise RuntimeError("boom")

    monkeypatch.setattr(check_cmd, "check", broken)
    for extra, traceback_shown in (((), False), (("--verbose",), True)):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["check", str(tmp_path), "--no-tools", *extra])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1] == (
            "ttaprod: error: internal error: RuntimeError: boom "
            "(run with --verbose for the traceback)"
        )
        assert ("Traceback (most recent call last)" in err) is traceback_shown
        if not traceback_shown:
            assert len(err.strip().splitlines()) == 1
