"""The deploy.* verdicts as a whole: monotone scores, per-file ignores, severity overrides,
fixture projects."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from ..conftest import FIXTURES, run_check
from .helpers import item, report, write

DOCKERFILE = [
    "FROM python:3.12-slim",
    "RUN pip install -r requirements.txt",
    "USER app",
    "HEALTHCHECK CMD true",
]
WORSE = {
    0: "FROM python:latest",
    1: "RUN pip install fastapi",
    2: "USER root",
    3: "LABEL x=y",
}


def _score(tmp_path: Path, lines: list[str], name: str) -> float:
    root = tmp_path / name
    result = report(root, {"Dockerfile": "\n".join(lines) + "\n"})
    score = item(result, "deploy.container").score
    assert score is not None
    return score


def test_one_more_bad_finding_never_raises_the_score(tmp_path: Path) -> None:
    lines = list(DOCKERFILE)
    previous = _score(tmp_path, lines, "step0")
    assert previous == 10.0
    for step, (index, worse) in enumerate(WORSE.items(), start=1):
        lines[index] = worse
        current = _score(tmp_path, lines, f"step{step}")
        assert current <= previous
        previous = current
    lines.append("ENV API_TOKEN=another-long-literal-token-value")
    assert _score(tmp_path, lines, "last") <= previous


def test_per_file_ignores_and_severity_overrides(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.ttaprod]
                per-file-ignores = { "legacy/**" = ["TTP5"] }
                [tool.ttaprod.severity]
                TTP513 = "info"
            """,
            "legacy/Dockerfile": "FROM python\n",
            "compose.yaml": """
                services:
                  api:
                    image: a:1
                    healthcheck: {test: [CMD, "true"]}
            """,
        },
    )
    result = run_check(tmp_path, select=("TTP5",))
    assert [(f.path, f.rule, f.severity.value) for f in result.findings] == [
        ("compose.yaml", "TTP513", "info")
    ]
    container = item(result, "deploy.container")
    assert (container.status, container.covered, container.total) == (Status.FAIL, 3, 4)


def test_fixture_projects_deploy_verdicts() -> None:
    good = run_check(FIXTURES / "rag_service_good")
    bad = run_check(FIXTURES / "rag_service_bad")
    for item_id in ("deploy.container", "deploy.kubernetes", "deploy.alerts"):
        assert item(good, item_id).status is Status.PASS, item_id
        assert item(good, item_id).evidence, item_id
        assert item(bad, item_id).status is Status.FAIL, item_id
        assert item(bad, item_id).score == 0.0, item_id


def test_a_bug_on_one_file_is_reported_not_raised(tmp_path: Path, monkeypatch) -> None:
    from ttaprod.deploy import compose

    def boom(*_args: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(compose, "check", boom)
    files = {
        "compose.yaml": "services: {}\n",
        "Dockerfile": "FROM python:3.12\nUSER app\nCMD uvicorn app:app\n",
    }
    result = report(tmp_path, files, select=("TTP5", "TTP906"))
    assert [(f.path, f.line, f.rule) for f in result.findings] == [
        ("Dockerfile", 1, "TTP503"),
        ("compose.yaml", 1, "TTP906"),
    ]
    container = item(result, "deploy.container")
    assert (container.covered, container.total) == (5, 10)
