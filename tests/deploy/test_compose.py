"""deploy.container from compose files: TTP511–TTP514 both ways, merges and overrides."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from .helpers import item, report, rows


def test_every_compose_rule_at_its_line(tmp_path: Path) -> None:
    compose = """
        services:
          api:
            image: example/api:latest
            depends_on: [db]
            environment:
              OPENAI_API_KEY: literal-openai-key-0123456789
              ANTHROPIC_API_KEY: ${ANTHROPIC_API_KEY}
              REDIS_URL: redis://redis:6379/0
          db:
            image: postgres
            environment:
              - POSTGRES_PASSWORD=changeme
              - POSTGRES_USER=app
            restart: unless-stopped
            healthcheck:
              disable: true
    """
    result = report(tmp_path, {"docker-compose.yml": compose})
    assert rows(result) == [
        ("docker-compose.yml", 2, "TTP513", "low"),
        ("docker-compose.yml", 3, "TTP511", "medium"),
        ("docker-compose.yml", 6, "TTP512", "high"),
        ("docker-compose.yml", 10, "TTP511", "medium"),
        ("docker-compose.yml", 12, "TTP512", "low"),
        ("docker-compose.yml", 15, "TTP514", "low"),
    ]
    container = item(result, "deploy.container")
    assert (container.status, container.covered, container.total) == (Status.FAIL, 0, 4)
    assert "literal-openai-key" not in " ".join(f.message + f.snippet for f in result.findings)


def test_merge_keys_extends_and_one_shot_jobs(tmp_path: Path) -> None:
    compose = """
        x-service: &service
          restart: unless-stopped
          healthcheck:
            test: ["CMD", "true"]
        services:
          base:
            <<: *service
            image: example/base:1.0
          api:
            extends: base
            image: example/api:1.0
          worker:
            extends:
              file: common.yml
              service: worker
          migrate:
            image: example/api:1.0
            restart: "no"
          swarm:
            image: example/api:1.0
            deploy:
              restart_policy: {condition: on-failure}
            healthcheck: {test: ["CMD", "true"]}
    """
    result = report(tmp_path, {"compose.yaml": compose})
    assert rows(result) == []
    assert item(result, "deploy.container").status is Status.PASS


def test_override_files_of_the_same_directory_are_merged(tmp_path: Path) -> None:
    files = {
        "deploy/compose.yaml": """
            services:
              api:
                image: example/api:1.0
        """,
        "deploy/compose.override.yaml": """
            services:
              api:
                restart: always
                healthcheck: {test: ["CMD", "true"]}
        """,
        "other/docker-compose.yml": """
            services:
              api:
                image: example/api:1.0
                ports: ["8000:8000"]
        """,
    }
    assert rows(report(tmp_path, files)) == [
        ("other/docker-compose.yml", 2, "TTP513", "low"),
        ("other/docker-compose.yml", 2, "TTP514", "low"),
    ]


def test_built_services_take_the_healthcheck_of_their_dockerfile_target(tmp_path: Path) -> None:
    files = {
        "docker-compose.yml": """
            services:
              api:
                build: {context: ./svc, dockerfile: Dockerfile.prod, target: runtime}
                image: registry.example.com/api
                restart: always
              job:
                build: ./svc
                restart: always
                expose: ["8000"]
        """,
        "svc/Dockerfile.prod": """
            FROM python:3.12-slim AS runtime
            USER app
            HEALTHCHECK CMD true
            FROM runtime AS debug
            HEALTHCHECK NONE
        """,
        "svc/Dockerfile": "FROM python:3.12-slim\nUSER app\n",
    }
    result = report(tmp_path, files, select=("TTP514",))
    assert rows(result) == [("docker-compose.yml", 6, "TTP514", "low")]


def test_the_dockerfile_healthcheck_is_the_evidence(tmp_path: Path) -> None:
    files = {
        "compose.yml": "services:\n  api:\n    build: .\n    restart: always\n",
        "Dockerfile": "FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD true\n",
    }
    evidence = item(report(tmp_path, files, select=("TTP514",)), "deploy.container").evidence
    assert [(e.path, e.line, e.note) for e in evidence] == [
        ("Dockerfile", 3, "HEALTHCHECK of the image built from Dockerfile")
    ]


def test_a_malformed_compose_file(tmp_path: Path) -> None:
    result = report(tmp_path, {"docker-compose.yml": "services:\n  api:\n    image: [unclosed\n"})
    assert rows(result) == [("docker-compose.yml", 4, "TTP590", "high")]
    container = item(result, "deploy.container")
    # the four compose practices cannot be verified, and the file does not parse
    assert (container.status, container.covered, container.total) == (Status.FAIL, 0, 5)
    assert result.findings[0].message.startswith("compose file cannot be parsed")
