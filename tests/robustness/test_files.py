"""ttaprod writes only its own files, never through a symlink a repository planted, and reads
the repository's files (config, baseline) within bounds."""

from __future__ import annotations

import os
import stat
from pathlib import Path

GOOD = "def ok() -> int:\n    return 1\n"


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text("print('x')\n", encoding="utf-8")
    return root


def test_the_baseline_is_never_written_through_a_symlink(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    os.symlink(victim, root / ".ttaprod-baseline.json.tmp")  # the old fixed temporary name
    elsewhere = tmp_path / "elsewhere.json"
    os.symlink(elsewhere, root / ".ttaprod-baseline.json")  # dangling: no baseline yet
    run = ttaprod("baseline", root, "--no-tools", "--no-cache")
    assert run.code == 0, run.err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not elsewhere.exists()
    written = root / ".ttaprod-baseline.json"
    assert written.is_file() and not written.is_symlink()
    assert stat.S_IMODE(written.stat().st_mode) & 0o044  # readable by the team, like any file


def test_a_baseline_or_config_that_is_a_device_is_one_line(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    os.symlink("/dev/zero", root / "baseline.json")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--baseline", root / "baseline.json")
    assert (run.code, run.err_lines) == (
        2,
        [f"ttaprod: error: cannot read baseline {root / 'baseline.json'}: is a device"],
    )
    os.symlink("/dev/zero", root / "pyproject.toml")
    run = ttaprod("init", root)
    assert (run.code, run.err_lines) == (
        2,
        [f"ttaprod: error: cannot read {root / 'pyproject.toml'}: is a device"],
    )


def test_a_deep_baseline_is_one_line(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    (root / "b.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    run = ttaprod("check", root, "--no-tools", "--no-cache", "--baseline", root / "b.json")
    assert (run.code, run.err_lines) == (
        2,
        [f"ttaprod: error: {root / 'b.json'}: not valid JSON (nested too deeply)"],
    )


def test_a_format_with_an_empty_file_name_is_refused(tmp_path: Path, ttaprod) -> None:
    root = _project(tmp_path / "svc")
    run = ttaprod("check", root, "--no-tools", "-f", "json=")
    assert (run.code, run.out, run.err_lines) == (
        2,
        "",
        ["ttaprod: error: --format json=: a file name must follow '='"],
    )


def test_init_keeps_the_pyproject_mode(tmp_path: Path, ttaprod) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    pyproject = root / "pyproject.toml"
    pyproject.write_text('[project]\nname = "svc"\n', encoding="utf-8")
    pyproject.chmod(0o640)
    assert ttaprod("init", root).code == 0
    assert stat.S_IMODE(pyproject.stat().st_mode) == 0o640
    assert "[tool.ttaprod]" in pyproject.read_text(encoding="utf-8")
