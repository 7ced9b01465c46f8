"""Parsing is isolated on every path: a native crash of libcst's parser costs one file (TTP906),
valid Python is never a syntax error, and a long generated line costs linear time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ..helpers import run_check

GOOD = "def ok() -> int:\n    return 1\n"
CRASH = "the parser crashed on this file (SIGSEGV); it was not analysed"


def _rows(run) -> list[tuple[str, int, str, str]]:
    data = json.loads(run.out)
    return [(f["path"], f["line"], f["rule"], f["message"]) for f in data["findings"]]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_native_parser_crash_costs_one_file_on_every_path(tmp_path: Path, ttaprod, jobs) -> None:
    """50,000 `and` terms overflow libcst's native parser stack (SIGSEGV). With `--jobs 1`
    and a few files the analysis used to run in ttaprod's own process and die with it."""
    root = _write(
        tmp_path,
        {"chain.py": "x = " + " and ".join(["a"] * 50_000) + "\n", "ok.py": GOOD},
    )
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-j", jobs, "-f", "json")
    assert run.err == ""
    assert _rows(run) == [("chain.py", 1, "TTP906", CRASH)]
    assert json.loads(run.out)["stats"]["files"] == 2


def test_a_crash_in_the_pool_costs_one_file_too(tmp_path: Path, ttaprod) -> None:
    files = {f"m{i:02}.py": GOOD for i in range(14)}  # enough files for the process pool
    files["chain.py"] = "x = " + " or ".join(["a"] * 50_000) + "\n"
    root = _write(tmp_path, files)
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-j", "2", "-f", "json")
    assert [(p, r) for p, _, r, _ in _rows(run)] == [("chain.py", "TTP906")]
    assert json.loads(run.out)["stats"]["files"] == 15


def test_valid_python_libcst_cannot_read_is_not_a_syntax_error(tmp_path: Path, ttaprod) -> None:
    source = "x = (" + " ".join(['"a"'] * 50_000) + ")\n"
    compile(source, "concat.py", "exec")  # Python accepts it
    root = _write(tmp_path, {"concat.py": source})
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-f", "json")
    assert _rows(run) == [
        (
            "concat.py",
            1,
            "TTP904",
            "valid Python that libcst's parser cannot read (too deeply structured for it);"
            " not analysed",
        )
    ]


@pytest.mark.slow
def test_a_long_line_of_many_statements_costs_linear_time(tmp_path: Path) -> None:
    """27,500 `print(1)` on one 250 KB line: each is a TTP203 finding. Each finding used to
    copy the whole line as its snippet and the merge compared every pair (hours); now the
    snippet is cut and the merge is linear."""
    root = _write(tmp_path, {"gen.py": ";".join(["print(1)"] * 27_500) + "\n"})
    started = time.monotonic()
    report = run_check(root, select=("TTP203",))
    elapsed = time.monotonic() - started
    assert len(report.findings) == 27_500
    assert {f.rule for f in report.findings} == {"TTP203"}
    assert report.findings[-1].column == 9 * 27_499 + 1
    assert {len(f.snippet) for f in report.findings} == {401}  # 400 characters and "…"
    assert elapsed < 120, elapsed


@pytest.mark.parametrize("separator", ["\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\x1c"])
def test_unicode_line_separators_do_not_shift_snippets_or_marks(
    tmp_path: Path, ttaprod, separator: str
) -> None:
    """Python ends lines only at \\n, \\r\\n and \\r; `str.splitlines()` also at form feed,
    VT, NEL, U+2028…: a snippet taken by index used to show the line above the finding,
    where the password stood unmasked."""
    source = (
        f"# a comment{separator} with a separator\n"
        'password = "Zq8-strong-Pw-31"\n'
        'aws_secret_access_key = "Xk2mP9qR4sT7vW1yZ3bC5dF8gH0jK6lN2pQ4rS7u"\n'
        "print(password)  # ttaprod: ignore[TTP203]\n"
        "db_password = 'Lm4-other-Pw-77'; print(db_password)\n"
    )
    root = _write(tmp_path, {"app.py": source})
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--show-suppressed")
    code_lines = [line.strip() for line in run.out.splitlines() if " │ " in line]
    assert code_lines == [
        '2 │ password = "…(16 chars)"',
        '3 │ aws_secret_access_key = "…(40 chars)"',
        "5 │ db_password = '…(15 chars)'; print(db_password)",
        "5 │ db_password = '…(15 chars)'; print(db_password)",
        "4 │ print(password)  # ttaprod: ignore[TTP203]",
    ]
    assert "suppressed: # ttaprod: ignore at line 4" in run.out
    for value in ("Zq8-strong-Pw-31", "Xk2mP9qR4sT7", "Lm4-other-Pw-77"):
        assert value not in run.out


def test_a_file_far_over_the_size_limit_is_never_read_whole(tmp_path: Path, ttaprod) -> None:
    (tmp_path / "huge.py").write_bytes(b"X = 1\n" * 3_000_000)  # 18 MB
    run = ttaprod("check", tmp_path, "--no-tools", "--no-cache", "-f", "json")
    data = json.loads(run.out)
    assert _rows(run) == [
        (
            "huge.py",
            1,
            "TTP903",
            "file is 17578 KiB, over the 1024 KiB limit (max-file-size-kb); not analysed",
        )
    ]
    assert data["stats"]["lines"] == 3_000_000


@pytest.mark.slow
def test_a_file_that_needs_too_much_memory_costs_that_file(tmp_path: Path, ttaprod) -> None:
    """4 MB of statements on one line, the size limit raised: libcst would need ~7 GB. The
    analysis worker's address space is bounded, so the file is given up (its allocation
    fails in the native parser: SIGABRT) and the run goes on."""
    root = _write(
        tmp_path,
        {
            "pyproject.toml": "[tool.ttaprod]\nmax-file-size-kb = 5000\n",
            "gen.py": ";".join(["print(1)"] * 440_000) + "\n",
            "ok.py": GOOD,
        },
    )
    run = ttaprod("check", root, "--no-tools", "--no-cache", "-f", "json")
    assert run.err == ""
    rows = [(p, r) for p, _, r, _ in _rows(run) if r.startswith("TTP9")]
    assert rows in ([("gen.py", "TTP906")], [("gen.py", "TTP903")])
    message = next(m for p, _, r, m in _rows(run) if p == "gen.py")
    assert message in (
        "the parser crashed on this file (SIGABRT); it was not analysed",
        "analysing this file needs more than 2048 MB of memory; not analysed",
    )
