"""TTP111 multi-write-without-compensation (errors.compensation), a heuristic: which calls
write, which functions are sites, and what compensates them."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from ttaprod.models import Report

from ..conftest import run_check


def _run(project, files: dict[str, str]) -> Report:
    root: Path = project({path: dedent(text).lstrip("\n") for path, text in files.items()})
    return run_check(root, select=("TTP111",))


def lines(project, src: str) -> list[int]:
    return [f.line for f in _run(project, {"app/svc.py": src}).findings]


def test_http_writes_through_aliases_sessions_clients_and_verbs(project) -> None:
    src = """
    import aiohttp
    import httpx
    import requests as r
    from requests import post as send

    session = r.Session()


    def a(x) -> None:
        r.put("https://a.example.com/x", json=x, timeout=5)
        send("https://b.example.com/y", json=x, timeout=5)


    def b(x) -> None:
        session.patch("https://b.example.com/x", json=x, timeout=5)
        r.request("DELETE", "https://c.example.com/y", timeout=5)


    async def c(x, client: httpx.AsyncClient) -> None:
        await client.post("/x", json=x)
        async with aiohttp.ClientSession() as s:
            await s.delete("/y")


    def reads(x) -> None:
        r.get("https://a.example.com/x", timeout=5)
        session.head("https://a.example.com/x", timeout=5)
        r.request("GET", "https://a.example.com/x", timeout=5)
        r.post("https://a.example.com/search", json=x, timeout=5)
    """
    report = _run(project, {"app/svc.py": src})
    assert [(f.line, f.rule, f.severity.value) for f in report.findings] == [
        (9, "TTP111", "medium"),
        (14, "TTP111", "medium"),
        (19, "TTP111", "medium"),
    ]
    message = report.findings[1].message
    assert message.startswith("heuristic: `b` makes 2 external writes to 2 systems")
    assert "`session.patch`" in message and "`r.request('DELETE')`" in message
    result = next(r for r in report.checklist if r.id == "errors.compensation")
    assert (result.covered, result.total, result.status.value) == (0, 3, "fail")


def test_sdk_database_and_queue_writes_and_helpers_counted_once(project) -> None:
    src = """
    import boto3
    import sqlite3
    from kafka import KafkaProducer
    from sqlalchemy.orm import Session

    s3 = boto3.client("s3")
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def save(db: Session, row) -> None:
        db.add(row)
        db.commit()


    def ingest(db: Session, key: str, body: bytes) -> None:
        s3.get_object(Bucket="b", Key=key)
        save(db, key)
        producer.send("ingested", key.encode())


    def archive(key: str) -> None:
        conn = sqlite3.connect("archive.db")
        conn.execute("INSERT INTO archive VALUES (?)", (key,))
        conn.commit()
        s3.delete_object(Bucket="b", Key=key)


    def one_helper(db: Session, row) -> None:
        save(db, row)
        s3.generate_presigned_url("get_object", Params={})
    """
    assert lines(project, src) == [15, 21]


def test_exclusive_branches_handlers_and_finally_do_not_add_up(project) -> None:
    src = """
    import requests


    def upsert(item, exists: bool) -> None:
        if exists:
            requests.put("https://c.example.com/items/1", json=item, timeout=5)
        elif item.new:
            requests.post("https://c.example.com/items", json=item, timeout=5)
        else:
            requests.delete("https://c.example.com/items/1", timeout=5)


    def notify(item) -> None:
        try:
            requests.post("https://c.example.com/events", json=item, timeout=5)
        except requests.RequestException:
            requests.post("https://c.example.com/dead-letters", json=item, timeout=5)
        finally:
            requests.post("https://c.example.com/audit", json=item, timeout=5)


    def both(item, exists: bool) -> None:
        if exists:
            requests.put("https://c.example.com/items/1", json=item, timeout=5)
        requests.post("https://events.example.com/events", json=item, timeout=5)
    """
    assert lines(project, src) == [22]


def test_compensating_handlers(project) -> None:
    src = """
    import requests


    def good(order) -> None:
        order_id = requests.post("https://o.example.com/orders", json=order, timeout=5).json()["id"]
        try:
            requests.post("https://p.example.com/charges", json=order, timeout=5)
        except requests.RequestException:
            _cancel_order(order_id)
            raise


    def rollback(db, order) -> None:
        requests.post("https://o.example.com/orders", json=order, timeout=5)
        try:
            requests.post("https://p.example.com/charges", json=order, timeout=5)
        except Exception:
            db.rollback()
            raise


    def only_first_guarded(order) -> None:
        try:
            requests.post("https://o.example.com/orders", json=order, timeout=5)
        except requests.RequestException:
            _cancel_order(order)
            raise
        requests.post("https://p.example.com/charges", json=order, timeout=5)


    def logs_only(order, log) -> None:
        requests.post("https://o.example.com/orders", json=order, timeout=5)
        try:
            requests.post("https://p.example.com/charges", json=order, timeout=5)
        except requests.RequestException:
            log.exception("charge failed")
            raise


    def _cancel_order(order_id) -> None:
        requests.delete(f"https://o.example.com/orders/{order_id}", timeout=5)
    """
    assert lines(project, src) == [22, 31]


def test_in_module_callers_that_compensate(project) -> None:
    src = """
    import requests


    def _book(trip) -> None:
        requests.post("https://h.example.com/bookings", json=trip, timeout=5)
        requests.post("https://f.example.com/bookings", json=trip, timeout=5)


    def _book_again(trip) -> None:
        requests.post("https://h.example.com/bookings", json=trip, timeout=5)
        requests.post("https://f.example.com/bookings", json=trip, timeout=5)


    def book(trip) -> None:
        try:
            _book(trip)
        except Exception:
            requests.delete("https://h.example.com/bookings/1", timeout=5)
            raise


    def book_twice(trip) -> None:
        _book_again(trip)
    """
    assert lines(project, src) == [9]


def test_saga_primitives_resolved_by_import(project) -> None:
    src = """
    import httpx
    from ttadev.primitives import CompensationPrimitive, LambdaPrimitive, WorkflowPrimitive
    from ttadev.primitives import SagaPrimitive as WrongSaga
    from ttadev.primitives.recovery import SagaPrimitive

    client = httpx.AsyncClient(timeout=10.0)


    class Book(WorkflowPrimitive):
        async def execute(self, data, context):
            await client.post("https://hotels.example.com/bookings", json=data)
            await client.post("https://flights.example.com/bookings", json=data)


    async def publish(data, context):
        await client.put("https://docs.example.com/docs/1", json=data)
        await client.post("https://events.example.com/events", json=data)


    async def release(data, context):
        await client.put("https://docs.example.com/docs/2", json=data)
        await client.post("https://events.example.com/events", json=data)


    async def tag(data, context):
        await client.put("https://docs.example.com/tags/1", json=data)
        await client.post("https://events.example.com/events", json=data)


    async def undo(data, context):
        await client.delete("/docs/1")


    undo_step = LambdaPrimitive(undo)
    trip = SagaPrimitive(Book(), undo_step)
    docs = CompensationPrimitive(forward=LambdaPrimitive(publish), compensation=undo_step)
    wrong = WrongSaga(LambdaPrimitive(release), LambdaPrimitive(undo))
    broken = SagaPrimitive(LambdaPrimitive(tag))
    """
    assert lines(project, src) == [20, 25]


def test_tests_and_suppressions(project) -> None:
    src = """
    import requests


    def sync(x) -> None:  # ttaprod: ignore[TTP111] independent notifications
        requests.post("https://a.example.com/x", json=x, timeout=5)
        requests.post("https://b.example.com/x", json=x, timeout=5)
    """
    test = """
    import requests


    def test_sync():
        requests.post("https://a.example.com/x", timeout=5)
        requests.post("https://b.example.com/x", timeout=5)
    """
    report = _run(project, {"app/svc.py": src, "tests/test_svc.py": test})
    assert report.findings == ()
    result = next(r for r in report.checklist if r.id == "errors.compensation")
    assert (result.covered, result.total) == (1, 1)


def test_writes_to_one_system_are_not_a_saga(project) -> None:
    """Two commits to one database, a create then a start on one API (through a helper on a
    class constant), several writes through one client or on one configured base URL: one
    system. A second system in the same function still makes it a saga."""
    settings = """
    ORDERS_API = "https://orders.internal.example.com"
    BILLING_API = "https://billing.example.com"
    """
    src = """
    import boto3
    import requests
    from kafka import KafkaProducer
    from sqlalchemy.orm import Session

    from app import settings
    from app.settings import ORDERS_API as API

    producer = KafkaProducer(bootstrap_servers="kafka:9092")
    s3 = boto3.client("s3")


    class Avatar:
        BASE_URL = "https://api.avatars.example.com/v1"

        def __init__(self, session: requests.Session) -> None:
            self.session = session

        def _request(self, path: str, params: dict, method: str = "POST"):
            url = f"{self.BASE_URL}{path}"
            return self.session.request(method, url, json=params, timeout=5)

        def _post(self, path: str, params: dict):
            url = f"{self.BASE_URL}{path}"
            return self.session.post(url, json=params, timeout=5)

        def new_session(self, params: dict):
            created = self._post("/streaming.new", params)
            self._start(created["id"])
            return created

        def _start(self, session_id: str):
            return self._post("/streaming.start", {"session_id": session_id})

        def new_session_and_store(self, params: dict):
            created = self._post("/streaming.new", params)
            s3.put_object(Bucket="sessions", Key=created["id"], Body=b"")


    def fix_data(db: Session) -> None:
        db.execute("UPDATE a SET x = 1")
        db.commit()
        db.execute("UPDATE b SET y = 2")
        db.commit()


    def dual_write(db: Session, event) -> None:
        db.add(event)
        db.commit()
        producer.send("events", event.key)


    def same_api(order) -> None:
        requests.post(f"{settings.ORDERS_API}/orders", json=order, timeout=5)
        requests.post(f"{API}/orders/{order.id}/lines", json=order.lines, timeout=5)


    def two_apis(order) -> None:
        requests.post(f"{settings.ORDERS_API}/orders", json=order, timeout=5)
        requests.post(f"{settings.BILLING_API}/charges", json=order, timeout=5)


    def uploads(keys) -> None:
        for key in keys:
            s3.put_object(Bucket="a", Key=key, Body=b"")
        s3.delete_object(Bucket="a", Key="index")
    """
    report = _run(project, {"app/settings.py": settings, "app/svc.py": src})
    assert [(f.line, f.rule) for f in report.findings] == [
        (35, "TTP111"),
        (47, "TTP111"),
        (58, "TTP111"),
    ]
    assert "2 systems" in report.findings[0].message


def test_reads_sent_as_posts_and_token_exchanges_are_not_writes(project) -> None:
    src = """
    import aiohttp
    import requests

    GRAPHQL = "https://api.example.com/graphql"


    def search_then_log(term, user) -> None:
        requests.post("https://search.example.com/v1/users/me/query", json={"q": term}, timeout=5)
        requests.post("https://es.example.com/index/_search", json={"q": term}, timeout=5)
        requests.post(GRAPHQL, json={"query": "query { me { id } }"}, timeout=5)


    async def refresh_then_search(refresh: str, term: str):
        async with aiohttp.ClientSession() as session:
            await session.post("https://auth.example.com/oauth/token", data={"refresh": refresh})
            await session.post("https://idp.example.com/connect", data={"grant_type": "refresh_token"})
            await session.post("https://api.example.com/v1/search", json={"q": term})


    def mutate_and_notify(item) -> None:
        requests.post(GRAPHQL, json={"query": "mutation { add(x: 1) { id } }"}, timeout=5)
        requests.post("https://hooks.example.com/notify", json=item, timeout=5)


    def order_and_pay(order) -> None:
        requests.post("https://api.example.com/v1/token", data=order, timeout=5)
        requests.post("https://orders.example.com/orders", json=order, timeout=5)
        requests.post("https://payments.example.com/charges", json=order, timeout=5)
    """
    assert lines(project, src) == [20, 25]


def test_a_resent_request_is_one_write(project) -> None:
    """A redirect followed by hand, a retry of the same request: one write. The same payload
    sent to two known systems is two."""
    src = """
    import requests


    def follow(url: str, payload: dict, headers: dict):
        response = requests.post(url, headers=headers, json=payload, allow_redirects=False)
        if response.status_code in (301, 302, 308):
            location = response.headers["Location"]
            response = requests.post(location, headers=headers, json=payload)
        return response


    def retried(url: str, payload: dict):
        response = requests.post(url, json=payload, timeout=5)
        if response.status_code == 429:
            response = requests.post(url, json=payload, timeout=10)
        return response


    def fan_out(payload: dict) -> None:
        requests.post("https://a.example.com/events", json=payload, timeout=5)
        requests.post("https://b.example.com/events", json=payload, timeout=5)


    def two_payloads(url: str, other: str, payload: dict) -> None:
        requests.post(url, json=payload, timeout=5)
        requests.post(other, json={"ok": True}, timeout=5)
    """
    assert lines(project, src) == [19, 24]


def test_match_arms_are_exclusive(project) -> None:
    src = """
    import requests


    def transition(previous, current, case) -> None:
        match (previous, current):
            case ("new", "escalated"):
                requests.post("https://pager.example.com/incidents", json=case, timeout=5)
            case ("triage", "escalated"):
                requests.post("https://tickets.example.com/issues", json=case, timeout=5)
            case _:
                requests.post("https://chat.example.com/messages", json=case, timeout=5)


    def transition_and_audit(status, case) -> None:
        match status:
            case "escalated":
                requests.post("https://pager.example.com/incidents", json=case, timeout=5)
            case _:
                pass
        requests.post("https://audit.example.com/records", json=case, timeout=5)
    """
    assert lines(project, src) == [14]


def test_systems_passed_to_helpers_and_urls_from_a_response(project) -> None:
    """Helpers that build their URL on a parameter write where the caller says; an URL read
    from an earlier write's response (a resumable upload's `X-Goog-Upload-URL`) is that
    system's."""
    src = """
    import aiohttp
    import requests


    class Publisher:
        def create_container(self, root: str, account: str, image: str):
            return requests.post(f"{root}{account}/media?image_url={image}", timeout=5)

        def publish(self, root: str, account: str, container: str):
            url = f"{root}{account}/media_publish?id={container}"
            return requests.post(url, timeout=5)

        def run(self, account: str, image: str) -> None:
            root = "https://graph.example.com/v17.0/"
            container = self.create_container(root, account, image).json()["id"]
            self.publish(root, account, container)

        def run_elsewhere(self, account: str, image: str) -> None:
            container = self.create_container("https://graph.example.com/", account, image)
            self.publish(root="https://mirror.example.com/", account=account, container="1")


    async def upload(data: bytes, metadata: dict) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post("https://files.example.com/upload?start=1", json=metadata) as response:
                upload_url = response.headers.get("X-Upload-URL")
            async with session.post(upload_url, data=data) as response:
                await response.json()


    async def upload_and_announce(data: bytes, hook: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post("https://files.example.com/upload", data=data) as response:
                await response.json()
            await session.post(hook, json={"uploaded": True})
    """
    assert lines(project, src) == [18, 31]
