"""The false-alarm classes found by reading real services, each silent where it should be
and firing on its near miss: TTP501–TTP505 (Dockerfiles), TTP511–TTP514 (compose)."""

from __future__ import annotations

from pathlib import Path

from .helpers import item, report, rows

# --- TTP502: the container drops root when it starts -----------------------------------------

ENTRY = """
    FROM python:3.12-slim
    COPY docker/entry.sh /app/run.sh
    EXPOSE 9000
    ENTRYPOINT ["/app/run.sh"]
"""


def test_an_entrypoint_script_that_drops_root_with_gosu(tmp_path: Path) -> None:
    files = {
        "Dockerfile": ENTRY,
        "docker/entry.sh": '#!/bin/sh\nset -e\nexec gosu app "$@"\n',
    }
    result = report(tmp_path, files, select=("TTP502",))
    assert rows(result) == []
    notes = [(e.path, e.line, e.note) for e in item(result, "deploy.container").evidence]
    assert notes == [
        ("docker/entry.sh", 3, "ENTRYPOINT script docker/entry.sh drops root with gosu")
    ]


def test_an_entrypoint_script_that_stays_root(tmp_path: Path) -> None:
    files = {"Dockerfile": ENTRY, "docker/entry.sh": '#!/bin/sh\nexec "$@"\n'}
    assert rows(report(tmp_path, files, select=("TTP502",))) == [
        ("Dockerfile", 1, "TTP502", "medium")
    ]


def test_gosu_installed_and_an_entrypoint(tmp_path: Path) -> None:
    text = """
        FROM python:3.12-slim
        RUN apt-get update \\
            && apt-get install --no-install-recommends -y gosu iproute2
        ENTRYPOINT ["/app/run.sh"]
    """
    assert rows(report(tmp_path, {"Dockerfile": text}, select=("TTP502",))) == []
    without_entrypoint = text.replace('ENTRYPOINT ["/app/run.sh"]', 'CMD ["/app/run.sh"]')
    assert rows(report(tmp_path / "b", {"Dockerfile": without_entrypoint}, select=("TTP502",))) == [
        ("Dockerfile", 1, "TTP502", "medium")
    ]


def test_official_images_that_step_down_unless_the_entrypoint_is_replaced(tmp_path: Path) -> None:
    kept = "FROM mysql:8.0\nADD setup.sql /docker-entrypoint-initdb.d\n"
    assert rows(report(tmp_path, {"db/Dockerfile": kept}, select=("TTP502",))) == []
    replaced = kept + 'ENTRYPOINT ["mysqld"]\n'
    assert rows(report(tmp_path / "b", {"db/Dockerfile": replaced}, select=("TTP502",))) == [
        ("db/Dockerfile", 1, "TTP502", "medium")
    ]


def test_the_projects_own_base_image_ends_with_user(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "freqtrade"\nversion = "1"\n',
        "Dockerfile": "FROM python:3.12-slim\nRUN useradd ftuser\nUSER ftuser\nCMD trade\n",
        "docker/Dockerfile.plot": "FROM freqtradeorg/freqtrade:2024.10\nRUN pip install -r x.txt\n",
    }
    result = report(tmp_path, files, select=("TTP502",))
    assert rows(result) == []
    notes = [e.note for e in item(result, "deploy.container").evidence]
    assert (
        "base image freqtradeorg/freqtrade:2024.10 is the project's own, built by Dockerfile"
        " (USER ftuser)" in notes
    )
    files["Dockerfile"] = "FROM python:3.12-slim\nCMD trade\n"
    assert rows(report(tmp_path / "b", files, select=("TTP502",))) == [
        ("Dockerfile", 1, "TTP502", "medium"),
        ("docker/Dockerfile.plot", 1, "TTP502", "medium"),
    ]


# --- TTP503: images a HEALTHCHECK does not fit ----------------------------------------------


def test_an_image_compose_runs_as_server_worker_and_scheduler(tmp_path: Path) -> None:
    compose = """
        services:
          server:
            build: .
            command: server
            restart: always
            healthcheck: {test: [CMD, curl, -f, "http://localhost:5000/ping"]}
          worker:
            build: .
            command: worker
            restart: always
    """
    dockerfile = 'FROM python:3.12-slim\nUSER app\nEXPOSE 5000\nCMD ["server"]\n'
    result = report(tmp_path, {"compose.yaml": compose, "Dockerfile": dockerfile})
    assert rows(result) == []
    assert (
        "Dockerfile: HEALTHCHECK not judged, compose runs the image with different commands"
        " (`server`, `worker`)" in item(result, "deploy.container").reason
    )
    one_role = compose.replace("command: worker", "command: server")
    assert rows(report(tmp_path / "b", {"compose.yaml": one_role, "Dockerfile": dockerfile})) == [
        ("Dockerfile", 1, "TTP503", "low")
    ]


def test_no_start_command_of_its_own(tmp_path: Path) -> None:
    text = "FROM python:3.10-slim\nUSER app\nEXPOSE 8001\n"
    result = report(tmp_path, {"Dockerfile": text})
    assert rows(result) == []
    assert (
        "HEALTHCHECK not judged, the image has no start command"
        in item(result, "deploy.container").reason
    )
    served = "FROM tiangolo/uvicorn-gunicorn:python3.11-slim\nUSER app\n"
    assert rows(report(tmp_path / "b", {"Dockerfile": served})) == [
        ("Dockerfile", 1, "TTP503", "low")
    ]


def test_a_bot_serves_no_port_but_a_web_service_does(tmp_path: Path) -> None:
    bot = 'FROM python:3.9-alpine\nUSER app\nCMD ["python", "bot/main.py"]\n'
    result = report(tmp_path, {"Dockerfile": bot})
    assert rows(result) == []
    assert "the image serves no port" in item(result, "deploy.container").reason
    web = {
        "Dockerfile": 'FROM python:3.11-slim\nUSER app\nCMD ["python", "-m", "app"]\n',
        "app/__main__.py": (
            "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            '@app.get("/items")\nasync def items() -> list[int]:\n    return []\n'
        ),
    }
    assert rows(report(tmp_path / "b", web)) == [("Dockerfile", 1, "TTP503", "low")]


# --- TTP504: public build variables and flags ---------------------------------------------


def test_public_frontend_variables_and_flags_are_not_credentials(tmp_path: Path) -> None:
    text = """
        FROM node:20.17-alpine AS web
        ARG VITE_SENTRY_APP_KEY
        ARG VITE_DISPATCH_AUTHENTICATION_PROVIDER_USE_ID_TOKEN
        ARG NEXT_PUBLIC_MIXPANEL_AUTH_ID
        ENV REACT_APP_API_KEY=public-browser-key-0123
        ARG AUTH_TOKEN_ENABLED=true
        ARG NPM_TOKEN
        ENV VITE_OPENAI_API_KEY=sk-proj-Tz4fkUMnDFfiHpMMhJ8gtWweD5ZVvFVzn6d8VfktA3fY0Js2T3BlbkFJtc6
    """
    assert rows(report(tmp_path, {"Dockerfile": text}, select=("TTP504",))) == [
        ("Dockerfile", 7, "TTP504", "medium"),
        ("Dockerfile", 8, "TTP504", "critical"),
    ]


# --- TTP505: installs a later pinned install supersedes ------------------------------------


def test_a_preinstall_pinned_by_a_later_requirements_file(tmp_path: Path) -> None:
    files = {
        "docker/Dockerfile.armhf": """
            FROM python:3.12-slim
            COPY requirements.txt /app/
            RUN pip install --user numpy \\
              && pip install --user --no-index --find-links /tmp/ pyarrow TA-Lib \\
              && pip install --user -r requirements.txt
            RUN pip install "httpx~=0.27.2"
        """,
        "requirements.txt": "-r requirements-base.txt\nfastapi==0.115.0\nhttpx>=0.24.1\n",
        "requirements-base.txt": "numpy==1.26.4\n",
    }
    result = report(tmp_path, files, select=("TTP505",))
    # numpy is pinned by the later install; that install's own floating httpx is reported
    assert rows(result) == [("docker/Dockerfile.armhf", 5, "TTP505", "medium")]
    files["requirements-base.txt"] = "scipy==1.14.1\n"
    files["docker/Dockerfile.armhf"] = files["docker/Dockerfile.armhf"].replace("0.27.2", "0.27")
    assert rows(report(tmp_path / "b", files, select=("TTP505",))) == [
        ("docker/Dockerfile.armhf", 3, "TTP505", "medium"),
        ("docker/Dockerfile.armhf", 5, "TTP505", "medium"),
        ("docker/Dockerfile.armhf", 6, "TTP505", "medium"),
    ]


def test_compatible_release_pins_in_a_requirements_file(tmp_path: Path) -> None:
    files = {
        "Dockerfile": "FROM python:3.9-alpine\nRUN pip install -r requirements.txt\n",
        "requirements.txt": "python-dotenv~=1.0.0\nopenai==1.58.1\nrequests~=2.32\n",
    }
    result = report(tmp_path, files, select=("TTP505",))
    assert [f.message for f in result.findings] == [
        "`pip install -r requirements.txt` installs from a file that pins 2 of its 3 packages"
        " (requests float): each build can get different versions"
    ]


# --- TTP501 / TTP511: the project's own release channel, ARG defaults -----------------------


def test_own_release_channels_and_arg_defaults_are_low(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "freqtrade"\nversion = "1"\n',
        "docker/Dockerfile.freqai": (
            "ARG sourceimage=freqtradeorg/freqtrade\nARG sourcetag=develop\n"
            "FROM ${sourceimage}:${sourcetag}\nRUN pip install -r requirements-freqai.txt\n"
        ),
        "docker/Dockerfile.tools": "FROM continuumio/miniconda3:latest\n",
        "docker-compose.yml": """
            services:
              freqtrade:
                image: freqtradeorg/freqtrade:stable
              search:
                image: searxng/searxng:latest
        """,
    }
    result = report(tmp_path, files, select=("TTP501", "TTP511"))
    assert rows(result) == [
        ("docker-compose.yml", 3, "TTP511", "low"),
        ("docker-compose.yml", 5, "TTP511", "medium"),
        ("docker/Dockerfile.freqai", 3, "TTP501", "low"),
        ("docker/Dockerfile.tools", 1, "TTP501", "medium"),
    ]
    messages = {f.line: f.message for f in result.findings if f.rule == "TTP501"}
    assert messages[3] == (
        "base image `freqtradeorg/freqtrade:develop` is the project's own image on its moving"
        " `develop` channel (uses the floating tag `develop`): the image comes from ARG defaults"
        " (sourceimage, sourcetag), so only a build that passes no --build-arg gets it"
    )


# --- TTP512: a value shared through a YAML anchor -------------------------------------------


def test_an_anchored_secret_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    compose = """
        x-environment: &environment
          REDASH_COOKIE_SECRET: c292a0a3aa32397cdb050e233733900f
        services:
          server:
            image: redash/redash:10.1.0
            environment:
              <<: *environment
          worker:
            image: redash/redash:10.1.0
            environment:
              <<: *environment
              WORKER_PASSWORD: another-literal-value
    """
    result = report(tmp_path, {"compose.yaml": compose}, select=("TTP512",))
    assert rows(result) == [
        ("compose.yaml", 2, "TTP512", "high"),
        ("compose.yaml", 12, "TTP512", "high"),
    ]
    assert result.findings[0].message.startswith(
        "services `server`, `worker` set REDASH_COOKIE_SECRET inline to a literal value"
    )


# --- TTP513 / TTP514: interactive containers and leaf services ------------------------------


def test_interactive_and_leaf_services(tmp_path: Path) -> None:
    compose = """
        services:
          bot:
            image: example/bot:1.2
            tty: true
            stdin_open: true
          celery:
            image: example/api:1.2
            restart: unless-stopped
            command: celery -A app worker
          gateway:
            image: example/gateway:1.2
            restart: unless-stopped
          api:
            image: example/api:1.2
            restart: unless-stopped
            depends_on: [gateway]
            ports: ["8000:8000"]
    """
    assert rows(report(tmp_path, {"compose.yaml": compose}, select=("TTP513", "TTP514"))) == [
        ("compose.yaml", 10, "TTP514", "low"),
        ("compose.yaml", 13, "TTP514", "low"),
    ]
