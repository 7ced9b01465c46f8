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
        send("https://a.example.com/y", json=x, timeout=5)


    def b(x) -> None:
        session.patch("https://b.example.com/x", json=x, timeout=5)
        r.request("DELETE", "https://b.example.com/y", timeout=5)


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
    assert message.startswith("heuristic: `b` makes 2 external writes")
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
        requests.post("https://c.example.com/events", json=item, timeout=5)
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
            await client.post("/hotels", json=data)
            await client.post("/flights", json=data)


    async def publish(data, context):
        await client.put("/docs/1", json=data)
        await client.post("/events", json=data)


    async def release(data, context):
        await client.put("/docs/2", json=data)
        await client.post("/events", json=data)


    async def tag(data, context):
        await client.put("/tags/1", json=data)
        await client.post("/events", json=data)


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
