"""ttaprod's judgement of tool findings, line by line, on the real per-file analysis: what the
secret check records about the literals it examines, and which password findings defer to it.
(The real tools on a real fixture: tests/tools/test_judged.py.)"""

from __future__ import annotations

import random
import string
from pathlib import Path
from textwrap import dedent

from ttaprod.checks import DETECTORS
from ttaprod.engine.analyze import FileTask, analyze_file
from ttaprod.facts import SecretLiteral
from ttaprod.models import FileResult, Finding, Severity
from ttaprod.tools import judge

_RNG = random.Random(7)
PASSWORD = "".join(_RNG.choice(string.ascii_letters + string.digits) for _ in range(16))


def _analyse(tmp_path: Path, rel: str, source: str) -> FileResult:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(source).lstrip("\n"), encoding="utf-8")
    task = FileTask(str(path), rel, frozenset({"TTP401", "TTP402", "TTP203"}))
    return analyze_file(task, DETECTORS)


def _tool(rule: str, path: str, line: int) -> Finding:
    source = rule.split(":", 1)[0]
    return Finding(
        rule, source, "security.secrets-in-env", Severity.HIGH, path, line, 1, line, 2, "tool"
    )


def test_the_secret_check_records_each_literal_it_examines_never_its_value(tmp_path) -> None:
    result = _analyse(
        tmp_path,
        "app/settings.py",
        f'''
        TOKEN_TYPE = "bearer"
        DB_PASSWORD = "{PASSWORD}"
        retries = 3


        def connect(
            host: str,
            password: str = "<from vault>",
        ) -> None: ...
        ''',
    )
    facts = [f for f in result.facts if isinstance(f, SecretLiteral)]
    assert [(f.line, f.name, f.cleared, f.def_line) for f in facts] == [
        (1, "TOKEN_TYPE", "the name of an authentication scheme or a switch", 0),
        (2, "DB_PASSWORD", "", 0),
        (8, "password", "a placeholder", 6),
    ]
    assert PASSWORD not in repr(result.facts)


def test_a_password_finding_defers_only_where_every_examined_literal_was_cleared(
    tmp_path,
) -> None:
    result = _analyse(
        tmp_path,
        "app/settings.py",
        f'''
        TOKEN_TYPE = "bearer"; DB_PASSWORD = "{PASSWORD}"
        ADMIN_TOKEN = "<set in vault>"
        API_TOKEN_NAME = "API_TOKEN"


        def connect(host, token="", password="{PASSWORD}"): ...
        def sandbox(host, token="", password="<set in vault>"): ...
        ''',
    )
    tools = [
        _tool("ruff:S105", "app/settings.py", 1),  # a cleared and a flagged literal: kept
        _tool("bandit:B105", "app/settings.py", 2),  # cleared: suppressed
        _tool("ruff:S105", "app/settings.py", 3),  # cleared: suppressed
        _tool("bandit:B107", "app/settings.py", 6),  # one default is a credential: kept
        _tool("bandit:B107", "app/settings.py", 7),  # every default cleared: suppressed
        _tool("ruff:S105", "app/other.py", 2),  # a file the check never saw: kept
    ]
    kept, suppressed = judge(tools, [result])
    assert [(f.rule, f.line) for f in kept] == [
        ("ruff:S105", 1),
        ("bandit:B107", 6),
        ("ruff:S105", 2),
    ]
    assert [(f.rule, f.line, f.suppressed_by) for f in suppressed] == [
        (
            "bandit:B105",
            2,
            "ttaprod's secret check judged the literal bound to `ADMIN_TOKEN` not a credential: "
            "a placeholder",
        ),
        (
            "ruff:S105",
            3,
            "ttaprod's secret check judged the literal bound to `API_TOKEN_NAME` not a "
            "credential: an environment variable name",
        ),
        (
            "bandit:B107",
            7,
            "ttaprod's secret check judged the literal bound to `token`, `password` not a "
            "credential: an empty string; a placeholder",
        ),
    ]


def test_tool_findings_take_the_role_of_where_they_sit(tmp_path) -> None:
    cli = _analyse(
        tmp_path,
        "tools/report.py",
        """
        import argparse

        parser = argparse.ArgumentParser()
        print(parser.parse_args())
        """,
    )
    service = _analyse(
        tmp_path,
        "app/main.py",
        """
        def run() -> None: ...


        if __name__ == "__main__":
            print("starting")
            run()
        """,
    )
    prints = [
        Finding(
            "ruff:T201", "ruff", "observability.structured-logging", Severity.LOW, path, line, 1,
            line, 6, "`print` found",
        )
        for path, line in (("tools/report.py", 4), ("app/main.py", 1), ("app/main.py", 5))
    ]  # fmt: skip
    kept, suppressed = judge(prints, [cli, service])
    assert [(f.path, f.line, f.role) for f in kept] == [("app/main.py", 1, "service")]
    assert [(f.path, f.line, f.role, f.suppressed_by.split(":")[0]) for f in suppressed] == [
        ("tools/report.py", 4, "cli", "moot in cli code"),
        ("app/main.py", 5, "script", "moot in script code"),
    ]
