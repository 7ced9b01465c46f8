"""Development, CI and test setups told by what they run (deploy/purpose.py): silent where a
compose file or Dockerfile is a development setup, firing on the production near-miss."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from ttaprod.models import Status

from .helpers import item, report, rows

# A production compose file: every service is judged.
PRODUCTION = dedent(
    """
    services:
      api:
        build: .
        ports: ["8000:8000"]
        depends_on: [db]
      db:
        image: postgres:latest
        environment:
          POSTGRES_PASSWORD: hunter2hunter2
    """
).lstrip()
PRODUCTION_ROWS = [
    ("docker-compose.yml", 2, "TTP513", "low"),
    ("docker-compose.yml", 2, "TTP514", "low"),
    ("docker-compose.yml", 6, "TTP513", "low"),
    ("docker-compose.yml", 6, "TTP514", "low"),
    ("docker-compose.yml", 7, "TTP511", "medium"),
    ("docker-compose.yml", 9, "TTP512", "high"),
]


def test_the_production_near_miss_fires(tmp_path: Path) -> None:
    assert rows(report(tmp_path, {"docker-compose.yml": PRODUCTION})) == PRODUCTION_ROWS


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("header", "its header says `for local development`"),
        ("reload", "service `api` runs `--reload`"),
        ("sleep", "service `api` runs `sleep infinity`"),
        ("trust", "service `db` sets POSTGRES_HOST_AUTH_METHOD=trust"),
        ("tag", "service `api` builds the project as `mealie:dev`"),
    ],
)
def test_a_development_compose_file_is_not_judged(tmp_path: Path, change: str, why: str) -> None:
    text = PRODUCTION
    if change == "header":
        text = "# Compose file for local development only.\n" + text
    elif change == "reload":
        text = text.replace("build: .", "build: .\n    command: uvicorn app:app --reload")
    elif change == "sleep":
        text = text.replace("build: .", "build: .\n    command: sleep infinity")
    elif change == "tag":
        text = text.replace("build: .", "build: .\n    image: mealie:dev")
    else:
        text = text.replace("POSTGRES_PASSWORD: hunter2hunter2", "POSTGRES_HOST_AUTH_METHOD: trust")
    result = report(tmp_path, {"docker-compose.yml": text})
    assert rows(result) == []
    container = item(result, "deploy.container")
    assert container.status is Status.SKIP
    assert why in container.reason


def test_a_live_key_in_a_development_file_is_still_reported_with_its_role(tmp_path: Path) -> None:
    key = "sk-proj-" + "Tz4fkUMnDFfiHpMMhJ8gtWweD5ZVvFVzn6d8VfktA3fY0Js2T3BlbkFJ" + "q" * 40
    text = PRODUCTION.replace("build: .", "build: .\n    command: npm run dev").replace(
        "POSTGRES_PASSWORD: hunter2hunter2", f"OPENAI_API_KEY: {key}"
    )
    result = report(tmp_path, {"docker-compose.yml": text})
    assert rows(result) == [("docker-compose.yml", 10, "TTP512", "critical")]
    assert [f.role for f in result.findings] == ["build"]
    assert key not in " ".join(f.message + f.snippet for f in result.findings)


def test_a_dev_server_image_on_its_bind_mounted_source(tmp_path: Path) -> None:
    """AgentGPT's shape: the frontend image starts `npm run dev`, and compose mounts its
    source over it; the platform service of the same file is then local-run too."""
    files = {
        "docker-compose.yml": """
            services:
              frontend:
                build: ./next
                ports: ["3000:3000"]
                volumes:
                  - ./next/:/next/
              platform:
                build: ./platform
                ports: ["8000:8000"]
                environment:
                  DB_PASS: reworkd_platform_pw
        """,
        "next/Dockerfile": 'FROM node:19-alpine\nEXPOSE 3000\nCMD ["npm", "run", "dev"]\n',
        "platform/Dockerfile": 'FROM python:3.11-slim\nEXPOSE 8000\nCMD ["python", "-m", "app"]\n',
    }
    result = report(tmp_path, files)
    assert rows(result) == [
        ("platform/Dockerfile", 1, "TTP502", "medium"),
        ("platform/Dockerfile", 1, "TTP503", "low"),
    ]


def test_a_dev_server_image_that_production_compose_runs_is_judged(tmp_path: Path) -> None:
    """SuperAGI's shape: the main compose file runs the `npm run dev` image as it is."""
    files = {
        "docker-compose.yml": """
            services:
              gui:
                build: ./gui
                restart: unless-stopped
                ports: ["3000:3000"]
                healthcheck: {test: [CMD, wget, -q, --spider, "http://localhost:3000"]}
        """,
        "gui/Dockerfile": 'FROM node:18-alpine\nEXPOSE 3000\nCMD ["npm", "run", "dev"]\n',
    }
    assert rows(report(tmp_path, files)) == [
        ("gui/Dockerfile", 1, "TTP502", "medium"),
        ("gui/Dockerfile", 1, "TTP503", "low"),
    ]


def test_devcontainer_and_unused_dev_server_images(tmp_path: Path) -> None:
    files = {
        "tools/Dockerfile": "FROM mcr.microsoft.com/devcontainers/python:1-3.12\n",
        "web/Dockerfile": 'FROM node:20-alpine\nEXPOSE 5173\nCMD ["npm", "run", "dev"]\n',
        "api/Dockerfile": "FROM python:3.12-slim\nEXPOSE 8000\nCMD uvicorn app:app\n",
    }
    result = report(tmp_path, files)
    assert rows(result) == [
        ("api/Dockerfile", 1, "TTP502", "medium"),
        ("api/Dockerfile", 1, "TTP503", "low"),
    ]
    reason = item(result, "deploy.container").reason
    assert "tools/Dockerfile (built from the devcontainer image" in reason
    assert "web/Dockerfile (its start command runs `npm run dev`)" in reason


def test_infrastructure_for_development_only(tmp_path: Path) -> None:
    """Dispatch's docker/docker-compose.yml: a database and pgAdmin, no project service."""
    text = """
        services:
          postgres:
            image: postgres:14.6
            ports: ["5432:5432"]
            environment:
              POSTGRES_PASSWORD: dispatch
          pgadmin:
            image: dpage/pgadmin4
            depends_on: [postgres]
    """
    assert rows(report(tmp_path, {"docker/docker-compose.yml": text})) == []
    without_tool = text.replace("dpage/pgadmin4", "example/reporting:1.2")
    assert rows(report(tmp_path / "b", {"docker/docker-compose.yml": without_tool})) == [
        ("docker/docker-compose.yml", 2, "TTP513", "low"),
        ("docker/docker-compose.yml", 2, "TTP514", "low"),
        ("docker/docker-compose.yml", 6, "TTP512", "high"),
        ("docker/docker-compose.yml", 7, "TTP513", "low"),
    ]


def test_project_globs_win_over_content(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.ttaprod.roles]\n"deploy/**" = "service"\n',
        "deploy/docker-compose.yml": PRODUCTION.replace(
            "build: .", "build: .\n    command: uvicorn app:app --reload"
        ),
    }
    shifted = [(f"deploy/{p}", n + (n > 2), r, sev) for p, n, r, sev in PRODUCTION_ROWS]
    assert rows(report(tmp_path, files)) == shifted
