"""deploy.container from Dockerfiles: TTP501–TTP506 both ways, the verdict, TTP590."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from .helpers import item, report, rows

GOOD = """
    # syntax=docker/dockerfile:1.7
    ARG PYTHON=3.12
    FROM python:${PYTHON}-slim AS build
    RUN pip install --no-cache-dir -r requirements.txt
    FROM build
    RUN useradd --create-home app
    USER app
    HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1
    CMD ["uvicorn", "app.main:app"]
"""


def test_a_good_dockerfile_passes_with_evidence(tmp_path: Path) -> None:
    result = report(tmp_path, {"Dockerfile": GOOD, "requirements.txt": "fastapi==0.115.0\n"})
    assert rows(result) == []
    container = item(result, "deploy.container")
    assert (container.status, container.score, container.covered, container.total) == (
        Status.PASS,
        10.0,
        6,
        6,
    )
    notes = {(e.path, e.line): e.note for e in container.evidence}
    assert notes[("Dockerfile", 3)] == "base image python:3.12-slim pinned by tag"
    assert notes[("Dockerfile", 7)] == "runs as USER app"
    assert notes[("Dockerfile", 4)].startswith("pip install -r requirements.txt")
    assert container.reason == "6 of 6 container practices followed (Dockerfile)"


def test_every_dockerfile_rule_at_its_line(tmp_path: Path) -> None:
    bad = """
        FROM python AS build
        ARG GITHUB_TOKEN
        RUN pip install fastapi \\
            && pip install --upgrade pip
        ADD https://example.com/tool.tgz /opt/
        FROM build
        ENV APP_ENV=prod \\
            SECRET_KEY=a-very-long-literal-secret-value
        USER root
        CMD ["uvicorn", "app:app"]
    """
    result = report(tmp_path, {"Dockerfile": bad})
    assert rows(result) == [
        ("Dockerfile", 1, "TTP501", "medium"),
        ("Dockerfile", 2, "TTP504", "medium"),
        ("Dockerfile", 3, "TTP505", "medium"),
        ("Dockerfile", 5, "TTP506", "medium"),
        ("Dockerfile", 6, "TTP503", "low"),
        ("Dockerfile", 8, "TTP504", "high"),
        ("Dockerfile", 9, "TTP502", "medium"),
    ]
    container = item(result, "deploy.container")
    assert (container.status, container.covered, container.total, container.score) == (
        Status.FAIL,
        0,
        6,
        0.0,
    )
    secret = next(f for f in result.findings if f.line == 8)
    assert "a-very-long-literal-secret-value" not in secret.message + secret.snippet
    assert "(…(32 chars))" in secret.message and "a-ve" not in secret.message


def test_only_the_final_stage_decides_user_and_healthcheck(tmp_path: Path) -> None:
    text = """
        FROM python:3.12-slim AS build
        USER builder
        HEALTHCHECK CMD true
        FROM python:3.12-slim
        COPY --from=build /app /app
        CMD ["gunicorn", "app:app"]
    """
    assert rows(report(tmp_path, {"Dockerfile": text})) == [
        ("Dockerfile", 4, "TTP502", "medium"),
        ("Dockerfile", 4, "TTP503", "low"),
    ]


def test_healthcheck_none_and_nonroot_base_images(tmp_path: Path) -> None:
    text = """
        FROM gcr.io/distroless/python3-debian12:nonroot
        HEALTHCHECK NONE
        CMD ["gunicorn", "app:app"]
    """
    assert rows(report(tmp_path, {"Dockerfile": text})) == [("Dockerfile", 2, "TTP503", "low")]


def test_requirements_files_without_pins_are_unlocked(tmp_path: Path) -> None:
    files = {
        "service/Dockerfile": """
            FROM python:3.12-slim
            COPY requirements.txt constraints.txt /app/
            RUN pip install -r /app/requirements.txt
            RUN pip install -r dev.txt -c constraints.txt
            RUN ["pip", "install", "httpx"]
            RUN poetry add requests && uv sync --frozen
            USER app
            HEALTHCHECK CMD true
        """,
        "service/requirements.txt": "fastapi==0.115.0\nuvicorn>=0.30  # server\nhttpx\n",
        "service/dev.txt": "pytest\n",
    }
    result = report(tmp_path, files)
    assert rows(result) == [
        ("service/Dockerfile", 3, "TTP505", "medium"),
        ("service/Dockerfile", 5, "TTP505", "medium"),
        ("service/Dockerfile", 6, "TTP505", "medium"),
    ]
    messages = [f.message for f in result.findings]
    assert "pins 1 of its 3 packages (uvicorn, httpx float)" in messages[0]


def test_hashes_pins_wheels_paths_and_tools_are_locked(tmp_path: Path) -> None:
    text = """
        FROM python:3.12-slim
        RUN pip install --upgrade pip setuptools wheel
        RUN pip install "fastapi==0.115.0" /wheels/*.whl ./libs/core git+https://github.com/o/r@v1
        RUN pip install --require-hashes -r requirements.txt
        RUN python -m pip install --no-deps .
        RUN pipenv install --deploy && pipenv sync
        USER app
        HEALTHCHECK CMD true
    """
    result = report(tmp_path, {"Dockerfile": text, "requirements.txt": "fastapi\n"})
    assert rows(result) == []


def test_secrets_through_arg_and_env(tmp_path: Path) -> None:
    text = """
        FROM python:3.12-slim
        ARG NPM_TOKEN
        ARG PIP_INDEX_URL=https://pypi.org/simple
        ENV API_KEY=$NPM_TOKEN
        ENV DB_PASSWORD changeme
        ENV DB_PASSWORD_FILE=/run/secrets/db TOKEN_TTL=3600 API_TOKEN=
        USER app
        HEALTHCHECK CMD true
    """
    assert rows(report(tmp_path, {"Dockerfile": text})) == [
        ("Dockerfile", 2, "TTP504", "medium"),
        ("Dockerfile", 4, "TTP504", "medium"),
        ("Dockerfile", 5, "TTP504", "low"),
    ]


def test_add_with_checksum_and_git_sources(tmp_path: Path) -> None:
    text = """
        FROM python:3.12-slim
        ADD --checksum=sha256:0123 https://example.com/a.tgz /opt/
        ADD https://github.com/org/repo.git /src
        ADD local.tgz /opt/
        USER app
        HEALTHCHECK CMD true
    """
    assert rows(report(tmp_path, {"Dockerfile": text})) == []


def test_an_unparseable_dockerfile_is_a_finding_and_counts_as_not_followed(tmp_path: Path) -> None:
    files = {"Dockerfile": GOOD, "worker/Containerfile": "FROM python:3.12\nFOO bar\n"}
    result = report(tmp_path, files)
    assert rows(result) == [("worker/Containerfile", 2, "TTP590", "high")]
    container = item(result, "deploy.container")
    assert (container.status, container.covered, container.total) == (Status.FAIL, 6, 13)
    finding = result.findings[0]
    assert finding.checklist_item == "deploy.container"
    assert finding.message == "Dockerfile cannot be parsed: unknown instruction `FOO`"


def test_selection_suppression_and_templates(tmp_path: Path) -> None:
    files = {
        "Dockerfile": """
            FROM python:latest
            # ttaprod: ignore[TTP502]
            USER root
            CMD ["uvicorn", "app:app"]
        """,
        "Dockerfile.j2": "FROM {{ base }}\n",
        "Dockerfile.dockerignore": "*.pyc\n",
    }
    result = report(tmp_path, files, select=("TTP5",))
    assert rows(result) == [
        ("Dockerfile", 1, "TTP501", "medium"),
        ("Dockerfile", 1, "TTP503", "low"),
    ]
    assert "1 template(s) not checked: Dockerfile.j2" in item(result, "deploy.container").reason


def test_inline_suppression_at_the_end_of_a_yaml_line(tmp_path: Path) -> None:
    compose = """
        services:
          cache:
            image: redis  # ttaprod: ignore[TTP511]
            restart: always
            healthcheck: {test: [CMD, redis-cli, ping]}
    """
    result = report(tmp_path, {"compose.yaml": compose})
    assert rows(result) == []
    assert item(result, "deploy.container").covered == 4


def test_deselected_rules_are_not_counted(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python\nCMD uvicorn app:app\n"}
    result = report(tmp_path, files, select=("TTP501", "TTP503"))
    container = item(result, "deploy.container")
    assert (container.covered, container.total) == (0, 2)
    assert {f.rule for f in result.findings} == {"TTP501", "TTP503"}


def test_no_container_files_is_a_skip_with_a_reason(tmp_path: Path) -> None:
    result = report(tmp_path, {"app/main.py": "x = 1\n"})
    container = item(result, "deploy.container")
    assert (container.status, container.score) == (Status.SKIP, None)
    assert container.reason == "no Dockerfile or compose file found"
