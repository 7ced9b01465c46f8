"""One fixed, fully deterministic Report, built by hand, that every output format renders.

It covers: all six sections and all four statuses; findings of every severity from
ttaprod and from tools, one merged with `also_reported_by`; a masked secret; a finding
with no checklist item and one with no path; an ok, a failed and a skipped tool;
unicode; and text that needs escaping in XML, Markdown and workflow commands
(`<`, `&`, `|`, `%`, `,`, `:`, newlines, a control character). `CATALOGUE` holds
hand-made rule specs so the golden files do not change when the real catalogue grows.
"""

from __future__ import annotations

from dataclasses import replace

from ttaprod import checklist
from ttaprod.models import (
    CategoryResult,
    Evidence,
    Example,
    Finding,
    Gate,
    ItemResult,
    Report,
    RuleSpec,
    Severity,
    Stats,
    Status,
    ToolRun,
    ToolStatus,
)


def _spec(
    code: str, name: str, item: str | None, severity: Severity, title: str, **extra
) -> RuleSpec:
    return RuleSpec(
        code=code,
        name=name,
        checklist_item=item,
        severity=severity,
        title=title,
        summary=extra.pop("summary", f"Reports {title.lower()}."),
        why=extra.pop("why", "It breaks in production."),
        options=extra.pop("options", ""),
        references=extra.pop("references", ()),
        bad=extra.pop("bad", ()),
        good=extra.pop("good", ()),
        use_instead=extra.pop("use_instead", ""),
    )


CATALOGUE: dict[str, RuleSpec] = {
    "TTP101": _spec(
        "TTP101",
        "http-call-without-timeout",
        "errors.timeout",
        Severity.HIGH,
        "HTTP call without a timeout",
        summary="Reports an outbound call that can hang: no `timeout`, or `timeout=None`.",
        why="A peer that accepts the connection & never answers holds a worker <forever>.",
        use_instead="Pass `timeout=` (connect, read) on every call.",
        options="`timeout-floor` in [tool.ttaprod].",
        references=("https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",),
        bad=(Example("no timeout", "import requests\nrequests.get(url)\n", (2,)),),
        good=(Example("with a timeout", "import requests\nrequests.get(url, timeout=10)\n", ()),),
    ),
    "TTP203": _spec(
        "TTP203",
        "print-in-service-code",
        "observability.structured-logging",
        Severity.MEDIUM,
        "print() in service code",
    ),
    "TTP401": _spec(
        "TTP401",
        "hardcoded-credential",
        "security.secrets-in-env",
        Severity.CRITICAL,
        "Hard-coded credential",
        use_instead='Read it from the environment: `os.environ["OPENAI_API_KEY"]`.',
    ),
    "TTP501": _spec(
        "TTP501",
        "missing-health-endpoint",
        "deploy.health-endpoint",
        Severity.MEDIUM,
        "No health endpoint",
    ),
    "TTP901": _spec("TTP901", "syntax-error", None, Severity.HIGH, "File does not parse"),
}


def _finding(
    rule: str, source: str, item: str | None, severity: Severity, where: str, message: str, **extra
) -> Finding:
    path, _, position = where.rpartition("@")
    line, column, end_line, end_column = (int(n) for n in position.split(","))
    return Finding(
        rule=rule,
        source=source,
        checklist_item=item,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=message,
        **extra,
    )


FINDINGS: tuple[Finding, ...] = (
    _finding(
        "TTP501",
        "ttaprod",
        "deploy.health-endpoint",
        Severity.MEDIUM,
        "@0,0,0,0",
        "no route answers /health or /ready; orchestrators cannot tell a hung pod from a live one",
        fingerprint="c0ffee0000000000000000000000d501",
    ),
    _finding(
        "TTP101",
        "ttaprod",
        "errors.timeout",
        Severity.HIGH,
        "app/client.py@12,16,12,33",
        "requests.get() without a timeout can hang forever",
        fix="pass timeout=(3.05, 27)",
        fingerprint="3f9a1c0de5b7a2e4c6d8f0a1b2c3d4e5",
        also_reported_by=("ruff:S113",),
        snippet="    resp = requests.get(url, params=q)",
    ),
    _finding(
        "ruff:F401",
        "ruff",
        "quality.lint",
        Severity.LOW,
        "app/client.py@3,8,3,10",
        "`os` imported but unused \x1b[1m(unused-import)\x1b[0m",
        fix="Remove unused import: `os`",
    ),
    _finding(
        "TTP101",
        "ttaprod",
        "errors.timeout",
        Severity.INFO,
        "app/client.py@40,14,40,30",
        "OpenAI() client left at the SDK's 600 s default timeout",
        fingerprint="3f9a1c0de5b7a2e4c6d8f0a1b2c3d4e6",
    ),
    _finding(
        "TTP401",
        "ttaprod",
        "security.secrets-in-env",
        Severity.CRITICAL,
        "app/config.py@4,18,4,71",
        "hard-coded OpenAI key 'sk-p…(51 chars)' bound to OPENAI_API_KEY",
        fingerprint="9d8c7b6a5f4e3d2c1b0a998877665544",
    ),
    _finding(
        "TTP203",
        "ttaprod",
        "observability.structured-logging",
        Severity.MEDIUM,
        "app/handlers.py@30,5,30,22",
        "print() of <Response> & headers | 100% noise, not a log record",
        fingerprint="aa55aa55aa55aa55aa55aa55aa55aa55",
    ),
    _finding(
        "TTP203",
        "ttaprod",
        "observability.structured-logging",
        Severity.MEDIUM,
        "app/handlers.py@31,5,31,22",
        "print() of <Response> & headers | 100% noise, not a log record",
        fingerprint="aa55aa55aa55aa55aa55aa55aa55aa55",
    ),
    _finding(
        "pyright:reportOptionalMemberAccess",
        "pyright",
        "quality.type-check",
        Severity.HIGH,
        "app/handlers.py@41,12,42,3",
        '"get" is not a known attribute of "None"\n  (50%, maybe: "Optional[Session]")',
    ),
    _finding(
        "TTP901",
        "ttaprod",
        None,
        Severity.HIGH,
        "app/ünïcode_módulo.py@7,1,7,2",
        "file does not parse: '(' was never closed – « kaputt » @here",
        fingerprint="0123456789abcdef0123456789abcdef",
    ),
)

_ITEMS: dict[str, dict] = {
    "quality.type-hints": {
        "status": Status.WARN,
        "score": 7.8,
        "covered": 7,
        "total": 9,
        "reason": "7 of 9 functions fully annotated",
    },
    "quality.lint": {
        "status": Status.PASS,
        "score": 9.6,
        "reason": "1 finding(s) from ruff in 1234 lines",
        "evidence": (Evidence("", 0, "ruff 0.6.9"),),
    },
    "quality.type-check": {
        "status": Status.FAIL,
        "score": 2.5,
        "reason": "1 finding(s) from pyright in 1234 lines",
        "evidence": (Evidence("", 0, "pyright 1.1.380"),),
    },
    "quality.security-scan": {
        "status": Status.SKIP,
        "score": None,
        "reason": "bandit skipped: not selected; safety failed: exit 64: "
        "invalid key <redacted> & 100% sure",
    },
    "errors.retry": {
        "status": Status.PASS,
        "score": 10.0,
        "covered": 5,
        "total": 5,
        "reason": "5 of 5 calls with retry",
        "evidence": (Evidence("app/client.py", 10, "@retry(stop=stop_after_attempt(3))"),),
    },
    "errors.timeout": {
        "status": Status.FAIL,
        "score": 4.0,
        "covered": 2,
        "total": 5,
        "reason": "2 of 5 calls with a timeout",
    },
    "errors.logging": {
        "status": Status.WARN,
        "score": 6.7,
        "covered": 2,
        "total": 3,
        "reason": "2 of 3 handlers logging with context | 1 bare `except:`",
    },
    "observability.tracing": {
        "status": Status.PASS,
        "score": 10.0,
        "reason": "TracerProvider set up",
        "evidence": (Evidence("app/main.py", 3, "TracerProvider()"),),
    },
    "observability.structured-logging": {
        "status": Status.FAIL,
        "score": 3.0,
        "covered": 1,
        "total": 3,
        "reason": "1 of 3 log calls structured",
    },
    "security.secrets-in-env": {
        "status": Status.FAIL,
        "score": 0.0,
        "covered": 0,
        "total": 1,
        "reason": "0 of 1 credentials kept out of the code",
    },
    "security.tls": {
        "status": Status.WARN,
        "score": 5.0,
        "covered": 1,
        "total": 2,
        "reason": "1 of 2 connections over verified TLS\nhttp://payments.example.com",
    },
    "deploy.container": {
        "status": Status.PASS,
        "score": 10.0,
        "reason": "Dockerfile: non-root, pinned base",
    },
    "deploy.health-endpoint": {
        "status": Status.FAIL,
        "score": 0.0,
        "reason": "no health endpoint found",
    },
    "cost.tracking": {
        "status": Status.FAIL,
        "score": 5.0,
        "covered": 1,
        "total": 2,
        "reason": "1 of 2 calls with their cost accounted",
    },
    "cost.budgets": {
        "status": Status.WARN,
        "score": 5.0,
        "reason": "a hard limit without an alert before it: litellm.max_budget: 50.0 USD, no alert",
    },
}


def _items() -> tuple[ItemResult, ...]:
    out = []
    for item in checklist.ITEMS:
        base = ItemResult(
            item.id,
            item.title,
            item.section,
            Status.SKIP,
            None,
            reason="not assessed by this version of ttaprod",
        )
        out.append(replace(base, **_ITEMS.get(item.id, {})))
    return tuple(out)


_CATEGORY_SCORES = {
    "quality": 6.6,
    "errors": 6.9,
    "observability": 4.3,
    "performance": None,
    "security": 2.5,
    "deploy": 5.0,
    "cost": 5.0,
}


def report() -> Report:
    items = _items()
    categories = tuple(
        CategoryResult(
            section,
            title,
            _CATEGORY_SCORES[section],
            1.0,
            tuple(i.id for i in items if i.section == section),
        )
        for section, title in checklist.SECTIONS.items()
    )
    by_severity: dict[str, int] = {}
    for finding in FINDINGS:
        by_severity[finding.severity.value] = by_severity.get(finding.severity.value, 0) + 1
    return Report(
        version="0.1.0",
        root="/srv/café service",
        score=50.3,
        grade="F",
        passed=False,
        gate=Gate(
            fail_under=70.0,
            block_on=("critical",),
            reasons=("score 50.3 is under fail-under 70", "1 critical finding"),
        ),
        categories=categories,
        checklist=items,
        findings=FINDINGS,
        tools=(
            ToolRun("ruff", "0.6.9", ToolStatus.OK, 0.4, 2),
            ToolRun("pyright", "1.1.380", ToolStatus.OK, 6.2, 1),
            ToolRun("bandit", None, ToolStatus.SKIPPED, 0.0, 0, "not selected"),
            ToolRun(
                "safety",
                "3.2.8",
                ToolStatus.FAILED,
                1.1,
                0,
                "exit 64: invalid key <redacted> & 100% sure",
            ),
        ),
        stats=Stats(
            files=7,
            lines=1234,
            parse_errors=1,
            duration_s=9.875,
            suppressed=2,
            by_severity=dict(sorted(by_severity.items())),
        ),
        notes=("1 file over max-file-size-kb was skipped: gen/*_pb2.py",),
        rules=tuple(
            CATALOGUE[code] for code in sorted({f.rule for f in FINDINGS} & set(CATALOGUE))
        ),
    )
