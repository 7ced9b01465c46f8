"""TTP311 client-created-per-call, TTP312 db-engine-created-per-call, TTP313
db-connection-per-call (performance.connection-pooling): what outlives a call and what does
not, both ways, at exact lines, with messages, labels and coverage."""

from __future__ import annotations

from ttaprod.models import Finding, ItemResult, Report

from ..helpers import found, run_check
from ..helpers import item as item_of

CODES = ("TTP311", "TTP312", "TTP313")
ITEM = "performance.connection-pooling"


def _report(project, src: str, path: str = "app/svc.py", codes: tuple[str, ...] = CODES) -> Report:
    return run_check(project({path: src}), select=codes)


def findings(project, src: str, path: str = "app/svc.py") -> list[Finding]:
    return found(_report(project, src, path), CODES)


def rows(project, src: str, path: str = "app/svc.py") -> list[tuple[int, str, str]]:
    return [(f.line, f.rule, f.severity.value) for f in findings(project, src, path)]


def item(project, src: str, path: str = "app/svc.py") -> ItemResult:
    return item_of(_report(project, src, path), ITEM)


def test_handlers_build_per_request_even_when_they_loop(project) -> None:
    src = """
    import aiohttp
    import httpx
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/one")
    async def one(city: str) -> dict:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get("https://api.example.com", params={"q": city})).json()

    @app.post("/many")
    async def many(urls: list[str]) -> int:
        async with aiohttp.ClientSession() as session:
            for url in urls:
                await session.head(url)
        return len(urls)
    """
    found = findings(project, src)
    assert [(f.line, f.rule, f.severity.value) for f in found] == [
        (9, "TTP311", "medium"),
        (14, "TTP311", "medium"),
    ]
    assert found[0].message == (
        "httpx.AsyncClient() builds a new client on every request to one() and drops it after, "
        "so its connection pool is never reused (a new TCP and TLS handshake each time)."
    )
    assert found[0].fix is not None and "lifespan" in found[0].fix


def test_helpers_inline_use_aliases_and_sdk_clients(project) -> None:
    src = """
    import requests as r
    from anthropic import AsyncAnthropic
    from openai import OpenAI

    async def ask(prompt):
        client = AsyncAnthropic(timeout=30.0)
        return await client.messages.create(model="claude-3-5-haiku", max_tokens=9, messages=[])

    def embed(text):
        return OpenAI(timeout=30.0).embeddings.create(model="text-embedding-3-small", input=text)

    def ping(url):
        return r.Session().get(url, timeout=3).status_code

    def twice(a, b):
        with r.Session() as s:
            return s.get(a, timeout=3), s.get(b, timeout=3)
    """
    assert rows(project, src) == [
        (6, "TTP311", "medium"),
        (10, "TTP311", "medium"),
        (13, "TTP311", "medium"),
        (16, "TTP311", "medium"),
    ]


def test_kept_returned_cached_once_and_batch_are_covered(project) -> None:
    src = """
    import functools
    import sys
    from contextlib import asynccontextmanager

    import boto3
    import httpx
    import requests
    from fastapi import FastAPI

    s3 = boto3.client("s3")
    _clients = {}

    class Service:
        http = httpx.Client(timeout=5)

        def __init__(self):
            self.client = httpx.AsyncClient(timeout=5)
            self.pipeline = build(httpx.AsyncClient(timeout=5))

    def build(client):
        return client

    @asynccontextmanager
    async def lifespan(app):
        async with httpx.AsyncClient(timeout=5) as client:
            app.state.http = client
            yield

    @asynccontextmanager
    async def http_client():
        async with httpx.AsyncClient(timeout=5) as client:
            yield client

    def register(name):
        _clients[name] = requests.Session()

    _default = None

    def default_client():
        global _default
        _default = httpx.Client(timeout=5)

    def make_session(token):
        session = requests.Session()
        session.headers["Authorization"] = token
        return session

    @functools.lru_cache
    def cached_client():
        return httpx.Client(timeout=5)

    def fetch_all(urls):
        with requests.Session() as session:
            return [session.get(u, timeout=5).content for u in urls]

    def check(url):
        return httpx.Client(timeout=5).get(url).status_code

    def main():
        with requests.Session() as session:
            session.get("https://status.example.com", timeout=5)

    app = FastAPI(lifespan=lifespan)

    @app.on_event("startup")
    async def warm():
        await httpx.AsyncClient(timeout=5).get("https://config.example.com")

    if __name__ == "__main__":
        check(sys.argv[1])
        main()
    """
    assert rows(project, src) == []
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("pass", 14, 14)
    assert [(e.line, e.note) for e in result.evidence] == [
        (10, "built once at module level"),
        (14, "built once at class level"),
        (17, "kept on self.client"),
        (18, "kept on self.pipeline"),
        (25, "kept on app.state.http"),
    ]  # the first five (tally.MAX_EVIDENCE)


def test_labels_say_why_a_construction_is_covered(project) -> None:
    src = """
    import functools
    import requests

    class Store:
        def __init__(self):
            self.session = requests.Session()

    def make():
        return requests.Session()

    @functools.lru_cache
    def shared():
        return requests.Session()

    def batch(urls):
        with requests.Session() as s:
            for u in urls:
                s.get(u, timeout=5)

    def main():
        requests.Session().get("https://x.example.com", timeout=5)
    """
    result = item(project, src)
    assert (result.covered, result.total) == (5, 5)
    assert [(e.line, e.note) for e in result.evidence] == [
        (6, "kept on self.session"),
        (9, "returned by the factory make()"),
        (13, "cached by @lru_cache on shared()"),
        (16, "reused for a batch of calls in batch()"),
        (21, "built once in main()"),
    ]


def test_per_request_dependencies_and_generators(project) -> None:
    src = """
    from typing import Annotated

    import httpx
    from fastapi import Depends, FastAPI

    app = FastAPI()

    def get_client():
        return httpx.Client(timeout=5)

    async def get_async_client():
        async with httpx.AsyncClient(timeout=5) as client:
            yield client

    def plain_generator():
        with httpx.Client(timeout=5) as client:
            yield client

    @app.get("/a")
    async def a(client: Annotated[httpx.AsyncClient, Depends(get_async_client)]) -> int:
        return 1

    @app.get("/b")
    def b(client=Depends(get_client)) -> int:
        return 1
    """
    found = findings(project, src)
    assert [(f.line, f.rule) for f in found] == [(9, "TTP311"), (12, "TTP311"), (16, "TTP311")]
    assert "on every request (in the dependency get_client())" in found[0].message
    assert "each time plain_generator() is used" in found[2].message


def test_engines_per_call_and_factories(project) -> None:
    src = """
    from functools import lru_cache

    import sqlalchemy as sa
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import create_async_engine

    app = FastAPI()
    engine = sa.create_engine("postgresql://app@db/app")

    @app.get("/n")
    async def n() -> int:
        e = create_async_engine("postgresql+asyncpg://app@db/app")
        async with e.connect() as conn:
            return (await conn.execute(sa.text("select 1"))).scalar_one()

    def count() -> int:
        with sa.create_engine("postgresql://app@db/app").connect() as conn:
            return conn.execute(sa.text("select 1")).scalar_one()

    def engine_for(url):
        return sa.create_engine(url, pool_pre_ping=True)

    @lru_cache
    def cached():
        return sa.create_engine("postgresql://app@db/app")

    def create_app():
        app = FastAPI()
        app.state.engine = sa.create_engine("postgresql://app@db/app")
        return app
    """
    found = findings(project, src)
    assert [(f.line, f.rule, f.severity.value) for f in found] == [
        (12, "TTP312", "medium"),
        (17, "TTP312", "medium"),
    ]
    assert found[0].message == (
        "create_async_engine() builds a new SQLAlchemy engine and connection pool on every "
        "request to n(): connections are never reused and every engine holds its own pool."
    )
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("fail", 4, 6)


def test_connections_factories_are_per_use_and_batches_are_fine(project) -> None:
    src = """
    from contextlib import contextmanager

    import asyncpg
    import psycopg
    import psycopg2
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/u")
    async def u() -> int:
        conn = await asyncpg.connect("postgresql://app@db/app")
        return await conn.fetchval("select 1")

    @contextmanager
    def connection():
        conn = psycopg2.connect("dbname=app")
        yield conn

    def connect():
        return psycopg2.connect("dbname=app")

    def export(rows):
        with psycopg.connect("dbname=app") as conn:
            for row in rows:
                conn.execute("insert into t values (%s)", row)

    class Repo:
        def __init__(self):
            self.conn = psycopg.connect("dbname=app")

    @app.on_event("startup")
    async def startup():
        app.state.conn = await asyncpg.connect("postgresql://app@db/app")
    """
    found = findings(project, src)
    assert [(f.line, f.rule) for f in found] == [(12, "TTP313"), (17, "TTP313"), (21, "TTP313")]
    assert found[0].message == (
        "asyncpg.connect() opens a new database connection on every request to u() instead of "
        "borrowing one from a pool."
    )
    assert found[1].message.startswith(
        "psycopg2.connect() opens a new database connection each time connection() is used"
    )


def test_not_pooled_or_not_resolved_are_not_sites(project) -> None:
    src = """
    import sqlite3
    import urllib.request

    from mylib import Session

    def a():
        Session().get("https://x")
        sqlite3.connect("cache.db")
        urllib.request.build_opener().open("https://x", timeout=5)
    """
    assert rows(project, src) == []
    assert item(project, src).status.value == "skip"


def test_test_files_are_skipped_and_suppression_covers(project) -> None:
    src = """
    import httpx

    def once(url):
        return httpx.Client(timeout=5).get(url)  # ttaprod: ignore[TTP311]
    """
    assert rows(project, src, "tests/test_svc.py") == []
    assert rows(project, src) == []
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("pass", 1, 1)


def test_cli_commands_are_once(project) -> None:
    src = """
    import click
    import httpx
    import typer

    cli = typer.Typer()

    @cli.command()
    def sync() -> None:
        with httpx.Client(timeout=5) as client:
            client.get("https://x.example.com")

    @click.command()
    def push() -> None:
        httpx.Client(timeout=5).post("https://x.example.com")
    """
    assert rows(project, src) == []


def test_helpers_only_called_from_code_that_runs_once(project) -> None:
    src = """
    import sys

    import requests
    from fastapi import FastAPI

    app = FastAPI()

    def download(url):
        with requests.Session() as s:
            return s.get(url, timeout=5).content

    def prepare(url):
        return download(url)

    def refresh(url):
        with requests.Session() as s:
            return s.get(url, timeout=5).content

    @app.get("/refresh")
    def refresh_endpoint(url: str) -> int:
        return len(refresh(url))

    def main() -> int:
        prepare(sys.argv[1])
        return len(refresh(sys.argv[1]))

    SCHEMA = download("https://schemas.example.com/v1.json")
    """
    # download() runs at import and from prepare() (only called from main()): once;
    # refresh() is also called from a request handler: per call
    assert rows(project, src) == [(16, "TTP311", "medium")]
    result = item(project, src)
    assert [(e.line, e.note) for e in result.evidence] == [
        (9, "built once (only called from import and prepare())"),
    ]
