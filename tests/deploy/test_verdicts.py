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


# --- security.secrets-in-env counts the deployment files (DESIGN §1) ------------------------

COMPOSE_SECRETS = """
    services:
      api:
        image: example/api:1.4.2
        environment:
          OPENAI_API_KEY: ${OPENAI_API_KEY}
          ANTHROPIC_API_KEY:
          DB_PASSWORD: hunter2hunter2
      db:
        image: postgres:16.4
        environment:
          - POSTGRES_PASSWORD=hunter2hunter2
"""
MANIFEST_SECRETS = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      template:
        spec:
          containers:
            - name: api
              image: example/api:1.4.2
              env:
                - name: JWT_SECRET
                  valueFrom: {secretKeyRef: {name: api, key: jwt}}
                - name: ADMIN_PASSWORD
                  value: hunter2hunter2
"""


def test_credentials_in_compose_files_and_manifests_are_sites(tmp_path: Path) -> None:
    files = {"docker-compose.yml": COMPOSE_SECRETS, "k8s/api.yaml": MANIFEST_SECRETS}
    result = report(tmp_path, files, select=("TTP4", "TTP5"))
    secrets = item(result, "security.secrets-in-env")
    assert (secrets.status, secrets.covered, secrets.total) == (Status.FAIL, 3, 6)
    assert secrets.reason == (
        "3 of 6 credentials kept out of the code; deployment files: 3 literal in deployment"
        " files (TTP512, TTP526), 3 read from the environment or a secret store"
    )
    assert [(e.path, e.line, e.note) for e in secrets.evidence] == [
        ("docker-compose.yml", 5, "api: OPENAI_API_KEY from the environment"),
        ("docker-compose.yml", 6, "api: ANTHROPIC_API_KEY from the environment"),
        ("k8s/api.yaml", 12, "JWT_SECRET from secretKeyRef"),
    ]
    # the findings stay with the deploy items, once each
    secret_rules = ("TTP504", "TTP512", "TTP526")
    assert sorted(
        (f.rule, f.checklist_item) for f in result.findings if f.rule in secret_rules
    ) == [
        ("TTP512", "deploy.container"),
        ("TTP512", "deploy.container"),
        ("TTP526", "deploy.kubernetes"),
    ]


def test_references_only_pass_and_a_development_setup_does_not_count(tmp_path: Path) -> None:
    clean = COMPOSE_SECRETS.replace("DB_PASSWORD: hunter2hunter2", "DB_PASSWORD: ${DB_PASSWORD}")
    clean = clean.replace("POSTGRES_PASSWORD=hunter2hunter2", "POSTGRES_PASSWORD")
    secrets = item(report(tmp_path / "a", {"compose.yaml": clean}), "security.secrets-in-env")
    assert (secrets.status, secrets.covered, secrets.total) == (Status.PASS, 4, 4)
    dev = "# The local development setup.\n" + COMPOSE_SECRETS.strip()
    secrets = item(report(tmp_path / "b", {"compose.yaml": dev}), "security.secrets-in-env")
    assert (secrets.status, secrets.total) == (Status.SKIP, 0)


def test_a_live_key_in_a_development_compose_file_fails_the_item(tmp_path: Path) -> None:
    key = "sk-ant-api03-" + "cz_fp0yNNKCf85s_pkRaNNMc3aj8LORD3Tvy63V3TkTmdGnQ693Qd8NN" + "A" * 40
    dev = COMPOSE_SECRETS.replace("DB_PASSWORD: hunter2hunter2", f"ANTHROPIC_KEY: {key}")
    files = {"docker-compose.dev.yml": dev}
    result = report(tmp_path, files, select=("TTP4", "TTP5"))
    secrets = item(result, "security.secrets-in-env")
    assert (secrets.status, secrets.covered, secrets.total) == (Status.FAIL, 0, 1)
    assert [(f.rule, f.severity.value, f.role) for f in result.findings] == [
        ("TTP512", "critical", "build")
    ]


# --- deploy.alerts: shipped deployment files without alert rules fail (DESIGN §1) --------------


def test_deployment_files_without_alert_rules_fail(tmp_path: Path) -> None:
    files = {"Dockerfile": DOCKERFILE_TEXT, "k8s/api.yaml": MANIFEST_SECRETS}
    alerts = item(report(tmp_path / "a", files), "deploy.alerts")
    assert (alerts.status, alerts.score) == (Status.FAIL, 0.0)
    assert alerts.reason == (
        "the project ships deployment files (Dockerfile, k8s/api.yaml) but no Prometheus"
        " alerting rules: nothing alerts on its error rate or latency"
    )
    dev_only = {".devcontainer/Dockerfile": DOCKERFILE_TEXT}
    alerts = item(report(tmp_path / "b", dev_only), "deploy.alerts")
    assert (alerts.status, alerts.reason) == (
        Status.SKIP,
        "no Prometheus alerting rule file found",
    )
    write(tmp_path / "c", files)
    partial = run_check(tmp_path / "c" / "Dockerfile")  # a pre-commit run: some files only
    assert item(partial, "deploy.alerts").status is Status.SKIP


DOCKERFILE_TEXT = "\n".join(DOCKERFILE) + "\n"
