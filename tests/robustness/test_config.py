"""Config and command-line values are held to ranges: one stderr line and exit 2, never a
traceback, never accepted when they would break the run (a NaN gate, a hanging timeout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ttaprod.config import max_jobs

GOOD = "def ok() -> int:\n    return 1\n"
CORES = max_jobs()
ERR = "ttaprod: error: "


def _project(root: Path, pyproject: str | None = None) -> Path:
    (root / "app.py").write_text(GOOD, encoding="utf-8")
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (
            "max-file-size-kb = 10000000000",
            "'max-file-size-kb' must be an integer from 1 to 10240 (KiB; 10 MB at most), "
            "not 10000000000",
        ),
        (
            "max-file-size-kb = 0",
            "'max-file-size-kb' must be an integer from 1 to 10240 (KiB; 10 MB at most), not 0",
        ),
        (
            "jobs = 100000",
            f"'jobs' must be an integer from 0 to {CORES} (0: all cores; at most 4 per core), "
            "not 100000",
        ),
        (
            "tool-timeout = nan",
            "'tool-timeout' must be a number of seconds above 0 and at most 86400, not nan",
        ),
        (
            "tool-timeout = inf",
            "'tool-timeout' must be a number of seconds above 0 and at most 86400, not inf",
        ),
        (
            "tool-timeout = -1",
            "'tool-timeout' must be a number of seconds above 0 and at most 86400, not -1",
        ),
        (
            "[tool.ttaprod.tools]\nruff = { timeout = nan }",
            "'tools.ruff.timeout' must be a number of seconds above 0 and at most 86400, not nan",
        ),
        ("fail-under = nan", "'fail-under' must be from 0 to 100, not nan"),
        (
            'baseline = "../../elsewhere/baseline.json"',
            "'baseline' must be a path inside the project, relative to the config file, "
            "not '../../elsewhere/baseline.json'",
        ),
    ],
)
def test_out_of_range_config_values_are_one_line_and_exit_2(
    tmp_path: Path, ttaprod, table: str, said: str
) -> None:
    header = "" if table.startswith("[") else "[tool.ttaprod]\n"
    root = _project(tmp_path, header + table + "\n")
    run = ttaprod("check", root, "--no-tools", "--no-cache")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [f"{ERR}{root / 'pyproject.toml'}: [tool.ttaprod] {said}"]


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--fail-under", "nan"), "--fail-under must be from 0 to 100, not nan"),
        (("--fail-under=-nan",), "--fail-under must be from 0 to 100, not nan"),
        (
            ("--jobs", "100000"),
            f"--jobs must be an integer from 0 to {CORES} (0: all cores; at most 4 per core), "
            "not 100000",
        ),
        (
            ("--jobs", "99999999999999999999999"),
            f"--jobs must be an integer from 0 to {CORES} (0: all cores; at most 4 per core), "
            "not 99999999999999999999999",
        ),
        (
            ("--fail-under", "101"),
            "Invalid value for '--fail-under': 101.0 is not in the range 0<=x<=100.",
        ),
        (("--jobs", "0"), "Invalid value for '--jobs' / '-j': 0 is not in the range x>=1."),
    ],
)
def test_out_of_range_flags_are_one_line_and_exit_2(
    tmp_path: Path, ttaprod, flags: tuple[str, ...], said: str
) -> None:
    root = _project(tmp_path)
    run = ttaprod("check", root, "--no-tools", "--no-cache", *flags)
    assert (run.code, run.out, run.err_lines) == (2, "", [ERR + said])


def test_a_10000_deep_toml_table_is_invalid_toml_not_a_crash(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path, "[tool.ttaprod]\nselect = " + "[" * 10_000 + "]" * 10_000 + "\n")
    run = ttaprod("check", root, "--no-tools", "--no-cache")
    assert (run.code, run.err_lines) == (
        2,
        [f"{ERR}{root / 'pyproject.toml'}: invalid TOML: tables or arrays nested too deeply"],
    )
    config = tmp_path / "deep.toml"
    config.write_text("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", encoding="utf-8")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--config", config)
    assert (run.code, run.err_lines) == (
        2,
        [f"{ERR}{config}: invalid TOML: tables or arrays nested too deeply"],
    )


def test_a_config_whose_tool_is_not_a_table_is_an_unknown_key(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path)
    config = tmp_path / "odd.toml"
    config.write_text('tool = "x"\n', encoding="utf-8")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--config", config)
    assert run.code == 2
    assert len(run.err_lines) == 1
    assert run.err_lines[0].startswith(f"{ERR}{config}: unknown key 'tool' in [tool.ttaprod]")


def test_a_config_that_is_a_fifo_or_a_directory_is_refused(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--config", fifo)
    assert (run.code, run.err_lines) == (2, [f"{ERR}cannot read config {fifo}: is a named pipe"])
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--config", tmp_path)
    assert (run.code, run.err_lines) == (
        2,
        [f"{ERR}cannot read config {tmp_path}: is a directory"],
    )


def test_a_pyproject_that_is_a_fifo_does_not_hang(tmp_path: Path, ttaprod) -> None:
    (tmp_path / "app.py").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "pyproject.toml")
    run = ttaprod("check", tmp_path, "--no-tools", "--no-cache", "-q")
    assert run.code in (0, 1)  # not a config (not a regular file): the run goes on


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_an_attestation_outside_the_project_is_refused(tmp_path: Path, ttaprod, how) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "report.md").write_text("load test: fine\n", encoding="utf-8")
    root = tmp_path / "svc"
    root.mkdir()
    if how == "dotdot":
        target = "../outside/report.md"
    else:
        target = "docs/load-test.md"
        (root / "docs").mkdir()
        os.symlink(outside / "report.md", root / "docs" / "load-test.md")
    _project(root, f'[tool.ttaprod.attest]\n"performance.load-testing" = "{target}"\n')
    run = ttaprod("check", root, "--no-tools", "--no-cache")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        f"{ERR}{root / 'pyproject.toml'}: [tool.ttaprod] 'attest.performance.load-testing' "
        f"must be a file inside the project, not '{target}'"
    ]
