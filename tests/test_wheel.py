"""The wheel carries `rules/` and works from a fresh virtual environment."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from .conftest import REPO


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=900
    )


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, REPO)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("ttaprod-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "ttaprod/_rules/catalogue/TTP901-syntax-error.toml" in names
    assert "ttaprod/_rules/knowledge/secrets.toml" in names
    for copy in ("catalogue", "knowledge", "tools"):  # the parsed copies ttaprod starts from
        assert f"ttaprod/_rules/{copy}.json" in names
    assert "ttaprod/report.schema.json" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stderr[-2000:]

    listed = _run(env_dir / "bin" / "ttaprod", "rules", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    codes = [row["code"] for row in json.loads(listed.stdout)]
    assert "TTP901" in codes and codes == sorted(codes)

    project = tmp_path / "svc"
    project.mkdir()
    (project / "broken.py").write_text("def f(:\n", encoding="utf-8")
    checked = _run(
        env_dir / "bin" / "ttaprod",
        "check",
        project,
        "--no-tools",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads(checked.stdout)
    assert [f["rule"] for f in report["findings"]] == ["TTP901"]
    assert str(env_dir) in _run(python, "-c", "import ttaprod; print(ttaprod.__file__)").stdout
