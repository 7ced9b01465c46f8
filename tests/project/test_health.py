"""deploy.health-endpoint and TTP541: health routes found by path, by probe and by handler
name, judged by what their handlers do; both ways, exact statuses, reasons and findings."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from .helpers import check, evidence, item, rows

ITEM = "deploy.health-endpoint"

CHECKED = """
from fastapi import FastAPI, Response
from redis.asyncio import Redis

app = FastAPI()
redis = Redis.from_url("redis://redis:6379/0")


@app.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
async def readyz(response: Response) -> dict[str, str]:
    try:
        await redis.ping()
    except OSError:
        response.status_code = 503
    return {"status": "ok"}
"""

CONSTANT = """
from datetime import datetime, timezone

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()
log = structlog.get_logger()


@app.get("/health")
async def health() -> JSONResponse:
    log.info("health_checked")
    now = datetime.now(timezone.utc).isoformat()
    return JSONResponse({"status": "ok", "time": now, "items": len([])})


@app.get("/items")
async def items() -> list[str]:
    return []
"""


def test_a_health_route_that_checks_a_dependency_passes(tmp_path: Path) -> None:
    report = check(tmp_path, {"app/main.py": CHECKED})
    result = item(report, ITEM)
    assert (result.status, result.score) == (Status.PASS, 10.0)
    assert result.reason == "health endpoint checks its dependencies: GET /readyz (app/main.py:13)"
    assert evidence(result) == [
        ("app/main.py", 13, "GET /readyz checks its dependencies: await redis.ping()")
    ]
    assert rows(report, "TTP541") == []


def test_a_constant_health_route_warns_with_ttp541(tmp_path: Path) -> None:
    report = check(tmp_path, {"app/main.py": CONSTANT})
    assert rows(report, "TTP541") == [("app/main.py", 11, "TTP541")]
    finding = next(f for f in report.findings if f.rule == "TTP541")
    assert (finding.checklist_item, finding.severity.value) == (ITEM, "low")
    assert finding.message == (
        "health endpoint `GET /health` returns a constant without checking any dependency: it "
        "reports healthy while the database or an upstream service is down, so traffic keeps "
        "flowing to a broken instance"
    )
    result = item(report, ITEM)
    assert (result.status, result.score) == (Status.WARN, 5.0)
    assert result.reason == (
        "health endpoint GET /health returns a constant without checking any dependency"
    )
    assert evidence(result) == [("app/main.py", 11, "GET /health returns a constant")]


def test_readiness_style_routes_get_the_finding_before_liveness_routes(tmp_path: Path) -> None:
    src = """
    from flask import Flask, jsonify

    app = Flask(__name__)


    @app.route("/livez")
    def livez():
        return jsonify(status="ok")


    @app.route("/healthz")
    def healthz():
        return jsonify(status="ok")
    """
    report = check(tmp_path, {"app/main.py": src})
    assert rows(report, "TTP541") == [("app/main.py", 11, "TTP541")]
    assert item(report, ITEM).reason == (
        "health endpoint GET /livez, GET /healthz returns a constant without checking any "
        "dependency"
    )


def test_a_lone_liveness_route_gets_the_liveness_message(tmp_path: Path) -> None:
    src = CHECKED.split('\n\n@app.get("/readyz")')[0] + "\n"
    report = check(tmp_path, {"app/main.py": src})
    finding = next(f for f in report.findings if f.rule == "TTP541")
    assert finding.line == 8
    assert finding.message.startswith(
        "`GET /livez` is a liveness endpoint returning a constant (right for liveness), but no "
        "health endpoint checks the service's dependencies"
    )


def test_ttp541_ignored_or_suppressed_is_not_judged(tmp_path: Path) -> None:
    ignored = check(tmp_path / "a", {"app/main.py": CONSTANT}, ignore=("TTP541",))
    assert rows(ignored, "TTP541") == []
    result = item(ignored, ITEM)
    assert result.status is Status.PASS
    assert (
        result.reason
        == "health endpoint GET /health found (TTP541 ignored or suppressed: not judged)"
    )
    marked = CONSTANT.replace(
        '@app.get("/health")', '@app.get("/health")  # ttaprod: ignore[TTP541]'
    )
    suppressed = check(tmp_path / "b", {"app/main.py": marked})
    assert rows(suppressed, "TTP541") == []
    assert item(suppressed, ITEM).status is Status.PASS


def test_web_routes_without_a_health_route_fail(tmp_path: Path) -> None:
    src = CONSTANT.replace('"/health"', '"/about"')
    result = item(check(tmp_path, {"app/main.py": src}), ITEM)
    assert (result.status, result.score) == (Status.FAIL, 0.0)
    assert result.reason == (
        "2 web route(s), none a health endpoint (/health, /healthz, /livez, /readyz, /ready, "
        "/status)"
    )


def test_probe_paths_make_health_routes(tmp_path: Path) -> None:
    src = """
    from fastapi import APIRouter, FastAPI
    from sqlalchemy import text

    from app.db import engine

    router = APIRouter(prefix="/internal")


    @router.get("/up")
    def up() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}


    app = FastAPI()
    app.include_router(router)
    """
    manifest = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      replicas: 2
      template:
        spec:
          containers:
            - name: api
              image: api:1.0
              readinessProbe:
                httpGet:
                  path: /internal/up
                  port: 8000
    """
    report = check(tmp_path, {"app/main.py": src, "k8s/api.yaml": manifest})
    result = item(report, ITEM)
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("app/main.py", 9, "GET /internal/up checks its dependencies: engine.connect()"),
        ("k8s/api.yaml", 12, "readinessProbe calls /internal/up"),
    ]


def test_a_probe_path_no_route_serves_is_named(tmp_path: Path) -> None:
    dockerfile = """
    FROM python:3.12-slim
    USER app
    HEALTHCHECK CMD curl -fsS http://localhost:8000/ping-me || exit 1
    """
    src = CONSTANT.replace('"/health"', '"/about"')
    result = item(check(tmp_path, {"app/main.py": src, "Dockerfile": dockerfile}), ITEM)
    assert result.status is Status.FAIL
    assert result.reason.endswith("; the deployment probes /ping-me, which no route serves")


def test_handler_registered_from_another_module(tmp_path: Path) -> None:
    files = {
        "app/health.py": """
            from app.db import pool


            async def health() -> dict[str, str]:
                async with pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
                return {"status": "ok"}
        """,
        "app/main.py": """
            from fastapi import FastAPI

            from app.health import health

            app = FastAPI()
            app.add_api_route("/health", health)
        """,
    }
    result = item(check(tmp_path, files), ITEM)
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("app/main.py", 6, "GET /health checks its dependencies: async with pool.acquire()")
    ]


def test_a_handler_outside_the_checked_files_is_not_verified(tmp_path: Path) -> None:
    src = """
    from fastapi import FastAPI
    from healthlib import endpoint

    app = FastAPI()
    app.add_api_route("/healthz", endpoint)
    """
    result = item(check(tmp_path, {"app/main.py": src}), ITEM)
    assert result.status is Status.WARN
    assert result.reason == (
        "health route(s) GET /healthz found, but their handlers are not in the checked files: "
        "dependency checks not verified"
    )


def test_no_web_service_is_skipped(tmp_path: Path) -> None:
    result = item(check(tmp_path / "a", {"jobs/run.py": "print('x')\n"}), ITEM)
    assert (result.status, result.score) == (Status.SKIP, None)
    assert result.reason == "no web routes and no long-running worker: not a long-running service"
    lambda_src = """
    def handler(event, context):
        return {"statusCode": 200}
    """
    result = item(check(tmp_path / "b", {"app/handler.py": lambda_src}), ITEM)
    assert result.status is Status.SKIP
    assert result.reason == "only AWS Lambda handlers: not a long-running service"


def test_decorators_and_defaults_are_not_dependency_checks(tmp_path: Path) -> None:
    src = """
    from fastapi import Depends, FastAPI

    from app.deps import get_settings

    app = FastAPI()


    @app.get("/status")
    def status(settings=Depends(get_settings)) -> dict[str, str]:
        return {"status": "ok", "version": settings.version}
    """
    report = check(tmp_path, {"app/main.py": src})
    assert rows(report, "TTP541") == [("app/main.py", 8, "TTP541")]


# --- routes named like health endpoints that a probe cannot use ------------------------------

AUTH_HEALTH = """
import json

from fastapi import APIRouter, Request, Response
from starlette.authentication import requires

api = APIRouter()


@api.get("/api/health")
@requires(["authenticated"], status_code=200)
def health_check(request: Request) -> Response:
    return Response(content=json.dumps({"email": request.user.object.email}))


@api.get("/api/chats")
def chats() -> list[str]:
    return []
"""


def test_a_health_route_behind_authentication_is_not_a_probe(tmp_path: Path) -> None:
    result = check(tmp_path / "a", {"app/api.py": AUTH_HEALTH})
    assert rows(result, "TTP541") == []
    health = item(result, ITEM)
    assert health.status is Status.FAIL
    assert health.reason == (
        "2 web route(s), none a health endpoint (/health, /healthz, /livez, /readyz, /ready,"
        " /status); GET /api/health requires a logged-in user (@requires): a probe cannot call it"
    )
    open_route = AUTH_HEALTH.replace('@requires(["authenticated"], status_code=200)\n', "")
    open_route = open_route.replace('{"email": request.user.object.email}', '{"status": "ok"}')
    result = check(tmp_path / "b", {"app/api.py": open_route})
    assert rows(result, "TTP541") == [("app/api.py", 9, "TTP541")]


def test_reading_the_logged_in_user_is_enough(tmp_path: Path) -> None:
    source = AUTH_HEALTH.replace('@requires(["authenticated"], status_code=200)\n', "")
    result = check(tmp_path, {"app/api.py": source})
    assert rows(result, "TTP541") == []
    assert "GET /api/health requires a logged-in user (request.user)" in item(result, ITEM).reason


STATUS = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/status")
async def status() -> dict[str, object]:
    return {"status": "ready", "transports": ["webrtc", "daily"]}


@app.post("/start")
async def start() -> dict[str, str]:
    return {"session": "x"}
"""


def test_a_status_route_that_returns_data_is_not_a_health_route(tmp_path: Path) -> None:
    result = check(tmp_path / "a", {"runner.py": STATUS})
    assert rows(result, "TTP541") == []
    assert item(result, ITEM).status is Status.FAIL
    assert "GET /status returns data (transports), not a health answer" in item(result, ITEM).reason
    health_answer = STATUS.replace('"transports": ["webrtc", "daily"]', '"version": "1.2.0"')
    result = check(tmp_path / "b", {"runner.py": health_answer})
    assert rows(result, "TTP541") == [("runner.py", 6, "TTP541")]


# --- long-running workers without web routes -------------------------------------------------

CELERY = """
from celery import Celery

app = Celery("jobs", broker="redis://redis:6379/0")


@app.task(acks_late=True)
def reindex(doc_id: str) -> None:
    print(doc_id)
"""

CONSUMER = """
import asyncio

from aiokafka import AIOKafkaConsumer


async def consume() -> None:
    consumer = AIOKafkaConsumer("orders", bootstrap_servers="kafka:9092")
    await consumer.start()
    async for message in consumer:
        print(message)
"""

LOOP = """
import asyncio
from pathlib import Path


class Poller:
    async def run(self) -> None:
        while True:
            await asyncio.sleep(5)
            Path("/tmp/healthy").touch()


def main() -> None:
    poller = Poller()
    asyncio.run(poller.run())
"""

BOT = """
from telegram.ext import ApplicationBuilder


def main() -> None:
    application = ApplicationBuilder().token("x").build()
    application.run_polling()
"""


def test_a_worker_without_a_health_mechanism_fails(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"jobs/tasks.py": CELERY, "jobs/consumer.py": CONSUMER}), ITEM)
    assert result.status is Status.FAIL
    assert result.reason == (
        "long-running Celery worker (jobs/tasks.py:6), Kafka consumer (jobs/consumer.py:7) with no"
        " health mechanism: no HTTP health route, no liveness file or heartbeat, no probe or"
        " healthcheck in the production deployment files"
    )
    assert evidence(result) == [
        (
            "jobs/consumer.py",
            7,
            'Kafka consumer: AIOKafkaConsumer("orders", bootstrap_servers="kafka:9092")',
        ),
        ("jobs/tasks.py", 6, "Celery worker: @app.task(acks_late=True)"),
    ]


def test_a_bot_with_a_probe_in_its_manifest_passes(tmp_path: Path) -> None:
    manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: bot}
        spec:
          template:
            spec:
              containers:
                - name: bot
                  image: example/bot:1.2
                  livenessProbe:
                    exec: {command: [test, -f, /tmp/alive]}
    """
    result = item(check(tmp_path, {"bot/main.py": BOT, "k8s/bot.yaml": manifest}), ITEM)
    assert result.status is Status.PASS
    assert result.reason == (
        "long-running Telegram bot polling (bot/main.py:6): shows it is alive through"
        " livenessProbe (exec) (k8s/bot.yaml:10)"
    )


def test_a_service_loop_with_a_liveness_file_passes(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"svc/poller.py": LOOP}), ITEM)
    assert result.status is Status.PASS
    assert evidence(result)[:2] == [
        ("svc/poller.py", 9, "liveness file /tmp/healthy"),
        ("svc/poller.py", 14, "service loop: asyncio.run(poller.run())"),
    ]


def test_what_is_not_a_long_running_worker(tmp_path: Path) -> None:
    one_shot = LOOP.replace("while True:", "for _ in range(3):")
    files = {
        "svc/poller.py": one_shot,  # a loop that ends is not a service loop
        "scripts/drain.py": CONSUMER,  # a consumer in a script
        "tests/test_tasks.py": CELERY,
    }
    result = item(check(tmp_path, files), ITEM)
    assert result.status is Status.SKIP
    assert result.reason == "no web routes and no long-running worker: not a long-running service"


def test_a_healthcheck_of_a_development_compose_file_does_not_count(tmp_path: Path) -> None:
    compose = """
        services:
          worker:
            build: .
            command: watchmedo auto-restart -- celery -A jobs worker --reload
            healthcheck: {test: [CMD, celery, -A, jobs, inspect, ping]}
    """
    result = item(check(tmp_path / "a", {"jobs/tasks.py": CELERY, "compose.yaml": compose}), ITEM)
    assert result.status is Status.FAIL
    production = compose.replace(" --reload", "")
    result = item(
        check(tmp_path / "b", {"jobs/tasks.py": CELERY, "compose.yaml": production}), ITEM
    )
    assert result.status is Status.PASS
    assert evidence(result)[0] == (
        "compose.yaml",
        5,
        "worker: CMD celery -A jobs inspect ping",
    )
