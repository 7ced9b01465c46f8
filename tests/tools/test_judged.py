"""The real tools' findings under ttaprod's judgement, on fixtures/_judged_svc: password findings
on literals ttaprod's secret check cleared, rules moot in the code role they sit in, and one
problem reported by two tools (across checklist items) as one finding."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console

from ttaprod.api import CheckOptions, check
from ttaprod.formatters import json_report, terminal
from ttaprod.models import Finding, Report, ToolStatus

from .conftest import SVC

pytestmark = pytest.mark.usefixtures("real_tools")
ROOT = SVC.parent / "_judged_svc"
PASSWORDS = ("Hq7vR2pLx9wK4tZm", "Xk9wPq2rTz7vLm4n", "Vn3qLp8xWr6tKz2m", "hunter2")
SCHEME = "the name of an authentication scheme or a switch"
PRINTS = (
    "print is how a command-line program, a script or an example talks to its user "
    "(and pytest captures what a test prints)"
)
SAMPLE = (
    "a made-up credential in a test or an example is sample data "
    "(a live-format key there is still TTP401)"
)


@cache
def _report(tools: tuple[str, ...] = ("ruff", "bandit", "pyright"), own: str = "TTP") -> Report:
    options = CheckOptions(paths=(ROOT,), tools=tools, select=(own,), no_cache=True, preview=True)
    report = check(options)
    runs = [t for t in report.tools if t.name in tools]
    assert [t.status for t in runs] == [ToolStatus.OK] * len(tools), report.tools
    return report


def _tool_rows(findings: tuple[Finding, ...]) -> set[tuple[str, int, str, tuple[str, ...], str]]:
    rules = {f for f in findings if f.source != "ttaprod" or f.also_reported_by}
    return {(f.path, f.line, f.rule, f.also_reported_by, f.role) for f in rules}


def _suppressed(report: Report) -> dict[tuple[str, int, str], str]:
    return {
        (f.path, f.line, f.rule): f.suppressed_by
        for f in report.suppressed
        if f.source != "ttaprod"
    }


def test_what_the_tools_report_that_ttaprod_keeps() -> None:
    assert _tool_rows(_report().findings) == {
        # one problem, two tools, two checklist items (quality.lint and quality.type-check)
        ("billing/gateway.py", 3, "ruff:F401", ("pyright:reportUnusedImport",), "service"),
        ("billing/gateway.py", 40, "ruff:F821", ("pyright:reportUndefinedVariable",), "service"),
        # real-looking passwords: ttaprod reports them too
        ("billing/gateway.py", 31, "TTP402", ("ruff:S106", "bandit:B106"), "service"),
        ("billing/settings.py", 12, "TTP402", ("ruff:S105", "bandit:B105"), "service"),
        # a comparison ttaprod's secret check never examines: the tools' finding stands
        ("billing/gateway.py", 35, "ruff:S105", ("bandit:B105",), "service"),
        # print in service code is reported; random in a script is not moot
        ("billing/service.py", 11, "TTP203", ("ruff:T201",), "service"),
        ("scripts/seed_accounts.py", 8, "ruff:S311", ("bandit:B311",), "script"),
    }


def test_password_findings_on_literals_ttaprod_cleared_are_suppressed_with_the_reason() -> None:
    suppressed = _suppressed(_report())
    judged = "ttaprod's secret check judged the literal bound to"
    expected = {
        ("billing/settings.py", 5): f"{judged} `TOKEN_TYPE` not a credential: {SCHEME}",
        ("billing/settings.py", 6): f"{judged} `TOKEN_URL` not a credential: "
        "a URL with no password in it",
        ("billing/settings.py", 7): f"{judged} `PASSWORD_ENV_VAR` not a credential: "
        "an environment variable name",
        ("billing/settings.py", 8): f"{judged} `PASSWORD_UNSET` not a credential: "
        "too short to be a secret (a sentinel)",
        ("billing/settings.py", 9): f"{judged} `ADMIN_TOKEN` not a credential: a placeholder",
        ("billing/gateway.py", 22): f"{judged} `api_token` not a credential: a placeholder",
        ("billing/gateway.py", 27): f"{judged} `token` not a credential: a placeholder",
    }
    for (path, line), why in expected.items():
        rules = {rule for (p, n, rule), _ in suppressed.items() if (p, n) == (path, line)}
        assert len(rules) == 2, (path, line, rules)  # ruff's and bandit's
        assert {suppressed[(path, line, rule)] for rule in rules} == {why}
    # bandit flags the empty defaults of a multi-parameter `def` at its first line (B107)
    assert suppressed[("billing/gateway.py", 12, "bandit:B107")] == (
        f"{judged} `token`, `password` not a credential: an empty string"
    )


def test_rules_moot_in_their_code_role_are_suppressed_with_the_reason() -> None:
    suppressed = _suppressed(_report())
    assert {k: v for k, v in suppressed.items() if v.startswith("moot")} == {
        ("billing/cli.py", 14, "ruff:T201"): f"moot in cli code: {PRINTS}",
        ("billing/service.py", 16, "ruff:T201"): f"moot in script code: {PRINTS}",
        ("scripts/seed_accounts.py", 8, "ruff:T201"): f"moot in script code: {PRINTS}",
        ("tests/test_gateway.py", 7, "ruff:S106"): f"moot in test code: {SAMPLE}",
        ("tests/test_gateway.py", 7, "bandit:B106"): f"moot in test code: {SAMPLE}",
        ("tests/test_gateway.py", 8, "ruff:S311"): "moot in test code: "
        "random numbers in tests make test data, not keys or tokens",
        ("tests/test_gateway.py", 8, "bandit:B311"): "moot in test code: "
        "random numbers in tests make test data, not keys or tokens",
        ("tests/test_gateway.py", 9, "ruff:S101"): "moot in test code: "
        "pytest's assertions are plain assert statements",
        ("tests/test_gateway.py", 9, "bandit:B101"): "moot in test code: "
        "pytest's assertions are plain assert statements",
    }
    report = _report()
    assert report.stats.suppressed == len(report.suppressed) == 24


def test_a_literal_ttaprod_never_examined_keeps_the_tools_finding() -> None:
    """With the secret rules off, nothing examined the literals: every password finding stands."""
    report = _report(tools=("ruff",), own="TTP9")
    s105 = sorted(f.line for f in report.findings if f.rule == "ruff:S105")
    assert s105 == [5, 6, 7, 8, 9, 12, 35]
    assert not any(f.suppressed_by.startswith("ttaprod's secret") for f in report.suppressed)


def test_no_output_carries_a_password_suppressed_findings_included() -> None:
    report = _report()
    buffer = io.StringIO()
    terminal.render(report, Console(file=buffer, width=120, no_color=True), show_suppressed=True)
    outputs = {
        "rich": buffer.getvalue(),
        "json": json_report.render(report, show_suppressed=True),
    }
    assert "suppressed: ttaprod's secret check judged" in outputs["rich"]
    for name, text in outputs.items():
        assert not [p for p in PASSWORDS if p in text], name
    source = "".join(p.read_text(encoding="utf-8") for p in Path(ROOT).rglob("*.py"))
    assert all(p in source for p in PASSWORDS)  # the fixture does hold them
