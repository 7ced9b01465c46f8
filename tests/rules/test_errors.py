"""TTP101 http-call-without-timeout, TTP102 external-call-without-retry, TTP103
tta-primitive-invalid-arguments, TTP104 timeout-cannot-interrupt-sync-code: the tricky cases,
both ways, at exact lines, severities and messages."""

from __future__ import annotations

from ttaprod.models import Finding, Report

from ..helpers import coverage as coverage_of
from ..helpers import found, run_check

Row = tuple[int, str, str]  # line, rule, severity
CODES = ("TTP101", "TTP102", "TTP103", "TTP104")


def _report(project, src: str, codes: tuple[str, ...], path: str) -> Report:
    return run_check(project({path: src}), select=codes)


def findings(project, src: str, *codes: str, path: str = "app/svc.py") -> list[Finding]:
    codes = codes or CODES
    return found(_report(project, src, codes, path), codes)


def rows(project, src: str, *codes: str, path: str = "app/svc.py") -> list[Row]:
    return [(f.line, f.rule, f.severity.value) for f in findings(project, src, *codes, path=path)]


def coverage(project, src: str, item: str, *codes: str) -> tuple[int, int]:
    return coverage_of(_report(project, src, codes or CODES, "app/svc.py"), item)


# --- TTP101: what goes out, resolved through names ---------------------------------------------
def test_requests_through_aliases_sessions_and_self(project) -> None:
    src = """
    import requests as r
    from requests import Session, get as fetch

    class Billing:
        def __init__(self):
            self.session = Session()

        def charge(self, amount):
            return self.session.post("https://pay.example.com", json={"amount": amount})

    def ping(url):
        fetch(url)
        r.Session().get(url)
        with r.Session() as s:
            s.request("GET", url, None, None, None, None, None, None, 5)
            s.head(url, timeout=None)
    """
    found = findings(project, src, "TTP101")
    assert [(f.line, f.severity.value) for f in found] == [
        (9, "high"),
        (12, "high"),
        (13, "high"),
        (16, "high"),
    ]
    assert found[0].message == (
        "self.session.post() has no timeout and requests waits forever by default."
    )
    assert found[1].message == "fetch() has no timeout and requests waits forever by default."
    assert found[3].message == (
        "s.head() passes timeout=None, which turns the timeout off, so it can hang forever."
    )
    assert found[0].fix == "pass timeout=(connect, read) in seconds, e.g. timeout=(3.05, 30)"


def test_typed_parameters_judge_by_library_default(project) -> None:
    src = """
    import aiohttp
    import httpx
    import requests
    from openai import AsyncOpenAI

    async def handler(s: requests.Session, h: httpx.AsyncClient, a: aiohttp.ClientSession,
                      llm: AsyncOpenAI, url: str):
        s.get(url)
        await h.get(url)
        await a.get(url)
        await llm.chat.completions.create(model="m", messages=[])
    """
    assert rows(project, src, "TTP101") == [(8, "TTP101", "high")]
    assert coverage(project, src, "errors.timeout", "TTP101") == (3, 4)


def test_stdlib_connections_and_positional_timeouts(project) -> None:
    src = """
    import ftplib
    import http.client
    import smtplib
    import socket
    import urllib.request
    from http import client as hc

    def probe(host):
        urllib.request.urlopen("https://x.example.com")
        urllib.request.urlopen("https://x.example.com", None, 10)
        socket.create_connection((host, 443))
        socket.create_connection((host, 443), 3)
        smtplib.SMTP(host, 25, None, 10)
        smtplib.SMTP_SSL(host)
        ftplib.FTP(host)
        http.client.HTTPConnection(host, 80, 5)
        hc.HTTPSConnection(host)
    """
    assert rows(project, src, "TTP101") == [
        (9, "TTP101", "high"),
        (11, "TTP101", "high"),
        (14, "TTP101", "high"),
        (15, "TTP101", "high"),
        (17, "TTP101", "high"),
    ]
    # raw transports are not API calls: no retry verdict, only urlopen counts for errors.retry
    assert rows(project, src, "TTP102") == [(9, "TTP102", "medium"), (10, "TTP102", "medium")]
    assert coverage(project, src, "errors.retry", "TTP102") == (0, 2)
    assert coverage(project, src, "errors.timeout", "TTP101") == (4, 9)


def test_httpx_default_is_fine_but_none_is_reported_once_on_the_client(project) -> None:
    src = """
    import httpx

    def status(url):
        return httpx.get(url).status_code

    def off(url):
        return httpx.post(url, timeout=None)

    async def crawl(urls):
        async with httpx.AsyncClient(timeout=None) as client:
            for url in urls:
                await client.get(url)
            await client.post("https://hooks.example.com/done", timeout=5)
            await client.put("https://hooks.example.com/done")
    """
    found = findings(project, src, "TTP101")
    assert [(f.line, f.severity.value) for f in found] == [(7, "high"), (10, "high")]
    assert found[1].message == (
        "httpx.AsyncClient(timeout=None) turns off httpx's default timeout of 5 s for every "
        "request made with it."
    )
    # five calls: the default, the explicit None, two relying on the client, one overriding it
    assert coverage(project, src, "errors.timeout", "TTP101") == (2, 5)


def test_suppressing_the_client_finding_covers_its_calls(project) -> None:
    src = """
    import httpx

    async def crawl(urls):
        async with httpx.AsyncClient(timeout=None) as client:  # ttaprod: ignore[TTP101]
            for url in urls:
                await client.get(url)
    """
    assert rows(project, src, "TTP101") == []
    assert coverage(project, src, "errors.timeout", "TTP101") == (1, 1)


def test_aiohttp_default_is_low_and_reported_on_the_session(project) -> None:
    src = """
    import aiohttp

    async def fetch(url):
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.text()

    async def bounded(url):
        async with aiohttp.ClientSession() as session:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                return await response.text()

    class Store:
        def __init__(self):
            self.session = aiohttp.ClientSession()
    """
    found = findings(project, src, "TTP101")
    assert [(f.line, f.severity.value) for f in found] == [(4, "low"), (15, "low")]
    assert found[0].message == (
        "aiohttp.ClientSession() is built without a timeout, so its requests rely on aiohttp's "
        "default total timeout of 300 s."
    )


def test_sdk_clients_default_timeout_is_info_and_covered(project) -> None:
    src = """
    import openai
    from anthropic import AsyncAnthropic
    from openai import OpenAI

    client = OpenAI()
    claude = AsyncAnthropic(timeout=None)
    quick = OpenAI()

    def summarise(text):
        return client.chat.completions.create(model="m", messages=[])

    async def classify(text):
        await claude.with_options(timeout=10).messages.create(model="m", max_tokens=5, messages=[])
        return await claude.messages.create(model="m", max_tokens=5, messages=[])

    def legacy(text):
        quick.with_options(timeout=5.0).embeddings.create(model="e", input=text)
        return openai.embeddings.create(model="e", input=text)
    """
    found = findings(project, src, "TTP101")
    assert [(f.line, f.severity.value) for f in found] == [
        (5, "info"),
        (6, "high"),
        (18, "info"),
    ]
    assert found[0].message == (
        "OpenAI() is built without a timeout, so its requests rely on the OpenAI SDK's default "
        "timeout of 600 s."
    )
    assert found[2].message == (
        "openai.embeddings.create() has no timeout, so it relies on the OpenAI SDK's default "
        "timeout of 600 s."
    )
    # info findings do not uncover their sites; the anthropic call through timeout=None does
    assert coverage(project, src, "errors.timeout", "TTP101") == (4, 5)


# --- TTP101: timeouts applied from outside --------------------------------------------------
def test_asyncio_timeouts_count_only_for_awaitable_calls(project) -> None:
    src = """
    import asyncio

    import httpx
    import requests

    async def a(client: httpx.AsyncClient, url):
        async with asyncio.timeout(5):
            await client.get(url, timeout=None)
            requests.get(url)
        await asyncio.wait_for(client.get(url, timeout=None), 5)
        await asyncio.wait_for(asyncio.to_thread(requests.get, url), timeout=5)
        await asyncio.wait_for(client.get(url, timeout=None), timeout=None)
        await asyncio.to_thread(requests.get, url)
    """
    found = findings(project, src, "TTP101")
    assert [f.line for f in found] == [9, 12, 13]
    assert found[0].message == (
        "requests.get() has no timeout and requests waits forever by default; asyncio.timeout "
        "cannot interrupt this blocking call."
    )


def test_a_function_bounded_at_every_call_site(project) -> None:
    src = """
    import asyncio
    import anyio
    import aiohttp

    TIMEOUT = aiohttp.ClientTimeout(total=60)

    async def _get(session: aiohttp.ClientSession, url):
        async with session.get(url, timeout=None) as r:
            return await r.text()

    async def _inner(session, url):
        return await _get(session, url)

    async def _leaky(session: aiohttp.ClientSession, url):
        async with session.post(url, timeout=None) as r:
            return r.status

    async def main(urls):
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            with anyio.fail_after(10):
                await _inner(session, urls[0])
            await asyncio.wait_for(_inner(session, urls[1]), 5)
            await asyncio.wait_for(_leaky(session, urls[0]), 5)
            await _leaky(session, urls[1])
    """
    assert rows(project, src, "TTP101") == [(15, "TTP101", "high")]


def test_timeout_primitive_around_a_primitive_class_or_async_function(project) -> None:
    src = """
    import httpx
    import requests
    from ttadev.primitives import LambdaPrimitive, TimeoutPrimitive, WorkflowPrimitive

    class Retrieve(WorkflowPrimitive):
        def __init__(self, client: httpx.AsyncClient):
            self.client = client

        async def execute(self, query, context):
            return await self._post(query)

        async def _post(self, query):
            return await self.client.post("/search", json={"q": query}, timeout=None)

    async def lookup(data, context):
        async with httpx.AsyncClient(timeout=None) as c:
            return await c.get("/x")

    def blocking(data, context):
        return requests.get("https://x.example.com")

    search = TimeoutPrimitive(Retrieve(httpx.AsyncClient()), timeout_seconds=5.0)
    step = TimeoutPrimitive(LambdaPrimitive(lookup), timeout_seconds=5.0)
    broken = TimeoutPrimitive(LambdaPrimitive(blocking), timeout_seconds=5.0)
    """
    assert rows(project, src, "TTP101", "TTP104") == [
        (20, "TTP101", "high"),
        (24, "TTP104", "high"),
    ]


def test_session_subclass_and_mounted_adapter_defaults(project) -> None:
    src = """
    import requests
    from requests.adapters import HTTPAdapter

    class TimeoutSession(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", 10)
            return super().request(method, url, **kwargs)

    class TimeoutAdapter(HTTPAdapter):
        def __init__(self, *args, timeout=10, **kwargs):
            self.timeout = timeout
            super().__init__(*args, **kwargs)

    class PlainSession(requests.Session):
        pass

    def a(url):
        return TimeoutSession().get(url)

    def b(url):
        s = requests.Session()
        s.mount("https://", TimeoutAdapter(max_retries=3))
        return s.get(url)

    def c(url):
        s = requests.Session()
        s.mount("https://", HTTPAdapter(max_retries=3))
        return s.get(url), PlainSession().get(url)
    """
    assert rows(project, src) == [
        (18, "TTP102", "medium"),
        (28, "TTP101", "high"),
        (28, "TTP101", "high"),
        (28, "TTP102", "medium"),
    ]


def test_clients_returned_by_local_factories_and_properties(project) -> None:
    src = """
    import httpx
    import requests

    def make_session() -> requests.Session:
        session = requests.Session()
        session.headers["User-Agent"] = "worker/1.0"
        return session

    def make_client():
        return httpx.Client(timeout=None)

    class Api:
        @property
        def http(self) -> requests.Session:
            return make_session()

        def get(self, url):
            return self.http.get(url)

    def download(url):
        make_client().get(url)
        return make_session().get(url, timeout=5)
    """
    assert rows(project, src, "TTP101") == [(10, "TTP101", "high"), (18, "TTP101", "high")]


def test_kwargs_and_test_files_are_not_guessed_at(project) -> None:
    src = """
    import requests

    def get(url, **kwargs):
        return requests.get(url, **kwargs)
    """
    assert rows(project, src, "TTP101") == []
    test = "import requests\n\nrequests.get('https://x')\n"
    assert rows(project, test, "TTP101", path="tests/test_x.py") == []


# --- TTP102 ---------------------------------------------------------------------------------
def test_retry_decorators_resolved_by_import(project) -> None:
    src = """
    import backoff
    import httpx
    import requests
    import stamina
    import tenacity
    from tenacity import retry as again
    from ttadev.primitives.recovery import RetryConfig, with_retry

    @again
    def a(url):
        return requests.get(url, timeout=5)

    @tenacity.retry(stop=tenacity.stop_after_attempt(3))
    def b(url):
        return requests.get(url, timeout=5)

    @stamina.retry(on=httpx.HTTPError, attempts=3)
    def c(url):
        return httpx.get(url)

    @backoff.on_exception(backoff.expo, requests.RequestException)
    def d(url):
        return requests.get(url, timeout=5)

    @with_retry(RetryConfig(max_retries=3))
    def e(url):
        return requests.get(url, timeout=5)

    @with_retry(max_retries=3)
    def f(url):
        return requests.get(url, timeout=5)

    def retry(fn):
        return fn

    @retry
    def g(url):
        return requests.get(url, timeout=5)
    """
    assert rows(project, src, "TTP102", "TTP103") == [
        (29, "TTP103", "high"),
        (31, "TTP102", "medium"),
        (38, "TTP102", "medium"),
    ]


def test_retry_loops_hand_written_and_library(project) -> None:
    src = """
    import logging
    import time

    import requests
    import stamina
    from tenacity import Retrying, stop_after_attempt

    def a(url):
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.RequestException:
                time.sleep(2 ** attempt)

    def b(url):
        while True:
            try:
                return requests.get(url, timeout=5)
            except requests.ConnectionError:
                continue

    def c(url):
        for attempt in Retrying(stop=stop_after_attempt(3)):
            with attempt:
                return requests.get(url, timeout=5)

    def d(url):
        for attempt in stamina.retry_context(on=requests.RequestException):
            with attempt:
                requests.get(url, timeout=5)

    def e(urls):
        for url in urls:
            try:
                requests.get(url, timeout=5)
            except requests.RequestException:
                logging.exception("failed")

    def f(url):
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.RequestException:
                raise

    def g(url):
        for attempt in range(3):
            try:
                pass
            except requests.RequestException:
                continue
            requests.get(url, timeout=5)
    """
    found = findings(project, src, "TTP102")
    assert [f.line for f in found] == [35, 42, 52]
    assert found[0].message == (
        "requests.get() is not retried: no retry decorator, retrying client or retry loop "
        "covers it in this module."
    )


def test_client_retry_settings(project) -> None:
    src = """
    import boto3
    import httpx
    import requests
    from anthropic import AsyncAnthropic
    from openai import OpenAI
    from requests.adapters import HTTPAdapter
    from urllib3 import Retry

    s = requests.Session()
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=3)))
    off = requests.Session()
    off.mount("https://", HTTPAdapter(max_retries=Retry(total=0)))
    transport = httpx.HTTPTransport(retries=2)
    h = httpx.Client(transport=transport)
    llm = OpenAI(timeout=10.0)
    claude = AsyncAnthropic(timeout=10.0, max_retries=0)
    s3 = boto3.client("s3")

    async def go(url):
        s.get(url, timeout=5)
        off.get(url, timeout=5)
        h.get(url)
        llm.models.list()
        llm.with_options(max_retries=0).models.list()
        await claude.messages.create(model="m", max_tokens=5, messages=[])
        s3.list_buckets()
    """
    found = findings(project, src, "TTP102")
    assert [f.line for f in found] == [21, 24, 25]
    assert found[2].message == (
        "claude.messages.create() is not retried: its client sets max_retries=0 and nothing in "
        "this module retries the call."
    )
    assert coverage(project, src, "errors.retry", "TTP102") == (4, 7)


def test_retry_primitive_and_callers_protect_what_they_wrap(project) -> None:
    src = """
    import httpx
    from tenacity import retry
    from ttadev.primitives import LambdaPrimitive, RetryPrimitive, RetryStrategy, WorkflowPrimitive

    class Fetch(WorkflowPrimitive):
        async def execute(self, url, context):
            async with httpx.AsyncClient() as c:
                return await c.get(url)

    class Broken(WorkflowPrimitive):
        async def execute(self, url, context):
            async with httpx.AsyncClient() as c:
                return await c.get(url)

    class Disabled(WorkflowPrimitive):
        async def execute(self, url, context):
            async with httpx.AsyncClient() as c:
                return await c.get(url)

    async def _lookup(data, context):
        async with httpx.AsyncClient() as c:
            return await c.get("/lookup")

    async def _get(url):
        async with httpx.AsyncClient() as c:
            return await c.get(url)

    @retry
    async def get_with_retry(url):
        return await _get(url)

    fetch = RetryPrimitive(Fetch(), strategy=RetryStrategy(max_retries=2))
    broken = RetryPrimitive(Broken(), max_retries=3)
    disabled = RetryPrimitive(Disabled(), RetryStrategy(max_retries=0))
    lookup = RetryPrimitive(LambdaPrimitive(_lookup))
    """
    assert rows(project, src, "TTP102", "TTP103") == [
        (13, "TTP102", "medium"),
        (18, "TTP102", "medium"),
        (33, "TTP103", "high"),
    ]


# --- TTP103 / TTP104 ------------------------------------------------------------------------
def test_invalid_arguments_messages(project) -> None:
    src = """
    from ttadev.primitives import CachePrimitive, FallbackPrimitive, RetryPrimitive
    from ttadev.primitives import TimeoutPrimitive
    from tta_dev_primitives.performance import CachePrimitive as OldCache

    def build(p, q, key):
        RetryPrimitive(p, max_retries=3)
        TimeoutPrimitive(seconds=30)
        FallbackPrimitive(primary=p, fallbacks=[q])
        CachePrimitive(p, key, 60.0, None)
        OldCache(p, key, 60.0, None)
        RetryPrimitive(p, None, primitive=q)
    """
    found = findings(project, src, "TTP103")
    assert [(f.line, f.checklist_item) for f in found] == [
        (6, "errors.retry"),
        (7, "errors.timeout"),
        (8, "errors.fallback"),
        (10, "performance.cache"),
        (11, "errors.retry"),
    ]
    assert [f.message for f in found] == [
        "RetryPrimitive() takes no argument max_retries= (its parameters: primitive, strategy), "
        "so building it raises TypeError.",
        "TimeoutPrimitive() takes no argument seconds= (its parameters: primitive, "
        "timeout_seconds, fallback, track_timeouts), and is missing the required arguments "
        "primitive, timeout_seconds, so building it raises TypeError.",
        "FallbackPrimitive() takes no argument fallbacks= (its parameters: primary, fallback), "
        "and is missing the required argument fallback, so building it raises TypeError.",
        "OldCache() takes 3 positional arguments but 4 are given, so building it raises TypeError.",
        "RetryPrimitive() gets primitive twice, so building it raises TypeError.",
    ]
    assert found[0].fix == (
        "use the real signature: RetryPrimitive(primitive, strategy=RetryStrategy(max_retries=3))"
    )


def test_timeout_cannot_interrupt_and_bare_functions(project) -> None:
    src = """
    from functools import partial
    from ttadev.primitives import (
        CachePrimitive, LambdaPrimitive, RetryPrimitive, SequentialPrimitive, TimeoutPrimitive,
    )

    def parse(data, context):
        return data

    async def fetch(data, context):
        return data

    a = TimeoutPrimitive(SequentialPrimitive([LambdaPrimitive(fetch), LambdaPrimitive(parse)]), 2.0)
    b = TimeoutPrimitive(LambdaPrimitive(lambda data, context: data), timeout_seconds=2.0)
    c = TimeoutPrimitive(LambdaPrimitive(partial(parse, context=None)), timeout_seconds=2.0)
    d = RetryPrimitive(fetch)
    e = CachePrimitive(parse, cache_key_fn=str)
    f = RetryPrimitive(LambdaPrimitive(parse))
    g = TimeoutPrimitive(LambdaPrimitive(fetch), timeout_seconds=2.0)
    """
    found = findings(project, src, "TTP104")
    assert [(f.line, f.checklist_item) for f in found] == [
        (12, "errors.timeout"),
        (13, "errors.timeout"),
        (14, "errors.timeout"),
        (15, "errors.retry"),
        (16, "performance.cache"),
    ]
    assert found[0].message == (
        "TimeoutPrimitive cannot interrupt the sync code it wraps (parse() through "
        "LambdaPrimitive): asyncio.wait_for only fires when the event loop is free."
    )
    assert found[3].message == (
        "RetryPrimitive is given the plain function fetch(), which has no execute(), so the "
        "workflow fails the first time it runs."
    )


def test_only_tta_dev_imports_are_checked(project) -> None:
    src = """
    from myapp.resilience import RetryPrimitive, TimeoutPrimitive

    def fetch(data, context):
        return data

    w = RetryPrimitive(TimeoutPrimitive(fetch, seconds=30), max_retries=3)
    """
    assert rows(project, src, "TTP103", "TTP104") == []


def test_evidence_labels_and_wrappers_that_cannot_run_what_they_wrap(project) -> None:
    src = """
    import asyncio

    import requests
    from tta_dev_primitives import RetryPrimitive

    def record(data, context):
        return requests.post("https://x.example.com/usage", json=data, timeout=5)

    usage = RetryPrimitive(record)

    def _sync_fetch(url):
        return requests.get(url)

    async def go(url):
        s = requests.Session()
        s.get(url, timeout=(3.05, 30))
        await asyncio.wait_for(_sync(url), 5)

    async def _sync(url):
        return _sync_fetch(url)
    """
    found = findings(project, src, "TTP101", "TTP102")
    assert [(f.line, f.rule) for f in found] == [
        (7, "TTP102"),
        (12, "TTP101"),
        (12, "TTP102"),
        (16, "TTP102"),
    ]
    assert found[1].message == (
        "requests.get() has no timeout and requests waits forever by default; the timeout at "
        "every call site cannot interrupt this blocking call."
    )
    report = _report(project, src, ("TTP101",), "app/svc.py")
    timeout = next(r for r in report.checklist if r.id == "errors.timeout")
    assert [e.note for e in timeout.evidence] == ["timeout=5", "timeout=(3.05, 30)"]


def test_timeout_objects_built_from_none_turn_the_timeout_off(project) -> None:
    src = """
    import aiohttp
    import httpx

    async def go(url):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
            async with s.get(url, timeout=aiohttp.ClientTimeout(total=None)) as r:
                return await r.text()

    client = httpx.Client(timeout=httpx.Timeout(None))
    """
    found = findings(project, src, "TTP101")
    assert [(f.line, f.message) for f in found] == [
        (
            6,
            "s.get() passes timeout=aiohttp.ClientTimeout(total=None), which turns the timeout "
            "off, so it can hang forever.",
        ),
        (
            9,
            "httpx.Client(timeout=httpx.Timeout(None)) turns off httpx's default timeout of 5 s "
            "for every request made with it.",
        ),
    ]


def test_retry_objects_built_once_and_local_retry_helpers(project) -> None:
    src = """
    import time

    import requests
    import stamina
    from tenacity import Retrying, retry, stop_after_attempt

    api_retry = retry(stop=stop_after_attempt(3))
    retryer = Retrying(stop=stop_after_attempt(3))

    def with_retries(fn, *args, attempts=3):
        for attempt in range(attempts):
            try:
                return fn(*args)
            except requests.RequestException:
                time.sleep(attempt)

    def run_once(fn, *args):
        return fn(*args)

    @api_retry
    def a(url):
        return requests.get(url, timeout=5)

    def b(url):
        return requests.get(url, timeout=5)

    def c(url):
        return requests.get(url, timeout=5)

    def d(url):
        return requests.get(url, timeout=5)

    def e(url):
        return requests.get(url, timeout=5)

    def main(url):
        retryer(b, url)
        with_retries(c, url)
        stamina.RetryingCaller(attempts=3)(requests.RequestException, d, url)
        run_once(e, url)
    """
    found = findings(project, src, "TTP102")
    assert [f.line for f in found] == [34]
    report = _report(project, src, ("TTP102",), "app/svc.py")
    retry_item = next(r for r in report.checklist if r.id == "errors.retry")
    assert (retry_item.covered, retry_item.total) == (4, 5)
    assert [e.note for e in retry_item.evidence] == [
        "tenacity @retry",
        "tenacity Retrying",
        "with_retries() retries it",
        "stamina.RetryingCaller",
    ]
