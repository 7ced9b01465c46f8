"""TTP314 llm-call-without-cache (performance.cache): what caches a call, in its function, on a
caller of its module and across one module boundary, both ways, at exact lines."""

from __future__ import annotations

from ttaprod.models import Finding, ItemResult, Report

from ..helpers import advice_sites, found, run_check
from ..helpers import item as item_of

RULE = "TTP314"
ITEM = "performance.cache"


def _report(project, files: dict[str, str], **options: object) -> Report:
    options.setdefault("select", (RULE,))
    options.setdefault("preview", True)
    return run_check(project(files), **options)


def findings(project, files: dict[str, str]) -> list[Finding]:
    return found(_report(project, files), (RULE,))


def rows(project, files: dict[str, str]) -> list[tuple[str, int, str]]:
    """Every uncovered call, as the findings show them: the project's one advice finding
    lists the calls after its first (streamed calls are notes of their own)."""
    out = [
        (path, line, f.severity.value)
        for f in findings(project, files)
        for path, line in advice_sites(f)
    ]
    return sorted(out)


def item(project, files: dict[str, str], **options: object) -> ItemResult:
    return item_of(_report(project, files, **options), ITEM)


SDK_CALLS = """
from anthropic import AsyncAnthropic
import litellm
from openai import AsyncOpenAI, OpenAI

client = AsyncOpenAI(timeout=30.0)
claude = AsyncAnthropic(timeout=30.0)
router = litellm.Router(model_list=[])


async def embed(text):
    return await client.embeddings.create(model="text-embedding-3-small", input=text)


async def ask(q):
    return await client.with_options(timeout=5).chat.completions.create(model="gpt-4o", messages=[])


async def claude_ask(q):
    return await claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=9, messages=[])


def lite(q):
    return litellm.completion(model="gpt-4o-mini", messages=[])


async def routed(q):
    return await router.acompletion(model="fast", messages=[])


async def streamed(q):
    return await client.chat.completions.create(model="gpt-4o", messages=[], stream=True)


def not_llm():
    OpenAI(timeout=5).models.list()
"""


def test_every_provider_call_shape_is_a_site(project) -> None:
    found = findings(project, {"app/llm.py": SDK_CALLS})
    assert [(f.line, f.severity.value) for f in found] == [(11, "low"), (31, "info")]
    assert rows(project, {"app/llm.py": SDK_CALLS}) == [
        ("app/llm.py", line, severity)
        for line, severity in ((11, "low"), (15, "low"), (19, "low"), (23, "low"), (27, "low"))
    ] + [("app/llm.py", 31, "info")]
    # architecture advice: one finding for the project, at the first call, naming the others
    assert found[0].message == (
        "5 LLM or embedding calls have no cache on their path: reported once for the project. "
        "First here: `client.embeddings.create()` embeds text with OpenAI and no cache is on "
        "its path: the same text is embedded, and paid for, again on every call. Also at "
        "app/llm.py:15, app/llm.py:19, app/llm.py:23, app/llm.py:27."
    )


def test_local_caches(project) -> None:
    src = """
    import functools

    import cachetools
    import redis
    from aiocache import cached
    from openai import OpenAI

    client = OpenAI(timeout=30.0)
    r = redis.Redis()
    memo = cachetools.TTLCache(maxsize=100, ttl=60)

    @functools.lru_cache(maxsize=128)
    def a(q):
        return client.chat.completions.create(model="gpt-4o", messages=[])

    @cached(ttl=60)
    async def b(q):
        return client.embeddings.create(model="text-embedding-3-small", input=q)

    def c(q):
        if (hit := r.get(q)) is not None:
            return hit
        answer = client.chat.completions.create(model="gpt-4o", messages=[])
        r.set(q, answer)
        return answer

    def d(q):
        if q in memo:
            return memo[q]
        memo[q] = client.chat.completions.create(model="gpt-4o", messages=[])
        return memo[q]

    def e(q):
        return r.get(q) or client.chat.completions.create(model="gpt-4o", messages=[])

    def _inner(q):
        return client.chat.completions.create(model="gpt-4o", messages=[])

    @functools.cache
    def f(q):
        return _inner(q)
    """
    # e() only reads Redis: no cache
    assert rows(project, {"app/llm.py": src}) == [("app/llm.py", 34, "low")]
    result = item(project, {"app/llm.py": src})
    assert (result.covered, result.total) == (5, 6)
    assert [(e.line, e.note) for e in result.evidence] == [
        (14, "cached by @lru_cache on a()"),
        (18, "cached by @cached on b()"),
        (23, "cached by Redis get/set"),
        (30, "cached by memo"),
        (37, "cached by @cache on f()"),
    ]


def test_cache_primitive_needs_cache_key_fn(project) -> None:
    src = """
    from openai import AsyncOpenAI
    from ttadev.primitives import CachePrimitive, LambdaPrimitive, WorkflowPrimitive

    client = AsyncOpenAI(timeout=30.0)

    class Good(WorkflowPrimitive):
        async def _execute_impl(self, data, ctx):
            return await client.responses.create(model="gpt-4o", input=data)

    class Bad(WorkflowPrimitive):
        async def _execute_impl(self, data, ctx):
            return await client.responses.create(model="gpt-4o", input=data)

    async def step(data, ctx):
        return await client.responses.create(model="gpt-4o", input=data)

    good = CachePrimitive(Good() >> LambdaPrimitive(step), cache_key_fn=lambda d, c: d)
    bad = CachePrimitive(Bad(), ttl_seconds=60)
    """
    assert rows(project, {"app/flow.py": src}) == [("app/flow.py", 12, "low")]


def test_a_cache_in_another_module_covers_the_functions_it_calls(project) -> None:
    files = {
        "app/__init__.py": "",
        "app/llm.py": """
        from openai import AsyncOpenAI

        class Clients:
            def __init__(self) -> None:
                self.openai = AsyncOpenAI(timeout=30.0)

            async def complete(self, q: str) -> str:
                return await self._call(q)

            async def _call(self, q: str) -> str:
                return await self.openai.chat.completions.create(model="gpt-4o", messages=[])

            async def uncached(self, q: str) -> str:
                return await self.openai.embeddings.create(model="text-embedding-3-small", input=q)


        async def summarise(text: str) -> str:
            client = AsyncOpenAI(timeout=30.0)
            return await client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        "app/flow.py": """
        from ttadev.primitives import CachePrimitive, LambdaPrimitive, WorkflowPrimitive

        from app.llm import Clients, summarise

        class Answer(WorkflowPrimitive):
            def __init__(self, llm: Clients) -> None:
                self._llm = llm

            async def _execute_impl(self, data, ctx):
                return await self._llm.complete(data)

        def build(llm: Clients):
            return CachePrimitive(Answer(llm), cache_key_fn=lambda d, c: d, ttl_seconds=60)

        async def _summary(text):
            return await summarise(text)

        cached_summary = CachePrimitive(LambdaPrimitive(_summary), ttl_seconds=60)
        """,
    }
    assert rows(project, files) == [
        ("app/llm.py", 14, "low"),
        ("app/llm.py", 19, "low"),
    ]
    result = item(project, files)
    assert (result.covered, result.total) == (1, 3)
    assert result.evidence[0].note == (
        "cached by CachePrimitive(…, cache_key_fn=lambda d, c: d) (app/flow.py:13)"
    )


def test_litellm_global_cache_and_caching_keyword(project) -> None:
    src = """
    import litellm
    from litellm.caching.caching import Cache

    litellm.cache = Cache()

    def a(q):
        return litellm.completion(model="gpt-4o", messages=[])
    """
    other = """
    import litellm

    def b(q):
        return litellm.completion(model="gpt-4o", messages=[], caching=True)

    def c(q):
        return litellm.embedding(model="text-embedding-3-small", input=[q])
    """
    assert rows(project, {"app/other.py": other}) == [("app/other.py", 7, "low")]
    assert rows(project, {"app/setup.py": src, "app/other.py": other}) == []


def test_suppression_tests_partial_and_selection(project) -> None:
    src = """
    from openai import OpenAI

    client = OpenAI(timeout=30.0)

    def a(q):
        return client.chat.completions.create(model="gpt", messages=[])  # ttaprod: ignore[TTP314]

    def b(q):
        # ttaprod: ignore[TTP314]
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
    assert rows(project, {"app/llm.py": src}) == []
    result = item(project, {"app/llm.py": src})
    assert (result.status.value, result.covered, result.total) == ("pass", 2, 2)
    assert (
        rows(project, {"tests/test_llm.py": src.replace("  # ttaprod: ignore[TTP314]", "")}) == []
    )
    skipped = item(project, {"app/llm.py": src}, select=("TTP101",))
    assert skipped.status.value == "skip"
    ignored = item(project, {"app/llm.py": src}, select=("TTP314",), ignore=("TTP314",))
    assert ignored.status.value == "skip"


def test_response_caches_on_endpoints(project) -> None:
    src = """
    from fastapi import FastAPI
    from fastapi_cache.decorator import cache
    from flask import Flask
    from flask_caching import Cache
    from openai import OpenAI

    client = OpenAI(timeout=30.0)
    api = FastAPI()
    web = Flask(__name__)
    page_cache = Cache(web)

    @api.get("/faq")
    @cache(expire=600)
    def faq(q: str) -> str:
        return client.chat.completions.create(model="gpt-4o", messages=[]).id

    @web.get("/summary")
    @page_cache.cached(timeout=600)
    def summary():
        return client.chat.completions.create(model="gpt-4o", messages=[]).id

    @web.get("/fresh")
    def fresh():
        return client.chat.completions.create(model="gpt-4o", messages=[]).id
    """
    assert rows(project, {"app/web.py": src}) == [("app/web.py", 24, "low")]
