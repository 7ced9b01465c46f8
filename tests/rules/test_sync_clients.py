"""TTP301 knows the widely used synchronous SDKs, API clients and drivers (issue 9), each one row
of rules/knowledge/outbound.toml, and a team's own synchronous code declared in
`[tool.ttaprod]` (`sync-clients`, `sync-calls`): reported inside `async def`, quiet when awaited
or offloaded to a thread, and judged by no rule their category does not call for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod import config
from ttaprod.analysis.targets import libraries
from ttaprod.config import ConfigError

from ..helpers import found, run_check

SDKS = """
import asyncio

import paramiko
import pika
import stripe
from cassandra.cluster import Session
from google import genai
from neo4j import GraphDatabase
from pymongo import MongoClient
from pymongo.collection import Collection
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from twilio.rest import Client

slack = WebClient(token=TOKEN)
async_slack = AsyncWebClient(token=TOKEN)
sms = Client(SID, TOKEN)
gemini = genai.Client()
mongo = MongoClient(MONGO_URL)
graph = GraphDatabase.driver(NEO4J_URL, auth=AUTH)


async def checkout(customer_id: str, orders: Collection, cql: Session) -> None:
    stripe.PaymentIntent.create(amount=1999, currency="eur", customer=customer_id)
    slack.chat_postMessage(channel="#sales", text="new order")
    sms.messages.create(to="+15550100", from_="+15550101", body="thanks")
    orders.insert_one({"customer": customer_id})
    mongo.shop.orders.find_one({"customer": customer_id})
    cql.execute("SELECT * FROM carts WHERE id = %s", (customer_id,))
    graph.execute_query("MATCH (c:Customer {id: $id}) RETURN c", id=customer_id)
    gemini.models.generate_content(model="gemini-2.0-flash", contents="thank-you note")
    pika.BlockingConnection(pika.ConnectionParameters("rabbit"))
    paramiko.SSHClient().exec_command("sync-ledger")


async def done_right(customer_id: str, orders: Collection) -> None:
    await asyncio.to_thread(stripe.PaymentIntent.create, amount=1999, currency="eur")
    await asyncio.to_thread(orders.insert_one, {"customer": customer_id})
    await async_slack.chat_postMessage(channel="#sales", text="new order")
    await gemini.aio.models.generate_content(model="gemini-2.0-flash", contents="note")
    await asyncio.to_thread(lambda: sms.messages.create(to="+15550100", body="thanks"))
"""


def test_widely_used_sync_sdks_block_in_async_def_not_when_awaited_or_offloaded(project) -> None:
    report = run_check(project({"shop/checkout.py": SDKS}), preview=True)  # TTP301 in preview
    assert [(f.line, f.rule, f.severity.value, f.message) for f in report.findings] == [
        (
            line,
            "TTP301",
            "high",
            f"{what} blocks the event loop inside `async def checkout`",
        )
        for line, what in [
            (24, "`stripe.PaymentIntent.create()`"),
            (25, "`slack.chat_postMessage()` (slack_sdk.WebClient is synchronous)"),
            (26, "`sms.messages.create()` (twilio.rest.Client is synchronous)"),
            (27, "`orders.insert_one()` (pymongo.collection.Collection is synchronous)"),
            (28, "`mongo.shop.orders.find_one()` (pymongo.MongoClient is synchronous)"),
            (29, "`cql.execute()` (cassandra.cluster.Session is synchronous)"),
            (30, "`graph.execute_query()` (neo4j.GraphDatabase.driver is synchronous)"),
            (31, "`gemini.models.generate_content()` (google.genai.Client is synchronous)"),
            (32, "`pika.BlockingConnection()`"),
            (33, "`paramiko.SSHClient().exec_command()` (paramiko.SSHClient is synchronous)"),
        ]
    ]  # and nothing else: a driver or an SDK row gets no timeout or retry finding
    assert report.findings[0].fix == (
        "run the call with `await asyncio.to_thread(...)`, or use the SDK's async methods "
        "where your version has them"
    )


def test_at_least_forty_synchronous_api_clients_each_with_its_sources() -> None:
    blocking = [lib for lib in libraries() if "blocking" in lib]
    clients = [lib for lib in blocking if lib["category"] not in ("sleep", "process", "file")]
    assert len(clients) >= 40
    for lib in blocking:
        assert lib["async_source"].startswith("https://"), lib["id"]
        for group in ("calls", "clients", "objects"):
            for entry in lib.get(group, ()):
                assert entry["source"].startswith("https://"), (lib["id"], entry["names"])


def test_rows_of_outbound_categories_that_only_block_are_not_judged_for_timeouts() -> None:
    """Stripe, Twilio, Slack, the cloud SDKs…: their defaults are not modelled, so the rows list
    objects and blocking calls only (a client or a request would make TTP101/TTP102 judge them)."""
    modelled = {
        "requests", "httpx", "aiohttp", "urllib", "socket", "smtplib", "ftplib", "http.client",
        "openai", "anthropic", "botocore", "urllib3",
    }  # fmt: skip
    for lib in libraries():
        if lib["category"] in ("http", "llm", "cloud", "transport") and lib["id"] not in modelled:
            kinds = {call["kind"] for call in lib.get("calls", ())}
            assert not lib.get("clients") and kinds <= {"blocking"}, lib["id"]


DECLARED = """
import asyncio

import legacy_sdk
from ourcorp.billing import Client

billing = Client()


class AuditedClient(Client):
    pass


async def invoice(account: str, audited: AuditedClient) -> None:
    billing.charge(account, 100)
    legacy_sdk.fetch(account)
    audited.refund(account)
    audited._trace(account)
    await asyncio.to_thread(billing.charge, account, 100)
    await asyncio.to_thread(legacy_sdk.fetch, account)
"""
CONFIG = """
[tool.ttaprod]
sync-clients = ["ourcorp.billing.Client"]
sync-calls = ["legacy_sdk.fetch"]
"""


def test_a_team_declares_its_own_sync_clients_and_functions(project) -> None:
    root = project({"pyproject.toml": CONFIG, "billing/invoices.py": DECLARED})
    report = run_check(root, select=("TTP301",))
    assert [(f.line, f.message) for f in found(report, ["TTP301"])] == [
        (14, "`billing.charge()` (ourcorp.billing.Client is synchronous) blocks the event loop "
         "inside `async def invoice`"),
        (15, "`legacy_sdk.fetch()` blocks the event loop inside `async def invoice`"),
        (16, "`audited.refund()` (ourcorp.billing.Client is synchronous) blocks the event loop "
         "inside `async def invoice`"),
    ]  # fmt: skip
    assert report.findings[0].fix == (
        "declared synchronous in [tool.ttaprod]: run it with `await asyncio.to_thread(...)` or "
        "use an async client"
    )
    (root / "pyproject.toml").write_text("[tool.ttaprod]\n", encoding="utf-8")
    assert found(run_check(root, select=("TTP301",)), ["TTP301"]) == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"sync-clients": "ourcorp.billing.Client"},
            "'sync-clients' must be a list of strings, not str 'ourcorp.billing.Client'",
        ),
        (
            {"sync-clients": ["Client"]},
            "'sync-clients' must list qualified names like 'ourcorp.billing.Client', not 'Client'",
        ),
        (
            {"sync-calls": ["legacy_sdk.fetch()"]},
            "'sync-calls' must list qualified names like 'legacy_sdk.fetch', "
            "not 'legacy_sdk.fetch()'",
        ),
    ],
)
def test_bad_sync_client_settings_are_one_clear_error(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config.from_table(table, Path("pyproject.toml"))
    assert str(raised.value) == f"pyproject.toml: [tool.ttaprod] {message}"


def test_sync_client_settings_are_typed_and_deduplicated() -> None:
    loaded = config.from_table(
        {"sync-clients": ["a.B", "a.B", "c.d.E"], "sync-calls": ["f.g"]}, None
    )
    assert loaded.sync_clients == ("a.B", "c.d.E")
    assert loaded.sync_calls == ("f.g",)


SESSIONS = """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

app = FastAPI()
engine = create_engine(DATABASE_URL)


@app.get("/items")
async def items(db: Session = Depends(get_db)) -> list:
    db.add(Item())
    db.commit()
    return db.query(Item).all()


@app.get("/count")
async def count() -> int:
    with Session(engine) as session:
        return session.execute(select(Item)).scalar_one()


@app.get("/async")
async def async_items(db: AsyncSession = Depends(get_async_db)) -> list:
    await db.commit()
    return (await db.execute(select(Item))).scalars().all()


@app.get("/sync")
def sync_items(db: Session = Depends(get_db)) -> list:
    return db.query(Item).all()
"""


def test_a_sync_sqlalchemy_session_blocks_in_async_def_an_async_one_does_not(project) -> None:
    """The corpus's main recall gap (17 of 27 missed blocking calls): ORM sessions, not only
    engines. `add()` does no I/O; an AsyncSession is awaited; a plain `def` route runs in the
    thread pool."""
    report = run_check(project({"shop/items.py": SESSIONS}), select=("TTP301",))
    session = "(sqlalchemy.orm.Session is synchronous) blocks the event loop inside `async def"
    assert [(f.line, f.message) for f in report.findings] == [
        (13, f"`db.commit()` {session} items`"),
        (14, f"`db.query()` {session} items`"),
        (20, f"`session.execute()` {session} count`"),
    ]


SESSION_FACTORIES = """
from fastapi import FastAPI, Request
from fastapi_sqlalchemy import db
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import scoped_session, sessionmaker

app = FastAPI()
engine = create_engine(DATABASE_URL)
SessionLocal = sessionmaker(bind=engine)
flask_db = SQLAlchemy()


@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    if "tenant" not in inspect(engine).get_schema_names():
        return None
    request.state.db = scoped_session(sessionmaker(bind=engine))()
    response = await call_next(request)
    request.state.db.commit()
    return response


@app.get("/users")
async def users() -> list:
    with SessionLocal() as session:
        rows = session.execute(QUERY).all()
    first = db.session.query(User).first()
    flask_db.session.commit()
    return [rows, first]


@app.get("/fine")
async def fine(request: Request) -> list:
    session = SessionLocal()  # sessions connect lazily: building one does no I/O
    session.add(User())
    state = inspect(user).attrs  # the state of an ORM object, not the database
    request.state.user = "x"
    request.state.user.upper()
    return [session, state]
"""


def test_sessions_from_factories_and_flask_and_fastapi_extensions_block(project) -> None:
    """The sessions the corpus's coroutines really use: a sessionmaker's and a scoped session's
    (kept on `request.state.db`), Flask-SQLAlchemy's `db.session`, fastapi-sqlalchemy's global
    `db`, and an Inspector; building a session, `add()` and an object's inspection do no I/O."""
    report = run_check(project({"api/main.py": SESSION_FACTORIES}), select=("TTP301",))
    inside = "blocks the event loop inside `async def"
    assert [(f.line, f.message) for f in report.findings] == [
        (
            15,
            f"`inspect(engine).get_schema_names()` (sqlalchemy.inspect is synchronous) {inside}"
            " db_session_middleware`",
        ),
        (
            19,
            "`request.state.db.commit()` (what sqlalchemy.orm.scoped_session() returns is"
            f" synchronous) {inside} db_session_middleware`",
        ),
        (
            26,
            "`session.execute()` (what sqlalchemy.orm.sessionmaker() returns is synchronous)"
            f" {inside} users`",
        ),
        (
            27,
            f"`db.session.query()` (fastapi_sqlalchemy.db.session is synchronous) {inside} users`",
        ),
        (
            28,
            f"`flask_db.session.commit()` (flask_sqlalchemy.SQLAlchemy is synchronous) {inside}"
            " users`",
        ),
    ]


RESPONSES_AND_PATHS = """
import http.client
from pathlib import Path

from gtts import gTTS


async def token(code: str, root: str) -> bytes:
    conn = http.client.HTTPSConnection("api.example.com", timeout=10)
    conn.request("POST", "/oauth/token", code)
    res = conn.getresponse()
    body = res.read()
    page = Path(root) / "README.md"
    text = page.read_text(encoding="utf-8")
    gTTS(text).save("/tmp/readme.mp3")
    return body


async def only_values(root: str) -> str:
    page = Path(root) / "README.md"  # a path is a value: nothing is read yet
    return page.name
"""


def test_what_a_client_method_returns_and_a_joined_path_are_followed(project) -> None:
    report = run_check(project({"api/oauth.py": RESPONSES_AND_PATHS}), select=("TTP301",))
    assert [(f.line, f.message.split(" blocks")[0]) for f in report.findings] == [
        (8, "`http.client.HTTPSConnection()`"),
        (9, "`conn.request()` (http.client.HTTPSConnection is synchronous)"),
        (10, "`conn.getresponse()` (http.client.HTTPSConnection is synchronous)"),
        (
            11,
            "`res.read()` (what http.client.HTTPSConnection.getresponse() returns is synchronous)",
        ),
        (13, "`page.read_text()` (pathlib.Path is synchronous)"),
        (14, '`gTTS(text).save()` (gtts.gTTS is synchronous)'),
    ]


SESSION_MODULE = """
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()


def refetch_db_session(organization: str) -> Session:
    return SessionLocal()


def tenant_name(organization: str) -> str:
    return organization.lower()
"""

SLACK_ENDPOINT = """
from chat.database import refetch_db_session, tenant_name


def request_handler(organization: str) -> list:
    session = refetch_db_session(organization)
    return session.query(Plugin).all()


async def slack_events(organization: str) -> list:
    name = tenant_name(organization)
    return [name, request_handler(organization)]
"""


@pytest.mark.parametrize("root", ["", "backend/"])
def test_a_session_handed_out_by_an_annotated_function_in_another_module_blocks(
    project, root: str
) -> None:
    """`def refetch_db_session(...) -> Session` in one module, its session queried by a sync
    helper of another, which a coroutine calls: found through the helper, whether the package
    sits at the top or under a source root other than `src/` (imported as `chat.…`)."""
    files = {
        f"{root}chat/__init__.py": "",
        f"{root}chat/database.py": SESSION_MODULE,
        f"{root}chat/endpoints.py": SLACK_ENDPOINT,
    }
    report = run_check(project(files), select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            f"{root}chat/endpoints.py",
            11,
            "`request_handler()` blocks the event loop inside `async def slack_events`: it calls"
            " `session.query()` (sqlalchemy.orm.Session is synchronous)"
            f" ({root}chat/endpoints.py:6).",
        )
    ]
    assert [step[1:] for step in report.findings[0].trace] == [
        (11, "slack_events() calls request_handler()"),
        (6, "`session.query()` (sqlalchemy.orm.Session is synchronous) blocks"),
    ]


def test_a_package_under_a_source_root_is_its_import_name_tests_keep_theirs() -> None:
    from ttaprod.engine.task import module_aliases, unalias

    aliases = module_aliases(
        [
            "backend/chainlit/__init__.py",
            "backend/chainlit/config.py",
            "src/app/__init__.py",
            "src/app/api.py",
            "tests/fixtures/requests/__init__.py",
            "main.py",
        ]
    )
    assert aliases == {"chainlit": "backend.chainlit", "chainlit.config": "backend.chainlit.config"}
    assert unalias("chainlit.config.Config.load", aliases) == "backend.chainlit.config.Config.load"
    assert unalias("requests.get", aliases) == "requests.get"


def test_a_call_chained_over_several_lines_is_named_on_one_line(project) -> None:
    source = """
    import requests


    async def handler(session: requests.Session) -> None:
        (session
            .get("https://example.com", timeout=5))
    """
    report = run_check(project({"api/x.py": source}), select=("TTP301",))
    assert [f.message for f in report.findings] == [
        "`session.get()` (requests.Session is synchronous) blocks the event loop inside"
        " `async def handler`"
    ]


GENERATED_SESSION = """
from collections.abc import Generator

from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()


def generate_session() -> Generator[Session, None, None]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def settings() -> dict:
    return {}
"""

CURRENT_USER = """
from fastapi import Depends

from app.db import generate_session, settings


async def current_user(token: str, session=Depends(generate_session), config=Depends(settings)):
    session.commit()
    return config.get(token)
"""


def test_a_session_injected_by_depends_into_an_untyped_parameter_blocks(project) -> None:
    """`session=Depends(generate_session)`, the dependency in another module yielding a sync
    Session: FastAPI passes the session. `config=Depends(settings)` is a plain dict."""
    root = project(
        {"app/__init__.py": "", "app/db.py": GENERATED_SESSION, "app/deps.py": CURRENT_USER}
    )
    report = run_check(root, select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "app/deps.py",
            7,
            "`session.commit()` (sqlalchemy.orm.Session is synchronous) blocks the event loop"
            " inside `async def current_user`",
        )
    ]
