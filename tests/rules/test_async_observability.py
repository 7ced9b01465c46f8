"""TTP301 blocking-call-in-async, TTP201/TTP202 correlation ids, TTP203 print, TTP204
pre-formatted log messages: the tricky cases, both ways, at exact lines and severities."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from ttaprod import catalogue
from ttaprod.checks import DETECTORS
from ttaprod.engine.analyze import FileTask, analyze_file
from ttaprod.facts import Route as RouteFact

from ..helpers import coverage as coverage_of
from ..helpers import rows as rows_of
from ..helpers import run_check

Row = tuple[str, int, str, str]  # path, line, rule, severity
_ALL = frozenset(catalogue.catalogue())


def check(project, files: dict[str, str], *codes: str) -> list[Row]:
    return rows_of(run_check(project(files), select=codes), codes)


def coverage(project, files: dict[str, str], item: str, *codes: str) -> tuple[int, int]:
    return coverage_of(run_check(project(files), select=codes), item)


# --- TTP301 -------------------------------------------------------------------------------
def test_blocking_calls_resolved_through_aliases_and_instances(project) -> None:
    src = """
    import urllib.request as ur
    from time import sleep as nap

    import httpx
    import requests as r


    class Client:
        session: r.Session

        def __init__(self) -> None:
            self.session = r.Session()

        async def poll(self, http: httpx.Client, url: str) -> None:
            nap(1)
            self.session.post(url, timeout=5)
            http.get(url)
            ur.urlopen(url, timeout=5)
            r.Session().get(url, timeout=5)
    """
    assert check(project, {"app/svc.py": src}, "TTP301") == [
        ("app/svc.py", 15, "TTP301", "high"),
        ("app/svc.py", 16, "TTP301", "high"),
        ("app/svc.py", 17, "TTP301", "high"),
        ("app/svc.py", 18, "TTP301", "high"),
        ("app/svc.py", 19, "TTP301", "high"),
    ]


def test_file_io_is_medium_and_network_high(project) -> None:
    src = """
    from pathlib import Path

    import requests


    async def load(path: Path, url: str) -> str:
        text = path.read_text()
        with open(path) as handle:
            handle.read()
        return text + requests.get(url, timeout=3).text
    """
    assert check(project, {"app/load.py": src}, "TTP301") == [
        ("app/load.py", 7, "TTP301", "medium"),
        ("app/load.py", 8, "TTP301", "medium"),
        ("app/load.py", 10, "TTP301", "high"),
    ]


def test_offloaded_and_deferred_calls_are_not_blocking(project) -> None:
    src = """
    import asyncio
    import functools
    import subprocess
    import time

    import anyio.to_thread
    import requests
    from fastapi.concurrency import run_in_threadpool


    def retry(fn):
        return fn


    async def work(url: str) -> None:
        await asyncio.to_thread(requests.get, url, timeout=5)
        await anyio.to_thread.run_sync(time.sleep, 1)
        await run_in_threadpool(subprocess.run, ["ls"], check=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, functools.partial(requests.get, url, timeout=5))
        await loop.run_in_executor(None, lambda: time.sleep(1))

        @retry
        def nested(arg=1):
            time.sleep(arg)
            return requests.get(url, timeout=5)

        await asyncio.to_thread(nested)
    """
    assert check(project, {"app/work.py": src}, "TTP301") == []


def test_sync_def_inside_async_and_async_inside_sync(project) -> None:
    src = """
    import time


    def outer() -> object:
        time.sleep(1)

        async def inner() -> None:
            time.sleep(2)

        return inner


    async def coroutine() -> object:
        def helper() -> None:
            time.sleep(3)

        class Local:
            value = time.sleep(4)

        return helper, Local
    """
    assert check(project, {"app/mixed.py": src}, "TTP301") == [
        ("app/mixed.py", 8, "TTP301", "high"),
        ("app/mixed.py", 18, "TTP301", "high"),
    ]


def test_decorator_of_a_nested_def_runs_in_the_coroutine(project) -> None:
    src = """
    import time


    def register(value):
        return lambda fn: fn


    async def setup() -> None:
        @register(time.sleep(1))
        def handler() -> None:
            time.sleep(2)
    """
    assert check(project, {"app/deco.py": src}, "TTP301") == [("app/deco.py", 9, "TTP301", "high")]


def test_shadowed_names_and_async_clients_are_not_blocking(project) -> None:
    src = """
    import asyncio

    import httpx
    import redis.asyncio as aioredis


    def open(path: str) -> str:
        return path


    async def fine(url: str) -> None:
        open("x")
        async with httpx.AsyncClient() as client:
            await client.get(url)
        cache = aioredis.Redis()
        await cache.get("k")
        await asyncio.sleep(1)
    """
    assert check(project, {"app/fine.py": src}, "TTP301") == []


def test_sdk_clients_boto3_and_local_subclass(project) -> None:
    src = """
    import boto3
    import requests
    from openai import AsyncOpenAI, OpenAI


    class TimeoutSession(requests.Session):
        pass


    s3 = boto3.client("s3")
    session = TimeoutSession()
    sync_llm = OpenAI()
    async_llm = AsyncOpenAI()


    async def handle(key: str) -> None:
        s3.generate_presigned_url("get_object", Params={"Key": key})
        s3.put_object(Bucket="b", Key=key, Body=b"")
        session.get("https://example.com", timeout=3)
        sync_llm.embeddings.create(model="m", input=key)
        await async_llm.embeddings.create(model="m", input=key)
    """
    assert check(project, {"app/sdk.py": src}, "TTP301") == [
        ("app/sdk.py", 18, "TTP301", "high"),
        ("app/sdk.py", 19, "TTP301", "high"),
        ("app/sdk.py", 20, "TTP301", "high"),
    ]


def test_every_async_def_is_a_site_covered_without_blocking_calls(project) -> None:
    src = """
    import asyncio
    import time


    async def a() -> None:
        await asyncio.sleep(1)


    async def b() -> None:
        time.sleep(1)
        time.sleep(2)


    async def c() -> None:
        pass


    def d() -> None:
        time.sleep(1)
    """
    files = {"app/sites.py": src, "tests/test_sites.py": "async def test_x():\n    pass\n"}
    assert coverage(project, files, "performance.async-io", "TTP301") == (2, 3)


def test_suppressing_the_first_blocking_call(project) -> None:
    src = """
    import time


    async def a() -> None:
        time.sleep(1)  # ttaprod: ignore[TTP301]
    """
    assert check(project, {"app/s.py": src}, "TTP301") == []
    assert coverage(project, {"app/s.py": src}, "performance.async-io", "TTP301") == (1, 1)


# --- TTP201 / TTP202 -----------------------------------------------------------------------
def test_handler_contexts_with_and_without_request_ids(project) -> None:
    src = """
    import uuid

    from fastapi import FastAPI, Header, Request
    from ttadev.primitives import WorkflowContext

    app = FastAPI()


    @app.post("/ask")
    async def ask(request: Request, x_cid: str | None = Header(None), trace: str = Header("t")):
        bare = WorkflowContext(workflow_id="ask")
        maybe = WorkflowContext(correlation_id=request.headers.get("X-Correlation-ID"))
        cid = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        derived = WorkflowContext(correlation_id=cid)
        unrelated = WorkflowContext(correlation_id=str(uuid.uuid4()))
        optional_header = WorkflowContext(correlation_id=x_cid)
        defaulted = WorkflowContext(correlation_id=x_cid or str(uuid.uuid4()))
        header_param = WorkflowContext(correlation_id=trace)
        state = WorkflowContext(correlation_id=request.state.correlation_id)
        explicit_none = WorkflowContext(correlation_id=request.headers.get("X-Id", None))
        return {}
    """
    assert check(project, {"app/routes.py": src}, "TTP201", "TTP202") == [
        ("app/routes.py", 11, "TTP201", "medium"),
        ("app/routes.py", 12, "TTP201", "medium"),
        ("app/routes.py", 15, "TTP201", "medium"),
        ("app/routes.py", 16, "TTP201", "medium"),
        ("app/routes.py", 20, "TTP201", "medium"),
    ]


def test_only_tta_workflow_contexts_count(project) -> None:
    src = """
    from fastapi import FastAPI
    from other_lib import WorkflowContext
    import tta_dev_primitives.core.base as base

    app = FastAPI()


    @app.get("/a")
    async def a() -> None:
        WorkflowContext()
        base.WorkflowContext()
        base.WorkflowContext.child(base.WorkflowContext.root("x"), "step")
    """
    assert check(project, {"app/a.py": src}, "TTP201", "TTP202") == [
        ("app/a.py", 11, "TTP201", "medium"),
        ("app/a.py", 12, "TTP201", "medium"),
    ]


def test_lambda_handlers_and_lambda_context_is_not_a_workflow_context(project) -> None:
    src = """
    from ttadev.primitives import WorkflowContext


    def handler(event, context):
        headers = event.get("headers") or {}
        cid = headers.get("X-Correlation-ID")
        ctx = WorkflowContext(correlation_id=cid)
        ok = WorkflowContext(correlation_id=headers.get("X-Correlation-ID", context.aws_request_id))
        return ctx, ok


    def lambda_handler(evt, ctx):
        return WorkflowContext(workflow_id="x")


    def not_a_handler(a, b, c):
        return WorkflowContext(workflow_id="x")
    """
    assert check(project, {"app/fn.py": src}, "TTP201", "TTP202") == [
        ("app/fn.py", 7, "TTP201", "medium"),
        ("app/fn.py", 13, "TTP201", "medium"),
    ]


def test_starlette_route_registered_after_the_endpoint_and_flask_request(project) -> None:
    src = """
    import flask
    from starlette.routing import Route as R
    from ttadev.primitives import WorkflowContext

    web = flask.Flask(__name__)


    async def home(request):
        return WorkflowContext(workflow_id="home")


    async def about(request):
        return WorkflowContext(correlation_id=request.headers.get("x-id", "none"))


    @web.route("/flask", methods=["POST"])
    def flask_view():
        return WorkflowContext(correlation_id=flask.request.headers.get("x-id", "-"))


    routes = [R("/", home), R("/about", endpoint=about)]
    """
    assert check(project, {"app/st.py": src}, "TTP201", "TTP202") == [
        ("app/st.py", 9, "TTP201", "medium"),
    ]


def test_fastapi_dependency_is_judged_like_a_handler(project) -> None:
    src = """
    from typing import Annotated

    from fastapi import Depends, FastAPI, Request
    from ttadev.primitives import WorkflowContext

    app = FastAPI()


    def bare_context() -> WorkflowContext:
        return WorkflowContext(workflow_id="dep")


    def request_context(request: Request) -> WorkflowContext:
        return WorkflowContext(correlation_id=request.headers.get("x-id") or "new")


    @app.get("/a")
    async def a(ctx: Annotated[WorkflowContext, Depends(bare_context)]) -> str:
        return ctx.correlation_id


    @app.get("/b")
    async def b(ctx: WorkflowContext = Depends(request_context)) -> str:
        return ctx.correlation_id
    """
    assert check(project, {"app/deps.py": src}, "TTP201", "TTP202") == [
        ("app/deps.py", 10, "TTP201", "medium"),
    ]


def test_chain_breaks_in_primitives_typed_params_and_lambda_primitive(project) -> None:
    src = """
    from typing import Optional

    from ttadev.primitives import LambdaPrimitive, WorkflowContext, WorkflowPrimitive


    class Base(WorkflowPrimitive):
        pass


    class Step(Base):
        async def execute(self, input_data, context):
            fresh = WorkflowContext(workflow_id="x")
            kept = WorkflowContext(correlation_id=context.correlation_id)
            child = WorkflowContext.child(context, "step")
            return fresh, kept, child


    def typed(data: str, ctx: Optional[WorkflowContext] = None):
        return WorkflowContext.root("typed")


    def wrapped(data, context):
        def inner():
            return WorkflowContext()

        return inner()


    class NotAPrimitive:
        async def execute(self, input_data, context):
            return WorkflowContext(workflow_id="free")


    step = LambdaPrimitive(wrapped)
    """
    assert check(project, {"app/wf.py": src}, "TTP201", "TTP202") == [
        ("app/wf.py", 12, "TTP202", "medium"),
        ("app/wf.py", 19, "TTP202", "medium"),
        ("app/wf.py", 24, "TTP202", "medium"),
    ]


def test_every_construction_is_a_site_and_tests_are_not(project) -> None:
    src = """
    from ttadev.primitives import WorkflowContext

    ROOT = WorkflowContext(workflow_id="boot")


    def job(payload: dict) -> WorkflowContext:
        return WorkflowContext(correlation_id=payload.get("cid"))
    """
    test = "from ttadev.primitives import WorkflowContext\n\nCTX = WorkflowContext()\n"
    files = {"app/jobs.py": src, "tests/test_jobs.py": test}
    assert check(project, files, "TTP201", "TTP202") == [("app/jobs.py", 7, "TTP201", "medium")]
    assert coverage(project, files, "observability.correlation-ids", "TTP201", "TTP202") == (1, 2)


def test_suppressing_a_deferred_finding_on_its_statement(project) -> None:
    src = """
    from fastapi import FastAPI
    from ttadev.primitives import WorkflowContext

    app = FastAPI()


    @app.get("/")
    async def home():
        ctx = WorkflowContext(  # ttaprod: ignore[TTP201]
            workflow_id="home",
        )
        return ctx
    """
    assert check(project, {"app/sup.py": src}, "TTP201") == []


# --- TTP203 -------------------------------------------------------------------------------
def test_print_in_service_code_and_its_exemptions(project) -> None:
    service = """
    import sys

    import click
    import typer

    app = typer.Typer()


    def work() -> None:
        print("working")
        print("oops", file=sys.stderr)


    def report(handle) -> None:
        print("row", file=handle)


    @app.command()
    def sync() -> None:
        print("synced")


    @click.group()
    def cli() -> None:
        pass


    @cli.command()
    def status() -> None:
        print("ok")


    def main() -> None:
        print("main")


    if __name__ == "__main__":
        print("start")
        typer.run(main)
    else:
        print("imported")
    """
    plain = 'print("hello")\n'
    files = {
        "app/service.py": service,
        "app/cli.py": plain,
        "app/__main__.py": plain,
        "app/cli/run.py": plain,
        "scripts/seed.py": plain,
        "bin/tool.py": plain,
        "tests/test_service.py": plain,
        "app/tests_helpers.py": plain,
    }
    assert check(project, files, "TTP203") == [
        ("app/service.py", 10, "TTP203", "low"),
        ("app/service.py", 11, "TTP203", "low"),
        ("app/service.py", 41, "TTP203", "low"),
        ("app/tests_helpers.py", 1, "TTP203", "low"),
    ]


def test_a_local_print_function_is_not_builtin_print(project) -> None:
    src = """
    from rich import print


    def show() -> None:
        print("[bold]hi[/bold]")
    """
    assert check(project, {"app/ui.py": src}, "TTP203") == []


def test_a_module_that_parses_its_command_line_is_a_program(project) -> None:
    tool = """
    import argparse


    def report(rows: list[str]) -> None:
        for row in rows:
            print(row)


    def main() -> None:
        parser = argparse.ArgumentParser()
        parser.add_argument("path")
        report([parser.parse_args().path])
    """
    job = """
    import argparse  # imported for a type only: not a command line


    def reindex(ns: argparse.Namespace) -> None:
        print(f"reindexed {ns}")
    """
    assert check(project, {"tools/report.py": tool, "app/jobs.py": job}, "TTP203") == [
        ("app/jobs.py", 5, "TTP203", "low")
    ]


# --- TTP204 -------------------------------------------------------------------------------
def test_preformatted_messages_across_logging_libraries(project) -> None:
    src = """
    import logging
    from logging import getLogger

    import structlog
    from loguru import logger

    std = getLogger(__name__)
    slog = structlog.get_logger().bind(service="api")


    class Worker:
        def __init__(self, log: logging.Logger) -> None:
            self.log = log
            self.events = structlog.get_logger()

        def run(self, job: str, n: int) -> None:
            self.log.info(f"job {job}")
            self.events.bind(job=job).info("job %s" % job)
            std.log(logging.INFO, "n=" + str(n))
            logging.warning("{} done".format(job))
            slog.error(event=f"failed {job}")
            slog.info("done", job=job)
            std.info("job %s took %d", job, n)
            logger.info("job {} done", job)
            logger.opt(lazy=True).debug(f"job {job}")
            std.info(f"constant")
            std.info("a" "b" + "c")
    """
    assert check(project, {"app/logs.py": src}, "TTP204") == [
        ("app/logs.py", 17, "TTP204", "low"),
        ("app/logs.py", 18, "TTP204", "low"),
        ("app/logs.py", 19, "TTP204", "low"),
        ("app/logs.py", 20, "TTP204", "low"),
        ("app/logs.py", 21, "TTP204", "low"),
        ("app/logs.py", 25, "TTP204", "low"),
    ]


def test_log_like_calls_that_are_not_loggers(project) -> None:
    src = """
    import math


    class Audit:
        def info(self, message: str) -> None:
            pass


    def run(name: str, audit: Audit) -> float:
        audit.info(f"ran {name}")
        return math.log(10)
    """
    assert check(project, {"app/misc.py": src}, "TTP204") == []


def test_log_calls_are_sites_and_prints_uncovered(project) -> None:
    src = """
    import logging

    log = logging.getLogger(__name__)


    def run(x: int) -> None:
        log.info("x=%s", x)
        log.info(f"x={x}")
        print(x)
    """
    cov = coverage(
        project, {"app/run.py": src}, "observability.structured-logging", "TTP203", "TTP204"
    )
    assert cov == (1, 3)


def test_route_facts_for_project_checks(project) -> None:
    src = """
    import signal

    from fastapi import APIRouter, FastAPI
    from starlette.routing import Route

    app = FastAPI()
    router = APIRouter(prefix="/v1")


    @app.get("/health")
    async def health() -> dict:
        return {}


    @router.api_route("/items", methods=["GET", "POST"])
    async def items() -> list:
        return []


    def handler(event, context):
        return {}


    def on_signal(signum, frame):
        pass


    async def home(request):
        return None


    routes = [Route("/", home)]
    signal.signal(signal.SIGTERM, on_signal)
    """
    root: Path = project({"app/main.py": dedent(src).lstrip("\n")})
    analysed = analyze_file(FileTask(str(root / "app/main.py"), "app/main.py", _ALL), DETECTORS)
    routes = sorted((f for f in analysed.facts if isinstance(f, RouteFact)), key=lambda f: f.line)
    assert [(f.line, f.framework, f.method, f.url, f.prefix, f.handler) for f in routes] == [
        (10, "fastapi", "GET", "/health", "", "app.main.health"),
        (15, "fastapi", "GET,POST", "/items", "/v1", "app.main.items"),
        (20, "aws-lambda", "*", "", "", "app.main.handler"),
        (32, "starlette", "GET", "/", "", "app.main.home"),
    ]


def test_forward_references_and_local_context_subclasses(project) -> None:
    src = """
    from __future__ import annotations

    import ttadev.primitives as tp
    from ttadev.primitives import WorkflowContext


    class RequestContext(WorkflowContext):
        pass


    async def step(data: str, ctx: "tp.WorkflowContext | None" = None) -> str:
        return RequestContext(workflow_id="x").workflow_id or data


    async def other(data: str, ctx: "not a type") -> str:
        return RequestContext(workflow_id="y").workflow_id or data
    """
    assert check(project, {"app/fw.py": src}, "TTP201", "TTP202") == [
        ("app/fw.py", 12, "TTP202", "medium"),
    ]


def test_prints_of_a_script_a_fatal_start_up_and_a_build_hook(project) -> None:
    """The program a `__main__` block runs (its `main()` and what only main calls), a fatal
    message right before the process exits, a build hook: not service logging. A function the
    block calls that is not its entry point (a job other modules may run, like `reindex()`), and
    a print that does not end the process, still are."""
    script = """
    import asyncio
    import json


    def _show(result) -> None:
        print(json.dumps(result, indent=2))


    async def main() -> None:
        result = {"ok": True}
        print("---Transaction Response---")
        _show(result)


    def broadcast(result) -> None:
        print("broadcast", result)


    if __name__ == "__main__":
        asyncio.get_event_loop().run_until_complete(main())
        broadcast({})
    """
    settings = """
    import os
    import sys

    if os.environ.get("LEGACY_SAML_PATH") is not None:
        print("DEPRECATION NOTICE: LEGACY_SAML_PATH is no longer supported.")
        raise SystemExit(1)

    if os.environ.get("LEGACY_TOKEN") is not None:
        print("LEGACY_TOKEN is no longer read")
        sys.exit(2)

    if os.environ.get("DEBUG"):
        print("debug mode")
    """
    build = """
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface


    class CustomBuildHook(BuildHookInterface):
        def initialize(self, version, build_data) -> None:
            print("building the frontend")
    """
    files = {"app/delegate.py": script, "app/settings.py": settings, "backend/build.py": build}
    assert check(project, files, "TTP203") == [
        ("app/delegate.py", 16, "TTP203", "low"),
        ("app/settings.py", 13, "TTP203", "low"),
    ]


def test_commands_of_a_group_registered_by_a_plugin_hook(project) -> None:
    """`@cli.group()` on a group handed to a plugin hook, and `@group.command()` under it: CLI
    output. A plain function in the hook is not a command."""
    src = """
    import click
    from llm import hookimpl


    @hookimpl
    def register_commands(cli):
        @cli.group(name="openai")
        def openai_():
            "Commands for the OpenAI models"

        @openai_.command()
        @click.option("--json", "json_", is_flag=True)
        def models(json_):
            print("id  owned_by")

        def helper():
            print("not a command")
    """
    assert check(project, {"app/plugin.py": src}, "TTP203") == [("app/plugin.py", 17, "TTP203", "low")]
