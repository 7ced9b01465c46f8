"""TTP315 models-without-router (performance.routing): which models count, which routers count,
and the verdicts (pass with the router as evidence, skip for one model, warn with one finding)."""

from __future__ import annotations

from ttaprod.models import ItemResult, Report

from ..helpers import item as item_of
from ..helpers import rows as rows_of
from ..helpers import run_check

RULE = "TTP315"
ITEM = "performance.routing"


def _report(project, files: dict[str, str], **options: object) -> Report:
    options.setdefault("preview", True)  # TTP315 is in preview
    return run_check(project(files), **options)


def result(project, files: dict[str, str], **options: object) -> tuple[ItemResult, list]:
    report = _report(project, files, **options)
    return item_of(report, ITEM), [(p, line, sev) for p, line, _, sev in rows_of(report, (RULE,))]


TWO_MODELS = {
    "app/__init__.py": "",
    "app/config.py": """
    import os

    CHAT_MODEL = os.getenv("CHAT_MODEL", "gpt-4o-mini")
    EMBED_MODEL = "text-embedding-3-large"
    """,
    "app/llm.py": """
    import litellm
    from anthropic import Anthropic

    from app.config import CHAT_MODEL

    claude = Anthropic(timeout=30.0)

    def ask(q):
        return litellm.completion(model=CHAT_MODEL, messages=[])

    def review(q):
        return claude.messages.create(model="claude-3-5-sonnet-latest", max_tokens=9, messages=[])

    def local(q):
        return litellm.completion(model="ollama/qwen2.5", messages=[])
    """,
}


def test_several_models_without_router_warn_once(project) -> None:
    item, found = result(project, TWO_MODELS)
    assert found == [("app/config.py", 3, "info")]
    assert (item.status.value, item.score) == ("warn", 5.0)
    assert item.reason == (
        "3 models (gpt-4o-mini (app/config.py:3), claude-3-5-sonnet-latest (app/llm.py:12), "
        "ollama/qwen2.5 (app/llm.py:15)) and no router"
    )
    report = _report(project, TWO_MODELS)
    message = next(f.message for f in report.findings if f.rule == RULE)
    assert message.startswith("This project calls 3 models (gpt-4o-mini (app/config.py:3)")
    assert "from 3 provider(s)" in message


def test_a_router_anywhere_passes(project) -> None:
    files = dict(TWO_MODELS)
    files["app/router.py"] = """
    import litellm

    router = litellm.Router(model_list=[{"model_name": "fast", "litellm_params": {}}])
    """
    item, found = result(project, files)
    assert found == []
    assert item.status.value == "pass"
    assert [(e.path, e.line, e.note) for e in item.evidence] == [
        ("app/router.py", 3, "Router (LiteLLM) chooses the model"),
    ]


def test_tta_router_needs_its_real_signature(project) -> None:
    files = dict(TWO_MODELS)
    files["app/flow.py"] = """
    from ttadev.primitives import RouterPrimitive

    broken = RouterPrimitive(routes={}, default_route="fast")
    """
    item, found = result(project, files)
    assert item.status.value == "warn" and len(found) == 1
    files["app/flow.py"] = """
    from tta_dev_primitives import RouterPrimitive

    def choose(data, ctx):
        return "fast"

    router = RouterPrimitive({"fast": None}, choose)
    """
    item, found = result(project, files)
    assert (item.status.value, found) == ("pass", [])


def test_one_model_or_none_is_skipped(project) -> None:
    one = {
        "app/llm.py": """
        from openai import OpenAI

        client = OpenAI(timeout=30.0)

        def ask(q, model="gpt-4o-mini"):
            return client.chat.completions.create(model=model, messages=[])

        def embed(q):
            return client.embeddings.create(model="text-embedding-3-small", input=q)
        """
    }
    item, found = result(project, one)
    assert (item.status.value, found) == ("skip", [])
    assert item.reason == "one model (gpt-4o-mini (app/llm.py:5)): nothing to route"
    item, found = result(project, {"app/other.py": "def f(model='text'):\n    return model\n"})
    assert item.status.value == "skip"


def test_model_maps_docstrings_and_tests(project) -> None:
    files = {
        "app/models.py": '''
        """Uses gpt-4o and claude-3-opus."""

        MODELS = {"fast": "gpt-4o-mini", "smart": "claude-3-5-sonnet-latest"}
        ''',
        "tests/test_models.py": """
        FAKE = "gemini-1.5-pro"
        """,
    }
    item, found = result(project, files)
    assert found == [("app/models.py", 3, "info")]
    assert "2 models" in item.reason


def test_suppressed_or_ignored_is_not_judged(project) -> None:
    files = {
        "app/models.py": """
        FAST = "gpt-4o-mini"  # ttaprod: ignore[TTP315]
        SMART = "gpt-4o"
        """
    }
    item, found = result(project, files)
    assert (item.status.value, found) == ("skip", [])
    assert "ignored or suppressed" in item.reason
    item, found = result(
        project, {"app/models.py": 'A = "gpt-4o"\nB = "claude-3-haiku"\n'}, ignore=(RULE,)
    )
    assert (item.status.value, found) == ("skip", [])
