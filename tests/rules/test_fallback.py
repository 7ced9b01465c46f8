"""TTP110 llm-call-without-fallback (errors.fallback): what is an LLM call, what gives it a
degraded path in its module, and fallbacks in other modules (the project check)."""

from __future__ import annotations

from ttaprod.models import Report

from ..helpers import coverage as coverage_of
from ..helpers import item as item_of
from ..helpers import rows as rows_of
from ..helpers import run_check

Row = tuple[str, int, str, str]


def _run(project, files: dict[str, str]) -> Report:
    return run_check(project(files), select=("TTP110",))


def check(project, files: dict[str, str]) -> list[Row]:
    return rows_of(_run(project, files), ("TTP",))


def coverage(report: Report) -> tuple[int, int, str]:
    return (
        *coverage_of(report, "errors.fallback"),
        item_of(report, "errors.fallback").status.value,
    )


def test_generation_calls_are_sites_embeddings_are_not(project) -> None:
    src = """
    import anthropic
    import openai
    from openai import AsyncOpenAI as Client

    client = Client(timeout=30.0)
    claude = anthropic.Anthropic(timeout=30.0)


    async def run(text: str) -> None:
        await client.embeddings.create(model="text-embedding-3-small", input=text)
        await client.moderations.create(input=text)
        await client.chat.completions.create(model="gpt-4o", messages=[])
        await client.with_options(timeout=5).responses.create(model="gpt-4o", input=text)
        await client.beta.chat.completions.parse(model="gpt-4o", messages=[])
        claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=10, messages=[])
        claude.models.list()
        openai.chat.completions.create(model="gpt-4o", messages=[])
    """
    report = _run(project, {"app/llm.py": src})
    assert sorted((f.line, f.severity.value) for f in report.findings) == [
        (12, "medium"),
        (13, "medium"),
        (14, "medium"),
        (15, "medium"),
        (17, "medium"),
    ]
    message = next(f.message for f in report.findings if f.line == 15)
    assert "`claude.messages.create` (Anthropic)" in message and "has no fallback" in message
    assert coverage(report) == (0, 5, "fail")


def test_except_that_answers_covers_except_that_fails_does_not(project) -> None:
    src = """
    import logging

    from openai import OpenAI

    log = logging.getLogger(__name__)
    client = OpenAI(timeout=30.0)
    CACHE: dict[str, str] = {}


    def a(q: str) -> str:
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            log.warning("llm_failed", exc_info=True)
            return CACHE.get(q, "Please try again later.")


    def b(q: str) -> str | None:
        try:
            return client.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            log.exception("llm_failed")
            return None


    def c(q: str) -> str:
        try:
            answer = client.chat.completions.create(model="gpt-4o", messages=[])
        except TimeoutError:
            answer = CACHE[q]
        except Exception:
            raise
        return answer


    def d(q: str) -> str:
        try:
            answer = client.chat.completions.create(model="gpt-4o", messages=[])
        except Exception:
            log.exception("llm_failed")
            answer = CACHE.get(q)
            raise
        return answer


    def e(q: str) -> str:
        try: return client.chat.completions.create(model="gpt-4o", messages=[])
        except Exception: return "busy"
    """
    assert check(project, {"app/llm.py": src}) == [
        ("app/llm.py", 20, "TTP110", "medium"),
        ("app/llm.py", 38, "TTP110", "medium"),
    ]


def test_in_module_callers_protect_every_call_or_none(project) -> None:
    src = """
    from openai import OpenAI

    client = OpenAI(timeout=30.0)


    def _ask(q: str) -> str:
        return client.chat.completions.create(model="gpt-4o", messages=[])


    def _ask_twice(q: str) -> str:
        return client.chat.completions.create(model="gpt-4o-mini", messages=[])


    class Assistant:
        def _draft(self, q: str) -> str:
            return client.chat.completions.create(model="gpt-4o", messages=[])

        def answer(self, q: str) -> str:
            try:
                return self._draft(q)
            except Exception:
                return "busy"


    def answer(q: str) -> str:
        try:
            return _ask(q)
        except Exception:
            return "busy"


    def both(q: str) -> str:
        try:
            first = _ask_twice(q)
        except Exception:
            first = "busy"
        return first + _ask_twice(q)
    """
    assert check(project, {"app/llm.py": src}) == [("app/llm.py", 11, "TTP110", "medium")]


def test_fallback_primitive_primary_covers_fallback_is_last_resort(project) -> None:
    src = """
    from openai import AsyncOpenAI
    from ttadev.primitives import FallbackPrimitive, LambdaPrimitive, TimeoutPrimitive
    from ttadev.primitives import LambdaPrimitive as Lp, WorkflowPrimitive

    client = AsyncOpenAI(timeout=30.0)


    class Big(WorkflowPrimitive):
        async def execute(self, data, context):
            return await client.chat.completions.create(model="gpt-4o", messages=data)


    async def small(data, context):
        return await client.chat.completions.create(model="gpt-4o-mini", messages=data)


    async def tiny(data, context):
        return await client.chat.completions.create(model="gpt-3.5-turbo", messages=data)


    async def canned(data, context):
        return {"answer": "busy"}


    step = TimeoutPrimitive(Big(), timeout_seconds=30)
    chain = FallbackPrimitive(step >> Lp(canned), FallbackPrimitive(Lp(small), Lp(canned)))
    last = FallbackPrimitive(LambdaPrimitive(canned), LambdaPrimitive(tiny))
    """
    report = _run(project, {"app/flow.py": src})
    assert [(f.line, f.rule) for f in report.findings] == [(18, "TTP110")]
    assert "only the last fallback of a FallbackPrimitive" in report.findings[0].message
    assert coverage(report)[:2] == (2, 3)


def test_fallback_primitive_built_wrong_or_from_elsewhere_protects_nothing(project) -> None:
    src = """
    from openai import AsyncOpenAI
    from ttadev.primitives import FallbackPrimitive as TtaFallback, LambdaPrimitive
    from mylib import FallbackPrimitive

    client = AsyncOpenAI(timeout=30.0)


    async def a(data, context):
        return await client.chat.completions.create(model="gpt-4o", messages=data)


    async def b(data, context):
        return await client.chat.completions.create(model="gpt-4o", messages=data)


    wrong = TtaFallback(primary=LambdaPrimitive(a), fallbacks=[])
    other = FallbackPrimitive(LambdaPrimitive(b), LambdaPrimitive(a))
    """
    assert [r[1] for r in check(project, {"app/flow.py": src})] == [9, 13]


def test_litellm_routers_primitives_and_decorators(project) -> None:
    src = """
    import litellm
    from litellm import Router
    from tenacity import retry
    from ttadev.primitives import FallbackPrimitive, LambdaPrimitive
    from ttadev.primitives.llm import LiteLLMPrimitive, make_resilient_llm
    from ttadev.primitives.recovery import with_retry_async

    one = Router(model_list=[{"model_name": "a"}])
    two = Router(model_list=[{"model_name": "a"}, {"model_name": "b"}])
    safe = Router(model_list=[{"model_name": "a"}], fallbacks=[{"a": ["b"]}])


    def typed(router: Router) -> None:
        router.completion(model="a", messages=[])


    async def calls(messages) -> None:
        litellm.completion(model="gpt-4o", messages=messages)
        litellm.completion(model="gpt-4o", messages=messages, fallbacks=["claude-3-5-haiku-latest"])
        litellm.completion(model="gpt-4o", messages=messages, fallbacks=None)
        await one.acompletion(model="a", messages=messages)
        await two.acompletion(model="a", messages=messages)
        await safe.acompletion(model="a", messages=messages)
        one.get_model_list()


    plain = LiteLLMPrimitive("gpt-4o")
    chained = LiteLLMPrimitive("gpt-4o", fallbacks=["claude-3-5-haiku-latest"])
    resilient = make_resilient_llm("gpt-4o", litellm_fallbacks=["gpt-4o-mini"])
    covered = LiteLLMPrimitive("gpt-4o-mini")
    workflow = FallbackPrimitive(covered, LambdaPrimitive(lambda data, ctx: {"answer": "busy"}))


    @retry(retry_error_callback=lambda state: None)
    def decorated(messages):
        return litellm.completion(model="gpt-4o", messages=messages)


    @with_retry_async(None, fallback=lambda *a: {"answer": "busy"})
    async def decorated_tta(messages):
        return await litellm.acompletion(model="gpt-4o", messages=messages)
    """
    report = _run(project, {"app/llm.py": src})
    assert [f.line for f in report.findings] == [18, 20, 21, 27]
    assert coverage(report)[:2] == (9, 13)


def test_a_fallback_in_another_module_covers_the_call(project) -> None:
    llm = """
    from anthropic import AsyncAnthropic
    from openai import AsyncOpenAI


    class Clients:
        def __init__(self) -> None:
            self.openai = AsyncOpenAI(timeout=30.0)
            self.claude = AsyncAnthropic(timeout=30.0)

        async def gpt(self, q: str) -> str:
            return await self._gpt(q)

        async def _gpt(self, q: str) -> str:
            response = await self.openai.chat.completions.create(model="gpt-4o", messages=[])
            return response.choices[0].message.content

        async def claude(self, q: str) -> str:
            message = await self.claude.messages.create(model="claude", max_tokens=9, messages=[])
            return message.content[0].text


    async def summary(q: str) -> str:
        response = await AsyncOpenAI().chat.completions.create(model="gpt-4o", messages=[])
        return response.choices[0].message.content
    """
    flow = """
    from ttadev.primitives import FallbackPrimitive, WorkflowPrimitive

    from app.llm import Clients, summary


    class Gpt(WorkflowPrimitive):
        def __init__(self, clients: Clients) -> None:
            self.clients = clients

        async def execute(self, data, context):
            return await self.clients.gpt(data)


    class Canned(WorkflowPrimitive):
        async def execute(self, data, context):
            return "busy"


    def build(clients: Clients) -> FallbackPrimitive:
        return FallbackPrimitive(Gpt(clients), Canned())


    async def digest(q: str) -> str:
        try:
            return await summary(q)
        except Exception:
            return q[:200]
    """
    report = _run(project, {"app/llm.py": llm, "app/flow.py": flow})
    assert [(f.path, f.line) for f in report.findings] == [("app/llm.py", 18)]
    result = next(r for r in report.checklist if r.id == "errors.fallback")
    assert (result.covered, result.total) == (2, 3)
    assert {e.note for e in result.evidence} == {
        "fallback in app/flow.py:11",
        "fallback in app/flow.py:25",
    }
    # without the module that falls back, both calls are reported
    alone = _run(project, {"app/llm.py": llm, "app/flow.py": "x = 1\n"})
    assert [f.line for f in alone.findings] == [14, 18, 23]


def test_suppression_and_test_modules(project) -> None:
    src = """
    from openai import OpenAI

    client = OpenAI(timeout=30.0)


    def answer(q: str) -> str:
        return client.chat.completions.create(model="m", messages=[])  # ttaprod: ignore[TTP110]
    """
    test = """
    from openai import OpenAI


    def test_answer():
        OpenAI().chat.completions.create(model="gpt-4o", messages=[])
    """
    report = _run(project, {"app/llm.py": src, "tests/test_llm.py": test})
    assert report.findings == ()
    assert coverage(report) == (1, 1, "pass")


def test_per_file_ignores_and_severity_overrides_apply_to_project_findings(project) -> None:
    config = """
    [tool.ttaprod]
    per-file-ignores = { "app/legacy/**" = ["TTP110"] }
    [tool.ttaprod.severity]
    TTP110 = "low"
    """
    src = """
    from openai import OpenAI

    client = OpenAI(timeout=30.0)


    def answer(q: str) -> str:
        return client.chat.completions.create(model="m", messages=[])
    """
    files = {"pyproject.toml": config, "app/llm.py": src, "app/legacy/llm.py": src}
    report = _run(project, files)
    assert [(f.path, f.line, f.severity.value) for f in report.findings] == [
        ("app/llm.py", 7, "low")
    ]
    assert coverage(report) == (0, 1, "fail")


def test_handlers_that_answer_in_every_shape(project) -> None:
    """Tuple targets in a longer try, degraded state, a reply to the user, a retry loop that
    gives up with an answer; and their near misses: logging then returning None, a None with
    no give-up answer."""
    src = """
    import logging

    from openai import AsyncOpenAI

    log = logging.getLogger(__name__)
    client = AsyncOpenAI(timeout=30.0)


    async def act(messages):
        try:
            response = await client.chat.completions.create(model="m", messages=messages)
            log.debug("got %s", response.id)
            text, actions = response.choices[0].message.content, []
        except Exception as e:
            log.error("grounding failed: %s", e)
            text, actions = f"**Error**: {e}", []
        return text, actions


    class History:
        async def trim(self, chat_id):
            try:
                summary = await client.chat.completions.create(model="m", messages=self.h[chat_id])
                self.h[chat_id] = [summary]
            except Exception:
                self.h[chat_id] = self.h[chat_id][-10:]


    async def reply(update, prompt):
        try:
            answer = await client.chat.completions.create(model="m", messages=prompt)
            await update.message.reply_text(answer)
        except Exception:
            log.exception("chat failed")
            await update.message.reply_text("Something went wrong, please try again later.")


    async def predict(messages):
        prediction = None
        tries = 3
        while prediction is None:
            if tries <= 0:
                return "client error\\nFAIL", []
            try:
                response = await client.chat.completions.create(model="m", messages=messages)
                prediction = response.choices[0].message.content
            except Exception:
                prediction = None
                tries -= 1
        return prediction, []


    async def logs_only(messages):
        try:
            response = await client.chat.completions.create(model="m", messages=messages)
        except Exception:
            log.exception("failed")
            return None
        return response


    async def retries_forever(messages):
        prediction = None
        while prediction is None:
            try:
                response = await client.chat.completions.create(model="m", messages=messages)
                prediction = response.choices[0].message.content
            except Exception:
                prediction = None
        return prediction
    """
    assert [r[1] for r in check(project, {"app/agent.py": src})] == [55, 66]


def test_callers_that_answer_through_callbacks_plugins_and_source_roots(project) -> None:
    """A callback defined in the caller's try, a plugin found at run time and called by a
    specific method name, and a module imported from a deeper source root (`from llm_helper
    import …` in bot/): the caller's answer covers the call. A generic method name does not."""
    helper = """
    from openai import AsyncOpenAI


    class Helper:
        def __init__(self) -> None:
            self.client = AsyncOpenAI(timeout=30.0)

        async def get_chat_response(self, prompt):
            return await self.client.chat.completions.create(model="m", messages=prompt)

        async def chat_parse(self, prompt):
            return await self.client.chat.completions.create(model="m", messages=prompt)

        async def run(self, prompt):
            return await self.client.chat.completions.create(model="m", messages=prompt)
    """
    bot = """
    import logging

    from llm_helper import Helper


    class Bot:
        def __init__(self, helper: Helper) -> None:
            self.helper = helper

        async def prompt(self, update, wrap):
            try:
                async def _reply():
                    answer = await self.helper.get_chat_response(update.text)
                    await update.message.reply_text(answer)

                await wrap(_reply)
            except Exception:
                logging.exception("chat failed")
                await update.message.reply_text("Sorry, try again later.")

        async def summary(self, plugins, update):
            plugin = plugins.get_active("genai")
            try:
                return await plugin.instance.chat_parse(update.text)
            except Exception:
                return "summary not generated"

        async def run(self, plugins, update):
            plugin = plugins.get_active("genai")
            try:
                return await plugin.instance.run(update.text)
            except Exception:
                return "not run"
    """
    rows = check(project, {"bot/llm_helper.py": helper, "bot/bot.py": bot})
    assert rows == [("bot/llm_helper.py", 15, "TTP110", "medium")]
