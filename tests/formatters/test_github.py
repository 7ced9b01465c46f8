"""GitHub Actions annotations: one command per line, escaped by the runner's rules."""

from __future__ import annotations

import re
from dataclasses import replace

from ttaprod.formatters import github
from ttaprod.models import Report, Severity

_COMMAND = re.compile(r"^::(?P<name>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(text: str) -> str:
    for coded, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(coded, plain)
    return text


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    match = _COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    props = {}
    if match["props"]:
        for pair in match["props"].split(","):
            key, _, value = pair.partition("=")
            props[key] = _unescape(value)
    return match["name"], props, _unescape(match["data"])


def test_escaping_follows_the_runner() -> None:
    assert github.escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = github.command("error", "x\ny", file="a,b:c.py", line=3, title="t: 1, 2")
    assert line == "::error file=a%2Cb%3Ac.py,line=3,title=t%3A 1%2C 2::x%0Ay"


def test_every_line_is_one_command_and_round_trips(sample_report: Report) -> None:
    lines = github.render(sample_report).splitlines()
    assert len(lines) == 1 + 1 + len(sample_report.findings)  # verdict, failed safety, findings
    name, props, data = _parse(lines[0])
    assert name == "error" and props == {"title": "ttaprod gate failed"}
    assert "1 critical finding" in data
    parsed = [_parse(line) for line in lines[2:]]
    ranks = [Severity(p[1]["title"].split("(")[1].split(")")[0]).rank for p in parsed]
    assert ranks == sorted(ranks, reverse=True), "worst findings first"
    by_rule = {p[1]["title"].split(" ")[0]: p for p in parsed}
    name, props, data = by_rule["pyright:reportOptionalMemberAccess"]
    assert name == "error"
    assert props["file"] == "app/handlers.py" and props["line"] == "41" and props["endLine"] == "42"
    assert "endColumn" not in props, "GitHub reads endColumn only on single-line annotations"
    assert data == '"get" is not a known attribute of "None"\n  (50%, maybe: "Optional[Session]")'
    name, props, data = by_rule["TTP501"]
    assert name == "warning" and "file" not in props


def test_severity_maps_to_commands(sample_report: Report) -> None:
    assert {s.value: github.COMMAND[s] for s in Severity} == {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "notice",
        "info": "notice",
    }
    passed = replace(sample_report, passed=True, findings=(), tools=())
    assert github.render(passed) == (
        "::notice title=ttaprod gate passed::Score 50.3/100 (F), 0 finding(s); gate passed\n"
    )
