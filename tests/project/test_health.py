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
    assert result.reason == "no web routes: not a long-running web service"
    lambda_src = """
    def handler(event, context):
        return {"statusCode": 200}
    """
    result = item(check(tmp_path / "b", {"app/handler.py": lambda_src}), ITEM)
    assert result.status is Status.SKIP
    assert result.reason == "only AWS Lambda handlers: not a long-running web service"


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
