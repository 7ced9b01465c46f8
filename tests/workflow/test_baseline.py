"""Baseline and ratchet: known findings do not gate, new ones do, fixed ones are prunable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from ttaprod import redact
from ttaprod.resources import package_file

from .conftest import BARE_CALL, CLEAN, lines_of, report, ttaprod, write

SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
BASELINE = ".ttaprod-baseline.json"


def _baseline(root: Path, *args: str) -> dict:
    done = ttaprod("baseline", *args, "--no-cache", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads((root / BASELINE).read_text(encoding="utf-8"))


def test_round_trip_on_the_bad_fixture(bad_copy: Path) -> None:
    """Baseline the bad fixture; one new problem is the only thing reported and it fails the
    gate; fixing an old problem makes its entry stale, and --prune drops it."""
    root = bad_copy
    code, before = report(root, "--no-tools")
    assert code == 1 and before["findings"]
    done = ttaprod("baseline", "--no-tools", "--no-cache", cwd=root)
    assert done.returncode == 0, done.stderr
    total = len(before["findings"])
    assert f"wrote {BASELINE}: {total} known findings" in done.stdout
    assert f"ttaprod check --baseline {BASELINE}" in done.stdout  # how to use it

    code, known = report(root, "--no-tools", "--baseline", BASELINE)
    assert code == 0, known["gate"]
    assert known["findings"] == [] and known["stats"]["baselined"] == total
    assert known["score"] == before["score"]  # the score describes the code, baseline or not
    jsonschema.validate(known, SCHEMA)

    main = root / "app" / "main.py"
    main.write_text(main.read_text(encoding="utf-8") + "\n\ndef ready():\n    return True\n")
    new_line = len(main.read_text(encoding="utf-8").splitlines()) - 1
    code, after = report(root, "--no-tools", "--baseline", BASELINE)
    assert code == 1
    assert lines_of(after) == {("app/main.py", new_line, "TTP601")}
    assert "1 new finding not in the baseline (1 low)" in after["gate"]["reasons"]
    assert after["stats"]["baselined"] == total

    llm = root / "app" / "llm.py"
    kept = [
        ln
        for ln in llm.read_text(encoding="utf-8").splitlines(True)
        if "OpenAI answered in" not in ln
    ]
    llm.write_text("".join(kept), encoding="utf-8")
    code, fixed = report(root, "--no-tools", "--baseline", BASELINE)
    assert lines_of(fixed) == {("app/main.py", new_line, "TTP601")}
    assert [(e["rule"], e["path"], e["count"]) for e in fixed["baseline"]["stale"]] == [
        ("TTP204", "app/llm.py", 1)
    ]
    assert fixed["stats"]["baseline_stale"] == 1
    assert any("1 baseline entry no longer matches" in n for n in fixed["notes"])
    jsonschema.validate(fixed, SCHEMA)

    shown = ttaprod("check", "--no-tools", "--baseline", BASELINE, "--no-cache", cwd=root)
    assert "1 entry no longer matches (fixed?)" in shown.stdout
    assert "app/llm.py TTP204" in shown.stdout

    pruned = ttaprod("baseline", "--prune", "--no-tools", "--no-cache", cwd=root)
    assert pruned.returncode == 0, pruned.stderr
    assert f"pruned 1 fixed finding from {BASELINE}; {total - 1} remain" in pruned.stdout
    _, again = report(root, "--no-tools", "--baseline", BASELINE)
    assert again["baseline"]["stale"] == [] and again["stats"]["baselined"] == total - 1
    assert lines_of(again) == {("app/main.py", new_line, "TTP601")}  # prune never adds


def test_the_same_problem_twice_counts_twice(tmp_path: Path) -> None:
    twice = BARE_CALL + "\n\ndef again(url: str) -> object:\n    return requests.get(url)\n"
    write(tmp_path, {"app/a.py": twice})
    data = _baseline(tmp_path, "--no-tools")
    counts = {(e["rule"], e["path"]): e["count"] for e in data["findings"]}
    assert counts == {("TTP101", "app/a.py"): 2}

    third = twice + "\n\ndef third(url: str) -> object:\n    return requests.get(url)\n"
    (tmp_path / "app" / "a.py").write_text(third, encoding="utf-8")
    code, data = report(tmp_path, "--no-tools", "--baseline", BASELINE)
    assert code == 1
    assert lines_of(data) == {("app/a.py", 13, "TTP101")}

    (tmp_path / "app" / "a.py").write_text(BARE_CALL, encoding="utf-8")  # one of two left
    code, data = report(tmp_path, "--no-tools", "--baseline", BASELINE)
    assert code == 0 and data["findings"] == []
    assert {(e["rule"], e["count"]) for e in data["baseline"]["stale"]} == {("TTP101", 1)}


def test_a_stale_entry_never_hides_the_same_rule_elsewhere(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.py": BARE_CALL, "app/b.py": CLEAN})
    _baseline(tmp_path, "--no-tools")
    fixed = BARE_CALL.replace("get(url)", "get(url, timeout=5)")
    write(tmp_path, {"app/a.py": fixed, "app/b.py": BARE_CALL})
    code, data = report(tmp_path, "--no-tools", "--baseline", BASELINE)
    assert code == 1
    assert ("app/b.py", 5, "TTP101") in lines_of(data)
    assert ("TTP101", "app/a.py") in {(e["rule"], e["path"]) for e in data["baseline"]["stale"]}


def test_the_file_is_deterministic_sorted_and_holds_no_secret(bad_copy: Path) -> None:
    first = _baseline(bad_copy, "--no-tools")
    text = (bad_copy / BASELINE).read_text(encoding="utf-8")
    assert _baseline(bad_copy, "--no-tools") == first
    assert (bad_copy / BASELINE).read_text(encoding="utf-8") == text
    assert first["version"] == 1
    keys = [(e["path"], e["rule"], e["fingerprint"]) for e in first["findings"]]
    assert keys == sorted(keys)
    fields = {"rule", "path", "fingerprint", "count", "message"}  # no line: edits elsewhere
    assert all(set(e) == fields for e in first["findings"])  # never break a match
    secrets = set()
    for path in bad_copy.rglob("*"):
        if path.is_file() and path.suffix in ("", ".py", ".yml", ".yaml", ".txt"):
            for line in path.read_text(encoding="utf-8").splitlines():
                found = redact.find_key(line)
                if found:
                    secrets.add(found[1])
                secrets.update(re.findall(r'(?:PASSWORD|password)\W+"?([^"\s]{6,})', line))
    assert len(secrets) >= 5  # the fixture's live-looking keys and passwords
    for secret in secrets:
        assert secret not in text
        assert len(secret) < 16 or secret[4:16] not in text  # masks keep 4 characters at most


def test_entries_a_run_cannot_judge_are_kept_and_never_stale(tmp_path: Path) -> None:
    """Entries of a tool that did not run stay in the file and are not reported as fixed."""
    write(tmp_path, {"app/a.py": "import os, sys\n" + BARE_CALL})
    data = _baseline(tmp_path, "--tools", "ruff")
    rules = {e["rule"] for e in data["findings"]}
    assert {"TTP101", "ruff:F401"} <= rules
    code, checked = report(tmp_path, "--no-tools", "--baseline", BASELINE)
    assert code == 0 and checked["baseline"]["stale"] == []
    # The recorded score was measured with ruff: it is no floor for a run without it.
    assert any("recorded with ruff, this run had no tools" in n for n in checked["notes"])
    again = _baseline(tmp_path, "--no-tools")  # rewritten without ruff: its entries stay
    assert {e["rule"] for e in again["findings"]} == rules
    code, checked = report(tmp_path, "--tools", "ruff", "--baseline", BASELINE)
    assert code == 0 and checked["findings"] == []


def test_config_baseline_and_the_score_ratchet(bad_copy: Path) -> None:
    """`baseline` in [tool.ttaprod] is used; the score floor drops to the recorded score
    (under fail-under) so the legacy project passes while it does not get worse."""
    write(bad_copy, {"pyproject.toml": f'[tool.ttaprod]\nbaseline = "{BASELINE}"\n'})
    data = _baseline(bad_copy, "--no-tools")
    assert data["score"] is not None and data["score"] < 70
    code, checked = report(bad_copy, "--no-tools")
    assert code == 0 and checked["baseline"]["file"] == BASELINE
    assert checked["baseline"]["score"] == data["score"]
    code, ignored = report(bad_copy, "--no-tools", "--no-baseline")
    assert code == 1 and "baseline" not in ignored
    code, _ = report(bad_copy, "--no-tools", "--fail-under", "0")
    assert code == 0

    recorded = json.loads((bad_copy / BASELINE).read_text(encoding="utf-8"))
    recorded["score"] = min(data["score"] + 5, 69)  # pretend the project used to score higher
    (bad_copy / BASELINE).write_text(json.dumps(recorded), encoding="utf-8")
    code, worse = report(bad_copy, "--no-tools")
    assert code == 1
    assert any("the score recorded in the baseline" in r for r in worse["gate"]["reasons"])


def test_show_baselined_lists_known_findings(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.py": BARE_CALL})
    _baseline(tmp_path, "--no-tools")
    done = ttaprod(
        "check",
        "--no-tools",
        "--baseline",
        BASELINE,
        "--show-baselined",
        "-f",
        "json",
        cwd=tmp_path,
    )
    data = json.loads(done.stdout)
    jsonschema.validate(data, SCHEMA)
    assert {(f["rule"], f["baselined"]) for f in data["findings"]} == {("TTP101", True)}
    assert data["stats"]["baselined"] == 1
    rich = ttaprod("check", "--no-tools", "--baseline", BASELINE, "--show-baselined", cwd=tmp_path)
    assert "Known findings (in the baseline): 1" in rich.stdout
    assert "0 findings · 1 in baseline" in rich.stdout


def test_bad_baselines_are_one_line_errors(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.py": CLEAN, "broken.json": "{nope", "old.json": '{"version": 9}'})
    for name, message in [
        ("missing.json", "does not exist (write it with `ttaprod baseline`)"),
        ("broken.json", "not valid JSON"),
        ("old.json", "unsupported baseline version 9"),
    ]:
        done = ttaprod("check", "--no-tools", "--baseline", name, cwd=tmp_path)
        assert done.returncode == 2
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = ttaprod("baseline", "--prune", "--no-tools", cwd=tmp_path)
    assert done.returncode == 2 and "nothing to prune" in done.stderr
    write(tmp_path, {"pyproject.toml": "[tool.ttaprod]\nbaseline = 3\n"})
    done = ttaprod("check", "--no-tools", cwd=tmp_path)
    assert done.returncode == 2 and "'baseline' must be a file path" in done.stderr
