"""Each adapter's pure parse() on the recorded output of its pinned version (see record.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttaprod import checklist
from ttaprod.models import Severity
from ttaprod.tools import bandit, codemap, pyright, ruff
from ttaprod.tools.base import ToolError, relative_path, span

from .conftest import SVC, recording


def _rows(findings) -> list[tuple[str, str, int, int, int, int]]:
    return [(f.rule, f.path, f.line, f.column, f.end_line, f.end_column) for f in findings]


def test_ruff_recorded_output() -> None:
    parsed = ruff.parse(*recording("ruff"), SVC)
    assert _rows(parsed.findings) == [
        ("ruff:S105", "app/client.py", 8, 15, 8, 24),
        ("ruff:S113", "app/client.py", 12, 16, 12, 28),
        ("ruff:S501", "app/client.py", 17, 41, 17, 53),
        ("ruff:S107", "app/client.py", 20, 38, 20, 47),
        ("ruff:T201", "app/client.py", 21, 5, 21, 10),
        ("ruff:S602", "app/client.py", 26, 5, 26, 20),
        ("ruff:ASYNC251", "app/client.py", 30, 5, 30, 15),
        ("ruff:F401", "app/worker.py", 3, 8, 3, 26),
        ("ruff:F401", "app/worker.py", 4, 17, 4, 31),
        ("ruff:BLE001", "app/worker.py", 10, 12, 10, 21),
    ]
    items = {f.rule: (f.checklist_item, f.severity) for f in parsed.findings}
    assert items["ruff:S113"] == ("errors.timeout", Severity.MEDIUM)
    assert items["ruff:S105"] == ("security.secrets-in-env", Severity.HIGH)
    assert items["ruff:S107"][0] == "security.secrets-in-env"
    assert items["ruff:S501"] == ("security.tls", Severity.HIGH)
    assert items["ruff:ASYNC251"][0] == "performance.async-io"
    assert items["ruff:T201"][0] == "observability.structured-logging"
    assert items["ruff:F401"] == ("quality.lint", Severity.LOW)
    assert all(f.source == "ruff" for f in parsed.findings)
    print_fix = next(f for f in parsed.findings if f.rule == "ruff:T201").fix
    assert print_fix == "Remove `print`"


def test_bandit_recorded_output_positions_are_one_based() -> None:
    parsed = bandit.parse(*recording("bandit"), SVC)
    assert _rows(parsed.findings) == [
        ("bandit:B404", "app/client.py", 3, 1, 3, 18),
        ("bandit:B105", "app/client.py", 8, 15, 8, 24),  # col_offset 14 → column 15
        ("bandit:B113", "app/client.py", 12, 16, 12, 33),
        ("bandit:B501", "app/client.py", 17, 12, 17, 54),
        ("bandit:B107", "app/client.py", 20, 1, 22, 35),  # the whole def
        ("bandit:B602", "app/client.py", 26, 5, 26, 37),
    ]
    items = {f.rule: (f.checklist_item, f.severity) for f in parsed.findings}
    assert items["bandit:B113"] == ("errors.timeout", Severity.MEDIUM)
    assert items["bandit:B105"] == ("security.secrets-in-env", Severity.HIGH)
    assert items["bandit:B501"] == ("security.tls", Severity.HIGH)
    assert items["bandit:B404"] == ("quality.security-scan", Severity.LOW)  # bandit's own LOW
    assert items["bandit:B602"] == ("quality.security-scan", Severity.HIGH)  # bandit's own HIGH


def test_bandit_masks_the_echoed_password() -> None:
    stdout, stderr, code = recording("bandit")
    assert "Possible hardcoded password: 'hunter2'" in stdout  # what bandit 1.9.4 prints
    parsed = bandit.parse(stdout, stderr, code, SVC)
    messages = [f.message for f in parsed.findings if f.rule in ("bandit:B105", "bandit:B107")]
    assert messages and all(
        "hunter2" not in m and "Possible hardcoded password" in m for m in messages
    )
    assert not any("hunter2" in (f.message + (f.fix or "")) for f in parsed.findings)


def test_pyright_recorded_output_positions_are_one_based() -> None:
    parsed = pyright.parse(*recording("pyright"), SVC)
    assert _rows(parsed.findings) == [
        ("pyright:reportOptionalMemberAccess", "app/client.py", 35, 22, 35, 27),
        ("pyright:reportAttributeAccessIssue", "app/worker.py", 4, 17, 4, 31),
        ("pyright:reportReturnType", "app/worker.py", 15, 12, 15, 23),
        ("pyright:reportAssignmentType", "app/worker.py", 18, 16, 18, 23),
    ]
    assert parsed.version == "1.1.414"
    assert all(f.checklist_item == "quality.type-check" for f in parsed.findings)
    # First line of a multi-line message only; literal values inside types masked.
    by_rule = {f.rule: f.message for f in parsed.findings}
    assert (
        by_rule["pyright:reportReturnType"] == 'Type "int" is not assignable to return type "str"'
    )
    assert "three" not in by_rule["pyright:reportAssignmentType"]  # RETRIES: int = "three"
    assert by_rule["pyright:reportAssignmentType"].startswith("Type \"Literal['")


def test_pyright_hides_unresolved_third_party_imports_and_says_so() -> None:
    parsed = pyright.parse(*recording("pyright"), SVC)
    assert not any(f.rule.startswith("pyright:reportMissing") for f in parsed.findings)
    assert parsed.note.startswith("2 unresolved third-party import(s) hidden")
    assert "not_a_real_package" in parsed.note and "requests" in parsed.note
    assert "virtualenv" in parsed.note


def test_pyright_keeps_an_unresolved_import_of_the_project_itself(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    diagnostic = {
        "file": str(tmp_path / "app" / "main.py"),
        "severity": "error",
        "message": 'Import "app.missing" could not be resolved',
        "range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 16}},
        "rule": "reportMissingImports",
    }
    stdout = json.dumps({"version": "1.1.414", "generalDiagnostics": [diagnostic]})
    parsed = pyright.parse(stdout, "", 1, tmp_path)
    assert _rows(parsed.findings) == [("pyright:reportMissingImports", "app/main.py", 1, 6, 1, 17)]
    assert parsed.note == ""


@pytest.mark.parametrize(("adapter", "exit_code"), [(ruff, 2), (bandit, 2), (pyright, 3)])
def test_an_exit_code_that_is_not_findings_fails_with_stderrs_last_line(adapter, exit_code) -> None:
    stderr = "starting\nerror: something broke here\n\n"
    with pytest.raises(ToolError, match="error: something broke here"):
        adapter.parse("", stderr, exit_code, SVC)


@pytest.mark.parametrize("adapter", [ruff, bandit, pyright])
def test_broken_json_fails(adapter) -> None:
    with pytest.raises(ToolError, match="unreadable JSON output"):
        adapter.parse('{"results": [', "", 0, SVC)
    with pytest.raises(ToolError, match="unexpected JSON output"):
        adapter.parse('"just a string"', "", 0, SVC)


def test_version_probes() -> None:
    assert ruff.parse_version("ruff 0.17.6\n") == "0.17.6"
    assert bandit.parse_version("bandit 1.9.4\n  python version = 3.11.7\n") == "1.9.4"
    assert bandit.parse_version("") is None


def test_paths_outside_the_root_are_dropped(tmp_path: Path) -> None:
    assert relative_path(str(tmp_path / "a" / "b.py"), tmp_path) == "a/b.py"
    assert relative_path("./a/b.py", tmp_path) == "a/b.py"
    assert relative_path("/elsewhere/x.py", tmp_path) is None
    assert span(0, 0, None, None) == (1, 1, 1, 1)
    assert span(3, 4, 2, 1) == (3, 4, 3, 4)


@pytest.mark.parametrize("tool", ["ruff", "bandit", "pyright", "safety"])
def test_tool_maps_are_valid_data(tool: str) -> None:
    mapping = codemap.code_map(tool)
    entries = [mapping.default] + [mapping.entry(prefix) for prefix, _ in mapping.codes]
    for entry in entries:
        assert entry.item is None or checklist.is_item(entry.item)
        assert entry.severity == codemap.TOOL_SEVERITY or Severity(entry.severity)


@pytest.mark.parametrize(
    ("tool", "code", "item"),
    [
        ("ruff", "S113", "errors.timeout"),
        ("bandit", "B113", "errors.timeout"),
        ("ruff", "S106", "security.secrets-in-env"),
        ("bandit", "B106", "security.secrets-in-env"),
        ("ruff", "S501", "security.tls"),
        ("bandit", "B501", "security.tls"),
        ("ruff", "ASYNC210", "performance.async-io"),
        ("ruff", "T201", "observability.structured-logging"),
        ("ruff", "E711", "quality.lint"),
        ("ruff", "S608", "quality.security-scan"),
        ("bandit", "B608", "quality.security-scan"),
        ("pyright", "reportOptionalMemberAccess", "quality.type-check"),
        ("safety", "36546", "quality.security-scan"),
    ],
)
def test_tool_codes_map_to_checklist_items(tool: str, code: str, item: str) -> None:
    assert codemap.code_map(tool).lookup(code, "error")[0] == item


def test_a_longer_prefix_inherits_what_it_does_not_set() -> None:
    data = {
        "default": {"item": "quality.lint", "severity": "low"},
        "codes": {
            "S": {"item": "quality.security-scan", "severity": "medium"},
            "S602": {"severity": "high"},
        },
    }
    mapping = codemap.parse_map(data, "ruff")
    assert mapping.lookup("S602") == ("quality.security-scan", Severity.HIGH)
    assert mapping.lookup("S101") == ("quality.security-scan", Severity.MEDIUM)
    assert mapping.lookup("E1") == ("quality.lint", Severity.LOW)
    with pytest.raises(codemap.MapError):
        codemap.parse_map({"codes": {"X": {"item": "not.an-item"}}}, "ruff")


def _ported(code: str) -> str | None:
    """ruff's flake8-bandit rules are bandit's tests renumbered: S608 is B608."""
    return "B" + code[1:] if code[:1] == "S" and code[1:].isdigit() else None


def _roles(policy: codemap.RolePolicy | None) -> dict[str, str] | None:
    return dict(policy.roles) if policy is not None else None


def test_ruffs_ports_of_bandits_tests_are_judged_like_them() -> None:
    """A ported rule maps to its twin's checklist item (or the two would not merge) and is
    moot, or a password check, in the same roles."""
    ruff, bandit = codemap.code_map("ruff"), codemap.code_map("bandit")
    listed = {p for p, _ in ruff.codes} | {p for p, _ in ruff.roles} | set(ruff.secret_literals)
    listed |= {"S" + p[1:] for p, _ in (*bandit.codes, *bandit.roles)}
    for code in sorted(c for c in listed if _ported(c)):
        twin = _ported(code) or ""
        assert ruff.lookup(code)[0] == bandit.lookup(twin)[0], code
        assert _roles(ruff.role_policy(code)) == _roles(bandit.role_policy(twin)), code
        assert (code in ruff.secret_literals) == (twin in bandit.secret_literals), code


def test_role_policies_and_same_rules_are_checked_when_read() -> None:
    base = {"default": {"item": "quality.lint", "severity": "low"}}
    mapping = codemap.parse_map(
        {**base, "roles": {"T20": {"cli": "off", "script": "low", "why": "prints to its user"}}},
        "ruff",
    )
    policy = mapping.role_policy("T201")
    assert policy is not None and policy.why == "prints to its user"
    assert policy.policy() == {
        "service": "default", "test": "default", "script": "low", "cli": "off",
        "migration": "default", "build": "default", "example": "default",
    }  # fmt: skip
    assert mapping.role_policy("E501") is None
    for bad in (
        {"roles": {"T20": {"cli": "off"}}},  # no why
        {"roles": {"T20": {"daemon": "off", "why": "x"}}},  # no such role
        {"roles": {"T20": {"cli": "never", "why": "x"}}},  # neither off nor a severity
        {"same": {"reportUnusedImport": ["F401"]}},  # not a rule id
    ):
        with pytest.raises(codemap.MapError):
            codemap.parse_map({**base, **bad}, "ruff")
