"""The CLI writes every format, several in one run (`-f sarif=out.sarif -f rich`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .conftest import validate_sarif

FILES = {
    "app/client.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n",
    "app/broken.py": "def f(:\n",
}


def test_several_formats_in_one_run(project, tmp_path: Path) -> None:
    root = project(FILES)
    out = tmp_path / "out"
    out.mkdir()
    files = {
        name: out / f"report.{name}" for name in ("sarif", "junit", "markdown", "gitlab", "github")
    }
    args = [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "--no-cache"]
    for name, path in files.items():
        args += ["-f", f"{name}={path}"]
    args += ["-f", "rich"]
    result = subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=300
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Score" in result.stdout  # the rich report went to stdout
    validate_sarif(json.loads(files["sarif"].read_text(encoding="utf-8")))
    ET.fromstring(files["junit"].read_bytes())
    assert files["markdown"].read_text(encoding="utf-8").startswith("## ttaprod: ")
    assert isinstance(json.loads(files["gitlab"].read_text(encoding="utf-8")), list)
    assert files["github"].read_text(encoding="utf-8").startswith("::")


def test_unknown_format_is_a_usage_error(project) -> None:
    root = project(FILES)
    result = subprocess.run(
        [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "-f", "xml"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "sarif" in result.stderr and "gitlab" in result.stderr
