"""`ttaprod init`: a starter [tool.ttaprod], never over existing config without --force."""

from __future__ import annotations

from pathlib import Path

from ttaprod import __version__
from ttaprod.config import read_file

from .conftest import CLEAN, ttaprod, write

OTHER = '[project]\nname = "svc"\n\n[tool.ruff]\nline-length = 99\n'


def test_a_fresh_project_gets_a_loadable_section_and_the_hook_snippet(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.py": CLEAN})
    done = ttaprod("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pyproject = tmp_path / "pyproject.toml"
    config = read_file(pyproject)
    assert config.fail_under == 70 and config.fail_on_new.value == "low"
    assert config.baseline is None  # commented out: there is no baseline yet
    assert "wrote a starter [tool.ttaprod] section to" in done.stdout
    assert f"rev: v{__version__}" in done.stdout
    assert "- id: ttaprod " in done.stdout and "- id: ttaprod-full" in done.stdout
    checked = ttaprod("check", ".", "--no-tools", "-q", cwd=tmp_path)
    assert checked.returncode in (0, 1), checked.stderr


def test_an_existing_pyproject_keeps_everything_else(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": OTHER, ".ttaprod-baseline.json": "{}"})
    assert ttaprod("init", cwd=tmp_path).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(OTHER)
    assert read_file(tmp_path / "pyproject.toml").baseline == ".ttaprod-baseline.json"


def test_existing_config_needs_force(tmp_path: Path) -> None:
    mine = (
        OTHER
        + '\n[tool.ttaprod]\nfail-under = 90\n\n[tool.ttaprod.severity]\nTTP204 = "info"\n'
        + "\n[tool.black]\nline-length = 99\n"
    )
    write(tmp_path, {"pyproject.toml": mine})
    done = ttaprod("init", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ttaprod: error: pyproject.toml already has a [tool.ttaprod] section (--force replaces it)"
    ]
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == mine  # untouched

    done = ttaprod("init", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(OTHER) and "[tool.black]\nline-length = 99\n" in text
    assert text.count("[tool.ttaprod]") == 1 and '\nTTP204 = "info"' not in text
    config = read_file(tmp_path / "pyproject.toml")
    assert config.fail_under == 70 and config.severity == ()


def test_init_errors_are_one_line(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.ttaprod\n"})
    done = ttaprod("init", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "invalid TOML" in done.stderr
    done = ttaprod("init", "nowhere", cwd=tmp_path)
    assert done.returncode == 2 and "not a directory: nowhere" in done.stderr
