"""What the reports say about fixes: SARIF `fixes` (schema-valid, and applying them repairs
the file), the suggested change in Markdown and GitHub annotations, the terminal's fix lines
and `ttaprod rules`' fix column; and no secret in any of it, nor in any file but the fixed
one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ttaprod import cli
from ttaprod.fixes import files as fix_files

from ..formatters.conftest import validate_sarif
from ..helpers import FIXTURES, run_check
from ..rules.test_security import fake_keys

SOURCE = """\
import logging

import requests

logger = logging.getLogger(__name__)


def fetch(url: str) -> bytes:
    logger.info(f"fetching {url}")
    return requests.get(url, verify=False).content
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`ttaprod ARGS…`; `check` with the rules in preview too (their fixes are tested here)."""
    argv = [*args]
    if argv[:1] == ["check"] and "--preview" not in argv:
        argv.insert(1, "--preview")
    with pytest.raises(SystemExit) as ended:
        cli.main(argv)
    out = capsys.readouterr()
    return int(ended.value.code or 0), out.out, out.err


@pytest.fixture
def service(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    (root / "app" / "fetch.py").write_text(SOURCE, encoding="utf-8")
    return root


def test_sarif_fixes_are_valid_and_repair_the_file(
    service: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "check", str(service), "--no-tools", "--no-cache", "-f", "sarif")
    data = json.loads(out)
    validate_sarif(data)
    results = {r["ruleId"]: r for r in data["runs"][0]["results"]}
    text = SOURCE
    kinds = {}
    for rule in ("TTP101", "TTP204", "TTP403"):
        (made,) = results[rule]["fixes"]
        kinds[rule] = made["properties"]["safe"]
        (change,) = made["artifactChanges"]
        assert change["artifactLocation"] == {"uri": "app/fetch.py", "uriBaseId": "%SRCROOT%"}
        one = [
            fix_files.Replacement(
                r["deletedRegion"]["startLine"],
                r["deletedRegion"]["startColumn"],
                r["deletedRegion"]["endLine"],
                r["deletedRegion"]["endColumn"],
                r["insertedContent"]["text"],
            )
            for r in change["replacements"]
        ]
        text = fix_files.apply(text, one) if rule != "TTP403" else text
    assert kinds == {"TTP101": True, "TTP204": True, "TTP403": False}
    assert "TTP102" not in {r for r, res in results.items() if "fixes" in res}
    (service / "app" / "fetch.py").write_text(text, encoding="utf-8")
    assert text.splitlines()[8:] == [
        '    logger.info("fetching %s", url)',
        "    return requests.get(url, verify=False, timeout=10).content",
    ]
    left = {f.rule for f in run_check(service).findings}
    assert "TTP101" not in left and "TTP204" not in left and "TTP403" in left


def test_markdown_and_github_show_the_suggested_change(
    service: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, markdown, _ = _run(
        capsys, "check", str(service), "--no-tools", "--no-cache", "-f", "markdown"
    )
    assert "### Suggested fixes (3)" in markdown
    assert "<br>Fix (safe, `--fix`): add \\`timeout=10\\` |" in markdown
    assert "`TTP101` `app/fetch.py:10`: add \\`timeout=10\\` (safe, `--fix`)" in markdown
    assert (
        "```diff\n--- a/app/fetch.py\n+++ b/app/fetch.py\n@@ -7,4 +7,4 @@\n \n"
        ' def fetch(url: str) -> bytes:\n     logger.info(f"fetching {url}")\n'
        "-    return requests.get(url, verify=False).content\n"
        "+    return requests.get(url, verify=False, timeout=10).content\n```"
    ) in markdown
    _, github, _ = _run(capsys, "check", str(service), "--no-tools", "--no-cache", "-f", "github")
    line = next(x for x in github.splitlines() if "title=TTP101" in x)
    assert line.endswith(
        "%0ASuggested fix (safe: `ttaprod check --fix`): add `timeout=10`"
        "%0A-    return requests.get(url, verify=False).content"
        "%0A+    return requests.get(url, verify=False, timeout=10).content"
    )


def test_the_terminal_says_what_can_be_fixed_and_what_was(
    service: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "check", str(service), "--no-tools", "--no-cache", "--no-color")
    assert "Fixable: up to 2 with --fix, up to 2 more with --fix --unsafe-fixes" in out
    code, out, _ = _run(
        capsys, "check", str(service), "--no-tools", "--no-cache", "--no-color", "--fix", "-q"
    )
    assert code == 1  # verify=False, critical, is left: its fix is unsafe
    assert out.splitlines()[0] == "Fixed 2 findings in 1 file (1 more with --unsafe-fixes)"


def test_rules_show_the_fix_kind(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "rules", "--format", "json")
    kinds = {r["code"]: r["fix"] for r in json.loads(out)}
    assert (kinds["TTP101"], kinds["TTP403"], kinds["TTP601"]) == ("safe", "unsafe", None)
    _, out, _ = _run(capsys, "rules")
    assert any(
        line.split()[:4] == ["TTP513", "compose-service-without-restart-policy", "low", "safe"]
        for line in out.splitlines()
    )
    _, out, _ = _run(capsys, "explain", "TTP401")
    assert "Fix (unsafe: ttaprod check --fix --unsafe-fixes)" in out


def test_no_secret_is_printed_or_written_anywhere_but_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = fake_keys()
    root = tmp_path / "svc"
    shutil.copytree(FIXTURES / "rag_service_good", root)
    secrets = [keys["OpenAI project key"], keys["AWS access key id"], keys["GitHub token"]]
    (root / "app" / "keys.py").write_text(
        "import requests\n\n"
        f'OPENAI_API_KEY = "{secrets[0]}"\n'
        f'AWS = {{"aws_access_key_id": "{secrets[1]}"}}\n'
        f'GITHUB_TOKEN = "{secrets[2]}"  # ttaprod: ignore[TTP401]\n\n\n'
        "def fetch(url: str) -> bytes:  # a suppressed key on a line a fix changes:\n"
        f'    return requests.get(url, headers={{"X-Key": "{secrets[2]}"}}).content'
        "  # ttaprod: ignore[TTP401]\n",
        encoding="utf-8",
    )
    listing = sorted(p.relative_to(root) for p in root.rglob("*"))
    outputs = []
    for args in (
        ["--fix-diff", "--unsafe-fixes"],
        ["-f", "sarif"],
        ["-f", "markdown"],
        ["-f", "github"],
        ["-f", "json", "--show-suppressed"],
        ["--fix-only", "--unsafe-fixes", "--select", "TTP401"],
        ["--fix", "--select", "TTP101", "-f", "markdown"],
    ):
        _, out, err = _run(capsys, "check", str(root), "--no-tools", "--no-cache", *args)
        outputs.append(out + err)
    text = (root / "app" / "keys.py").read_text(encoding="utf-8")
    assert 'os.environ["OPENAI_API_KEY"]' in text and secrets[0] not in text
    assert "headers={" in text and "timeout=10" in text
    for secret in secrets:
        assert not any(secret in out for out in outputs)
        assert not any(secret[4:20] in out for out in outputs)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == listing
