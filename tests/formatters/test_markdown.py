"""Markdown summary: escaped, table-shaped, capped below GitHub's 1 MiB summary limit."""

from __future__ import annotations

from dataclasses import replace

from ttaprod.formatters import markdown
from ttaprod.models import Report


def test_escaping_keeps_tables_and_html_intact() -> None:
    assert markdown.escape("a | b") == "a \\| b"
    assert markdown.escape("<script> & x") == "&lt;script&gt; &amp; x"
    assert markdown.escape("line\nnext") == "line<br>next"
    assert markdown.escape("__init__ *x*") == "\\_\\_init\\_\\_ \\*x\\*"
    assert "@\u2060retry" in markdown.escape("@retry"), "no @mention in PR comments"
    assert markdown.escape("\x1b[0m") == "\ufffd\\[0m"
    assert markdown.escape("x" * 500).endswith("…") and len(markdown.escape("x" * 500)) == 300


def test_every_table_row_has_the_columns_of_its_header(sample_report: Report) -> None:
    text = markdown.render(sample_report)
    tables: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            if not tables or tables[-1] == []:
                tables.append([])
            tables[-1].append(line)
        elif tables and tables[-1]:
            tables.append([])
    tables = [t for t in tables if t]
    assert len(tables) == 3  # checklist, findings, tools
    for table in tables:
        widths = {row.replace("\\|", "").count("|") for row in table}
        assert len(widths) == 1, table
    assert "## ttaprod: 50.3/100 (F) · ❌ gate failed" in text
    row = "| ✗ | `errors.timeout` Timeouts to prevent hanging | 2 of 5 calls with a timeout"
    assert f"{row} (40%) | 4 |" in text


def test_findings_are_capped_and_the_rest_counted(sample_report: Report) -> None:
    one = sample_report.findings[1]
    many = tuple(replace(one, line=n, message="m" * 2000) for n in range(1, 5001))
    text = markdown.render(replace(sample_report, findings=many))
    assert f"… and {5000 - markdown.MAX_FINDINGS} more finding(s) not shown" in text
    assert text.count("| 🟧 high |") == markdown.MAX_FINDINGS
    assert len(text.encode("utf-8")) < markdown.SUMMARY_LIMIT


def test_no_findings_and_no_tools(sample_report: Report) -> None:
    text = markdown.render(replace(sample_report, findings=(), tools=()))
    assert "No findings." in text and "### Tools" not in text
